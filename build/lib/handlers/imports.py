"""Admins send the roster (the office's own sheet, or the import format) in chat: the bot shows what would
change, field by field with warnings first (views.import_preview), and applies it only on Apply. The
file is kept by the messenger: Apply downloads it again, checks it is the same file, and applies only
when its changes are exactly the ones shown (else it shows the new ones). Buttons im|<token>|ok|cancel."""

from __future__ import annotations

import hashlib
import logging
from typing import TypedDict

from telegram import Document, InputFile, Update
from telegram.error import TelegramError

from handlers import files
from handlers.common import answer_callback, chat_of, requires, send
from handlers.context import BotContext
from handlers.conversation import Choice, Conversation, Press, Question, Step, Turn
from models import audit, importer, roster_file
from models.sheets import FileProblem
from models.stats import scope_of
from views import import_preview

log = logging.getLogger(__name__)
KIND, PREFIX = "import", "im"
SHOWN_ERRORS = 10


class ImportData(TypedDict):
    file_id: str  # the messenger keeps the file: Apply reads it again ...
    name: str | None
    sha256: str  # ... and checks it is the same file
    changes: str  # the digest of the changes shown: Apply applies exactly those


ImportTurn = Turn[ImportData]


async def _read(
    update: Update, context: BotContext, document: Document
) -> tuple[bytes, roster_file.RosterRows]:
    content = await files.download(update, context, document, roster_file.LIMITS.max_bytes)
    name, year = document.file_name or "", context.rt.year
    rows = await files.read(update, context, lambda deadline: roster_file.read(content, name, year, deadline))
    return content, rows


async def command(update: Update, context: BotContext) -> None:
    await send(update, context, context.r("imports.send_file"))


@requires("admin")
async def preview(update: Update, context: BotContext) -> None:
    """A document from an admin outside any conversation: check it, and show what it would change."""
    message = update.effective_message
    assert message is not None and message.document is not None
    try:
        content, rows = await _read(update, context, message.document)
    except FileProblem as exc:
        await send(update, context, context.r("imports.file_problem", reason=files.problem(context.r, exc)))
        return
    await _show(update, context, message.document, content, rows)


async def _show(
    update: Update, context: BotContext, document: Document, content: bytes, rows: roster_file.RosterRows
) -> None:
    rt, r, who = context.rt, context.r, context.who
    within = await _within(context)
    result = await importer.import_rows(
        rt.db, rows, audit.person_actor(who.person_id), dry_run=True, year=rt.year, within=within
    )
    lines = [r("imports.preview_title", name=document.file_name or "-")]
    if result.errors:  # validation stops before anything is counted
        lines.append(r("imports.invalid", count=len(result.errors)))
        lines += [
            r(
                "imports.invalid_line",
                sheet=e.sheet,
                row=r.code(e.row),
                reason=import_preview.error_text(r, e),
            )
            for e in result.errors[:SHOWN_ERRORS]
        ]
        lines += import_preview.skipped_lines(r, result)
        lines.append(r("imports.nothing_applied"))
        await send(update, context, r.join(lines))
        await _send_file(
            update, context, import_preview.errors_csv(r, result), "import-errors.csv", "errors_file"
        )
        return
    body, cut = import_preview.preview(r, result)
    data: ImportData = {
        "file_id": document.file_id,
        "name": document.file_name,
        "sha256": _digest(content),
        "changes": result.digest,
    }
    if cut:
        await _send_file(
            update, context, import_preview.changes_csv(r, result), "import-changes.csv", "changes_file"
        )
    await IMPORT.start(update, context, "confirm", data, [*lines, *body])


async def _within(context: BotContext) -> frozenset[int] | None:
    """The counties an admin with a scope may import into; None for an admin of everything."""
    async with context.rt.db.session() as session:
        scope = await scope_of(session, context.who)
    if scope is None or scope.county_ids is None:
        return None
    return frozenset(scope.county_ids)


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


async def _send_file(update: Update, context: BotContext, content: bytes, name: str, caption: str) -> None:
    try:
        await context.bot.send_document(
            chat_of(update),
            InputFile(content, filename=name),
            caption=context.r.raw(f"imports.{caption}"),
        )
    except TelegramError as exc:
        log.warning("update %s: %s could not be sent: %s", update.update_id, name, exc)


async def _ask_apply(turn: ImportTurn) -> Question:
    r = turn.r
    row = [Choice(r.raw("imports.apply"), "ok"), Choice(r.raw("report.cancel"), "cancel")]
    return Question(r("imports.ask_apply"), [row], cancel=False)


async def _apply(turn: ImportTurn, _: str) -> None:
    update, context, draft = turn.update, turn.context, turn.draft
    rt, r, who = turn.rt, turn.r, turn.who
    menu = turn.menu()
    await answer_callback(update)
    name = draft.data["name"] or "file.csv"
    try:
        file = await context.bot.get_file(draft.data["file_id"])
        content = bytes(await file.download_as_bytearray())
        if _digest(content) != draft.data["sha256"]:
            raise FileProblem("changed")
        rows = await files.read(
            update, context, lambda deadline: roster_file.read(content, name, rt.year, deadline)
        )
    except (TelegramError, FileProblem) as exc:
        log.warning("update %s: the import file could not be read again: %s", update.update_id, exc)
        await send(update, context, r("imports.gone"))
        return
    result = await importer.import_rows(
        rt.db,
        rows,
        audit.person_actor(who.person_id),
        expect=draft.data.get("changes"),
        year=rt.year,
        within=await _within(context),
    )
    await turn.drop()
    await turn.close()
    if result.errors:  # the database changed since the preview (another import)
        await send(update, context, r("imports.failed_now", count=len(result.errors)), menu)
        await _send_file(
            update, context, import_preview.errors_csv(r, result), "import-errors.csv", "errors_file"
        )
        return
    if result.stale:  # valid, but other changes than those shown: show them instead
        await send(update, context, r("imports.stale"))
        document = Document(draft.data["file_id"], draft.data["file_id"], file_name=name)
        fresh = await files.read(
            update, context, lambda deadline: roster_file.read(content, name, rt.year, deadline)
        )
        await _show(update, context, document, content, fresh)
        return
    await send(update, context, r.join([r("imports.applied"), *import_preview.counts(r, result)]), menu)


IMPORT: Conversation[ImportData] = Conversation(
    kind=KIND,
    prefix=PREFIX,
    roles=("admin",),
    steps={"confirm": Step(_ask_apply)},
    presses={"ok": Press(_apply, at=("confirm",))},
    cancelled="imports.cancelled",
    holds=False,
)
