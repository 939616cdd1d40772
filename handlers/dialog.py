"""What the newer conversations (/obstacle, /plan, replies and comments) share: their drafts, their
buttons (`<prefix>|<token>|<action>[|<arg>]`, refused when forged or stale) and their questions."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from handlers.common import answer_callback, chat_of, close_keyboard, main_menu, pressed_message, send
from handlers.context import BotContext
from models import drafts
from models.schema import Attachment, Draft
from views.render import Markup

log = logging.getLogger(__name__)
OnMessage = Callable[[Update, BotContext, Draft], Awaitable[None]]
# kind -> what a typed message (or file) does while that conversation is the newest one
MESSAGE_HANDLERS: dict[str, OnMessage] = {}
_DATA = re.compile(r"([a-z]{2})\|([0-9a-f]{6})\|([a-z_]{1,12})(?:\|([0-9a-z_]{1,20}))?")


def cb(prefix: str, draft: Draft, action: str, arg: str | int = "") -> str:
    return f"{prefix}|{draft.token}|{action}" + (f"|{arg}" if arg != "" else "")


async def load(context: BotContext, kind: str) -> Draft | None:
    return await context.draft(kind)


async def pressed(
    update: Update, context: BotContext, prefix: str, kind: str
) -> tuple[Draft, str, str] | None:
    """The draft a button belongs to, with its action and argument; None (the user told) when the data is
    forged or the button is from a conversation already closed or restarted."""
    query = update.callback_query
    assert query is not None
    match = _DATA.fullmatch(query.data or "")
    if match is None or match.group(1) != prefix:
        log.warning("update %s: refused %s button data %r", update.update_id, kind, query.data)
        await answer_callback(update, context.r.raw("general.bad_button"), alert=True)
        return None
    _, token, action, arg = match.groups()
    draft = await load(context, kind)
    if draft is None or draft.token != token:
        await answer_callback(update, context.r.raw("general.stale_button"), alert=True)
        await close_keyboard(context, pressed_message(update))
        return None
    return draft, action, arg or ""


async def chosen(update: Update, context: BotContext, label: str) -> None:
    """Acknowledge a press: the question keeps its text, loses its buttons and notes the choice."""
    await answer_callback(update)
    message = pressed_message(update)
    await close_keyboard(context, message, context.r.raw("report.chosen").format(choice=label))


async def close(update: Update, context: BotContext) -> None:
    """After a final press (confirm, apply; answered already): its buttons go, the reply says the rest."""
    await close_keyboard(context, pressed_message(update))


async def ask(
    update: Update,
    context: BotContext,
    draft: Draft,
    text: Markup,
    keyboard: InlineKeyboardMarkup | None,
    lead: list[Markup] | None = None,
) -> None:
    """Send a question (after any feedback lines); the previous question loses its buttons."""
    if lead:
        text = context.r.join([*lead, Markup(""), text])
    if drafts.newer_than(context.drafts, draft):  # asked again: typed answers come back here
        await drafts.save(context.rt.db, draft, draft.state, draft.data)
    message = await send(update, context, text, keyboard)
    previous = context.rt.questions.swap(draft.account_id, draft.kind, draft.token, message.message_id)
    if previous and previous != message.message_id and update.callback_query is None:
        try:
            await context.bot.edit_message_reply_markup(message.chat_id, previous, reply_markup=None)
        except Exception as exc:  # best effort: the message may be gone or unchanged
            log.debug("could not strip buttons: %s", exc)


async def refuse(update: Update, context: BotContext, data: str | None) -> None:
    """A button naming a record the person may not touch (forged, or from before a role change)."""
    who = context.identity
    log.warning(
        "update %s: refused button %r for person %s", update.update_id, data, who.person_id if who else None
    )
    await answer_callback(update, context.r.raw("general.bad_button"), alert=True)


MAX_FILES = 5
MAX_FILE_BYTES = 20 * 1024 * 1024  # what a bot may download again for an export


def check_file(message: Message, count: int) -> str | None:
    """Why a message cannot be taken as evidence (a text key), or None."""
    if message.photo:
        size = message.photo[-1].file_size
    elif message.document is not None:
        size = message.document.file_size
    else:
        return "obstacles.evidence_expected"
    if (size or 0) > MAX_FILE_BYTES:
        return "obstacles.file_too_big"
    if count >= MAX_FILES:
        return "obstacles.too_many_files"
    return None


def file_of(message: Message) -> dict[str, Any]:
    """Evidence as stored: the platform's file id with what the user sent (the largest photo size)."""
    if message.photo:
        photo = message.photo[-1]
        found = {"kind": "photo", "file_id": photo.file_id, "file_unique_id": photo.file_unique_id}
        return {**found, "size": photo.file_size} if photo.file_size else found
    document = message.document
    assert document is not None
    values = {
        "kind": "document",
        "file_id": document.file_id,
        "file_unique_id": document.file_unique_id,
        "name": (document.file_name or "")[:200] or None,
        "size": document.file_size,
        "mime": (document.mime_type or "")[:100] or None,
    }
    return {k: v for k, v in values.items() if v is not None}


async def send_files(update: Update, context: BotContext, files: list[Attachment]) -> None:
    """Send stored evidence back (a file id works only on the messenger it came from)."""
    chat_id = chat_of(update)
    elsewhere = 0
    for file in files:
        if file.platform != context.rt.platform:
            elsewhere += 1
            continue
        try:
            if file.kind == "photo":
                await context.bot.send_photo(chat_id, file.file_id)
            else:
                await context.bot.send_document(chat_id, file.file_id)
        except TelegramError as exc:
            log.warning("update %s: attachment %s could not be sent: %s", update.update_id, file.id, exc)
            elsewhere += 1
    if elsewhere:
        await send(update, context, context.r("obstacles.files_elsewhere", count=elsewhere))


def record_action(update: Update, pattern: re.Pattern[str]) -> tuple[str, int, str] | None:
    """A button naming a saved record, `<prefix>|<action>|<id>[|<arg>]`: (action, id, arg), or None."""
    query = update.callback_query
    match = pattern.fullmatch(query.data or "") if query is not None else None
    if match is None:
        return None
    return match.group(1), int(match.group(2)), (match.group(3) or "") if pattern.groups >= 3 else ""


async def cancel(update: Update, context: BotContext, kind: str, text_key: str) -> None:
    """Cancel pressed in a conversation: its draft goes, nothing is saved, the menu comes back."""
    who, r = context.identity, context.r
    assert who is not None
    await chosen(update, context, r.raw("report.cancel"))
    await drafts.drop(context.rt.db, who.account_id, kind)
    await send(update, context, r(text_key), main_menu(who, r, context.rt.settings.bot_ranking_public))


async def route(update: Update, context: BotContext) -> bool:
    """Give a message to the newest open conversation, when it is one of these; False otherwise."""
    who = context.identity
    if who is None:
        return False
    draft = await context.newest_draft()
    if draft is None or draft.kind not in MESSAGE_HANDLERS:
        return False
    await MESSAGE_HANDLERS[draft.kind](update, context, draft)
    return True
