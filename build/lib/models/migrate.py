"""Schema migrations (Alembic), run from async code on the bot's own engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 7_142_011_405  # any constant shared by every instance


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    def run(connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Instances starting together: one migrates, the others wait and then find nothing to do.
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        await conn.run_sync(run)


async def revision(engine: AsyncEngine, message: str) -> None:
    """Developer aid: autogenerate a migration from the models."""

    def run(connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)

    async with engine.begin() as conn:
        await conn.run_sync(run)
