"""Handlers: thin (parse, call models, reply). `register` wires them in a deliberate order."""
