"""Admins send the import workbook or CSV in chat: the bot shows what would change (agencies, commitments,
people added or updated; invalid rows with their reasons) and applies it only on Confirm. The file is kept
by the messenger: Confirm downloads it again and checks it is the same file. Draft kind "import",
callback data im|<token>|ok|cancel."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import logging

from telegram import Document, InputFile, Update
from telegram.error import TelegramError

from bot.context import BotContext
from bot.render import Markup, Renderer
from handlers import dialog
from handlers.common import answer_callback, inline, main_menu, requires, send
from models import audit, drafts, importer

log = logging.getLogger(__name__)
KIND, PREFIX = "import", "im"
MAX_BYTES = 5 * 1024 * 1024
SHOWN_ERRORS = 10
KINDS = ("agency", "commitment", "county_commitment", "person")


async def _read(context: BotContext, document: Document) -> tuple[bytes, importer.Rows]:
    if (document.file_size or 0) > MAX_BYTES:
        raise importer.ImportFileError("too_big")
    name = document.file_name or ""
    if not name.lower().endswith((".xlsx", ".csv")):
        raise importer.ImportFileError("type")
    content = bytes(await (await document.get_file()).download_as_bytearray())
    rows = await asyncio.to_thread(importer.read_bytes, content, name)
    return content, rows


def _counts(r: Renderer, result: importer.ImportResult) -> list[Markup]:
    lines = []
    for kind in KINDS:
        created, updated, same = result.created[kind], result.updated[kind], result.unchanged[kind]
        if created or updated or same:
            lines.append(
                r(
                    "imports.count_line",
                    what=r.raw(f"imports.kinds.{kind}"),
                    created=created,
                    updated=updated,
                    unchanged=same,
                )
            )
    return lines or [r("imports.nothing")]


def error_text(r: Renderer, error: importer.RowError) -> str:
    return r.raw(f"imports.errors.{error.key}").format(**error.values)


@requires("admin")
async def command(update: Update, context: BotContext) -> None:
    await send(update, context, context.r("imports.send_file"))


@requires("admin")
async def preview(update: Update, context: BotContext) -> None:
    """A document from an admin outside any conversation: check it, and show what it would change."""
    rt, r, who = context.rt, context.r, context.identity
    message = update.effective_message
    assert who is not None and message is not None and message.document is not None
    try:
        content, rows = await _read(context, message.document)
    except importer.ImportFileError as exc:
        await send(
            update,
            context,
            r("imports.file_problem", reason=r.raw(f"imports.file.{exc.key}").format(**exc.values)),
        )
        return
    result = await importer.import_rows(rt.db, rows, audit.person_actor(who.person_id), dry_run=True)
    lines = [r("imports.preview_title", name=message.document.file_name or "-")]
    if result.errors:  # validation stops before anything is counted
        lines.append(r("imports.invalid", count=len(result.errors)))
        lines += [
            r("imports.invalid_line", sheet=e.sheet, row=e.row, reason=error_text(r, e))
            for e in result.errors[:SHOWN_ERRORS]
        ]
        lines.append(r("imports.nothing_applied"))
        await send(update, context, r.join(lines))
        await _send_errors(update, context, result)
        return
    lines += _counts(r, result)
    data = {
        "file_id": message.document.file_id,
        "name": message.document.file_name,
        "sha256": _digest(content),
    }
    draft = await drafts.start(rt.db, who.account_id, KIND, "confirm", data)
    keyboard = inline(
        [
            [
                (r.raw("imports.apply"), dialog.cb(PREFIX, draft, "ok")),
                (r.raw("report.cancel"), dialog.cb(PREFIX, draft, "cancel")),
            ]
        ]
    )
    await dialog.ask(update, context, draft, r.join(lines), keyboard)


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


async def _send_errors(update: Update, context: BotContext, result: importer.ImportResult) -> None:
    r = context.r
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["sheet", "row", "reason"])
    writer.writerows([e.sheet, e.row, error_text(r, e)] for e in result.errors)
    content = out.getvalue().encode("utf-8-sig")
    try:
        await context.bot.send_document(
            update.effective_chat.id,  # type: ignore[union-attr]
            InputFile(content, filename="import-errors.csv"),
            caption=r.raw("imports.errors_file"),
        )
    except TelegramError as exc:
        log.warning("update %s: the list of invalid rows could not be sent: %s", update.update_id, exc)


@requires("admin")
async def callback(update: Update, context: BotContext) -> None:
    found = await dialog.pressed(update, context, PREFIX, KIND)
    if found is None:
        return
    draft, action, _ = found
    rt, r, who = context.rt, context.r, context.identity
    assert who is not None
    menu = main_menu(who, r, rt.settings.bot_ranking_public)
    if action == "cancel":
        await dialog.cancel(update, context, KIND, "imports.cancelled")
        return
    if action != "ok":
        await dialog.refuse(update, context, update.callback_query.data if update.callback_query else None)
        return
    await answer_callback(update)
    try:
        file = await context.bot.get_file(draft.data["file_id"])
        content = bytes(await file.download_as_bytearray())
        if _digest(content) != draft.data["sha256"]:
            raise importer.ImportFileError("changed")
        rows = await asyncio.to_thread(importer.read_bytes, content, draft.data["name"] or "file.csv")
    except (TelegramError, importer.ImportFileError) as exc:
        log.warning("update %s: the import file could not be read again: %s", update.update_id, exc)
        await send(update, context, r("imports.gone"))
        return
    result = await importer.import_rows(rt.db, rows, audit.person_actor(who.person_id))
    await drafts.drop(rt.db, who.account_id, KIND)
    await dialog.close(update, context)
    if result.errors:  # the database changed since the preview (another import)
        await send(update, context, r("imports.failed_now", count=len(result.errors)), menu)
        await _send_errors(update, context, result)
        return
    await send(update, context, r.join([r("imports.applied"), *_counts(r, result)]), menu)
