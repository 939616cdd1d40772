"""What differs on Bale, beyond the whole suite running there: refused edits, 429s without retry_after,
contacts whose phone arrives as an integer, replies that never quote."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.conftest import join, last_sent
from tests.e2e.test_reminders import COUNTY_SUP, MARYAM


@pytest.fixture
def platform() -> str:
    return "bale"


async def test_contact_phone_as_an_integer_links_the_account(bot, api):
    user = await join(bot, *MARYAM)
    [contact] = [u["message"]["contact"] for u in api.pushed if "contact" in u.get("message", {})]
    assert contact["phone_number"] == 989121111111  # an int, as Bale sends it
    assert "گام ۱ از ۶" in (await user.send("/report")).text
    assert all("reply_parameters" not in params for _, params in api.calls)  # never a quoting reply
    polls = [params for name, params in api.calls if name == "getUpdates"]
    assert polls and all("allowed_updates" not in p for p in polls)  # a filter some Bale bots saw refused


async def test_a_refused_edit_becomes_a_new_message(bot, api):
    sup = await join(bot, *COUNTY_SUP)
    first = last_sent(await sup.send("/ranking"))
    api.fail_next("editMessageText", 400, "Bad Request: message can't be edited")
    reply = await sup.press("٪ ثبت در رصد")
    assert [m.kind for m in reply] == ["message"] and "ثبت در رصد" in reply.last.plain
    assert api.current(first.chat_id, first.message_id).plain == first.plain  # the old one is untouched
    assert api.callback_answers  # the button press was answered all the same


async def test_429_without_retry_after_waits_and_the_reply_arrives(bot, api, caplog):
    caplog.set_level(logging.INFO, "bot.request")
    user = await join(bot, *MARYAM)
    api.fail_next("sendMessage", 429, "Too Many Requests: bot limit exceed", times=2)
    reply = await user.send("/status")
    assert "وضعیت" in reply.text
    assert [e for e in api.errors if e[0] == "sendMessage"][-2:][0][
        2
    ] == "Too Many Requests: bot limit exceed"
    assert sum("429 without retry_after" in r.getMessage() for r in caplog.records) == 2


async def test_a_recipient_bale_no_longer_knows_fails_alone(bot, api):
    from jobs.sender import Sender
    from tests.e2e.test_delivery import _planned_milestone

    reps = await _planned_milestone(bot, 3)
    api.gone.add(reps[0].chat_id)  # Bale answers 404 "no such user"; PTB alone would call it a bad token
    stats = await Sender(bot.rt, bot.app.bot).drain()
    assert (stats.sent, stats.failed) == (2, 1)
