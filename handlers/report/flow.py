"""The /report conversation. Its state lives in the `drafts` table, read per update and written as each
answer is accepted, so a restart (or another instance) continues where the user was."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from telegram import InputFile, Update
from telegram.error import TelegramError

from handlers import dialog, files, notify
from handlers.common import (
    answer_callback,
    chat_of,
    close_keyboard,
    edit_or_send,
    inline,
    main_menu,
    pressed_message,
    requires,
    send,
)
from handlers.context import BotContext
from handlers.report.steps import (
    BUTTON_STEPS,
    FIELDS,
    KIND,
    PREFIX,
    cb,
    first_missing,
    next_state,
    prompt,
    step_label,
)
from models import access, beneficiary_file, drafts, quickreport, reports, review
from models.access import NotAllowed
from models.jalali import DateError, check_report_date, parse_jalali
from models.schema import SECTORS, Draft
from models.sheets import FileProblem
from models.textnorm import NumberError, parse_int
from views.render import Markup

log = logging.getLogger(__name__)


def _agency(context: BotContext) -> str:
    return (context.identity.agency_name if context.identity else None) or "-"


async def _ask(update: Update, context: BotContext, draft: Draft, lead: list[Markup] | None = None) -> None:
    """Send the current step's question (after any feedback lines), as every conversation asks."""
    text, keyboard = prompt(context.r, draft, _agency(context))
    await dialog.ask(update, context, draft, text, keyboard, lead)


async def _advance(
    update: Update, context: BotContext, draft: Draft, data: dict[str, Any], lead: list[Markup] | None = None
) -> None:
    state = next_state(draft.state, data)
    if state == "summary":
        data.pop("editing", None)
    if not await drafts.save(context.rt.db, draft, state, data):
        await send(update, context, context.r("report.already_closed"))
        return
    await _ask(update, context, draft, lead)


async def _load(context: BotContext) -> Draft | None:
    """The draft as it is now in the database."""
    assert context.identity is not None
    async with context.rt.db.session() as session:
        return await drafts.get(session, context.identity.account_id, KIND)


def _can_report(context: BotContext) -> Markup | None:
    who = context.identity
    if who is None or who.role != "rep":
        return context.r("report.only_reps")
    if who.agency_id is None:
        return context.r("report.no_agency")
    return None


async def command(update: Update, context: BotContext) -> None:
    refusal = _can_report(context)
    if refusal:
        await send(update, context, refusal)
        return
    draft = await context.draft(KIND)
    if draft is not None:
        r = context.r
        keyboard = inline(
            [[(r.raw("report.continue"), cb(draft, "cont")), (r.raw("report.restart"), cb(draft, "new"))]]
        )
        await send(update, context, r("report.open_exists", step=step_label(r, draft.state)), keyboard)
        return
    await _begin(update, context)


async def _begin(update: Update, context: BotContext) -> None:
    assert context.identity is not None
    # The reporting year is fixed when the report starts, so Nowruz mid-report cannot move it.
    draft = await drafts.start(
        context.rt.db, context.identity.account_id, KIND, "sector", {"year": context.rt.year}
    )
    await _ask(update, context, draft)


# --- buttons ---------------------------------------------------------------------------------------------


@requires("rep")
async def callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split("|")
    if len(parts) not in (3, 4) or parts[0] != PREFIX:
        log.warning("update %s: malformed report button %r", update.update_id, query.data)
        await answer_callback(update, context.r.raw("general.bad_button"), alert=True)
        return
    token, action, arg = parts[1], parts[2], (parts[3] if len(parts) == 4 else "")
    draft = await context.draft(KIND)
    if draft is None or draft.token != token:
        await answer_callback(update, context.r.raw("general.stale_button"), alert=True)
        await close_keyboard(context, pressed_message(update))
        return
    handler = _ACTIONS.get(action)
    if handler is None:
        log.warning("update %s: unknown report action %r", update.update_id, query.data)
        await answer_callback(update, context.r.raw("general.bad_button"), alert=True)
        return
    expected_state, run = handler
    if expected_state is not None and draft.state != expected_state:
        await answer_callback(update, context.r.raw("report.old_step_button"))
        await close_keyboard(context, pressed_message(update))
        await _ask(update, context, draft)
        return
    await run(update, context, draft, arg)


