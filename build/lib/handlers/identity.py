"""Runs first for every update: private chats only, and who is talking (one query)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from handlers.common import answer_callback
from handlers.context import BotContext
from models.people import arrival, ensure_admin, unblock

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
    await _load(context, user.id)
    if context.identity is not None and context.identity.blocked:
        # They blocked the bot once and wrote again: reminders may reach them again.
        await unblock(rt.db, context.identity.account_id)
    if context.identity is None and user.id in rt.admins:
        await ensure_admin(rt.db, rt.platform, user.id, chat.id if chat else user.id, display_name(update))
        await _load(context, user.id)


async def _load(context: BotContext, user_id: int) -> None:
    """Who is talking and their open conversations, in one read (every step of a conversation needs both)."""
    context.identity, context.drafts = await arrival(context.rt.db, context.rt.platform, user_id)
