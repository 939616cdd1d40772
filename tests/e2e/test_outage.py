"""The messenger's API out of reach (connections refused, open ones cut), then back and slow: polling
resumes within seconds, the report confirmed meanwhile is saved once and its "saved" arrives, reminders
wait and then go out once each. OUTAGE_SECONDS sets the length (3 in `make test`; the figures in
docs/reliability.md come from a 60-second run)."""

from __future__ import annotations

import asyncio
import logging
import os
import time

import pytest
from sqlalchemy import select

from models.schema import Outbox
from playground.fake_api import MessageRef
from tests.e2e.test_delivery import _planned_milestone
from tests.e2e.test_reminders import received
from tests.e2e.test_status_ranking import file_report

OUTAGE = float(os.environ.get("OUTAGE_SECONDS", "3"))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the network's faults, not the database's
async def test_an_unreachable_api_then_a_slow_one_loses_and_doubles_nothing(bot, api, caplog):
    caplog.set_level(logging.WARNING, logger="bot.request")
    reps = await _planned_milestone(bot, 5)  # five milestone reminders due
    rep, other = reps[0], reps[1]
    summary = await file_report(rep, "14", confirm=False)
    await api.go_down()
    down_at = time.monotonic()
    # Users go on writing to the messenger meanwhile; it keeps their updates.
    _, data = summary.last.inline_buttons[0]
    pressed = api.push_update(
        api.callback_update(rep.user, MessageRef(rep.chat_id, summary.last.message_id), data)
    )
    asked = api.push_update(api.message_update(other.user, "/status"))
    stats = await bot.tick()
    assert stats.unreachable and stats.sent == 0
    async with bot.db.session() as s:
        rows = list((await s.execute(select(Outbox))).scalars())
    # Kept for later. A send cut on a connection already open counts as one try (it may have arrived);
    # one refused a connection stops the drain without counting.
    assert [r.status for r in rows] == ["pending"] * 5 and sum(r.attempts for r in rows) <= 1
    await asyncio.sleep(max(OUTAGE - (time.monotonic() - down_at), 0))
    await api.come_back()
    api.latency = 1.0  # back, but slow
    back_at, calls = time.monotonic(), len(api.calls)
    for _ in range(600):
        if any(name == "getUpdates" for name, _ in api.calls[calls:]):
            break
        await asyncio.sleep(0.05)
    polling = time.monotonic() - back_at
    await bot.tracker.wait(pressed, 30)
    await bot.tracker.wait(asked, 30)
    answered = time.monotonic() - back_at
    print(
        f"\noutage {OUTAGE:.0f} s: polling again {polling:.1f} s after the API came back; both waiting "
        f"updates answered after {answered:.1f} s (each call then took 1 s)"
    )
    assert any("گزارش ثبت شد" in m.plain for m in api.chat_messages(rep.chat_id))
    assert any("تعهد اشتغال" in m.plain for m in api.chat_messages(other.chat_id)[-2:])
    assert len(await bot.achievements()) == 1
    stats = await bot.tick()
    assert stats.sent == 5 and not stats.unreachable
    assert [len(received(bot, each.chat_id, "⏰")) for each in reps] == [1] * 5
    notes = [r.getMessage() for r in caplog.records if r.name == "bot.request"]
    assert any("unreachable" in n for n in notes) and any("reachable again" in n for n in notes)


async def test_the_bot_stops_within_seconds_while_the_api_is_out_of_reach(bot, api):
    await api.go_down()
    await asyncio.sleep(0.5)  # polling has met the outage
    try:
        await asyncio.wait_for(bot.stop(), 15)  # PTB's last getUpdates on stopping is not waited out
    finally:
        await api.come_back()
