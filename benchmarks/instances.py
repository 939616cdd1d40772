"""One budget across instances (issue 21's second figure): two and three webhook instances, each a process of
its own, on one PostgreSQL, drain 3,000 reminders against a fake Bot API that answers 429 beyond 30
sendMessage a second. Figures: the 429s, the rate over the run as a share of the limit (goal ≥ 95%), how many
reps were sent their reminder more than once (goal 0). After: one instance drains at a time (models/lead.py).
Before: every instance drains, as the bot did (`run_bot_every_instance_drains`)."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from benchmarks.conversation import PG_BENCH, fresh, pg_ready
from benchmarks.national import bot_env
from models.db import Database
from models.importer import import_rows
from models.schema import Account, Person
from models.schema import Outbox as OutboxRow
from playground.fake_api import FakeBotApi
from playground.terminal import free_port

FIRST_CHAT = 7_000_000
DRAINS = "this instance drains the outbox"  # models/lead.py's log line


async def seed_reminders(url: str, reps: int) -> None:
    """`reps` reps of as many agencies, each with an account and a reminder due now (a migrated database)."""
    db = Database(url)
    try:
        agencies = [
            (i + 2, {"code": f"B{i}", "name": f"دستگاه {i}", "county": "مشهد", "province": "خراسان رضوی"})
            for i in range(reps)
        ]
        targets = [(i + 2, {"agency_code": f"B{i}", "year": "1405", "target": "500"}) for i in range(reps)]
        people = [
            (i + 2, {"name": f"نماینده {i}", "phone": f"0912{i:07d}", "role": "rep", "agency_code": f"B{i}"})
            for i in range(reps)
        ]
        assert (await import_rows(db, {"agencies": agencies, "commitments": targets, "people": people})).ok
        async with db.write() as session:
            ids = (await session.execute(select(Person.id).order_by(Person.id))).scalars().all()
            accounts = [
                {
                    "platform": "telegram",
                    "platform_user_id": FIRST_CHAT + i,
                    "chat_id": FIRST_CHAT + i,
                    "person_id": p,
                }
                for i, p in enumerate(ids)
            ]
            await session.execute(insert(Account), accounts)
            now = dt.datetime.now(dt.UTC)
            reminders = [
                {
                    "account_id": a,
                    "person_id": p,
                    "key": f"load:{a}",
                    "kind": "nudge",
                    "due_at": now,
                    "payload": {"year": 1405},
                }
                for a, p in (await session.execute(select(Account.id, Account.person_id))).all()
            ]
            await session.execute(insert(OutboxRow), reminders)
    finally:
        await db.dispose()


class Outbox:
    """The outbox as the instances leave it, read through one connection pool while they work."""

    def __init__(self, url: str) -> None:
        self.db = Database(url)

    async def close(self) -> None:
        await self.db.dispose()

    async def sent_per_chat(self) -> dict[int, int]:
        """Rows marked sent, per chat (besides the seeded reminders, the instances' own planning may add
        some, by the calendar)."""
        async with self.db.session() as session:
            rows = await session.execute(
                select(Account.chat_id, func.count())
                .join(OutboxRow, OutboxRow.account_id == Account.id)
                .where(OutboxRow.status == "sent")
                .group_by(Account.chat_id)
            )
            return {chat: count for chat, count in rows}

    async def unsent(self) -> int:
        async with self.db.session() as session:
            query = (
                select(func.count())
                .select_from(OutboxRow)
                .where(OutboxRow.status.in_(("pending", "sending")))
            )
            return int((await session.execute(query)).scalar_one())

    async def done(self, reps: int) -> bool:
        """Every seeded reminder sent, and nothing left to send."""
        return await self.unsent() == 0 and len(await self.sent_per_chat()) >= reps


def sent_more_than_once(api: FakeBotApi, rows: dict[int, int]) -> list[int]:
    """Chats the fake received more messages than the outbox sent them."""
    return [chat for chat, count in api.sent_chats.items() if count > rows.get(chat, 0)]


class Instance:
    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process, self.log = process, log

    def drains(self) -> bool:
        return DRAINS in self.log.read_text(errors="replace")


@asynccontextmanager
async def instances(
    api: FakeBotApi, url: str, count: int, folder: Path, rate: float, *, every_one_drains: bool = False
) -> AsyncIterator[list[Instance]]:
    """`count` webhook instances of the bot, each a process, sending at `rate`; their logs in `folder`."""
    code = "import benchmarks.instances as b; b.run_bot_every_instance_drains()"
    command = ["-c", code] if every_one_drains else ["-m", "bot", "run"]
    started: list[Instance] = []
    try:
        for n in range(count):
            port = free_port()
            env = bot_env(
                api.base_url,
                api.token,
                url,
                BOT_MODE="webhook",
                WEBHOOK_URL=f"http://127.0.0.1:{port}",
                WEBHOOK_LISTEN="127.0.0.1",
                WEBHOOK_PORT=str(port),
                WEBHOOK_SECRET="s3cret-Webhook_token-0123456789",
                SEND_RATE=str(rate),
                REPLY_RATE=str(rate),
                SCHEDULER_TICK_SECONDS="3600",  # nothing to plan: the outbox job drains what is there
                OUTBOX_LEASE_SECONDS="600",  # a takeover must not wait for a dead drainer's lease
                LOG_LEVEL="INFO",
            )
            log = folder / f"instance-{n}.log"
            with log.open("wb") as out:
                process = await asyncio.create_subprocess_exec(
                    sys.executable, *command, env=env, stdin=asyncio.subprocess.DEVNULL, stderr=out
                )
            started.append(Instance(process, log))
        yield started
    finally:
        for one in started:
            if one.process.returncode is None:
                one.process.terminate()
        for one in started:
            try:
                await asyncio.wait_for(one.process.wait(), 30)
            except TimeoutError:  # a shutdown that hangs must not hang the caller
                one.process.kill()
                await one.process.wait()


def run_bot_every_instance_drains() -> None:
    """The bot as before: every instance drains the outbox (this process only)."""
    from bot.__main__ import main
    from models.lead import Lead

    async def always(self: Lead) -> bool:
        return True

    Lead.held = always  # type: ignore[method-assign]  # the before, for this process only
    Lead.holding = property(lambda self: True)  # type: ignore[method-assign,assignment]  # likewise
    sys.exit(main(["run"]))


async def _run(url: str, count: int, reps: int, limit: int, before: bool, folder: Path) -> dict[str, Any]:
    outbox = Outbox(url)
    try:
        async with FakeBotApi(token="123456:BENCH", rate_limit=limit, any_chat=True, light=True) as api:
            async with instances(api, url, count, folder, limit, every_one_drains=before):
                while not await outbox.done(reps):  # noqa: ASYNC110  (in the database the bots write)
                    await asyncio.sleep(0.5)
            span = api.sent_times[-1] - api.sent_times[0]
            return {
                "rate": (len(api.sent_times) - 1) / span / limit if span > 0 else 0.0,
                "refused": api.refused,
                "twice": len(sent_more_than_once(api, await outbox.sent_per_chat())),
                "seconds": span,
            }
    finally:
        await outbox.close()


async def main(reps: int = 3_000, limit: int = 30) -> dict[str, Any]:
    print(f"\nInstances on one PostgreSQL draining {reps} reminders (429 beyond {limit}/s)")
    if not await pg_ready():
        return {}
    figures: dict[str, Any] = {}
    for name, count, before in (
        ("before: every one drains, 2", 2, True),
        ("after: one drainer, 2", 2, False),
        ("after: one drainer, 3", 3, False),
    ):
        await (await fresh(PG_BENCH)).dispose()
        await seed_reminders(PG_BENCH, reps)
        with tempfile.TemporaryDirectory() as folder:
            found = await _run(PG_BENCH, count, reps, limit, before, Path(folder))
        figures[name] = found
        print(
            f"  {name:<28} {found['rate']:4.0%} of the limit (goal ≥ 95%), {found['refused']:5} 429s, "
            f"{found['twice']} reps sent twice, {found['seconds']:5.1f} s"
        )
    return figures


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3_000))