async def _chosen(update: Update, context: BotContext, label: str) -> None:
    await answer_callback(update)
    message = pressed_message(update)
    await close_keyboard(
        context,
        message,
        context.r.raw("report.chosen").format(choice=label),
    )


async def _on_continue(update: Update, context: BotContext, draft: Draft, arg: str) -> None:
    await answer_callback(update)
    await _ask(update, context, draft)


async def _on_restart(update: Update, context: BotContext, draft: Draft, arg: str) -> None:
    await answer_callback(update)
    await _begin(update, context)


async def _on_cancel(update: Update, context: BotContext, draft: Draft, arg: str) -> None:
    assert context.identity is not None
    await _chosen(update, context, context.r.raw("report.cancel"))
    await drafts.drop(context.rt.db, context.identity.account_id, KIND)
    who, r = context.identity, context.r
    await send(
        update, context, r("report.cancelled"), main_menu(who, r, context.rt.settings.bot_ranking_public)
    )


async def _on_sector(update: Update, context: BotContext, draft: Draft, arg: str) -> None:
    if arg not in SECTORS:
        await answer_callback(update, context.r.raw("general.bad_button"), alert=True)
        return
    await _chosen(update, context, context.r.raw(f"sectors.{arg}"))
    await _advance(update, context, draft, {**draft.data, "sector": arg})


async def _on_date(update: Update, context: BotContext, draft: Draft, arg: str) -> None:
    if arg not in ("today", "yday"):
        await answer_callback(update, context.r.raw("general.bad_button"), alert=True)
        return
    rt = context.rt
    day = rt.today() - dt.timedelta(days=1 if arg == "yday" else 0)
    try:
        check_report_date(day, _year(context, draft), rt.today())
    except DateError as exc:
        await answer_callback(update)
        await send(update, context, _date_error(context, draft, exc))
        return
    await _chosen(update, context, context.r.date(day))
    await _advance(update, context, draft, {**draft.data, "date": day.isoformat()})


async def _on_skip(update: Update, context: BotContext, draft: Draft, arg: str) -> None:
    await _chosen(update, context, context.r.raw("report.skip"))
    await _advance(update, context, draft, {**draft.data, "codes": []})


async def _on_rasad(update: Update, context: BotContext, draft: Draft, arg: str) -> None:
    if arg not in ("yes", "no"):
        await answer_callback(update, context.r.raw("general.bad_button"), alert=True)
        return
    await _chosen(update, context, context.r.raw(f"report.rasad_{arg}"))
    data = {**draft.data, "rasad": arg == "yes"}
    if arg == "no":
        data.pop("tracking", None)
    await _advance(update, context, draft, data)


async def _on_edit(update: Update, context: BotContext, draft: Draft, arg: str) -> None:
    await _chosen(update, context, context.r.raw("report.edit"))
    await drafts.save(context.rt.db, draft, "edit", draft.data)
    await _ask(update, context, draft)


async def _on_field(update: Update, context: BotContext, draft: Draft, arg: str) -> None:
    if arg not in FIELDS or (arg == "codes" and draft.data.get("amend")):
        await answer_callback(update, context.r.raw("general.bad_button"), alert=True)
        return
    await _chosen(update, context, context.r.raw(f"report.field_{arg}"))
    await drafts.save(context.rt.db, draft, arg, {**draft.data, "editing": True})
    await _ask(update, context, draft)


