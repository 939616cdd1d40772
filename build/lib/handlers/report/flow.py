"""/report: a rep's achievement report, guided step by step or started from one line, and the correction
of a report not yet approved (the same summary, ending in Resubmit). Buttons rp|<token>|<action>[|<arg>]."""

from __future__ import annotations

import datetime as dt
import logging

from telegram import Update
from telegram.error import TelegramError

from handlers import notify
from handlers.common import answer_callback, inline, send
from handlers.context import BotContext
from handlers.conversation import SUMMARY, Conversation, Edit, Press, Step, Turn
from handlers.report import answers
from handlers.report.questions import (
    ReportData,
    ReportTurn,
    ask_codes,
    ask_date,
    ask_jobs,
    ask_jobs_check,
    ask_rasad,
    ask_sector,
    ask_summary,
    ask_title,
    ask_tracking,
    edit_fields,
    field_label,
    first_missing,
    next_state,
    stamp,
    step_label,
    summary_hint,
    year_of,
)
from models import access, drafts, quickreport, reports, review
from models.access import NotAllowed
from models.jalali import DateError, check_report_date
from models.schema import SECTORS
from views.buttons import StepButton
from views.render import Markup

log = logging.getLogger(__name__)
KIND, PREFIX = "report", "rp"


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
    if draft is not None:  # continue it, or start again
        r = context.r
        labels = {"cont": "report.continue", "new": "report.restart"}
        buttons = [
            (r.raw(key), StepButton(PREFIX, draft.token, action).pack()) for action, key in labels.items()
        ]
        await send(
            update, context, r("report.open_exists", step=step_label(r, draft.state)), inline([buttons])
        )
        return
    await _begin(update, context)


async def _begin(update: Update, context: BotContext) -> None:
    await REPORT.start(update, context, "sector", {"year": context.rt.year})


