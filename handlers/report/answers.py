"""The /report steps answered by typing (or, at the codes step, with a spreadsheet): each is validated
here; a refused answer keeps the step and says why."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Message

from handlers import beneficiary_sheet
from handlers.report.questions import ReportData, ReportTurn, codes_count, next_state, year_of
from models import access, reports
from models.jalali import DateError, check_report_date, parse_jalali
from models.textnorm import NumberError, parse_int
from views.render import Markup, Renderer

Accepted = tuple[ReportData, list[Markup]]


def answer_error(r: Renderer, year: int, exc: access.AnswerError) -> Markup:
    values: dict[str, object] = {}
    for key, value in exc.details.items():
        values[key] = value if isinstance(value, int | Markup) else str(value)
    if exc.reason.startswith("date_") and "year" not in values:
        values["year"] = r.code(year)
    return r(f"report.errors.{exc.reason}", **values)


def typed(
    accept: Callable[[ReportTurn, str], Awaitable[Accepted]],
) -> Callable[[ReportTurn, str], Awaitable[None]]:
    """A step's typed answer: accepted, the next step is asked; refused, the step is asked again."""

    async def answer(turn: ReportTurn, text: str) -> None:
        try:
            data, lead = await accept(turn, text)
        except access.AnswerError as exc:
            await turn.ask([answer_error(turn.r, year_of(turn), exc)])
            return
        await turn.go(next_state(turn.state, data), data, lead)

    return answer


@typed
async def jobs(turn: ReportTurn, text: str) -> Accepted:
    try:
        value = parse_int(text, reports.JOBS_MIN, reports.JOBS_MAX)
    except NumberError as exc:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise access.AnswerError(exc.reason, value=shown) from None
    codes = codes_count(turn.data)
    if value < codes:
        raise access.AnswerError("less_than_codes", codes=codes)
    data: ReportData = {**turn.data, "jobs": value}
    data.pop("candidates", None)
    return data, []


@typed
async def date(turn: ReportTurn, text: str) -> Accepted:
    year = year_of(turn)
    try:
        day = check_report_date(parse_jalali(text, year), year, turn.rt.today())
    except DateError as exc:
        raise access.AnswerError(f"date_{exc.reason}", year=turn.r.code(year)) from None
    return {**turn.data, "date": day.isoformat()}, []


@typed
async def title(turn: ReportTurn, text: str) -> Accepted:
    return {**turn.data, "title": reports.check_title(text)}, []


@typed
async def codes(turn: ReportTurn, text: str) -> Accepted:
    r = turn.r
    async with turn.rt.db.session() as session:
        check = await reports.check_codes(session, text, year_of(turn), int(turn.data["jobs"]))
    if check.invalid:
        raise access.AnswerError("invalid_codes", codes=r.codes(check.invalid))
    data: ReportData = {**turn.data, "codes": check.accepted}
    data.pop("details", None)  # typed codes replace a spreadsheet's
    lead = [r("report.codes.accepted", count=len(check.accepted))]
    if check.already_counted:
        lead.append(r("report.codes.already_counted", codes=r.codes(check.already_counted, limit=100)))
    if check.repeated:
        lead.append(r("report.codes.repeated", count=check.repeated))
    return data, lead


@typed
async def tracking(turn: ReportTurn, text: str) -> Accepted:
    return {**turn.data, "tracking": reports.check_tracking(text)}, []


async def codes_file(turn: ReportTurn, message: Message) -> None:
    """The codes step answered with a spreadsheet: keep its valid rows."""
    r = turn.r
    if message.document is None:  # a photo
        await turn.ask([r("report.type_text")])
        return
    result = await beneficiary_sheet.check_file(turn.update, turn.context, year_of(turn))
    if result is None:
        await turn.ask()
        return
    if not result.valid:
        await turn.ask([r("beneficiaries.no_valid")])
        return
    found, details = beneficiary_sheet.codes_and_details(result)
    # The number of jobs follows the valid rows; the rep may still edit it in the summary.
    data: ReportData = {**turn.data, "codes": found, "details": details, "jobs": len(found)}
    await turn.go(next_state(turn.state, data), data, [r("beneficiaries.jobs_follow", jobs=len(found))])
