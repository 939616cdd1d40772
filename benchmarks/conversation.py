"""Conversation throughput: N reps completing /report at once (8 updates each: /report, sector, jobs,
date, title, codes skipped, Rasad, Confirm), the bot in its own process polling the fake Bot API over HTTP
on loopback, on SQLite and on PostgreSQL. Figures: updates per second, and p50 / p99 of the time from a
user's update to the bot's next message. Ceiling: a bare PTB echo bot (benchmarks/echo_bot.py) polling the
same fake, with its users sending as many messages. Goal: ≥ 50% of the echo bot's throughput, p99 < 100 ms
at N = 500. The fake and the simulated users share this process; the bot has the other core."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

from benchmarks.national import bot_env
from models.db import Database
from models.importer import import_rows
from models.migrate import upgrade
from models.schema import Account, Person
from playground.fake_api import BotMessage, FakeBotApi, MessageRef

FIRST_USER = 10_000
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
PG_BENCH = PG_ADMIN.rsplit("/", 1)[0] + "/rasad_bench"


async def fresh(url: str) -> Database:
    """The database emptied (PostgreSQL: every table dropped) and migrated."""
    db = Database(url)
    if not db.is_sqlite:
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(db.engine)
    return db


async def seed(url: str, users: int) -> None:
    db = await fresh(url)
    rows = {
        "agencies": [
            (i + 2, {"code": f"B{i}", "name": f"دستگاه {i}", "county": "مشهد", "province": "خراسان رضوی"})
            for i in range(users)
        ],
        "commitments": [
            (i + 2, {"agency_code": f"B{i}", "year": "1405", "target": "500"}) for i in range(users)
        ],
        "people": [
            (i + 2, {"name": f"نماینده {i}", "phone": f"0912{i:07d}", "role": "rep", "agency_code": f"B{i}"})
            for i in range(users)
        ],
    }
    result = await import_rows(db, rows)
    assert result.ok, result.errors[:3]
    async with db.write() as session:
        people = (await session.execute(select(Person.id).order_by(Person.id))).scalars().all()
        await session.execute(
            insert(Account),
            [
                {
                    "platform": "telegram",
                    "platform_user_id": FIRST_USER + i,
                    "chat_id": FIRST_USER + i,
                    "person_id": p,
                }
                for i, p in enumerate(people)
            ],
        )
    await db.dispose()


async def pg_ready() -> bool:
    admin = Database(PG_ADMIN)
    try:
        async with admin.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            exists = (
                await conn.execute(text("SELECT 1 FROM pg_database WHERE datname='rasad_bench'"))
            ).first()
            if not exists:
                await conn.execute(text("CREATE DATABASE rasad_bench"))
        return True
    except Exception as exc:  # no server here: SQLite figures only
        print(f"(PostgreSQL skipped: {exc})")
        return False
    finally:
        await admin.dispose()


class Users:
    """Simulated users: push an update, wait for the bot's next message in that chat, time it."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.waiting: dict[int, asyncio.Future[BotMessage]] = {}
        self.latencies: list[float] = []
        api.listeners.append(self._seen)

    def _seen(self, message: BotMessage) -> None:
        future = self.waiting.get(message.chat_id)
        if message.kind == "message" and future is not None and not future.done():
            future.set_result(message)

    async def step(self, user: dict[str, Any], payload: dict[str, Any]) -> BotMessage:
        future = asyncio.get_running_loop().create_future()
        self.waiting[user["id"]] = future
        began = time.perf_counter()
        self.api.push_update(payload)
        message = await asyncio.wait_for(future, 60)
        self.latencies.append(time.perf_counter() - began)
        return message

    async def press(self, user: dict[str, Any], message: BotMessage, label: str) -> BotMessage:
        data = next(d for t, d in message.inline_buttons if t == label)
        assert data is not None
        ref = MessageRef(message.chat_id, message.message_id)
        return await self.step(user, self.api.callback_update(user, ref, data))

    async def report(self, index: int, think: float = 0.0) -> None:
        """A guided /report through; `think`: seconds the user reads before each step after the first."""
        user = {"id": FIRST_USER + index, "is_bot": False, "first_name": f"u{index}", "language_code": "fa"}

        async def say(words: str) -> BotMessage:
            await asyncio.sleep(think)
            return await self.step(user, self.api.message_update(user, words))

        async def press(message: BotMessage, label: str) -> BotMessage:
            await asyncio.sleep(think)
            return await self.press(user, message, label)

        question = await self.step(user, self.api.message_update(user, "/report"))
        question = await press(question, "صنعت")
        question = await say("۹")
        question = await press(question, "امروز")
        question = await say("کارگاه نجاری")
        question = await press(question, "رد شدن ⏭")
        summary = await press(question, "هنوز نه")
        saved = await press(summary, "✅ تأیید و ثبت")
        assert "ثبت شد" in saved.plain, saved.plain

    async def echo(self, index: int) -> None:
        user = {"id": FIRST_USER + index, "is_bot": False, "first_name": f"u{index}", "language_code": "fa"}
        for word in range(8):
            await self.step(user, self.api.message_update(user, f"پیام {word}"))


