"""SQLAlchemy's aiosqlite adapter with one thread hand-off per statement instead of four.

The stock adapter asks aiosqlite's worker thread for a cursor, then to execute, then to fetch, then to close:
four round trips between the event loop and the thread, each a queue put, a wake-up and a callback. Here
the four run in the worker as one call. Measured (benchmarks/conversation.py): a conversation step holds
about twenty such round trips. Everything else (transactions, errors, server-side cursors) is the stock
adapter's, which already reaches into aiosqlite the same way (its isolation-level setter)."""

from __future__ import annotations

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


def lean_dbapi() -> LeanDBAPI:
    import aiosqlite

    return LeanDBAPI(aiosqlite, sqlite3)
