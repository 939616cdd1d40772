"""Delivery that must not fail: digests, 429 storms, blocked users, stale rows, crashes, several senders."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select
from telegram import Bot
from telegram.error import InvalidToken

from bot.request import PlatformRequest
from jobs import scheduler
from jobs import sender as sender_module
from jobs.sender import DrainStats, Sender
from models import schedule
from models.db import Database
from models.importer import import_rows
from models.runtime import Runtime
from models.schema import Account, Outbox, Person
from tests.conftest import settings_for
from tests.e2e.conftest import Harness, join, last_sent
from tests.e2e.test_reminders import ALI, COUNTY_SUP, MARYAM, at, received
from tests.e2e.test_status_ranking import file_report

TEHRAN = ZoneInfo("Asia/Tehran")


async def test_daily_digest_figures_and_digest_time(bot):
    sup = await join(bot, *COUNTY_SUP)
    maryam, ali = await join(bot, *MARYAM), await join(bot, *ALI)
    await file_report(ali, "250", rasad=True)  # 1405/09/08 11:30
    bot.clock.now = at(dt.date(2026, 12, 29), 12, 0)  # 1405/10/08, 30 days later
    await file_report(maryam, "40")
    await bot.tick(at(dt.date(2026, 12, 30), 8, 30))  # Wednesday 1405/10/09
    [d] = received(bot, sup.chat_id, "📋")
    assert "📋 گزارش روزانهٔ شهرستان مشهد — ۹ دی ۱۴۰۵" in d
    assert "جمع: ۲۹۰ از ۱٬۰۰۰ (۲۹٪) — ثبت در رصد: ۲۵۰" in d
    assert "در ۲۴ ساعت گذشته: ۴۰ شغل تازه گزارش شد." in d
    behind = d.split("عقب‌تر از آهنگ موردانتظار")[1].split("\n\n")[0]
    assert behind.index("کمیته امداد مشهد") < behind.index("جهاد کشاورزی مشهد")  # worst first
    assert "بانک کشاورزی مشهد" not in behind  # 250/300 on 1405/10/09 is on pace
    silent = d.split("بدون گزارش در ۳۰ روز گذشته")[1].split("\n\n")[0]
    assert "(۲ دستگاه)" in silent and "بانک کشاورزی مشهد" in silent and "کمیته امداد مشهد" in silent
    assert "ایجادشده ولی ثبت‌نشده در رصد: ۴۰ شغل" in d and "• جهاد کشاورزی مشهد — ۴۰ شغل" in d
    assert received(bot, maryam.chat_id, "📋") == []  # reps get no digest
    # /digest now gives the same figures; a later digest time waits for its hour.
    assert "جمع: ۲۹۰ از ۱٬۰۰۰" in (await sup.send("/digest")).text
    await sup.send("/settings")
    await sup.press("🕗 ساعت گزارش روزانه")
    reply = await sup.press("۱۰:۰۰")
    assert "ساعت گزارش روزانه: ۱۰:۰۰" in reply.text
    await bot.tick(at(dt.date(2026, 12, 31), 9, 0))
    assert len(received(bot, sup.chat_id, "📋")) == 2  # the /digest reply and Wednesday's
    await bot.tick(at(dt.date(2026, 12, 31), 10, 5))
    assert len(received(bot, sup.chat_id, "📋")) == 3
    await bot.tick(at(dt.date(2027, 1, 1), 10, 5))  # a Friday: no digest
    assert len(received(bot, sup.chat_id, "📋")) == 3
    await maryam.press_data("st|t|1000", 1)  # a rep cannot set a digest time
    assert bot.api.callback_answers[-1].get("text") == "این دکمه شناخته‌شده نیست."


async def _many_reps(bot, count: int) -> list:
    rows = {
        "people": [
            (i + 2, {"name": f"نماینده {i}", "phone": f"0912700{i:04d}", "role": "rep", "agency_code": "103"})
            for i in range(count)
        ]
    }
    assert (await import_rows(bot.db, rows)).ok
    return [await join(bot, 7000 + i, f"0912700{i:04d}") for i in range(count)]


async def test_429_storm_and_blocked_users_lose_nothing(bot):
    reps = await _many_reps(bot, 12)
    bot.api.blocked.add(reps[0].chat_id)
    bot.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, times=4)
    bot.api.fail_next("sendMessage", 502, "Bad Gateway", times=2)
    await bot.tick(at(dt.date(2027, 3, 13)))
    for rep in reps[1:]:
        assert len(received(bot, rep.chat_id, "⏰")) == 1, rep.chat_id
    async with bot.db.session() as s:
        statuses = dict((await s.execute(select(Outbox.status, func.count()).group_by(Outbox.status))).all())
        blocked = (
            await s.execute(select(Account.blocked_at).where(Account.chat_id == reps[0].chat_id))
        ).scalar_one()
    assert statuses == {"sent": 11, "blocked": 1} and blocked is not None
    await bot.tick(at(dt.date(2027, 3, 17)))  # the blocked account is no longer planned
    async with bot.db.session() as s:
        assert (await s.execute(select(func.count()).select_from(Outbox))).scalar_one() == 23


async def test_reminders_missed_while_down_are_sent_same_day_and_skipped_when_stale(bot):
    maryam = await join(bot, *MARYAM)
    bot.clock.now = at(dt.date(2027, 3, 13))
    async with bot.db.session() as s:
        rows = await schedule.plan(
            s, scheduler.schedule_from(bot.rt.settings), bot.rt.platform, 1405, bot.clock.now
        )
    await schedule.store(bot.db, rows)
    await bot.tick(at(dt.date(2027, 3, 14), 9, 30))  # the bot was down the whole day of the 13th
    assert received(bot, maryam.chat_id, "⏰") == []
    async with bot.db.session() as s:
        milestone = select(Outbox.status, Outbox.error).where(Outbox.kind == "milestone")
        assert (await s.execute(milestone)).all() == [("skipped", "stale")]
    await bot.tick(at(dt.date(2027, 3, 17), 23, 0))  # down until late on a milestone day: still sent
    assert len(received(bot, maryam.chat_id, "⏰")) == 1


async def _bulk_people(db: Database, count: int, first_chat: int, platform: str) -> None:
    async with db.write() as s:
        result = await s.execute(
            insert(Person).returning(Person.id),
            [{"name": f"p{i}", "role": "rep", "agency_id": 1} for i in range(count)],
        )
        ids = list(result.scalars())
        await s.execute(
            insert(Account),
            [
                {
                    "platform": platform,
                    "platform_user_id": first_chat + i,
                    "chat_id": first_chat + i,
                    "person_id": pid,
                }
                for i, pid in enumerate(ids)
            ],
        )


async def test_two_senders_race_over_1000_reminders_and_send_each_once(seeded, db_url, api):
    settings = settings_for(
        db_url, BOT_PLATFORM=api.platform, BOT_API_BASE_URL=api.base_url, SEND_RATE=1000, SEND_CHAT_INTERVAL=0
    )
    await _bulk_people(seeded, 1000, 100_000, api.platform)
    for i in range(1000):
        api.chats[100_000 + i] = {"id": 100_000 + i, "type": "private", "first_name": "p"}
    clock = at(dt.date(2027, 3, 13))
    rt = Runtime(settings=settings, db=seeded, clock=lambda: clock)
    async with seeded.session() as s:
        planned = await schedule.plan(s, scheduler.schedule_from(settings), api.platform, 1405, clock)
    assert await schedule.store(seeded, planned) == 1000
    assert await schedule.store(seeded, planned) == 0  # planning twice adds nothing
    other_db = Database(db_url)
    other = Runtime(settings=settings, db=other_db, clock=lambda: clock)
    async with Bot(api.token, base_url=api.base_url) as bot_a, Bot(api.token, base_url=api.base_url) as bot_b:
        stats = await asyncio.gather(Sender(rt, bot_a).drain(), Sender(other, bot_b).drain())
    await other_db.dispose()
    sent = [m.chat_id for m in api.outbox if m.kind == "message"]
    assert len(sent) == 1000 and len(set(sent)) == 1000
    assert stats[0].sent + stats[1].sent == 1000 and stats[0].sent > 0 and stats[1].sent > 0
    async with seeded.session() as s:
        assert (await s.execute(select(func.count()).where(Outbox.status == "sent"))).scalar_one() == 1000


async def test_kill_9_mid_fan_out_then_restart_sends_the_rest_once(seeded, db_url, api, tmp_path):
    if not db_url.startswith("sqlite"):
        pytest.skip(
            "the subprocess path is the same on PostgreSQL; the two-sender race covers claiming there"
        )
    await _bulk_people(seeded, 40, 200_000, api.platform)
    for i in range(40):
        api.chats[200_000 + i] = {"id": 200_000 + i, "type": "private", "first_name": "p"}
    await seeded.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_URL"))}
    env.update(
        BOT_PLATFORM=api.platform,
        BOT_TOKEN=api.token,
        BOT_API_BASE_URL=api.base_url,
        DATABASE_URL=db_url,
        BOT_YEAR="1405",
        SEND_RATE="10",
        OUTBOX_LEASE_SECONDS="1",
    )
    command = [sys.executable, "-m", "bot", "reminders", "send-due", "--at", "1405-12-22 09:30"]
    first = await asyncio.create_subprocess_exec(
        *command, env=env, cwd=tmp_path, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    for _ in range(400):
        if len([m for m in api.outbox if m.kind == "message"]) >= 12:
            break
        await asyncio.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    before = len([m for m in api.outbox if m.kind == "message"])
    assert 12 <= before < 40, before
    await asyncio.sleep(1.1)  # the dead sender's claims expire
    second = await asyncio.create_subprocess_exec(
        *command, env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(second.communicate(), 60)
    assert second.returncode == 0, err.decode()
    chats = [m.chat_id for m in api.outbox if m.kind == "message"]
    assert set(chats) == {200_000 + i for i in range(40)}
    assert len(chats) - len(set(chats)) <= 1  # at most the one in flight at the kill


async def _planned_milestone(bot, reps_count: int = 5) -> list:
    reps = await _many_reps(bot, reps_count)
    bot.clock.now = at(dt.date(2027, 3, 13))
    async with bot.db.session() as s:
        rows = await schedule.plan(
            s, scheduler.schedule_from(bot.rt.settings), bot.rt.platform, 1405, bot.clock.now
        )
    assert await schedule.store(bot.db, rows) == reps_count
    return reps


async def test_a_sender_whose_lease_passed_does_not_send_again(bot):
    await _planned_milestone(bot)
    slow = Sender(bot.rt, bot.app.bot)
    claimed = await slow._claim()
    async with bot.db.write() as s:  # the slow sender stalls past its lease
        await s.execute(Outbox.__table__.update().values(claimed_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
    slow._renewed_at -= bot.rt.settings.outbox_lease_seconds  # (its own clock saw the stall too)
    taken = await Sender(bot.rt, bot.app.bot).drain()
    late = DrainStats()
    for row in claimed:
        await slow.send_one(row, late)
    assert taken.sent == 5 and late.sent == 0
    assert len([m for m in bot.api.outbox if m.kind == "message" and "⏰" in m.plain]) == 5


async def test_outages_retry_until_the_day_is_over_and_bad_rows_do_not_strand_others(bot, monkeypatch):
    await _planned_milestone(bot)
    async with bot.db.write() as s:
        await s.execute(Outbox.__table__.update().values(attempts=50))
    # Without the request layer's own gateway retries (bot/request.py), the sender sees the 502.
    monkeypatch.setattr(PlatformRequest, "gateway_backoff", ())
    bot.api.fail_next("sendMessage", 502, "Bad Gateway", times=1)
    first = await Sender(bot.rt, bot.app.bot).drain()
    assert first.retried == 1 and first.failed == 0 and first.sent == 4
    async with bot.db.session() as s:
        assert (await s.execute(select(Outbox.status).where(Outbox.status != "sent"))).scalars().all() == [
            "pending"
        ]

    real = sender_module.render_message

    async def broken_for_one(rt, account_id, *args):
        if account_id == min_account[0]:
            raise RuntimeError("boom")
        return await real(rt, account_id, *args)

    bot.clock.now = at(dt.date(2027, 3, 17))
    async with bot.db.session() as s:
        rows = await schedule.plan(
            s, scheduler.schedule_from(bot.rt.settings), bot.rt.platform, 1405, bot.clock.now
        )
    await schedule.store(bot.db, rows)
    min_account = [min(r.recipient.account_id for r in rows)]
    monkeypatch.setattr(sender_module, "render_message", broken_for_one)
    stats = await Sender(bot.rt, bot.app.bot).drain()
    assert stats.sent == 4 and stats.retried == 1


async def test_a_user_who_unblocks_gets_reminders_again(bot):
    reps = await _many_reps(bot, 1)
    bot.api.blocked.add(reps[0].chat_id)
    await bot.tick(at(dt.date(2027, 3, 13)))
    bot.api.blocked.discard(reps[0].chat_id)
    await reps[0].send("/status")  # they are back
    await bot.tick(at(dt.date(2027, 3, 17)))
    assert len(received(bot, reps[0].chat_id, "⏰")) == 1


async def test_planning_again_takes_no_new_ids(bot):
    await _planned_milestone(bot, 3)
    async with bot.db.session() as s:
        rows = await schedule.plan(
            s, scheduler.schedule_from(bot.rt.settings), bot.rt.platform, 1405, bot.clock.now
        )
    for _ in range(3):
        assert await schedule.store(bot.db, rows) == 0
    await _many_reps_more(bot)
    async with bot.db.session() as s:
        rows = await schedule.plan(
            s, scheduler.schedule_from(bot.rt.settings), bot.rt.platform, 1405, bot.clock.now
        )
    assert await schedule.store(bot.db, rows) == 1
    async with bot.db.session() as s:
        assert (await s.execute(select(func.max(Outbox.id)))).scalar_one() == 4


async def _many_reps_more(bot) -> None:
    rows = {"people": [(2, {"name": "تازه", "phone": "09127999999", "role": "rep", "agency_code": "103"})]}
    assert (await import_rows(bot.db, rows)).ok
    await join(bot, 7999, "09127999999")


async def test_a_refused_token_stops_the_drain_and_keeps_the_rows(bot):
    await _planned_milestone(bot, 2)
    bot.api.fail_next("sendMessage", 401, "Unauthorized")
    with pytest.raises(InvalidToken):
        await Sender(bot.rt, bot.app.bot).drain()
    async with bot.db.session() as s:
        assert (await s.execute(select(func.count()).where(Outbox.status == "failed"))).scalar_one() == 0
        [(status, later)] = (
            await s.execute(
                select(Outbox.status, Outbox.next_attempt_at).where(Outbox.error == "invalid token")
            )
        ).all()
        assert status == "pending" and later > dt.datetime.now(dt.UTC)  # kept, and not retried at once
    async with bot.db.write() as s:  # the operator fixed the token; time passes
        await s.execute(Outbox.__table__.update().values(next_attempt_at=None))
    await Sender(bot.rt, bot.app.bot).drain()
    async with bot.db.session() as s:
        assert (await s.execute(select(func.count()).where(Outbox.status == "sent"))).scalar_one() == 2
    assert len([m for m in bot.api.outbox if m.kind == "message" and "⏰" in m.plain]) == 2


async def test_a_failed_mark_write_is_tried_again_and_nothing_goes_twice(bot):
    await _planned_milestone(bot, 3)

    class FailsOnce(asyncio.Lock):
        """The sender's first multi-row write (marking sent rows) meets a database error."""

        failed = False

        async def __aenter__(self) -> None:
            if not FailsOnce.failed:
                FailsOnce.failed = True
                raise OSError("disk I/O error")
            await super().__aenter__()

    sender = Sender(bot.rt, bot.app.bot)
    sender._writing = FailsOnce()
    stats = await sender.drain()
    assert FailsOnce.failed and stats.sent == 3
    assert len([m for m in bot.api.outbox if m.kind == "message" and "⏰" in m.plain]) == 3
    async with bot.db.session() as s:
        assert (await s.execute(select(func.count()).where(Outbox.status == "sent"))).scalar_one() == 3


