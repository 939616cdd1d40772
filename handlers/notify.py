"""Deliver the notices an action just queued, before the handler returns: on this messenger at once; a
recipient linked only on the other messenger gets theirs from that messenger's next tick."""

from __future__ import annotations

import logging

from bot.context import BotContext
from models import notices

log = logging.getLogger(__name__)


async def deliver(context: BotContext) -> None:
    from jobs.sender import Sender  # jobs render with handlers' cards: imported late

    try:
        await Sender(context.rt, context.bot, kinds=(notices.KIND,)).drain()
    except Exception:  # they stay queued: the tick sends them
        log.exception("delivering notices failed; the next tick retries")