async def run(url: str | None, users_n: int) -> tuple[float, float, float, float]:
    """(updates per second, p50 ms, p99 ms, the bot's CPU ms per update) for N users against the bot (url)
    or the echo bot (None)."""
    async with FakeBotApi(token="123456:BENCH") as api:
        if url is None:
            command = [sys.executable, "-m", "benchmarks.echo_bot", api.base_url, api.token]
            env = dict(os.environ)
        else:
            command = [sys.executable, "-m", "bot", "run"]
            # The bot's own cap on answers (Telegram's ~30 messages/s) is lifted to measure the software;
            # against the real Telegram that cap, not the code, bounds conversations (docs/benchmarks.md).
            env = bot_env(api.base_url, api.token, url, REPLY_RATE="100000")
        process = await asyncio.create_subprocess_exec(
            *command, env=env, stdin=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )
        try:
            users = Users(api)
            warm = {"id": FIRST_USER, "is_bot": False, "first_name": "w"}
            await users.step(warm, api.message_update(warm, "/help" if url else "سلام"))  # up and polling
            users.latencies.clear()
            began, cpu_began = time.perf_counter(), cpu_seconds(process.pid)
            work = users.report if url else users.echo
            await asyncio.gather(*(work(i) for i in range(users_n)))
            elapsed, cpu = time.perf_counter() - began, cpu_seconds(process.pid) - cpu_began
        finally:
            process.terminate()
            await process.wait()
    ms = sorted(x * 1000 for x in users.latencies)
    cuts = statistics.quantiles(ms, n=100)
    return len(ms) / elapsed, statistics.median(ms), cuts[98], cpu * 1000 / len(ms)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process so far: steadier than throughput on a shared machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def main(sizes: list[int], rounds: int = 3) -> None:
    backends: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        backends.append(("SQLite", sqlite_url))
        if await pg_ready():
            backends.append(("PostgreSQL", PG_BENCH))
        for _, url in backends:
            await seed(url, max(sizes))
        print(f"\nConversations: N reps completing /report at once ({kind_note()}, medians of {rounds} runs)")
        for n in sizes:
            runs: dict[str, list[tuple[float, float, float, float]]] = {"echo": []}
            for _ in range(rounds):  # interleaved, so a slow spell of the machine hits every side
                runs["echo"].append(await run(None, n))
                for name, url in backends:
                    runs.setdefault(name, []).append(await run(url, n))
            echo = medians(runs.pop("echo"))
            print(
                f"  N={n:<4} echo bot (ceiling): {echo[0]:6.0f} updates/s   "
                f"p50 {echo[1]:5.1f} ms   p99 {echo[2]:6.1f} ms   CPU {echo[3]:4.1f} ms/update"
            )
            for name, figures in runs.items():
                ours = medians(figures)
                verdict = "ok" if ours[0] >= 0.5 * echo[0] and (n < 500 or ours[2] < 100) else "MISSED"
                print(
                    f"  N={n:<4} bot on {name:10s}: {ours[0]:6.0f} updates/s "
                    f"({ours[0] / echo[0]:4.0%} of echo)   "
                    f"p50 {ours[1]:5.1f} ms   p99 {ours[2]:6.1f} ms   "
                    f"CPU {ours[3]:4.1f} ms/update   {verdict}"
                )


def medians(runs: list[tuple[float, ...]]) -> tuple[float, ...]:
    return tuple(statistics.median(column) for column in zip(*runs, strict=True))


def kind_note() -> str:
    return f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="50,500")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main([int(x) for x in args.sizes.split(",")], args.rounds))