async def test_an_answer_goes_before_the_broadcast_under_way(seeded, db_url, api):
    """A rep's /status asked while 60 reminders go out at the budget's rate is answered before the 16 the
    sender keeps waiting for their slot: in one queue it would follow them all (two seconds of them at this
    rate; /status takes milliseconds)."""
    harness = Harness(api, db_url, {"REPLY_RATE": 8, "SEND_RATE": 8, "SEND_CHAT_INTERVAL": 0})
    await harness.start()
    try:
        maryam = await join(harness, *MARYAM)
        await _bulk_people(seeded, 60, 100_000, api.platform)
        for i in range(60):
            api.chats[100_000 + i] = {"id": 100_000 + i, "type": "private", "first_name": "p"}

        def broadcast() -> list[int]:
            return [m.seq for m in api.outbox if m.kind == "message" and m.chat_id >= 100_000]

        drain = asyncio.create_task(harness.tick(at(dt.date(2027, 3, 13))))
        while len(broadcast()) < 8:  # noqa: ASYNC110  (the fake counts the broadcast as it arrives)
            await asyncio.sleep(0.01)
        asked = len(broadcast())
        answer = last_sent(await maryam.send("/status"))
        assert "تعهد" in answer.plain
        before_answer = [seq for seq in broadcast() if seq < answer.seq]
        assert len(before_answer) - asked < sender_module.CONCURRENCY // 2, (asked, len(before_answer))
        assert 60 - len(before_answer) >= 30  # the broadcast had most of its way to go
        stats = await drain
        assert stats.sent == 61 and len(broadcast()) == 60  # Maryam's own reminder too
    finally:
        await harness.stop()
