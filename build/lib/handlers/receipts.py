"""A report saved whose "saved" reply never left (the process stopped in between): the user's next update,
whatever it is, is answered first with what was saved, so nobody reports the same jobs twice."""

from __future__ import annotations

import dataclasses
import logging

from telegram import Update
from telegram.error import TelegramError

from handlers.common import send
from handlers.context import BotContext
from models import reports
from models.schema import Achievement

log = logging.getLogger(__name__)


async def tell(update: Update, context: BotContext) -> None:
    who = context.identity
    if who is None or who.receipt is None:
        return
    rt, r = context.rt, context.r
    told: set[tuple[int, int]] = context.bot_data.setdefault("receipts_told", set())
    key = (who.account_id, who.receipt)
    async with rt.db.session() as session:
        achievement = await session.get(Achievement, who.receipt)
    if key not in told and achievement is not None and achievement.person_id == who.person_id:
        text = (
            r("report.saved_late")
            + "\n"
            + r(
                "report.saved",
                ref=r.code(achievement.id),
                jobs=achievement.jobs,
                sector=r.raw(f"sectors.{achievement.sector}"),
                title=achievement.title,
            )
        )
        try:
            await send(update, context, text)
        except TelegramError:
            log.warning(
                "update %s: could not tell of saved report %s; next time", update.update_id, who.receipt
            )
            return
        told.add(key)  # while the database refuses the write below: told once, not on every update
    context.identity = dataclasses.replace(who, receipt=None)
    try:
        await reports.receipt_sent(rt.db, who.account_id, who.receipt)
    except Exception:  # the update goes on; the mark is written on a later one
        log.warning("update %s: could not clear the receipt of %s", update.update_id, who.receipt)
        return
    told.discard(key)
