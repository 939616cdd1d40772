"""One send budget, shared right: PTB's rate limiter for every Bot API call of a running bot.

- Messages to chats (send*, copy*, forward*) share one budget per second; edits and deletions have their own;
  anything else (answering a callback, getUpdates, getMe, setMyCommands…) is not a message and waits for
  nothing. Telegram's Bot FAQ states limits for messages only (about 30 a second overall, about one a second
  per chat, 20 a minute per group) and none for edits; Bale publishes none, answers "bot limit exceed", and
  its retry_after may be missing (bot/request.py backs off then). So edits are held apart, at the same rate:
  a conversation step's edit does not take a message's slot.
- Two lanes: the answer to an update being handled (the default) goes before any broadcast (reminders,
  digests, notices: the sender passes rate_limit_args=BROADCAST). It goes at once while the last second
  leaves room, and while people use the bot a broadcast leaves one slot a second to them; otherwise it waits
  at most for the slot under way. A broadcast uses what answers leave and catches up after.
- Broadcasts are paced here only (the sender keeps the spacing to one chat): their sends wait in the
  broadcast queue, behind every answer. SEND_RATE, when lower than the budget, holds them to that rate first.
- A 429 holds both budgets for its retry_after; an answer is tried again (up to `max_retries`), a broadcast
  message is given back to its sender, which retries the outbox row itself."""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from models.pacing import BROADCAST

log = logging.getLogger(__name__)
__all__ = ["BROADCAST", "LaneRateLimiter"]
EDITS = frozenset(
    {
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
        "editMessageLiveLocation",
        "stopMessageLiveLocation",
        "deleteMessage",
        "deleteMessages",
    }
)
_MESSAGE_PREFIXES = ("send", "copyMessage", "forwardMessage")
_NOT_MESSAGES = frozenset({"sendChatAction"})  # a typing indicator is no message


def lane_of(endpoint: str) -> str | None:
    """Which budget a method uses: "messages", "edits", or None (not limited here)."""
    if endpoint in EDITS:
        return "edits"
    if endpoint.startswith(_MESSAGE_PREFIXES) and endpoint not in _NOT_MESSAGES:
        return "messages"
    return None


RESERVE = 1  # of each second's message slots, left to answers while people are using the bot
ACTIVE = 30.0  # seconds after an answer during which people count as using the bot
MARGIN, MAX_MARGIN = 0.02, 0.15  # the window's margin over a second, and its widest after 429s
QUIET = 300.0  # seconds without a 429 after which the margin is back to MARGIN


