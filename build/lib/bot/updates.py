"""Updates of different users run concurrently; each user's own updates run one after another, in order.

A slow /export or /chart for one deputy must not hold up every rep, while one user's quick succession of
messages must still meet the conversation state in order. A user over the flood limit is stopped here, as
the updates arrive: a queued burst takes no processing slot and no database read."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from time import monotonic
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseUpdateProcessor

from handlers.flood import FloodGate


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 128, gate: FloodGate | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}
        self.gate = gate
        self.told: set[int] = set()  # update ids to answer "too fast" (handlers/flood.py), then stop
        self.dropped: set[int] = set()  # update ids to stop at once (handlers/flood.py)

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # type: ignore[misc]  # PTB marks it final; the flood gate must see an update before it takes a slot
        user = update.effective_user if isinstance(update, Update) else None
        chat = update.effective_chat if isinstance(update, Update) else None
        private = chat is None or chat.type == ChatType.PRIVATE
        if self.gate is not None and user is not None and not user.is_bot and private:
            verdict = self.gate.check(user.id, monotonic())
            if verdict == "drop":
                # Outside the slots and the user's queue; the first handler stops it (handlers/flood.py).
                assert isinstance(update, Update)
                self.dropped.add(update.update_id)
                await coroutine
                return
            if verdict == "tell":
                assert isinstance(update, Update)
                self.told.add(update.update_id)
        await super().process_update(update, coroutine)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        lock, users = self._locks.get(user.id, (asyncio.Lock(), 0))
        self._locks[user.id] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[user.id]
            if users <= 1:
                del self._locks[user.id]  # no one else is queued for this user
            else:
                self._locks[user.id] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""
