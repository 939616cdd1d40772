import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from models.db import Database


@pytest.fixture
async def lean(tmp_path, monkeypatch):
    """A SQLite database, counting the hand-offs to aiosqlite's worker thread."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'lean.db'}")
    async with db.write() as s:
        await s.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    calls: list[str] = []
    real = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield db, calls
    await db.dispose()


async def test_a_statement_is_one_hand_off_with_its_rows_counts_and_ids(lean):
    db, calls = lean
    async with db.write() as s:
        calls.clear()
        inserted = await s.execute(text("INSERT INTO t (name) VALUES ('الف'), ('ب')"))
        assert (inserted.rowcount, len(calls)) == (2, 2)  # BEGIN IMMEDIATE, then the insert
        one = await s.execute(text("INSERT INTO t (name) VALUES ('پ')"))
        assert one.lastrowid == 3
        calls.clear()
        rows = (await s.execute(text("SELECT id, name FROM t ORDER BY id"))).all()
        assert [tuple(r) for r in rows] == [(1, "الف"), (2, "ب"), (3, "پ")] and len(calls) == 1
        changed = await s.execute(text("UPDATE t SET name = name || '!' WHERE id > 1"))
        assert changed.rowcount == 2
    async with db.session() as s:
        assert (await s.execute(text("SELECT count(*) FROM t WHERE name LIKE '%!'"))).scalar_one() == 2


async def test_errors_are_sqlites_and_the_transaction_rolls_back(lean):
    db, _ = lean
    with pytest.raises(IntegrityError):
        async with db.write() as s:
            await s.execute(text("INSERT INTO t (name) VALUES ('ت')"))
            await s.execute(text("INSERT INTO t (name) VALUES ('ت')"))
    async with db.session() as s:
        assert (await s.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0


def test_other_versions_or_internals_get_the_stock_adapter(tmp_path, monkeypatch):
    from models import sqlite_lean

    assert sqlite_lean.fits()
    lean = Database(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    assert isinstance(lean.engine.dialect.dbapi, sqlite_lean.LeanDBAPI)
    monkeypatch.setattr(aiosqlite, "__version__", "0.30.0")  # written for 0.20-0.22
    assert not sqlite_lean.fits()
    stock = Database(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    assert not isinstance(stock.engine.dialect.dbapi, sqlite_lean.LeanDBAPI)
    monkeypatch.undo()
    monkeypatch.setenv("RASAD_STOCK_SQLITE", "1")
    assert not sqlite_lean.fits()
