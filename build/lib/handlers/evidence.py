"""Evidence: the photos and files sent with an obstacle or added to a saved report, checked as they
arrive, stored as the messenger's file ids and sent back from them."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError

from handlers.common import chat_of, send
from handlers.context import BotContext
from models.schema import Attachment

log = logging.getLogger(__name__)

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
