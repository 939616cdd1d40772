"""The send budget's lanes (bot/lanes.py): an answer overtakes a queued broadcast, a callback answer is no
message, edits have their own budget, a 429 holds everything and only answers retry by themselves."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from telegram.error import RetryAfter

from bot.lanes import BROADCAST, Budget, LaneRateLimiter, lane_of


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


async def test_a_users_quick_steps_go_at_once_and_a_broadcast_is_spaced(monkeypatch):
    """Answers go while the last second's grants leave room; broadcast messages wait their even slot.
    Counted by the waits the budget asks for, not timed."""
    limiter = LaneRateLimiter(message_rate=10, edit_rate=10)
    waits: list[float] = []
    sleep = asyncio.sleep

    async def recorded(seconds: float) -> None:
        waits.append(seconds)
        await sleep(seconds)

    monkeypatch.setattr("bot.lanes.asyncio.sleep", recorded)

    async def callback() -> bool:
        return True

    for _ in range(5):  # a rep's five quick steps, one message each
        await limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert waits == []
    await asyncio.gather(
        *(
            limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": 2}, BROADCAST)
            for _ in range(3)
        )
    )
    assert len(waits) >= 3 and all(w > 0 for w in waits)  # each after the slot before it


class FakeTime:
    """The budget's clock: sleeping moves it, nothing waits for real."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(seconds, 0)


@pytest.fixture
def fake_time(monkeypatch):
    clock = FakeTime()
    monkeypatch.setattr("bot.lanes.time.monotonic", clock.monotonic)
    monkeypatch.setattr("bot.lanes.asyncio.sleep", clock.sleep)
    return clock


async def test_a_rate_below_or_between_whole_numbers_is_kept(fake_time):
    for rate in (0.5, 1.5, 2.5):
        budget, granted = Budget(rate), []
        for _ in range(41):  # whole windows: 2.5 a second is two every 0.8 s
            await budget.take(urgent=True)
            granted.append(fake_time.now)
        per_second = (len(granted) - 1) / (granted[-1] - granted[0])
        assert rate * 0.95 <= per_second <= rate, (rate, per_second)


async def test_a_429_widens_the_margin_once_and_quiet_narrows_it(fake_time):
    budget = Budget(30)
    for _ in range(16):  # the sends in flight all meet the same 429
        budget.hold(1)
    assert budget.margin == pytest.approx(0.04)
    fake_time.now += 2
    budget.hold(1)  # a second 429, later
    assert budget.margin == pytest.approx(0.06)
    fake_time.now += 301
    await budget.take(urgent=True)
    assert budget.margin == pytest.approx(0.02)


async def test_a_broadcast_leaves_a_slot_to_people_using_the_bot(fake_time):
    budget = Budget(10, reserve=1)
    await budget.take(urgent=True)  # someone is using the bot
    start = fake_time.now
    for _ in range(30):
        await budget.take(urgent=False)
    assert (30 - 1) / (fake_time.now - start) <= 9 / budget.seconds  # nine of ten slots a second at most
    fake_time.now += 31  # nobody for a while: the broadcast has all ten
    start = fake_time.now
    for _ in range(30):
        await budget.take(urgent=False)
    assert (30 - 1) / (fake_time.now - start) > 9.5
