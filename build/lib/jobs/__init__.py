"""Scheduled work (reminders, digests) — see later issues; registered from bot/app.py."""
