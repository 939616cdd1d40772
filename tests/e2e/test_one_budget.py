"""One send budget per bot token whatever the number of instances: webhook instances, each a process of its
own on one PostgreSQL, drain an outbox of reminders against a fake Bot API that answers 429 beyond its
limit. One instance drains at a time (models/lead.py); killed with -9, another takes over within seconds
and takes the rows it had claimed without waiting for their lease. Counted, not timed: 429s, and how many
times each rep was sent a message against the outbox's rows."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from benchmarks.instances import FIRST_CHAT, Outbox, instances, seed_reminders, sent_more_than_once
from benchmarks.national import bot_env
from jobs.sender import CONCURRENCY
from models.db import Database
from models.lead import Lead
from playground.fake_api import FakeBotApi

pytestmark = pytest.mark.serial  # processes of their own: counted apart from the parallel run
LIMIT = 100  # the fake's messages a second (Telegram's 30, scaled to keep the runs short)
RATE = 90  # the bots' budget, under it: a loaded machine may bunch arrivals at the fake


async def wait_until(check: Callable[[], Awaitable[bool]], seconds: float) -> None:
    for _ in range(int(seconds * 5)):
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"not reached within {seconds}s")


def pg_only(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite is one process: several instances need PostgreSQL")


@pytest.fixture
async def outbox(db_url):
    pg_only(db_url)
    watched = Outbox(db_url)
    yield watched
    await watched.close()


@pytest.mark.parametrize("count", [2, 3])
async def test_instances_on_one_database_send_within_one_budget_each_reminder_once(
    db_url, tmp_path, outbox, count
):
    reps = 1_000
    await seed_reminders(db_url, reps)
    async with FakeBotApi(token="123456:ONE-BUDGET", rate_limit=LIMIT, any_chat=True, light=True) as api:
        async with instances(api, db_url, count, tmp_path, RATE) as running:
            await wait_until(lambda: outbox.done(reps), 120)
            drainers = [one for one in running if one.drains()]
        rows = await outbox.sent_per_chat()
    assert api.refused == 0
    assert len(drainers) == 1, "one drainer at a time"
    assert set(api.sent_chats) == {FIRST_CHAT + i for i in range(reps)} == set(rows)
    assert dict(api.sent_chats) == rows, "each reminder sent once"


async def test_a_drainer_killed_is_replaced_within_seconds_and_nothing_is_lost(db_url, tmp_path, outbox):
    reps = 1_500
    await seed_reminders(db_url, reps)
    async with FakeBotApi(token="123456:ONE-BUDGET", rate_limit=LIMIT, any_chat=True, light=True) as api:
        async with instances(api, db_url, 3, tmp_path, RATE) as running:

            async def a_third_sent() -> bool:
                return sum(api.sent_chats.values()) >= reps // 3

            await wait_until(a_third_sent, 60)
            (first,) = [one for one in running if one.drains()]
            os.kill(first.process.pid, signal.SIGKILL)
            await first.process.wait()
            killed_at, at_kill = time.monotonic(), len(api.sent_times)
            # The dead drainer's claimed rows have a 600 s lease: all sent well before it means taken over.
            await wait_until(lambda: outbox.done(reps), 90)
            successors = [one for one in running if one is not first and one.drains()]
        rows = await outbox.sent_per_chat()
    assert len(successors) == 1
    assert api.refused == 0
    assert set(api.sent_chats) == {FIRST_CHAT + i for i in range(reps)} == set(rows), "no reminder lost"
    # What the dead drainer had sent and not yet marked is sent again (the messenger has no way to ask what
    # it delivered): only what was in flight or unmarked at the kill, once more at most.
    again = sent_more_than_once(api, rows)
    assert all(api.sent_chats[chat] == rows[chat] + 1 for chat in again)
    assert len(again) <= 3 * CONCURRENCY, len(again)
    first_after = next(t for t in api.sent_times[at_kill:] if t > killed_at + 0.5)  # not the dead one's last
    print(
        f"killed after {at_kill} sent; the next drainer's first message {first_after - killed_at:.1f}s "
        f"later; {len(again)} sent again"
    )
    assert first_after - killed_at < 60, "taken over within seconds, not after the 600 s lease"


async def run(command: list[str], env: dict[str, str], folder: Path) -> tuple[int | None, str]:
    process = await asyncio.create_subprocess_exec(
        *command, env=env, cwd=folder, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode()


async def test_the_command_line_sends_nothing_while_an_instance_drains(db_url, tmp_path, outbox):
    await seed_reminders(db_url, 10)
    db = Database(db_url)
    running = Lead(db, "telegram", "123456:ONE-BUDGET")  # a running instance's lead
    try:
        assert await running.held()
        async with FakeBotApi(token="123456:ONE-BUDGET", any_chat=True) as api:
            env = bot_env(api.base_url, api.token, db_url)
            command = [sys.executable, "-m", "bot", "reminders", "send-due"]
            code, out = await run(command, env, tmp_path)
            assert code == 0 and "a running instance drains the outbox" in out, out
            assert api.sent_chats == {} and await outbox.sent_per_chat() == {}
            await running.release()  # the instance stopped: the command line sends
            code, out = await run(command, env, tmp_path)
            assert code == 0 and "telegram: sent " in out, out
            rows = await outbox.sent_per_chat()
            assert len(rows) == 10 and dict(api.sent_chats) == rows
    finally:
        await running.release()
        await db.dispose()
