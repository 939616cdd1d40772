"""Alembic environment. Runs on a connection handed in by models.migrate (inside the bot's loop)."""

from __future__ import annotations

from alembic import context

from models.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - always called through models.migrate
    raise RuntimeError("run migrations with `rasad-bot db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
