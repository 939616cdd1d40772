"""Shared fixtures: a fresh database per test (SQLite always; PostgreSQL too when TEST_DATABASE_URL
is set), seed data through the real importer, and a running bot against the fake Bot API."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from models.db import Database
from models.importer import import_rows
from models.migrate import upgrade
from models.schema import Base

PG_URL = os.environ.get("TEST_DATABASE_URL") or None  # set but empty: SQLite only
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
# 1405/09/08 11:30 in Tehran: inside the 1405 reporting year, 111 days before the deadline.
NOW = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)
YEAR = 1405


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once; each test gets a copy (much faster than migrating per test)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite+aiosqlite:///{path}")

    async def go() -> None:
        await upgrade(db.engine)
        await db.dispose()

    asyncio.run(go())
    return path


def _worker_database(url: str) -> str:
    """Each pytest-xdist worker gets a database of its own beside the one TEST_DATABASE_URL names."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"

    async def create() -> None:
        engine = create_async_engine(base, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                found = await conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
                if found.first() is None:
                    await conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            await engine.dispose()

    asyncio.run(create())
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_ready() -> str:
    assert PG_URL is not None
    url = _worker_database(PG_URL)
    db = Database(url)

    async def go() -> None:
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await upgrade(db.engine)
        await db.dispose()

    asyncio.run(go())
    return url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "bot.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url = request.getfixturevalue("postgres_ready")
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    db = Database(url)

    async def wipe() -> None:
        async with db.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        await db.dispose()

    asyncio.run(wipe())
    return url


async def scalar_once(url: str, sql: str) -> Any:
    """One query on an engine of its own (a test's eye on the database, the bot's pool untouched)."""
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return (await conn.execute(text(sql))).scalar_one()
    finally:
        await db.dispose()


@pytest.fixture
async def database(db_url: str) -> AsyncIterator[Database]:
    db = Database(db_url)
    yield db
    await db.dispose()


# A small roster: two counties of one province, four agencies, reps and supervisors.
def roster_rows() -> dict[str, list[tuple[int, dict[str, str]]]]:
    agencies = [
        ("101", "جهاد کشاورزی مشهد", "مشهد"),
        ("102", "بانک کشاورزی مشهد", "مشهد"),
        ("103", "کمیته امداد مشهد", "مشهد"),
        ("201", "جهاد کشاورزی نیشابور", "نیشابور"),
    ]
    commitments = [("101", "500"), ("102", "300"), ("103", "200"), ("201", "400")]
    people = [
        ("مریم احمدی", "09121111111", "rep", "101", ""),
        ("علی رضایی", "09122222222", "rep", "102", ""),
        ("رضا کریمی", "09125555555", "rep", "201", ""),
        ("زهرا موسوی", "09123333333", "supervisor", "", "شهرستان مشهد"),
        ("حسین نوری", "09124444444", "supervisor", "", "استان خراسان رضوی"),
    ]
    return {
        "agencies": [
            (i + 2, {"code": c, "name": n, "county": k, "province": "خراسان رضوی"})
            for i, (c, n, k) in enumerate(agencies)
        ],
        "commitments": [
            (i + 2, {"agency_code": c, "year": str(YEAR), "target": t})
            for i, (c, t) in enumerate(commitments)
        ],
        "people": [
            (i + 2, {"name": n, "phone": p, "role": r, "agency_code": a, "scope": s})
            for i, (n, p, r, a, s) in enumerate(people)
        ],
    }


@pytest.fixture
async def seeded(database: Database) -> Database:
    result = await import_rows(database, roster_rows())
    assert result.ok, result.errors
    return database


def settings_for(db_url: str, **overrides: Any):
    from models.settings import Settings

    values: dict[str, Any] = {
        "BOT_TOKEN": "123456:TEST-TOKEN",
        "DATABASE_URL": db_url,
        "BOT_YEAR": YEAR,
        "BOT_PLATFORM": "telegram",
        "BOT_DEFAULT_LOCALE": "fa",
        "BOT_RANKING_PUBLIC": True,
        "BOT_ADMINS": "",
        "SCHEDULER_TICK_SECONDS": 0,  # tests tick the scheduler themselves, with their own clock
        "USER_RATE_LIMIT": 0,  # tests type faster than people; the limit has its own test
        # The messengers' 30 calls a second is the fake's to enforce where a test asks it to; here it would
        # only make each test wait (a conversation step is three calls).
        "REPLY_RATE": 10_000,
        # One second between two reminders to one chat (the unit test of the limiter holds it to that) would
        # make a test of a year of weekly reminders wait a second a week.
        "SEND_CHAT_INTERVAL": 0.01,
        "OFFICIAL_HOLIDAYS": False,  # the calendar tests place their own holidays; test_calendar seeds
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]  # pydantic-settings' own keyword


@pytest.fixture(autouse=True)
def reported_basis() -> Iterator[None]:
    """RANKING_BASIS is process-wide (set when an application starts): each test begins on the default."""
    from models import stats

    stats.use_basis("reported")
    yield
    stats.use_basis("reported")
