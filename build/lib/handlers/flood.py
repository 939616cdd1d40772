"""Per-user flood limit: at most USER_RATE_LIMIT updates in USER_RATE_WINDOW seconds per user, counted as
updates arrive (bot/updates.py), before any processing slot or database read. The first update over the
limit is told to slow down (once per window, here); the rest are dropped unanswered. Private chats only:
updates from groups and bots are dropped later anyway (handlers/identity.py)."""

from __future__ import annotations

import collections
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from handlers.common import answer_callback
from handlers.context import BotContext
from locales import LOCALES
from models.settings import Settings
from views.render import Renderer

log = logging.getLogger(__name__)
PRUNE_AT = 10_000  # users remembered before idle ones are forgotten


class FloodGate:
    @classmethod
    def from_settings(cls, settings: Settings) -> FloodGate | None:
        limit = settings.user_rate_limit
        return cls(limit, settings.user_rate_window) if limit > 0 else None

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
    """Group -3: an update the processor marked over the limit is answered once, then stops there."""
    processor = context.application.update_processor
    dropped: set[int] = getattr(processor, "dropped", set())
    if update.update_id in dropped:
        dropped.discard(update.update_id)
        raise ApplicationHandlerStop
    told: set[int] = getattr(processor, "told", set())
    if update.update_id not in told:
        return
    told.discard(update.update_id)
    user = update.effective_user
    log.warning("update %s: user %s over the flood limit", update.update_id, user.id if user else None)
    try:
        # No database read here: the language from the messenger, else the default.
        code = ((user.language_code if user else None) or "")[:2]
        locale = code if code in LOCALES else context.rt.settings.bot_default_locale
        text = Renderer(context.rt.platform, locale).raw("general.too_fast")
        await answer_callback(update, text, alert=True)
        if update.callback_query is None and update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError as exc:  # the limit holds even when the messenger is failing
        log.info("update %s: the slow-down note could not be sent: %s", update.update_id, exc)
    finally:
        raise ApplicationHandlerStop
