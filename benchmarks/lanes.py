"""Answers while a broadcast goes out (issue 21's first figure). The bot runs in its own process, polling a
fake Bot API in this process that answers 429 beyond 30 sendMessage a second (Telegram's overall limit). A
rep goes through guided /reports (8 steps each: presses and typed answers), first with nothing else going
on, then while an admin's /remind_now goes to every rep. Figures: a step's median wait during the broadcast
against idle in the same run (goal ≤ 2×), the broadcast's rate over its run as a share of the limit (goal
≥ 90%), and the 429s. Run with the bot's limiter (bot/lanes.py: answers first) and, for the before, PTB's
AIORateLimiter (one queue)."""

from __future__ import annotations

import asyncio
import collections
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from telegram.ext import AIORateLimiter

from benchmarks.conversation import Users, seed
from benchmarks.national import bot_env
from bot.lanes import lane_of
from playground.fake_api import FakeBotApi, MessageRef

LIMIT = 30
ADMIN = 9_999
REPORTS = 3  # guided /reports of 8 steps each: 24 steps measured idle, 24 during
THINK = 1.0  # seconds a quick rep takes to read a question and tap (the steps' waits exclude it)


class OneQueue(AIORateLimiter):
    """PTB's limiter as the bot had it: every call in one overall queue (the lane is not read)."""

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):  # type: ignore[no-untyped-def]  # PTB's signature
        return await super().process_request(callback, args, kwargs, endpoint, data, None)


def run_bot_with_one_queue() -> None:
    """`python -c 'import benchmarks.lanes as b; b.run_bot_with_one_queue()'`: the bot as before."""
    import bot.app
    from bot.__main__ import main
    from models.pacing import RateLimiter

    RateLimiter.wait_chat = RateLimiter.wait  # type: ignore[method-assign]  # the sender paced itself then

    bot.app.LaneRateLimiter = lambda message_rate, *_, **__: OneQueue(  # type: ignore[assignment,misc]  # the before, for this process only
        overall_max_rate=message_rate, max_retries=3
    )
    sys.exit(main(["run"]))


async def _steps(users: Users, reports: int) -> list[float]:
    """The rep's /report steps, `reports` times through: each step's wait for the bot's next message."""
    users.latencies.clear()
    for _ in range(reports):
        await users.report(0, think=THINK)
        await asyncio.sleep(THINK)  # the receipt read before the next report
    return list(users.latencies)


async def _run(url: str, reps: int, lanes: bool) -> dict[str, Any]:
    async with FakeBotApi(token="123456:BENCH", rate_limit=LIMIT, any_chat=True) as api:
        env = bot_env(
            api.base_url, api.token, url, BOT_ADMINS=str(ADMIN), DIGEST_TIME="23:00", USER_RATE_LIMIT="0"
        )
        code = "import benchmarks.lanes as b; b.run_bot_with_one_queue()"
        command = [sys.executable, "-m", "bot", "run"] if lanes else [sys.executable, "-c", code]
        process = await asyncio.create_subprocess_exec(
            *command, env=env, stdin=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )
        try:
            users = Users(api)
            await users.step(  # up and polling: the calls counted below are the reports' own
                {"id": ADMIN, "is_bot": False, "first_name": "admin"},
                api.message_update({"id": ADMIN, "is_bot": False, "first_name": "admin"}, "/help"),
            )
            first_call = len(api.calls)
            idle = await _steps(users, REPORTS)
            calls = collections.Counter(
                lane_of(name) or "free" for name, _ in api.calls[first_call:] if name != "getUpdates"
            )
            admin = {"id": ADMIN, "is_bot": False, "first_name": "admin", "language_code": "fa"}
            menu = await users.step(admin, api.message_update(admin, "/remind_now"))
            before = len(api.sent_times)
            api.push_update(api.callback_update(admin, MessageRef(menu.chat_id, menu.message_id), "rn|7"))
            while len(api.sent_times) < before + LIMIT:  # noqa: ASYNC110  (counted by the fake as it sends)
                await asyncio.sleep(0.05)
            during = await _steps(users, REPORTS)
            while len(api.sent_times) < before + reps:  # noqa: ASYNC110  (the rest of the broadcast)
                await asyncio.sleep(0.2)
            times = api.sent_times[before:]
            span = times[-1] - times[0]
            return {
                "idle": statistics.median(idle),
                "during": statistics.median(during),
                "rate": (len(times) - 1) / span if span > 0 else 0.0,
                "refused": api.refused,
                "calls": {lane: n / REPORTS for lane, n in calls.items()},
            }
        finally:
            process.terminate()
            await process.wait()


async def main(reps: int = 1_000) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    print(f"\nAnswers during a broadcast to {reps} reps (429 beyond {LIMIT}/s)")
    with tempfile.TemporaryDirectory() as folder:
        for name, lanes in (("before: one queue", False), ("after: answers first", True)):
            url = f"sqlite+aiosqlite:///{Path(folder) / f'{lanes}.db'}"
            await seed(url, reps)
            found = await _run(url, reps, lanes)
            figures[name] = found
            idle, during, rate = found["idle"], found["during"], found["rate"]
            print(
                f"  {name:<21} /report step p50 idle {idle * 1000:6.1f} ms, during {during * 1000:7.1f} ms "
                f"({during / idle:5.1f}×; goal ≤ 2×); broadcast {rate:4.1f} msg/s = {rate / LIMIT:4.0%} "
                f"of the limit (goal ≥ 90%); {found['refused']} 429s"
            )
        calls = found["calls"]
        print(
            f"  Bot API calls per guided /report: {sum(calls.values()):.0f} ({calls.get('messages', 0):.0f} "
            f"messages, {calls.get('edits', 0):.0f} edits, {calls.get('free', 0):.0f} not limited)"
        )
    return figures


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000))
