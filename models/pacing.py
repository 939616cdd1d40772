"""Pacing sends within a messenger's limits: one pacer per messenger per process, shared by the reminder
tick and the notices a handler delivers, so that together they stay within the limit."""

from __future__ import annotations

import asyncio
import collections
import time

BROADCAST = "broadcast"  # a call's lane (bot/lanes.py): reminders, digests, notices give way to answers


class RateLimiter:
    """At most `rate` sends per second overall, and one per `chat_interval` seconds to the same chat."""

    def __init__(self, rate: float, chat_interval: float) -> None:
        # 2% under the rate: arrival times jitter, and a server counting per second must never see one more.
        self.interval = 1.0 / (rate * 0.98)
        self.chat_interval = chat_interval
        self._next = 0.0
        self._paused_until = 0.0
        self._chats: dict[int, float] = {}
        self._lock = asyncio.Lock()
        # Slots are reserved ahead; when the loop was busy, several come due at once. The window below
        # holds the actual sends to the rate over any second, as a server counting them would.
        self._window: collections.deque[float] = collections.deque(maxlen=max(int(rate), 1))
        self._window_lock = asyncio.Lock()
        # A send leaves here some milliseconds before the server counts it, not always the same number: the
        # window is held that much longer than a second (2%, as the pacing), and more after each 429.
        self.margin = 0.02

    async def wait_chat(self, chat_id: int) -> None:
        """Only the spacing to one chat and any 429 hold: behind the running bot's limiter (bot/lanes.py),
        which paces every message of the bot in one budget."""
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._chats.get(chat_id, 0.0))
            self._chats[chat_id] = start + self.chat_interval
        held = max(start, self._paused_until) - time.monotonic()
        if held > 0:
            await asyncio.sleep(held)

    async def wait(self, chat_id: int) -> None:
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next, self._chats.get(chat_id, 0.0))
            self._next = start + self.interval
            self._chats[chat_id] = start + self.chat_interval
        if start > now:
            await asyncio.sleep(start - now)
        held = self._paused_until - time.monotonic()
        if held > 0:  # a 429 came while this one waited for its slot
            await asyncio.sleep(held)
        async with self._window_lock:
            window = self._window
            if (
                len(window) == window.maxlen
                and (wait := window[0] + 1.0 + self.margin - time.monotonic()) > 0
            ):
                await asyncio.sleep(wait)
            window.append(time.monotonic())

    def pause(self, seconds: float) -> None:
        """A 429 applies to the whole bot: hold every send, those already waiting for their slot too."""
        until = time.monotonic() + seconds
        self.margin = min(self.margin + 0.02, 0.15)
        self._next = max(self._next, until)
        self._paused_until = max(self._paused_until, until)