async def _on_back(update: Update, context: BotContext, draft: Draft, arg: str) -> None:
    await _chosen(update, context, context.r.raw("report.back"))
    await drafts.save(context.rt.db, draft, "summary", draft.data)
    await _ask(update, context, draft)


async def _on_confirm(update: Update, context: BotContext, draft: Draft, arg: str) -> None:
    who, rt, r = context.identity, context.rt, context.r
    assert who is not None
    await answer_callback(update)
    if draft.data.get("amend"):
        await _resubmit(update, context, draft)
        return
    try:
        result = await reports.submit(rt.db, who, draft.id, draft.token, rt.today(), rt.clock())
    except access.AnswerError as exc:
        await send(
            update,
            context,
            _answer_error(context, exc) if exc.reason.startswith("date_") else r("report.errors.incomplete"),
        )
        return
    message = pressed_message(update)
    if result.achievement_id is not None:
        # Committed above: only now do we say "saved". A failure to say so must not read as "nothing saved".
        data = draft.data
        text = r(
            "report.saved",
            ref=r.code(result.achievement_id),
            jobs=int(data["jobs"]),
            sector=r.raw(f"sectors.{data['sector']}"),
            title=data["title"],
        )
        try:
            await send(update, context, text, main_menu(who, r, rt.settings.bot_ranking_public))
        except TelegramError:  # kept pending: their next message is answered with it first (receipts.py)
            log.exception(
                "update %s: achievement %s saved but the reply failed",
                update.update_id,
                result.achievement_id,
            )
            return
        try:
            await reports.receipt_sent(rt.db, who.account_id, result.achievement_id)
        except Exception:  # they were told; at worst they are told once more
            log.warning(
                "update %s: could not clear the receipt of %s", update.update_id, result.achievement_id
            )
        await close_keyboard(context, message)
        return
    if result.conflicts:
        fresh = await _load(context)  # submit may have changed it: not the draft as it arrived
        if fresh is not None:
            await _ask(update, context, fresh, [r("report.conflict", codes=r.codes(list(result.conflicts)))])
            return
    await send(update, context, r("report.already_closed"))


async def begin_amend(update: Update, context: BotContext, card: review.Card) -> None:
    """Correct a report not yet approved: the same summary and field editing as /report, prefilled, ending
    in Resubmit (a new version, reviewed again)."""
    assert context.identity is not None
    open_draft = await context.draft(KIND)
    if open_draft is not None and open_draft.data.get("amend") != card.achievement.id:
        await send(
            update,
            context,
            context.r("review.finish_open_report", step=step_label(context.r, open_draft.state)),
        )
        return
    a = card.achievement
    data: dict[str, Any] = {
        "year": a.year,
        "amend": a.id,
        "version": a.version,
        "sector": a.sector,
        "jobs": a.jobs,
        "date": a.created_on.isoformat(),
        "title": a.title,
        "rasad": a.rasad_registered,
        "codes": [],
        "codes_kept": card.codes,
    }
    if a.tracking_code:
        data["tracking"] = a.tracking_code
    draft = await drafts.start(context.rt.db, context.identity.account_id, KIND, "summary", data)
    await _ask(update, context, draft)


async def _resubmit(update: Update, context: BotContext, draft: Draft) -> None:
    who, rt, r = context.identity, context.rt, context.r
    assert who is not None
    data = draft.data
    try:
        version = await review.amend(
            rt.db, who, int(data["amend"]), int(data["version"]), data, rt.today(), rt.clock()
        )
    except access.AnswerError as exc:
        await _ask(update, context, draft, [_answer_error(context, exc)])
        return
    except (review.Changed, NotAllowed):
        await drafts.drop(rt.db, who.account_id, KIND)
        await send(update, context, r("review.changed"))
        return
    await drafts.drop(rt.db, who.account_id, KIND)  # after the commit above: the correction is saved
    message = pressed_message(update)
    await close_keyboard(context, message)
    menu = main_menu(who, r, rt.settings.bot_ranking_public)
    await send(update, context, r("review.resubmitted", ref=r.code(data["amend"]), version=version), menu)
    await notify.deliver(context, "achievement", int(data["amend"]))


