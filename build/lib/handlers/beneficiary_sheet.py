"""A spreadsheet of beneficiaries sent in chat (at the report's codes step, or to /beneficiaries for a
saved report): read within the file limits, validated row by row, the outcome told with a file of the
invalid rows."""

from __future__ import annotations

from telegram import InputFile, Update

from handlers import files
from handlers.common import chat_of, edit_or_send, send
from handlers.context import BotContext
from models import beneficiary_file, reports
from models.sheets import FileProblem


async def check_file(update: Update, context: BotContext, year: int) -> beneficiary_file.FileCheck | None:
    """Read and validate a spreadsheet of beneficiaries; tell the rep the outcome (with a file of the invalid
    rows). None when the file itself could not be used (the reason was sent)."""
    rt, r = context.rt, context.r
    message = update.effective_message
    assert message is not None and message.document is not None  # routed here for a document
    document = message.document
    status = await send(update, context, r("beneficiaries.working"))

    async def progress(done: int, total: int) -> None:
        await edit_or_send(update, context, status, r("beneficiaries.progress", done=done, total=total), None)

    try:
        content = await files.download(update, context, document, beneficiary_file.MAX_BYTES)
        name = document.file_name or ""
        table = await files.read(
            update, context, lambda deadline: beneficiary_file.read_table(content, name, deadline)
        )
        async with rt.db.session() as session:
            result = await beneficiary_file.check(session, table, year, progress)
    except FileProblem as exc:
        await edit_or_send(update, context, status, files.problem(r, exc), None)
        return None
    lines = [r("beneficiaries.result", valid=len(result.valid), invalid=len(result.invalid))]
    if result.invalid:
        lines.append(r("beneficiaries.first_invalid"))
        lines += [
            r("beneficiaries.invalid_line", row=item.row, reason=r.raw(f"beneficiaries.{item.reason}"))
            for item in result.invalid[:10]
        ]
    await edit_or_send(update, context, status, r.join(lines), None)
    if result.invalid:
        reasons = {
            key: r.raw(f"beneficiaries.{key}")
            for key in ("bad_code", "repeated", "counted", "bad_mobile", "bad_gender")
        }
        content = beneficiary_file.invalid_rows_csv(result, reasons, r.raw("beneficiaries.reason_title"))
        await context.bot.send_document(
            chat_of(update),
            InputFile(content, filename="invalid-rows.csv"),
            caption=r.raw("beneficiaries.invalid_file_caption"),
        )
    return result


def codes_and_details(result: beneficiary_file.FileCheck) -> tuple[list[str], dict[str, list[str | None]]]:
    codes = [p.code for p in result.valid]
    return codes, {p.code: [p.details[f] for f in reports.DETAIL_FIELDS] for p in result.valid}
