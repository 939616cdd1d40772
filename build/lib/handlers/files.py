"""Spreadsheets users send to be read (beneficiary lists, rosters): downloaded within the size limit, read
in the file pool (models.filework) within models.sheets' budgets, and any problem told in the user's
language."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from telegram import Document, Update
from telegram.error import TelegramError

from handlers.common import send
from handlers.context import BotContext
from models import filework
from models.sheets import FileProblem
from views.render import Markup, Renderer

log = logging.getLogger(__name__)
T = TypeVar("T")
SUFFIXES = (".xlsx", ".csv")


async def download(update: Update, context: BotContext, document: Document, max_bytes: int) -> bytes:
    """The document's bytes; FileProblem when it is not a spreadsheet, too large or cannot be fetched."""
    too_big = FileProblem("too_big", limit=max_bytes // (1024 * 1024))
    if not (document.file_name or "").lower().endswith(SUFFIXES):
        raise FileProblem("type")
    if (document.file_size or 0) > max_bytes:  # some updates carry no size: checked again below
        raise too_big
    try:
        file = await document.get_file()
        if (file.file_size or 0) > max_bytes:
            raise too_big
        content = bytes(await file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("update %s: a file could not be downloaded: %s", update.update_id, exc)
        raise FileProblem("download") from None
    if len(content) > max_bytes:
        raise too_big
    return content


async def read(update: Update, context: BotContext, work: Callable[[float], T]) -> T:
    """`work(deadline)` in the file pool; the user is told when their file has to wait its turn."""

    async def waiting() -> None:
        await send(update, context, context.r("files.waiting"))

    return await filework.run(work, waiting=waiting)


def problem(r: Renderer, exc: FileProblem) -> Markup:
    return r(f"files.{exc.reason}", **exc.values)