_ACTIONS = {
    "cont": (None, _on_continue),
    "new": (None, _on_restart),
    "cancel": (None, _on_cancel),
    "sec": ("sector", _on_sector),
    "date": ("date", _on_date),
    "skip": ("codes", _on_skip),
    "rasad": ("rasad", _on_rasad),
    "ok": ("summary", _on_confirm),
    "edit": ("summary", _on_edit),
    "field": ("edit", _on_field),
    "back": ("edit", _on_back),
}


# --- typed answers ---------------------------------------------------------------------------------------


def _year(context: BotContext, draft: Draft) -> int:
    return int(draft.data.get("year") or context.rt.year)


def _date_error(context: BotContext, draft: Draft, exc: DateError) -> Markup:
    return context.r(f"report.errors.date_{exc.reason}", year=context.r.code(_year(context, draft)))


async def start_quick(update: Update, context: BotContext, text: str) -> bool:
    """A rep's one-line report: start a draft from what was understood and ask only for the rest."""
    if _can_report(context) is not None:
        return False
    rt, r = context.rt, context.r
    parsed = quickreport.parse(text, rt.year, rt.today())
    if not parsed.understood:
        return False
    data: dict[str, Any] = {"year": rt.year, "quick": True, "codes": []}
    lead = [r("quick.started")]
    if parsed.jobs is not None and reports.JOBS_MIN <= parsed.jobs <= reports.JOBS_MAX:
        data["jobs"] = parsed.jobs
    elif parsed.jobs is not None:
        lead.append(
            r("report.errors.too_large" if parsed.jobs > reports.JOBS_MAX else "report.errors.too_small")
        )
    if parsed.job_candidates:
        data["candidates"] = [n for n in parsed.job_candidates if reports.JOBS_MIN <= n <= reports.JOBS_MAX]
    if parsed.sector:
        data["sector"] = parsed.sector
    elif len(parsed.sectors_found) > 1:
        lead.append(r("quick.two_sectors"))
    if parsed.date is not None:
        data["date"] = parsed.date.isoformat()
    elif parsed.date_error:
        lead.append(r(f"report.errors.date_{parsed.date_error}", year=r.code(rt.year)))
    if parsed.title:
        try:
            data["title"] = reports.check_title(parsed.title)
        except access.AnswerError:
            pass
    if parsed.rasad is not None:
        data["rasad"] = parsed.rasad
    if parsed.tracking:
        try:
            data["tracking"] = reports.check_tracking(parsed.tracking)
        except access.AnswerError:
            pass
    assert context.identity is not None
    draft = await drafts.start(rt.db, context.identity.account_id, KIND, first_missing(data), data)
    await _ask(update, context, draft, lead)
    return True


async def _on_pick(update: Update, context: BotContext, draft: Draft, arg: str) -> None:
    """One of the numbers in a one-line report, chosen as the count."""
    if not arg.isascii() or not arg.isdigit() or int(arg) not in draft.data.get("candidates", []):
        await answer_callback(update, context.r.raw("general.bad_button"), alert=True)
        return
    await _chosen(update, context, context.r.number(int(arg)))
    data = {k: v for k, v in draft.data.items() if k != "candidates"}
    await _advance(update, context, draft, {**data, "jobs": int(arg)})


_ACTIONS["pick"] = ("jobs", _on_pick)


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


async def _codes_from_file(update: Update, context: BotContext, draft: Draft) -> None:
    """The codes step answered with a spreadsheet: keep the valid rows."""
    r = context.r
    result = await check_file(update, context, _year(context, draft))
    if result is None:
        await _ask(update, context, draft)
        return
    if not result.valid:
        await _ask(update, context, draft, [r("beneficiaries.no_valid")])
        return
    codes, details = codes_and_details(result)
    # The number of jobs follows the valid rows; the rep may still edit it in the summary.
    data = {**draft.data, "codes": codes, "details": details, "jobs": len(codes)}
    await _advance(update, context, draft, data, [r("beneficiaries.jobs_follow", jobs=len(codes))])


