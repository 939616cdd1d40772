"""Hostile files while others work: 20 reps asking /status in turn, first alone, then while one rep sends
small genuine lists one after another, then spreadsheet bombs (a row numbered two billion, a gibibyte
shared string, two gigabytes of blank rows, the whole grid declared), then a genuine 20,000-row list.
Figure: the other reps' answer time (p50, p95) in each phase, as a ratio to the quiet phase of the same
run. The attacker's own conversation (seven updates a file) costs the others something whatever the file,
so the goal compares the bombs with the same traffic carrying small lists: at most 1.2× of it. The bot,
the fake Bot API and the users share this process (SQLite), as in the tests."""

from __future__ import annotations

import asyncio
import contextlib
import io
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.beneficiaries import workbook_bytes
from bot import app as bot_app
from models.db import Database
from models.importer import import_rows
from models.migrate import upgrade
from playground.fake_api import FakeBotApi
from tests.conftest import NOW, settings_for
from tests.kit import bombs
from tests.kit.driver import UpdateTracker, UserDriver, tracking_application_class

REPS = 20
BOMBS = {
    "tall row": bombs.tall_row,
    "huge shared string": bombs.huge_shared_string,
    "blank rows": bombs.blank_rows,
    "whole grid": bombs.declared_everything,
}


async def _seed(url: str) -> None:
    db = Database(url)
    await upgrade(db.engine)
    rows: dict[str, list[tuple[int, dict[str, str]]]] = {
        "agencies": [
            (i + 2, {"code": f"H{i}", "name": f"دستگاه {i}", "county": "مشهد", "province": "خراسان رضوی"})
            for i in range(REPS + 1)
        ],
        "commitments": [
            (i + 2, {"agency_code": f"H{i}", "year": "1405", "target": "500"}) for i in range(REPS + 1)
        ],
        "people": [
            (i + 2, {"name": f"نماینده {i}", "phone": f"0912{i:07d}", "role": "rep", "agency_code": f"H{i}"})
            for i in range(REPS + 1)
        ],
    }
    assert (await import_rows(db, rows)).ok
    await db.dispose()


async def _join(user: UserDriver, phone: str) -> None:
    await user.send("/start")
    await user.share_contact(phone)


async def _status_times(reps: list[UserDriver], seconds: float) -> list[float]:
    times: list[float] = []
    stop = time.perf_counter() + seconds
    index = 0
    while time.perf_counter() < stop:
        began = time.perf_counter()
        reply = await reps[index % len(reps)].send("/status")
        times.append(time.perf_counter() - began)
        assert "تعهد اشتغال" in reply.text
        index += 1
    return times


async def _attack(attacker: UserDriver, files: list[tuple[str, bytes]], stop: asyncio.Event) -> int:
    sent = 0
    while not stop.is_set():
        for name, content in files:
            await attacker.send("/report")
            await attacker.press("خدمات")
            await attacker.send("2")
            await attacker.press("امروز")
            await attacker.send("طرح آزمایشی")
            await attacker.send_document(name, content)
            await attacker.send("/cancel")
            sent += 1
            if stop.is_set():
                break
    return sent


def _small_list(seed: int) -> bytes:
    """A genuine two-row list, the same conversation as a bomb's: the control for the attacker's traffic."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["کد ملی"])
    wb.active.append(["0013542419" if seed % 2 else "0076229645"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _line(name: str, times: list[float], quiet: list[float]) -> str:
    p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[-1]
    q50, q95 = statistics.median(quiet), statistics.quantiles(quiet, n=20)[-1]
    return (
        f"  {name:<34} {len(times):5d} answers   p50 {p50 * 1000:6.1f} ms ({p50 / q50:4.2f}×)   "
        f"p95 {p95 * 1000:6.1f} ms ({p95 / q95:4.2f}×)"
    )


async def main(seconds: float = 20.0) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'hostile.db'}"
        await _seed(url)
        async with FakeBotApi() as api:
            tracker = UpdateTracker()
            settings = settings_for(
                url, BOT_TOKEN=api.token, BOT_API_BASE_URL=api.base_url, BOT_API_FILE_URL=api.file_base_url
            )
            app = bot_app.build_application(
                settings, clock=lambda: NOW, application_class=tracking_application_class(tracker)
            )
            await bot_app.start(app, poll_timeout=1)
            try:
                users = [UserDriver(api, tracker, 50_000 + i, f"n{i}") for i in range(REPS + 1)]
                for i, user in enumerate(users):
                    user.timeout = 120
                    await _join(user, f"0912{i:07d}")
                reps, attacker = users[:REPS], users[REPS]
                quiet = await _status_times(reps, seconds)
                phases = {"quiet": quiet}
                ordinary = [(f"{n}.xlsx", _small_list(i)) for i, n in enumerate(BOMBS)]
                for name, files in (
                    ("while small lists are sent", ordinary),
                    ("while bombs are sent", [(f"{n}.xlsx", make()) for n, make in BOMBS.items()]),
                    ("while a 20,000-row list is read", [("list.xlsx", workbook_bytes())]),
                ):
                    stop = asyncio.Event()
                    attack = asyncio.create_task(_attack(attacker, files, stop))
                    phases[name] = await _status_times(reps, seconds)
                    stop.set()
                    with contextlib.suppress(Exception):
                        files_sent = await attack
                    print(f"  ({name}: {files_sent} files sent)")
            finally:
                await bot_app.stop(app)
    print(
        f"\nOther reps' /status while one sends hostile files ({REPS} reps, {seconds:.0f} s a phase, SQLite)"
    )
    for name, times in phases.items():
        print(_line(name, times, quiet))
    bombed = statistics.median(phases["while bombs are sent"])
    control = statistics.median(phases["while small lists are sent"])
    verdict = "ok" if bombed <= 1.2 * control else "MISSED"
    print(
        f"  bombs against the same traffic with small genuine lists: p50 {bombed / control:4.2f}× "
        f"(goal ≤ 1.2×: a bomb costs the others no more than an ordinary file) {verdict}"
    )
    return phases


if __name__ == "__main__":
    asyncio.run(main())
