"""The dashboard at national scale (run by benchmarks/ranking.py on its data): GET /app/api/ranking over HTTP
for a county's and a province's supervisor, the whole scope's rows as JSON, against /ranking's page of the
same scope in the same run. Goal: under 50 ms. And the first load of the page: every file it fetches, as
sent (compressed). Goal: under 300 KB."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import insert, select

from bot.dashboard import DashboardServer
from models import webauth
from models.db import Database
from models.schema import Account, Person
from models.settings import Settings

PAGE_FILES = [
    "",
    "static/app.css",
    "static/app.js",
    "static/uPlot.iife.min.js",
    "static/uPlot.min.css",
    "static/Vazirmatn-Regular.ttf",
    "static/Vazirmatn-Bold.ttf",
]


async def _supervisor(db: Database, region_id: int, user_id: int, now: dt.datetime) -> str:
    """A supervisor of the region, linked, with a browser session: its Authorization."""
    async with db.write() as session:
        person_id = (
            await session.execute(
                insert(Person)
                .values(name=f"ناظر {region_id}", role="supervisor", scope_region_id=region_id)
                .returning(Person.id)
            )
        ).scalar_one()
        await session.execute(
            insert(Account).values(
                platform="telegram", platform_user_id=user_id, chat_id=user_id, person_id=person_id
            )
        )
        account_id = (
            await session.execute(select(Account.id).where(Account.platform_user_id == user_id))
        ).scalar_one()
    link = await webauth.issue_link(db, account_id, person_id, now)
    token = await webauth.open_session(db, link, now)
    assert token is not None
    return "Bearer " + token


async def measure(path: Path, year: int, today: dt.date, scopes: dict[str, int], runs: int) -> dict[str, Any]:
    """Median ms of the ranking endpoint per scope (county, province: their region ids), and the page's
    first load in bytes as sent."""
    url = f"sqlite+aiosqlite:///{path}"
    now = dt.datetime.combine(today, dt.time(9), tzinfo=dt.UTC)
    settings = Settings(  # type: ignore[call-arg]  # pydantic-settings' own keyword
        _env_file=None,
        BOT_TOKEN="123456:BENCH",
        DATABASE_URL=url,
        BOT_YEAR=year,
        DASHBOARD_URL="https://dash.example.org",
        DASHBOARD_PORT=0,
    )
    db = Database(url)
    server = DashboardServer(settings, db, lambda: now)
    figures: dict[str, Any] = {}
    try:
        auths = {
            label: await _supervisor(db, region, 900_000 + region, now) for label, region in scopes.items()
        }
        await server.start()
        base = f"http://127.0.0.1:{server.port}/app/"
        async with aiohttp.ClientSession(auto_decompress=False) as http:
            for label, auth in auths.items():
                samples, rows = [], 0
                for _ in range(runs + 1):
                    began = time.perf_counter()
                    async with http.get(base + "api/ranking", headers={"Authorization": auth}) as answer:
                        assert answer.status == 200, answer.status
                        await answer.read()
                    samples.append((time.perf_counter() - began) * 1000)
                async with (
                    aiohttp.ClientSession() as plain,
                    plain.get(base + "api/ranking", headers={"Authorization": auth}) as answer,
                ):
                    rows = len((await answer.json())["rows"])
                figures[label] = (statistics.median(samples[1:]), rows)
            weight = 0
            for name in PAGE_FILES:
                async with http.get(base + name, headers={"Accept-Encoding": "gzip"}) as answer:
                    assert answer.status == 200, name
                    weight += len(await answer.read())
            figures["page_bytes"] = weight
    finally:
        await server.stop()
        await db.dispose()
    return figures


def report(figures: dict[str, Any], pages: dict[str, tuple[float, float]]) -> None:
    print("\nThe dashboard's ranking endpoint (HTTP, the whole scope as JSON), median")
    for label, value in figures.items():
        if label == "page_bytes":
            continue
        ms, rows = value
        page = pages[label][0]
        verdict = "ok" if ms < 50 else "MISSED (goal < 50 ms)"
        print(f"  {label:8s} {ms:7.2f} ms for {rows:,} rows   /ranking's page {page:6.2f} ms   {verdict}")
    kb = figures["page_bytes"] / 1024
    print(f"  the page's first load: {kb:.0f} KB as sent ({'ok' if kb < 300 else 'MISSED (goal < 300 KB)'})")
