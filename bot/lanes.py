"""One send budget, shared right: PTB's rate limiter for every Bot API call of a running bot.

- Messages to chats (send*, copy*, forward*) share one budget per second; edits and deletions have their own;
  anything else (answering a callback, getUpdates, getMe, setMyCommands…) is not a message and waits for
  nothing. Telegram's Bot FAQ states limits for messages only (about 30 a second overall, about one a second
  per chat, 20 a minute per group) and none for edits; Bale publishes none and answers 429 with retry_after.
  So edits are held apart, at the same rate: a conversation step's edit does not take a message's slot.
- Two lanes: the answer to an update being handled (the default) takes the next slot before any broadcast
  (reminders, digests, notices: the sender passes rate_limit_args=BROADCAST), so it waits at most for the
  slot under way; a broadcast uses what answers leave and catches up after.
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


class Budget:
    """Slots at `rate` a second (2% under it: a server counting per second must never see one more),
    granted in order, urgent requests first."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / (rate * 0.98)
        self._next = 0.0
        # Calls leave a few milliseconds after their slot, not always the same few: the last second's grants
        # are kept, and a grant waits until the oldest is a second (and 5%) old, as a server counting would.
        self._window: collections.deque[float] = collections.deque(maxlen=max(int(rate), 1))
        self._held_until = 0.0
        self._urgent: collections.deque[asyncio.Future[None]] = collections.deque()
        self._other: collections.deque[asyncio.Future[None]] = collections.deque()
        self._granting: asyncio.Task[None] | None = None

    async def take(self, urgent: bool) -> None:
        now = time.monotonic()
        if not self._urgent and not self._other and self._due() <= now:
            self._grant_at(now)
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
            wait = self._due() - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
                continue  # a hold may have come meanwhile
            queue = self._urgent if self._urgent else self._other
            waiting = queue.popleft()
            if waiting.done():
                continue
            self._grant_at(time.monotonic())
            waiting.set_result(None)

    def _due(self) -> float:
        """When the next slot may be granted."""
        full = len(self._window) == self._window.maxlen
        return max(self._next, self._held_until, self._window[0] + 1.05 if full else 0.0)

    def _grant_at(self, now: float) -> None:
        self._next = max(now, self._next) + self.interval
        self._window.append(now)

    def hold(self, seconds: float) -> None:
        self._held_until = max(self._held_until, time.monotonic() + seconds)


class LaneRateLimiter(BaseRateLimiter[str]):
    def __init__(self, message_rate: float, edit_rate: float, max_retries: int = 3) -> None:
        self.budgets = {"messages": Budget(message_rate), "edits": Budget(edit_rate)}
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
                await budget.take(urgent=not broadcast)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait if isinstance(wait, int | float) else wait.total_seconds()
                for held in self.budgets.values():  # the messenger holds the whole bot
                    held.hold(seconds)
                if attempt == retries:
                    raise
                log.info("429 on %s: trying again after %ss", endpoint, seconds)
                await asyncio.sleep(seconds)
        raise AssertionError("unreachable: the loop returns or raises")
