"""SQLAlchemy's aiosqlite adapter with one thread hand-off per statement instead of four.

The stock adapter asks aiosqlite's worker thread for a cursor, then to execute, then to fetch, then to close:
four round trips between the event loop and the thread, each a queue put, a wake-up and a callback. Here
the four run in the worker as one call. Measured (benchmarks/conversation.py): a conversation step holds
about twenty such round trips. Everything else (transactions, errors, server-side cursors) is the stock
adapter's, which already reaches into aiosqlite the same way (its isolation-level setter)."""

from __future__ import annotations

import os
import sqlite3
from collections import deque
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

Outcome = tuple[Any, list[Any], int | None, int]


def _execute(conn: sqlite3.Connection, operation: str, parameters: Any) -> Outcome:
    """In aiosqlite's thread: the whole statement, rows included (description, rows, lastrowid, rowcount)."""
    cursor = conn.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        if cursor.description:
            return cursor.description, cursor.fetchall(), -1, -1
        return None, [], cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


class LeanCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            aio = self._connection
            outcome: Outcome = self.await_(aio._execute(_execute, aio._conn, operation, parameters))
            self.description, rows, self.lastrowid, self.rowcount = outcome  # type: ignore[assignment]  # sqlite3 gives None before a statement; the stock cursor stores it as given
            self._rows = deque(rows)
        except Exception as error:
            self._adapt_connection._handle_exception(error)


class LeanConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        return super().cursor(server_side) if server_side else LeanCursor(self)


class LeanDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """Passed to create_async_engine as `module`: the stock DBAPI adapter, its connections lean."""

    def connect(self, *arg: Any, **kw: Any) -> LeanConnection:
        stock = super().connect(*arg, **kw)
        return LeanConnection(self, stock._connection)


# The versions these internals were read in (pyproject pins them); anything else gets the stock adapter.
WRITTEN_FOR = {"sqlalchemy": ("2.0.",), "aiosqlite": ("0.20.", "0.21.", "0.22.")}


def fits() -> bool:
    """Whether SQLAlchemy's and aiosqlite's internals are the ones this module reaches into: the versions it
    was written for, and the attributes it uses. RASAD_STOCK_SQLITE=1 turns it off (the suite runs a part
    of itself so)."""
    import aiosqlite
    import sqlalchemy

    if os.environ.get("RASAD_STOCK_SQLITE") == "1":
        return False
    versions = {"sqlalchemy": sqlalchemy.__version__, "aiosqlite": getattr(aiosqlite, "__version__", "")}
    if not all(versions[name].startswith(prefixes) for name, prefixes in WRITTEN_FOR.items()):
        return False
    needed = (
        (aiosqlite.Connection, "_execute"),
        (AsyncAdapt_aiosqlite_cursor, "await_"),
        (AsyncAdapt_aiosqlite_cursor, "_rows"),
        (AsyncAdapt_aiosqlite_connection, "_handle_exception"),
    )
    return all(hasattr(owner, name) or name in getattr(owner, "__slots__", ()) for owner, name in needed)


def lean_dbapi() -> LeanDBAPI | None:
    """The lean adapter, or None (the stock one) when the internals differ from those it was written for."""
    import aiosqlite

    return LeanDBAPI(aiosqlite, sqlite3) if fits() else None
