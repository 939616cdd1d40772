"""Replying: every outgoing message goes through here, rendered for the platform."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, TelegramError

from handlers import commands
from handlers.context import BotContext
from models.people import Identity
from models.stats import Scope, scope_of
from views.render import Markup, Renderer
from views.widgets import inline, role_name, scope_title

log = logging.getLogger(__name__)
Keyboard = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def pressed_message(update: Update) -> Message | None:
    """The message a pressed button sits on, while the messenger still gives it: one older than 48 hours
    comes as an InaccessibleMessage (no chat, no text), which nothing may edit."""
    query = update.callback_query
    message = query.message if query is not None else None
    return message if isinstance(message, Message) else None


def chat_of(update: Update) -> int:
    """The chat an update came from (a private chat's id is the user's)."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    raise ValueError(f"update {update.update_id} has no chat")


async def send(update: Update, context: BotContext, text: str, keyboard: Keyboard = None) -> Message:
    """Send to the update's chat; long texts are split, the keyboard goes with the last part."""
    chat_id = chat_of(update)
    parts = context.r.split(text)
    message: Message | None = None
    for index, part in enumerate(parts):
        message = await context.bot.send_message(
            chat_id,
            part,
            parse_mode=context.r.parse_mode,
            reply_markup=keyboard if index == len(parts) - 1 else None,
        )
    assert message is not None
    return message


async def edit_or_send(
    update: Update,
    context: BotContext,
    message: Message | None,
    text: str,
    keyboard: InlineKeyboardMarkup | None,
) -> None:
    """Edit in place; when the platform refuses the edit, send a new message instead."""
    if message is not None:
        try:
            await context.bot.edit_message_text(
                text,
                chat_id=message.chat_id,
                message_id=message.message_id,
                parse_mode=context.r.parse_mode,
                reply_markup=keyboard,
            )
            return
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return
            log.info("edit refused (%s); sending a new message", exc.message)
    await send(update, context, text, keyboard)


async def close_keyboard(context: BotContext, message: Message | None, note: str | None = None) -> None:
    """Remove an answered question's buttons (optionally noting the choice); failures are harmless."""
    if message is None:
        return
    try:
        if note is not None and message.text is not None:
            r = context.r
            text = r.escape(message.text) + "\n" + r.escape(note)
            await context.bot.edit_message_text(
                text, chat_id=message.chat_id, message_id=message.message_id, parse_mode=r.parse_mode
            )
        else:
            await context.bot.edit_message_reply_markup(
                message.chat_id, message.message_id, reply_markup=None
            )
    except TelegramError as exc:  # cosmetic: never let it fail the update
        log.debug("could not close keyboard: %s", exc.message)


async def answer_callback(update: Update, text: str | None = None, alert: bool = False) -> None:
    if update.callback_query is None:
        return
    try:
        await update.callback_query.answer(text, show_alert=alert)
    except BadRequest as exc:  # too old to answer: nothing the user can see
        log.debug("callback answer failed: %s", exc.message)


def main_menu(who: Identity, r: Renderer, ranking_public: bool) -> ReplyKeyboardMarkup:
    """The reply keyboard of a role: its commands' buttons, as the command table places them."""
    rows = commands.keyboard_rows(who.role, ranking_public)
    buttons = [[KeyboardButton(r.raw(f"menu.{name}")) for name in row] for row in rows]
    return ReplyKeyboardMarkup(buttons, resize_keyboard=True)


def contact_keyboard(r: Renderer) -> ReplyKeyboardMarkup:
    button = KeyboardButton(r.raw("onboarding.share_button"), request_contact=True)
    return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)


def requires(*roles: str) -> Callable[[Handler], Handler]:
    """Server-side authorization: every entry point states who may use it."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(update: Update, context: BotContext) -> None:
            who = context.identity
            if who is None:
                await answer_callback(update)
                await send(update, context, context.r("onboarding.need_link"), contact_keyboard(context.r))
                return
            if roles and who.role not in roles:
                await answer_callback(update)
                log.info("denied %s to person %s (role %s)", handler.__name__, who.person_id, who.role)
                await send(
                    update, context, context.r("general.not_allowed", role=role_name(context.r, who.role))
                )
                return
            await handler(update, context)

        return guarded

    return decorate


__all__ = ["Markup", "inline", "role_name", "scope_title"]


async def scope_or_say(update: Update, context: BotContext) -> Scope | None:
    """The person's scope; without one, they are told so and None comes back."""
    async with context.rt.db.session() as session:
        scope = await scope_of(session, context.who)
    if scope is None:
        await send(update, context, context.r("ranking.no_scope"))
    return scope