async def begin_amend(update: Update, context: BotContext, card: review.Card) -> None:
    """Correct a report not yet approved: the summary of /report, prefilled, ending in Resubmit (a new
    version, reviewed again)."""
    open_draft = await context.draft(KIND)
    if open_draft is not None and open_draft.data.get("amend") != card.achievement.id:
        step = step_label(context.r, open_draft.state)
        await send(update, context, context.r("review.finish_open_report", step=step))
        return
    a = card.achievement
    data: ReportData = {
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
    await REPORT.start(update, context, SUMMARY, data)


async def start_quick(update: Update, context: BotContext, text: str) -> bool:
    """A rep's one-line report: start a draft from what was understood and ask only for the rest."""
    if _can_report(context) is not None:
        return False
    rt, r = context.rt, context.r
    parsed = quickreport.parse(text, rt.year, rt.today())
    if not parsed.understood:
        return False
    data: ReportData = {"year": rt.year, "quick": True, "codes": []}
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
        data["date_guessed"] = parsed.year_guessed
    elif parsed.date_error:
        lead.append(r(f"report.errors.date_{parsed.date_error}", year=r.code(rt.year)))
    if parsed.title:
        try:
            title = reports.check_title(parsed.title)
        except access.AnswerError:
            pass
        else:
            data["title" if parsed.title_sure else "title_guess"] = title
    if parsed.rasad is not None:
        data["rasad"] = parsed.rasad
    if parsed.tracking:  # on no other report of the year
        try:
            data["tracking"] = await answers.check_tracking_code(context, data, parsed.tracking)
        except access.AnswerError as exc:
            lead.append(answers.answer_error(r, rt.year, exc))
    if "jobs" in data:  # against the commitment
        data = await answers.with_count(context, data, "")
    await REPORT.start(update, context, first_missing(data), data, lead)
    return True


# --- buttons ---------------------------------------------------------------------------------------------


async def _advance(turn: ReportTurn, data: ReportData) -> None:
    await turn.go(next_state(turn.state, data), data)


async def _continue(turn: ReportTurn, _: str) -> None:
    await turn.chosen(turn.r.raw("report.continue"))
    await turn.ask()


async def _restart(turn: ReportTurn, _: str) -> None:
    await turn.chosen(turn.r.raw("report.restart"))
    await _begin(turn.update, turn.context)


async def _sector(turn: ReportTurn, sector: str) -> None:
    await turn.chosen(turn.r.raw(f"sectors.{sector}"))
    await _advance(turn, {**turn.data, "sector": sector})


async def _date(turn: ReportTurn, which: str) -> None:
    rt = turn.rt
    day = rt.today() - dt.timedelta(days=1 if which == "yday" else 0)
    try:
        check_report_date(day, year_of(turn), rt.today())
    except DateError as exc:
        await turn.chosen(turn.r.date(day))
        await turn.ask([turn.r(f"report.errors.date_{exc.reason}", year=turn.r.code(year_of(turn)))])
        return
    await turn.chosen(turn.r.date(day))
    data: ReportData = {**turn.data, "date": day.isoformat()}
    data.pop("date_guessed", None)
    await _advance(turn, data)


async def _skip_codes(turn: ReportTurn, _: str) -> None:
    await turn.chosen(turn.r.raw("report.skip"))
    await _advance(turn, {**turn.data, "codes": []})


async def _rasad(turn: ReportTurn, answer: str) -> None:
    if turn.state == "tracking" and answer == "yes":  # a double tap: the code is what is asked
        await answer_callback(turn.update)
        await turn.ask()
        return
    await turn.chosen(turn.r.raw(f"report.rasad_{answer}"))
    data: ReportData = {**turn.data, "rasad": answer == "yes"}
    if answer == "no":
        data.pop("tracking", None)
    await _advance(turn, data)


def _candidates(turn: ReportTurn) -> list[str]:
    return [str(n) for n in turn.data.get("candidates", [])]


async def _pick(turn: ReportTurn, number: str) -> None:
    """One of the numbers of a one-line report, chosen as the count."""
    await turn.chosen(turn.r.number(int(number)))
    data: ReportData = {**turn.data, "jobs": int(number)}
    data.pop("candidates", None)
    await _advance(turn, await answers.with_count(turn.context, data, next_state(turn.state, data)))


async def _use_title(turn: ReportTurn, _: str) -> None:
    """The title read from a one-line report, confirmed as it was shown."""
    data: ReportData = {**turn.data}
    guess = data.pop("title_guess", None)
    if not guess:
        await turn.ask()
        return
    await turn.chosen(turn.r.raw("quick.use_title"))
    await _advance(turn, {**data, "title": guess})


async def _count_answer(turn: ReportTurn, answer: str) -> None:
    """At the question about a large count: it is right (go on), or it is to be typed again."""
    if answer.startswith("ok"):
        await turn.chosen(turn.r.raw("quick.count_ok").format(jobs=turn.r.number(int(turn.data["jobs"]))))
        await answers.confirm_count(turn)
        return
    await turn.chosen(turn.r.raw("quick.count_fix"))
    await answers.fix_count(turn)


async def _confirm(turn: ReportTurn, shown: str) -> None:
    if shown != stamp(turn.data):  # pressed on a summary that changed since: it is shown again, not saved
        await answer_callback(turn.update)
        await turn.close()
        await turn.ask([turn.r("quick.summary_changed")])
        return
    data = turn.data
    if data.get("jobs_check") or (data.get("rasad") and not data.get("tracking")):
        # a question left unanswered (a Back pressed past it): asked now, nothing saved unconfirmed
        await answer_callback(turn.update)
        await turn.close()
        await turn.go("jobs_check" if data.get("jobs_check") else "tracking", data)
        return
    if turn.data.get("amend"):
        await _resubmit(turn)
        return
    who, rt, r, update = turn.who, turn.rt, turn.r, turn.update
    await answer_callback(update)  # the summary keeps its buttons until the report is saved
    try:
        result = await reports.submit(rt.db, who, turn.draft.id, turn.draft.token, rt.today(), rt.clock())
    except access.AnswerError as exc:
        year = year_of(turn)
        if exc.reason == "tracking_taken":  # registered by another report meanwhile: the code is asked again
            exc.details["ref"] = r.code(exc.details["ref"])
            retry: ReportData = {**turn.data}
            retry.pop("tracking", None)
            await turn.go("tracking", retry, [answers.answer_error(r, year, exc)])
            return
        refusal = answers.answer_error(r, year, exc) if exc.reason.startswith("date_") else None
        await send(update, turn.context, refusal or r("report.errors.incomplete"))
        return
    if result.achievement_id is not None:
        # Committed above: only now do we say "saved". A failure to say so must not read as "nothing saved".
        data = turn.data
        text = r(
            "report.saved",
            ref=r.code(result.achievement_id),
            jobs=int(data["jobs"]),
            sector=r.raw(f"sectors.{data['sector']}"),
            title=data["title"],
        )
        try:
            await send(update, turn.context, text, turn.menu())
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
        await turn.close()
        return
    if result.conflicts:
        async with rt.db.session() as session:  # submit may have changed it: not the draft as it arrived
            fresh = await drafts.get(session, who.account_id, KIND)
        if fresh is not None:
            lead = [r("report.conflict", codes=r.codes(list(result.conflicts)))]
            await Turn(update, turn.context, REPORT, fresh).ask(lead)
            return
    await send(update, turn.context, r("report.already_closed"))


async def _resubmit(turn: ReportTurn) -> None:
    who, rt, r, data = turn.who, turn.rt, turn.r, turn.data
    await answer_callback(turn.update)
    try:
        version = await review.amend(
            rt.db, who, int(data["amend"]), int(data["version"]), dict(data), rt.today(), rt.clock()
        )
    except access.AnswerError as exc:
        await turn.ask([answers.answer_error(r, year_of(turn), exc)])
        return
    except (review.Changed, NotAllowed):
        await turn.drop()
        await send(turn.update, turn.context, r("review.changed"))
        return
    # after the commit above: the correction is saved
    await turn.end(r("review.resubmitted", ref=r.code(data["amend"]), version=version))
    await notify.deliver(turn.context, "achievement", int(data["amend"]))


REPORT: Conversation[ReportData] = Conversation(
    kind=KIND,
    prefix=PREFIX,
    roles=("rep",),
    steps={
        "sector": Step(ask_sector),
        "jobs": Step(ask_jobs, text=answers.jobs),
        "jobs_check": Step(ask_jobs_check, text=answers.count_typed),
        "date": Step(ask_date, text=answers.date),
        "title": Step(ask_title, text=answers.title),
        "codes": Step(ask_codes, text=answers.codes, file=answers.codes_file),
        "rasad": Step(ask_rasad),
        "tracking": Step(ask_tracking, text=answers.tracking),
        SUMMARY: Step(ask_summary, hint=summary_hint),
    },
    presses={
        "cont": Press(_continue),
        "new": Press(_restart),
        "sec": Press(_sector, at=("sector",), args=SECTORS),
        "date": Press(_date, at=("date",), args=("today", "yday")),
        "skip": Press(_skip_codes, at=("codes",)),
        "rasad": Press(_rasad, at=("rasad", "tracking"), args=("yes", "no")),
        "pick": Press(_pick, at=("jobs",), args=_candidates),
        "usetitle": Press(_use_title, at=("title",)),
        "big": Press(
            _count_answer, at=("jobs_check",), args=lambda turn: (f"ok{turn.data.get('jobs')}", "fix")
        ),
        "ok": Press(_confirm, at=(SUMMARY,)),
    },
    cancelled="report.cancelled",
    closed="report.already_closed",
    edit=Edit(edit_fields, field_label),
)
