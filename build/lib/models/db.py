"""Engine and sessions. SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE for writes."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Result, event
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from models.sqlite_lean import lean_dbapi

_WRITE = "rasad_write"


def make_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1].split("?", 1)[0]
        if (
            path and path != ":memory:" and not path.startswith("file:")
        ):  # file: URIs (mode=ro) name their own
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # module: the stock aiosqlite adapter with one thread hand-off per statement (models/sqlite_lean.py)
        lean = lean_dbapi()
        extra = {"module": lean} if lean is not None else {}
        engine = create_async_engine(url, connect_args={"timeout": 30}, **extra)
        _tune_sqlite(engine)
        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take transaction control from the driver so we can choose BEGIN IMMEDIATE for writes.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn):
        # A write that starts as a read would fail with "database is locked" on upgrade.
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# What a database error means for the people using the bot: it cannot store anything now (read-only, disk
# full) or cannot be reached (restarting). SQLite says so in its message, PostgreSQL in its SQLSTATE.
_SQLITE_FAULTS = {
    "readonly database": "read_only",
    "disk is full": "full",
    "unable to open database": "unavailable",
}
_PG_FAULTS = {
    "25006": "read_only",  # a read-only transaction: a standby, or default_transaction_read_only
    "53100": "full",  # disk full
    "57P01": "unavailable",  # admin shutdown: the server is restarting
    "57P02": "unavailable",  # crash shutdown
    "57P03": "unavailable",  # cannot connect now: starting up
    "08000": "unavailable",
    "08003": "unavailable",
    "08006": "unavailable",
}


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE, DELETE or INSERT touched (its result is a CursorResult, which says so)."""
    return int(getattr(result, "rowcount", 0) or 0)


def storage_fault(exc: BaseException | None) -> str | None:
    """'read_only', 'full' or 'unavailable' when an error (or what caused it) is the database refusing
    writes or out of reach; None for any other error."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if type(exc).__module__.startswith(_MESSENGER_SIDE):
            return None  # a Bot API call failed: whatever lies under it (a refused socket) is not ours
        if isinstance(exc, ConnectionError) or type(exc).__name__ in _GONE:
            return "unavailable"
        if getattr(exc, "connection_invalidated", False):  # SQLAlchemy: the connection was lost
            return "unavailable"
        state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
        if isinstance(state, str) and state in _PG_FAULTS:
            return _PG_FAULTS[state]
        if isinstance(exc, sqlite3.Error):  # its own message only (a wrapper's holds the statement's values)
            message = str(exc).lower()
            for phrase, kind in _SQLITE_FAULTS.items():
                if phrase in message:
                    return kind
        context = None if exc.__suppress_context__ else exc.__context__
        exc = getattr(exc, "orig", None) or exc.__cause__ or context
    return None


# asyncpg's names for a connection lost or refused (its classes are not imported here: SQLite needs none)
_GONE = {"ConnectionDoesNotExistError", "CannotConnectNowError", "ConnectionFailureError"}
_MESSENGER_SIDE = ("telegram", "aiohttp", "httpx", "httpcore")


class Database:
    """Owns the engine; hands out one session per unit of work."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.is_sqlite = url.startswith("sqlite")
        self._read = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_engine = self.engine.execution_options(**{_WRITE: True})
        self._write = async_sessionmaker(self._write_engine, expire_on_commit=False)
        self._writer: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    def session(self) -> AsyncSession:
        """For reads (and writes that tolerate a retry)."""
        return self._read()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A write transaction: committed on success, rolled back on error."""
        async with self._one_writer(), self._write() as session, session.begin():
            yield session

    @asynccontextmanager
    async def write_core(self) -> AsyncIterator[AsyncConnection]:
        """The same on a Core connection, without an ORM session: for a hot statement or two (a
        conversation's step), where the session's own work cost more than the statement."""
        async with self._one_writer(), self._write_engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def _one_writer(self) -> AsyncIterator[None]:
        """On SQLite, one writer at a time per process: writers queue here and start the moment the last
        one commits, where SQLite's own busy handler would put them to sleep in steps of up to 100 ms (other
        processes still meet it)."""
        if not self.is_sqlite:
            yield
            return
        async with self._writer_lock():
            yield

    def _writer_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._writer is None or self._writer[0] is not loop:  # a lock serves one event loop
            self._writer = (loop, asyncio.Lock())
        return self._writer[1]

    async def dispose(self) -> None:
        await self.engine.dispose()
