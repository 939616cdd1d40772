"""The send budget's lanes (bot/lanes.py): an answer overtakes a queued broadcast, a callback answer is no
message, edits have their own budget, a 429 holds everything and only answers retry by themselves."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from telegram.error import RetryAfter

from bot.lanes import BROADCAST, LaneRateLimiter, lane_of


def test_what_counts_as_a_message():
    assert [lane_of(m) for m in ("sendMessage", "sendDocument", "copyMessage", "forwardMessage")] == [
        "messages"
    ] * 4
    assert [lane_of(m) for m in ("editMessageText", "editMessageReplyMarkup", "deleteMessage")] == [
        "edits"
    ] * 3
    assert [lane_of(m) for m in ("answerCallbackQuery", "getUpdates", "getMe", "sendChatAction")] == [
        None
    ] * 4


async def test_an_answer_overtakes_a_queued_broadcast():
    limiter = LaneRateLimiter(message_rate=40, edit_rate=40)
    order: list[str] = []

    def call(name: str, lane: str | None):
        async def callback() -> bool:
            order.append(name)
            return True

        return limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": 1}, lane)

    broadcast = [asyncio.create_task(call(f"reminder {i}", BROADCAST)) for i in range(30)]
    while len(order) < 3:  # noqa: ASYNC110  (the broadcast under way: its tasks append as they go)
        await asyncio.sleep(0.01)
    sent_before = len(order)
    await call("answer", None)
    await asyncio.gather(*broadcast)
    place = order.index("answer")
    assert place <= sent_before + 2  # at most the slot under way (and one granted but not yet run)
    assert len(order) - place - 1 >= 20  # most of the broadcast still to go: it was overtaken, not finished


async def test_a_callback_answer_and_an_edit_do_not_wait_for_messages():
    limiter = LaneRateLimiter(message_rate=1, edit_rate=30)
    limiter.budgets["messages"].hold(30)  # messages held (a long 429, or a full budget)

    async def callback() -> bool:
        return True

    async with asyncio.timeout(5):  # a guard against hanging, not a speed check
        assert await limiter.process_request(callback, (), {}, "answerCallbackQuery", {}, None)
        assert await limiter.process_request(callback, (), {}, "editMessageReplyMarkup", {}, None)


async def test_a_429_is_retried_for_an_answer_and_given_back_for_a_broadcast():
    limiter = LaneRateLimiter(message_rate=100, edit_rate=100)
    calls = {"answer": 0, "broadcast": 0}

    def flaky(name: str):
        async def callback() -> bool:
            calls[name] += 1
            if calls[name] == 1:
                raise RetryAfter(dt.timedelta(milliseconds=20))
            return True

        return callback

    assert await limiter.process_request(flaky("answer"), (), {}, "sendMessage", {}, None)
    with pytest.raises(RetryAfter):
        await limiter.process_request(flaky("broadcast"), (), {}, "sendMessage", {}, BROADCAST)
    assert calls == {"answer": 2, "broadcast": 1}  # the sender retries its outbox row itself
