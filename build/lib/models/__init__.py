"""Data model, queries and domain rules; usable without any messenger."""