async def continue_with_message(update: Update, context: BotContext) -> bool:
    """A message while a report is open answers its current step. False when no report is open."""
    who = context.identity
    if who is None or who.role != "rep":
        return False
    draft = await context.draft(KIND)
    if draft is None:
        return False
    message = update.effective_message
    assert message is not None
    r = context.r
    if draft.state in BUTTON_STEPS:
        # At a new report's summary, say plainly that nothing is saved yet (after a restart the user may not
        # know). A correction's summary ends in Resubmit: the report itself stands meanwhile.
        new_summary = draft.state == "summary" and not draft.data.get("amend")
        await _ask(
            update, context, draft, [r("report.not_saved_yet" if new_summary else "report.use_buttons")]
        )
        return True
    if draft.state == "codes" and message.document is not None:
        await _codes_from_file(update, context, draft)
        return True
    if not message.text:
        await _ask(update, context, draft, [r("report.type_text")])
        return True
    try:
        data, lead = await _accept(context, draft, message.text)
    except access.AnswerError as exc:
        await _ask(update, context, draft, [_answer_error(context, exc)])
        return True
    await _advance(update, context, draft, data, lead)
    return True


def _answer_error(context: BotContext, exc: access.AnswerError) -> Markup:
    r = context.r
    values: dict[str, object] = {}
    for key, value in exc.details.items():
        values[key] = value if isinstance(value, int | Markup) else str(value)
    if exc.reason.startswith("date_") and "year" not in values:
        values["year"] = r.code(context.rt.year)
    return r(f"report.errors.{exc.reason}", **values)


async def _accept(context: BotContext, draft: Draft, text: str) -> tuple[dict[str, Any], list[Markup]]:
    """Validate one typed answer; raise AnswerError (with the reason) to stay on the step."""
    rt, r = context.rt, context.r
    data = dict(draft.data)
    state = draft.state
    if state == "jobs":
        try:
            jobs = parse_int(text, reports.JOBS_MIN, reports.JOBS_MAX)
        except NumberError as exc:
            shown = text if len(text) <= 40 else text[:40] + "…"
            raise access.AnswerError(exc.reason, value=shown) from None
        codes = len(data.get("codes") or []) + int(data.get("codes_kept", 0))
        if jobs < codes:
            raise access.AnswerError("less_than_codes", codes=codes)
        data["jobs"] = jobs
        data.pop("candidates", None)
        return data, []
    if state == "date":
        year = _year(context, draft)
        try:
            day = check_report_date(parse_jalali(text, year), year, rt.today())
        except DateError as exc:
            raise access.AnswerError(f"date_{exc.reason}", year=r.code(year)) from None
        data["date"] = day.isoformat()
        return data, []
    if state == "title":
        data["title"] = reports.check_title(text)
        return data, []
    if state == "codes":
        async with rt.db.session() as session:
            check = await reports.check_codes(session, text, _year(context, draft), int(data["jobs"]))
        if check.invalid:
            raise access.AnswerError("invalid_codes", codes=r.codes(check.invalid))
        data["codes"] = check.accepted
        data.pop("details", None)  # typed codes replace a spreadsheet's
        lead = [r("report.codes.accepted", count=len(check.accepted))]
        if check.already_counted:
            lead.append(r("report.codes.already_counted", codes=r.codes(check.already_counted, limit=100)))
        if check.repeated:
            lead.append(r("report.codes.repeated", count=check.repeated))
        return data, lead
    if state == "tracking":
        data["tracking"] = reports.check_tracking(text)
        return data, []
    raise AssertionError(f"no typed answer for state {state}")
