"""A national-scale SQLite database for the benchmarks: 30,225 agencies with commitments, achievements,
and linked accounts (reps spread over the agencies, a supervisor per county and per province)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.ranking import COUNTIES_PER_PROVINCE, PROVINCES, add_achievements, populate
from models.db import Database
from models.migrate import upgrade

FIRST_CHAT = 1_000_000
STAMP = "2026-11-01 00:00:00"


def add_people(path: Path, accounts: int, agencies: int) -> int:
    """`accounts` linked people: one supervisor per county and per province, the rest reps."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    regions = [r for (r,) in con.execute("SELECT id FROM regions ORDER BY id")]
    people, links = [], []
    for i in range(accounts):
        person_id = 1000 + i  # person 1 is the achievements' reporter
        if i < len(regions):
            people.append((person_id, f"ناظر {i}", "supervisor", None, regions[i], STAMP, STAMP))
        else:
            people.append((person_id, f"نماینده {i}", "rep", 1 + i % agencies, None, STAMP, STAMP))
        links.append((person_id, "telegram", FIRST_CHAT + i, FIRST_CHAT + i, person_id, STAMP))
    con.executemany(
        "INSERT INTO people (id, name, role, agency_id, scope_region_id, active, nudges_muted, created_at, "
        "updated_at) VALUES (?,?,?,?,?,1,0,?,?)",
        people,
    )
    con.executemany(
        "INSERT INTO accounts (id, platform, platform_user_id, chat_id, person_id, linked_at) "
        "VALUES (?,?,?,?,?,?)",
        links,
    )
    con.commit()
    con.close()
    return accounts


async def build(path: Path, achievements: int, accounts: int) -> None:
    db = Database(f"sqlite+aiosqlite:///{path}")
    await upgrade(db.engine)
    await db.dispose()
    agencies, _ = populate(path)
    add_achievements(path, achievements, agencies)
    add_people(path, accounts, agencies)


def cached(folder: Path, achievements: int, accounts: int) -> Path:
    """Build once per size and copy: the build takes a while."""
    source = folder / f"national-{achievements}-{accounts}.db"
    if not source.exists():
        asyncio.run(build(source, achievements, accounts))
    return source


def copy(source: Path, target: Path) -> Path:
    shutil.copy(source, target)
    return target


def bot_env(base_url: str, token: str, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a bot process under benchmark: nothing of the caller's deployment leaks in."""
    own = ("BOT_", "DATABASE_URL", "TELEGRAM_", "BALE_", "SEND_", "REPLY_", "WEBHOOK_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(own)}
    env.update({"BOT_TOKEN": token, "BOT_API_BASE_URL": base_url, "DATABASE_URL": database_url})
    env.update({"BOT_YEAR": "1405", "SCHEDULER_TICK_SECONDS": "0", **extra})
    return env


def start_fake(*args: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """The counting fake Bot API in a process of its own (`python -m playground.fake_api`)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "playground.fake_api", *args], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    ports = json.loads(process.stdout.readline())
    return process, ports


SCOPES = PROVINCES * (1 + COUNTIES_PER_PROVINCE)
