"""Ranking at national scale: 30,000 agencies and 1,000,000 achievements, then 10,000,000.

Reports the median time of one ranking page (20 rows) for a county and for a province, against a ceiling
measured in the same run: reading that scope's agency rows alone. Goal: under 50 ms, flat as achievements
grow (the page reads per-agency totals, never the achievements)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from benchmarks import dashboard
from models.db import Database
from models.migrate import upgrade
from models.schema import Agency
from models.stats import Scope, ranking

YEAR = 1405
TODAY = dt.date(2026, 11, 29)
PROVINCES, COUNTIES_PER_PROVINCE, AGENCIES_PER_COUNTY = 31, 15, 65  # 30,225 agencies
REGISTERED = "SUM(CASE WHEN rasad_registered THEN jobs ELSE 0 END)"


def populate(path: Path) -> tuple[int, int]:
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    stamp = "2026-11-01 00:00:00"
    regions, agencies, commitments = [], [], []
    region_id = agency_id = 0
    for p in range(PROVINCES):
        region_id += 1
        province = region_id
        regions.append((province, "province", f"استان {p}", f"p{p}", None))
        for c in range(COUNTIES_PER_PROVINCE):
            region_id += 1
            regions.append((region_id, "county", f"شهرستان {p}-{c}", f"c{p}-{c}", province))
            for _ in range(AGENCIES_PER_COUNTY):
                agency_id += 1
                agencies.append((agency_id, f"A{agency_id}", f"دستگاه {agency_id}", region_id, stamp, stamp))
                commitments.append((agency_id, YEAR, random.randint(50, 5000)))
    con.executemany("INSERT INTO regions (id, kind, name, name_key, parent_id) VALUES (?,?,?,?,?)", regions)
    con.executemany(
        "INSERT INTO agencies (id, code, name, county_id, created_at, updated_at) VALUES (?,?,?,?,?,?)",
        agencies,
    )
    con.executemany("INSERT INTO commitments (agency_id, year, target) VALUES (?,?,?)", commitments)
    con.execute(
        "INSERT INTO people (id, name, role, active, nudges_muted, created_at, updated_at) "
        f"VALUES (1, 'bench', 'rep', 1, 0, '{stamp}', '{stamp}')"
    )
    con.commit()
    con.close()
    return agency_id, region_id


def add_achievements(path: Path, count: int, agencies: int) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    start = dt.date(2026, 3, 21)
    batch = []
    for i in range(count):
        day = (start + dt.timedelta(days=random.randint(0, 250))).isoformat()
        batch.append(
            (
                random.randint(1, agencies),
                1,
                YEAR,
                day,
                random.randint(1, 20),
                "services",
                "طرح",
                random.random() < 0.7,
                "reported",
                day,
                day,
            )
        )
        if len(batch) == 100_000 or i == count - 1:
            con.executemany(
                "INSERT INTO achievements (agency_id, person_id, year, created_on, jobs, sector, title, "
                "rasad_registered, status, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                batch,
            )
            batch.clear()
    # What the write path keeps current, rebuilt in bulk (the same SQL as migration 0004).
    con.execute("DELETE FROM agency_totals")
    con.execute("DELETE FROM agency_days")
    con.execute(
        "INSERT INTO agency_totals (agency_id, year, achieved, registered, reports, last_report_at) "
        f"SELECT agency_id, year, SUM(jobs), {REGISTERED}, COUNT(*), MAX(created_at) FROM achievements "
        "GROUP BY agency_id, year"
    )
    con.execute(
        "INSERT INTO agency_days (agency_id, year, day, jobs, registered) "
        f"SELECT agency_id, year, created_on, SUM(jobs), {REGISTERED} FROM achievements "
        "GROUP BY agency_id, year, created_on"
    )
    con.commit()
    con.close()


async def median_ms(action, runs: int) -> float:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples)


async def measure(db: Database, runs: int) -> dict[str, tuple[float, float]]:
    county = Scope("county", "c", (2,))
    province = Scope("province", "p", tuple(range(2, 2 + COUNTIES_PER_PROVINCE)))
    out = {}
    for label, scope in (("county", county), ("province", province)):

        async def page(scope: Scope = scope) -> None:
            async with db.session() as s:
                await ranking(s, scope, YEAR, TODAY, limit=20)

        async def ceiling(scope: Scope = scope) -> None:
            async with db.session() as s:
                (
                    await s.execute(
                        select(Agency.id, Agency.name).where(Agency.county_id.in_(scope.county_ids))
                    )
                ).all()

        await page()  # warm caches
        out[label] = (await median_ms(page, runs), await median_ms(ceiling, runs))
    return out


def report(title: str, figures: dict[str, tuple[float, float]]) -> None:
    print(f"\n{title}")
    for label, (page, ceiling) in figures.items():
        verdict = "ok" if page < 50 else "MISSED (goal < 50 ms)"
        print(
            f"  {label:8s} page {page:7.2f} ms   ceiling {ceiling:6.2f} ms   "
            f"ratio {page / ceiling:5.1f}×   {verdict}"
        )


async def main(achievements: int, grow: int, runs: int) -> None:
    random.seed(1405)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        db = Database(f"sqlite+aiosqlite:///{path}")
        await upgrade(db.engine)
        await db.dispose()
        agencies, _ = populate(path)
        began = time.perf_counter()
        add_achievements(path, achievements, agencies)
        print(
            f"{agencies:,} agencies; generated {achievements:,} achievements "
            f"in {time.perf_counter() - began:.0f} s"
        )
        db = Database(f"sqlite+aiosqlite:///{path}")
        first = await measure(db, runs)
        report(f"SQLite, {achievements:,} achievements (median of {runs})", first)
        await db.dispose()
        scopes = {"county": 2, "province": 1}  # their region ids, as measure() reads them
        dashboard.report(await dashboard.measure(path, YEAR, TODAY, scopes, runs), first)
        if grow > 1:
            add_achievements(path, achievements * (grow - 1), agencies)
            db = Database(f"sqlite+aiosqlite:///{path}")
            second = await measure(db, runs)
            report(f"SQLite, {achievements * grow:,} achievements (median of {runs})", second)
            for label in first:
                print(
                    f"  {label}: {second[label][0] / first[label][0]:.2f}× the time "
                    f"with {grow}× the achievements"
                )
            await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--achievements", type=int, default=1_000_000)
    parser.add_argument("--grow", type=int, default=10)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main(args.achievements, args.grow, args.runs))
