"""Which process drains a messenger's outbox: one at a time per bot token, so that several instances on one
PostgreSQL send within one budget (the messenger limits the token, not the process).

The drainer is the holder of a PostgreSQL session advisory lock named after the platform and the token, taken
on a connection of its own. A process killed even with -9 drops its connection, PostgreSQL ends that session
and frees the lock; another instance takes it at its next try (every few seconds). SQLite is one process:
that process always drains."""

from __future__ import annotations

import asyncio
import hashlib
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from models.db import Database

log = logging.getLogger(__name__)


def lock_key(platform: str, token: str) -> int:
    """A signed 64-bit key (pg_try_advisory_lock's argument) for this bot token on this platform."""
    digest = hashlib.sha256(f"rasad-outbox:{platform}:{token}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Lead:
    def __init__(self, db: Database, platform: str, token: str) -> None:
        self.db, self.platform = db, platform
        self.key = lock_key(platform, token)
        self._conn: AsyncConnection | None = None
        self._checking = asyncio.Lock()
        self._failing = False  # the last try could not reach the database (said once, not every try)
        # Set when the lead was just taken: rows the previous drainer claimed are its no more.
        self.taken_over = False

    @property
    def holding(self) -> bool:
        """As of the last check (a drain checks every LEAD_CHECK seconds while it runs)."""
        return self.db.is_sqlite or self._conn is not None

    async def held(self) -> bool:
        """Whether this process drains now: the lock is kept (its connection answers) or was just taken."""
        if self.db.is_sqlite:
            return True
        async with self._checking:
            if self._conn is not None:
                try:
                    await self._conn.execute(text("SELECT 1"))
                    return True
                except Exception as exc:  # the connection (and with it the lock) is gone
                    log.warning(
                        "%s: the outbox lead was lost (%s); trying to take it again", self.platform, exc
                    )
                    await self._drop()
            return await self._try_take()

    async def _try_take(self) -> bool:
        conn: AsyncConnection | None = None
        try:
            conn = await self.db.engine.connect()
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            got = (await conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})).scalar()
        except Exception as exc:  # no database now: not the drainer; the next try may be
            if not self._failing:
                log.warning("%s: could not ask for the outbox lead: %s", self.platform, exc)
            self._failing = True
            if conn is not None:
                await _discard(conn)
            return False
        self._failing = False
        if not got:
            await conn.close()  # back to the pool: this session holds no lock
            return False
        self._conn, self.taken_over = conn, True
        log.info("%s: this instance drains the outbox", self.platform)
        return True

    async def release(self) -> None:
        async with self._checking:
            await self._drop()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await _discard(conn)


async def _discard(conn: AsyncConnection) -> None:
    """Close the connection itself, not back to the pool: its session ends and any lock of it is freed."""
    try:
        await conn.invalidate()
        await conn.close()
    except Exception:  # already broken: nothing holds the lock
        log.debug("closing the lead's connection failed", exc_info=True)
