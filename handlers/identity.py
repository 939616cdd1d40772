"""Runs first for every update: private chats only, and who is talking (one query)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from handlers.common import answer_callback
from models.people import ensure_admin, load_identity, unblock

log = logging.getLogger(__name__)


def display_name(update: Update) -> str:
    user = update.effective_user
    if user is None:
        return ""
    return " ".join(part for part in (user.first_name, user.last_name) if part)


async def load(update: Update, context: BotContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or user.is_bot:
        raise ApplicationHandlerStop
    if chat is not None and chat.type != ChatType.PRIVATE:
        # The bot works in private chats only; groups would leak figures and invite noise.
        log.info("ignoring update %s from a %s chat", update.update_id, chat.type)
        await answer_callback(update)
        raise ApplicationHandlerStop
    rt = context.rt
    async with rt.db.session() as session:
        context.identity = await load_identity(session, rt.platform, user.id)
    if context.identity is not None and context.identity.blocked:
        # They blocked the bot once and wrote again: reminders may reach them again.
        await unblock(rt.db, context.identity.account_id)
    if context.identity is None and user.id in rt.admins:
        await ensure_admin(rt.db, rt.platform, user.id, chat.id if chat else user.id, display_name(update))
        async with rt.db.session() as session:
            context.identity = await load_identity(session, rt.platform, user.id)
