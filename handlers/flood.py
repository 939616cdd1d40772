"""Per-user flood limit, before anything reads the database: at most USER_RATE_LIMIT updates in
USER_RATE_WINDOW seconds per user. The first update over the limit is told to slow down (once per
window); the rest are dropped unanswered, so one user cannot flood the bot or the database."""

from __future__ import annotations

import collections
import logging
import time

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from bot.render import Renderer
from handlers.common import answer_callback
from locales import LOCALES

log = logging.getLogger(__name__)
PRUNE_AT = 10_000  # users remembered before idle ones are forgotten


class FloodGate:
    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._hits: dict[int, collections.deque[float]] = {}
        self._told: dict[int, float] = {}

    def check(self, user_id: int, now: float) -> str:
        """ "ok", "tell" (first over the limit in this window) or "drop"."""
        hits = self._hits.setdefault(user_id, collections.deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) < self.limit:
            hits.append(now)
            if len(self._hits) > PRUNE_AT:
                self._prune(now)
            return "ok"
        if self._told.get(user_id, -1e18) > now - self.window:
            return "drop"
        self._told[user_id] = now
        return "tell"

    def _prune(self, now: float) -> None:
        for user_id in [u for u, h in self._hits.items() if not h or h[-1] <= now - self.window]:
            self._hits.pop(user_id, None)
            self._told.pop(user_id, None)


async def check(update: Update, context: BotContext) -> None:
    settings = context.rt.settings
    user = update.effective_user
    if settings.user_rate_limit <= 0 or user is None:
        return
    gate = context.bot_data.get("flood")
    if gate is None:
        gate = context.bot_data["flood"] = FloodGate(settings.user_rate_limit, settings.user_rate_window)
    verdict = gate.check(user.id, time.monotonic())
    if verdict == "ok":
        return
    if verdict == "tell":
        log.warning(
            "update %s: user %s over %s updates in %ss", update.update_id, user.id, gate.limit, gate.window
        )
        # No database read here: the language from the messenger, else the default.
        code = (user.language_code or "")[:2]
        r = Renderer(context.rt.platform, code if code in LOCALES else settings.bot_default_locale)
        await answer_callback(update, r.raw("general.too_fast"), alert=True)
        if update.callback_query is None and update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, r.raw("general.too_fast"))
    raise ApplicationHandlerStop
