"""`kill -9` at the worst moments: during a report's confirmation and during an import. A report is saved
with its audit event or not at all, and the user's next message says which; an import is all or nothing.
(A kill during a reminder fan-out: tests/e2e/test_delivery.py.)"""

from __future__ import annotations

import asyncio
import csv
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models.schema import Account, Agency, AuditEvent, Draft
from playground.fake_api import MessageRef
from tests.conftest import scalar_once
from tests.e2e.conftest import Harness, join
from tests.e2e.test_cli import cli_env
from tests.e2e.test_status_ranking import file_report

NOT_SAVED = "این گزارش هنوز ثبت نشده است"
SAVED_LATE = "پیش از وقفه‌ای در کار ربات ثبت شده بود"


def bot_env(db_url: str, cwd: Path, **extra: str) -> dict[str, str]:
    return cli_env(cwd, DATABASE_URL=db_url, SCHEDULER_TICK_SECONDS="0", USER_RATE_LIMIT="0", **extra)


async def bot_process(api, db_url: str, cwd: Path) -> asyncio.subprocess.Process:
    """`python -m bot run`, as systemd starts it, against the fake Bot API."""
    env = bot_env(
        db_url,
        cwd,
        BOT_PLATFORM=api.platform,
        BOT_TOKEN=api.token,
        BOT_API_BASE_URL=api.base_url,
        BOT_API_FILE_URL=api.file_base_url,
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def kill_9(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGKILL)
    await process.wait()


async def counts(harness: Harness) -> tuple[int, int, int]:
    """(achievements, their audit events, accounts with a "saved" not yet told)."""
    async with harness.db.session() as s:
        achievements = len(await harness.achievements())
        events = (
            await s.execute(select(func.count()).where(AuditEvent.action == "achievement.create"))
        ).scalar_one()
        pending = (
            await s.execute(select(func.count()).where(Account.pending_receipt.is_not(None)))
        ).scalar_one()
    return achievements, events, pending


async def confirm_in_a_process_killed_at(bot: Harness, api, tmp_path: Path, method: str) -> object:
    """A rep brings a report to its summary; a bot process takes the Confirm press and is killed while it
    waits for the Bot API's answer to `method`; the in-process bot then starts again."""
    rep = await join(bot, 501, "09121111111")
    summary = await file_report(rep, "14", confirm=False)
    await bot.stop()
    process = await bot_process(api, bot.db_url, tmp_path)
    try:
        arrived = api.hold(method)
        label, data = summary.last.inline_buttons[0]
        assert label == "✅ تأیید و ثبت"
        api.push_update(api.callback_update(rep.user, MessageRef(rep.chat_id, summary.last.message_id), data))
        await asyncio.wait_for(arrived.wait(), 30)
    finally:
        await kill_9(process)
    await bot.start()
    return rep


async def test_killed_before_the_commit_nothing_is_saved_and_the_next_message_says_so(bot, api, tmp_path):
    # The first thing Confirm does is answer the button press; the process dies waiting for that answer.
    rep = await confirm_in_a_process_killed_at(bot, api, tmp_path, "answerCallbackQuery")
    assert await counts(bot) == (0, 0, 0)
    reply = await rep.send("سلام")
    assert NOT_SAVED in reply.text and "خلاصهٔ گزارش" in reply.text
    reply = await rep.press("✅ تأیید و ثبت")
    assert "گزارش ثبت شد" in reply.text
    assert await counts(bot) == (1, 1, 0)


async def test_killed_after_the_commit_the_report_stands_and_the_next_message_says_so(bot, api, tmp_path):
    # Saved, and the process dies waiting for the answer to "saved": the user never got it.
    rep = await confirm_in_a_process_killed_at(bot, api, tmp_path, "sendMessage")
    assert await counts(bot) == (1, 1, 1)
    async with bot.db.session() as s:
        assert (await s.execute(select(func.count()).select_from(Draft))).scalar_one() == 0
    reply = await rep.send("/status")
    assert SAVED_LATE in reply[0].plain and "۱۴ شغل" in reply[0].plain  # first, before the status
    assert "محقق‌شده: ۱۴" in reply.text
    assert await counts(bot) == (1, 1, 0)
    assert SAVED_LATE not in (await rep.send("/status")).text  # told once


ROUNDS = int(os.environ.get("CRASH_ROUNDS", "3"))


@pytest.mark.parametrize("platform", ["telegram"], indirect=True)  # the process's faults, not the messenger's
async def test_killed_at_random_moments_of_a_confirm_it_is_all_or_nothing_and_told(bot, api, tmp_path):
    """Kills 0 to 200 ms after the press reaches a polling bot process: before, inside and after the
    transaction and the replies. CRASH_ROUNDS sets how many (3 in `make test`). Then the user writes."""
    rep = await join(bot, 501, "09121111111")
    outcomes = []
    for round_ in range(ROUNDS):
        summary = await file_report(rep, str(10 + round_), confirm=False)
        saved_before = len(await bot.achievements())
        seen = api.seq
        await bot.stop()
        calls = len(api.calls)
        process = await bot_process(api, bot.db_url, tmp_path)
        try:
            for _ in range(600):  # until it polls
                if any(name == "getUpdates" for name, _ in api.calls[calls:]):
                    break
                await asyncio.sleep(0.02)
            _, data = summary.last.inline_buttons[0]
            ref = MessageRef(rep.chat_id, summary.last.message_id)
            api.push_update(api.callback_update(rep.user, ref, data))
            await asyncio.sleep(random.Random(round_).uniform(0, 0.2))
        finally:
            await kill_9(process)
        await bot.start()  # a press the dead process took but never confirmed is delivered again
        reply = await rep.send("سلام")
        achievements, events, pending = await counts(bot)
        saved = achievements - saved_before
        assert saved in (0, 1) and events == achievements and pending == 0  # whole, or not at all
        since = [m.plain for m in api.outbox if m.seq > seen and m.chat_id == rep.chat_id]
        if saved:  # "saved" reached them: from the dead process, after the restart, or with their message
            assert any("گزارش ثبت شد" in text for text in since)
        else:
            assert NOT_SAVED in reply.text
            await rep.press("✅ تأیید و ثبت")  # saved now, for the next round to start clean
        outcomes.append("saved" if saved else "not saved")
    saved = outcomes.count("saved")
    print(f"\n{ROUNDS} kills during a confirm: {saved} saved, {ROUNDS - saved} not saved; each told")


async def test_an_import_killed_midway_leaves_nothing_and_runs_again_whole(seeded, db_url, tmp_path):
    await seeded.dispose()
    roster = tmp_path / "agencies.csv"
    with roster.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["code", "name", "county", "province"])
        for i in range(3000):
            writer.writerow([f"9{i:05d}", f"دستگاه آزمایشی {i}", f"شهرستان {i % 40}", "استان آزمایشی"])
    command = [sys.executable, "-m", "bot", "import", str(roster)]
    process = await asyncio.create_subprocess_exec(
        *command,
        env=bot_env(db_url, tmp_path),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(1200):  # kill once the import holds its write transaction
            if await _writing(db_url):
                break
            assert process.returncode is None, "the import ended before it could be killed"
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the import never began writing")
    finally:
        await kill_9(process)
    assert await _agencies(seeded) == 4  # the seeded ones only
    again = await asyncio.create_subprocess_exec(
        *command, env=bot_env(db_url, tmp_path), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await asyncio.wait_for(again.communicate(), 120)
    assert again.returncode == 0, err.decode()
    assert "agency: 3000 created" in out.decode()
    assert await _agencies(seeded) == 3004


async def _agencies(db) -> int:
    async with db.session() as s:
        return int((await s.execute(select(func.count()).select_from(Agency))).scalar_one())


async def _writing(db_url: str) -> bool:
    """Whether another process holds a write transaction open on the database."""
    if db_url.startswith("sqlite"):
        path = db_url.split(":///", 1)[1]
        con = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:  # database is locked: the importer writes
            return True
        finally:
            con.close()
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
    )
    return bool(await scalar_once(db_url, query))