class Budget:
    """Slots at `rate` a second, granted in order, urgent requests first.

    The last grants are kept: an urgent request goes at once while fewer than `rate` were granted within
    a second and a margin (calls reach the server a few milliseconds after their grant, not always the same
    few); the margin grows by 2% with each 429, up to 15%, and is back to 2% after five quiet minutes.
    Other requests are spaced evenly over that span, and while answers were granted lately they leave
    `reserve` of its slots free, so an answer during a broadcast seldom waits for a slot at all."""

    def __init__(self, rate: float, reserve: int = 0) -> None:
        # `rate` grants per second, kept as `slots` grants per `seconds` (whole slots: 1.5 a second is one
        # per 0.67 s, 0.5 one per 2 s).
        self.slots = max(int(rate), 1)
        self.seconds = self.slots / rate
        self.reserve = min(reserve, self.slots - 1)
        self.margin = MARGIN
        self._next = 0.0
        self._last_hold = -QUIET
        self._answered_at = -ACTIVE
        self._window: collections.deque[float] = collections.deque(maxlen=self.slots)
        self._held_until = 0.0
        self._urgent: collections.deque[asyncio.Future[None]] = collections.deque()
        self._other: collections.deque[asyncio.Future[None]] = collections.deque()
        self._granting: asyncio.Task[None] | None = None

    async def take(self, urgent: bool) -> None:
        now = time.monotonic()
        first = not self._urgent and (urgent or not self._other)
        if first and self._due(urgent, now) <= now:
            self._grant_at(now, urgent)
            return
        loop = asyncio.get_running_loop()
        if self._granting is not None and self._granting.get_loop() is not loop:  # a bot started again on
            self._urgent.clear()  # another loop: what waited on the old one waits no more
            self._other.clear()
            self._granting = None
        waiting: asyncio.Future[None] = loop.create_future()  # granted by _grant
        (self._urgent if urgent else self._other).append(waiting)
        if self._granting is None or self._granting.done():
            self._granting = loop.create_task(self._grant())
        await waiting  # a cancelled waiter is skipped by _grant

    async def _grant(self) -> None:
        while self._urgent or self._other:
            urgent = bool(self._urgent)
            now = time.monotonic()
            wait = self._due(urgent, now) - now
            if wait > 0:
                await asyncio.sleep(wait)
                continue  # a hold, or an answer, may have come meanwhile
            waiting = (self._urgent if urgent else self._other).popleft()
            if waiting.done():
                continue
            self._grant_at(time.monotonic(), urgent)
            waiting.set_result(None)

    @property
    def span(self) -> float:
        """The window the grants are counted in: their seconds and the margin."""
        return self.seconds * (1 + self.margin)

    def _allowed(self, urgent: bool, now: float) -> int:
        """How many grants the span may hold for this request."""
        if urgent or now - self._answered_at > ACTIVE:
            return self.slots
        return self.slots - self.reserve

    def _due(self, urgent: bool, now: float) -> float:
        """When the next slot may be granted: when the span holds fewer than allowed, and for a request that
        is not urgent, when its even slot has come."""
        allowed, window = self._allowed(urgent, now), self._window
        room = window[len(window) - allowed] + self.span if len(window) >= allowed else 0.0
        return max(self._held_until, room) if urgent else max(self._next, self._held_until, room)

    def _grant_at(self, now: float, urgent: bool) -> None:
        if urgent:
            self._answered_at = now
        if self.margin > MARGIN and now - self._last_hold > QUIET:  # no 429 for a while: back to the start
            self.margin = MARGIN
        self._next = max(now, self._next) + self.span / self._allowed(False, now)
        self._window.append(now)

    def hold(self, seconds: float) -> None:
        """A 429: nothing until it passes, and a wider margin (once per hold: the sends in flight meet the
        same 429) until QUIET seconds pass without one."""
        now = time.monotonic()
        if now >= self._held_until:
            self.margin = min(self.margin + MARGIN, MAX_MARGIN)
        self._last_hold = now
        self._held_until = max(self._held_until, now + seconds)


class LaneRateLimiter(BaseRateLimiter[str]):
    def __init__(
        self, message_rate: float, edit_rate: float, broadcast_rate: float | None = None, max_retries: int = 3
    ) -> None:
        self.budgets = {"messages": Budget(message_rate, RESERVE), "edits": Budget(edit_rate)}
        # Broadcast messages held to a rate of their own first, when lower than the budget (SEND_RATE).
        slower = broadcast_rate is not None and broadcast_rate < message_rate
        self.broadcasts = Budget(broadcast_rate) if slower and broadcast_rate else None
        self.max_retries = max_retries

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        broadcast = rate_limit_args == BROADCAST
        lane = lane_of(endpoint)
        budget = self.budgets[lane] if lane is not None else None
        retries = 0 if broadcast else self.max_retries
        for attempt in range(retries + 1):
            if budget is not None:
                if broadcast and lane == "messages" and self.broadcasts is not None:
                    await self.broadcasts.take(urgent=False)
                await budget.take(urgent=not broadcast)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait if isinstance(wait, int | float) else wait.total_seconds()
                held_too = [self.broadcasts] if self.broadcasts is not None else []
                for held in [*self.budgets.values(), *held_too]:  # the messenger holds the whole bot
                    held.hold(seconds)
                if attempt == retries:
                    raise
                log.info("429 on %s: trying again after %ss", endpoint, seconds)
                await asyncio.sleep(seconds)
        raise AssertionError("unreachable: the loop returns or raises")
