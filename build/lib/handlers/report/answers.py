"""The /report steps answered by typing (or, at the codes step, with a spreadsheet): each is validated
here; a refused answer keeps the step and says why."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Message

from handlers import beneficiary_sheet
from handlers.context import BotContext
from handlers.report.questions import ReportData, ReportTurn, codes_count, next_state, year_of
from models import access, phrasebook, quickreport, reports
from models.jalali import DateError, check_report_date
from models.textnorm import NumberError
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


async def with_count(context: BotContext, data: ReportData, then: str) -> ReportData:
    """The count set: when it is larger than what is left of the commitment, or than a third of it, the
    next question asks whether it is right (with the figures), unless this count was confirmed already."""
    data = {**data}
    data.pop("jobs_check", None)
    data.pop("candidates", None)
    jobs, agency_id = int(data["jobs"]), context.who.agency_id
    if data.get("jobs_ok") == jobs or agency_id is None:
        return data
    year = int(data.get("year") or context.rt.year)
    async with context.rt.db.session() as session:
        check = await reports.count_check(session, agency_id, year, jobs, data.get("amend"))
    if check is not None:
        data["jobs_check"] = {"target": check.target, "achieved": check.achieved, "then": then}
    return data


async def jobs(turn: ReportTurn, text: str) -> None:
    """The count typed, at its step or at the question about a large count (then the conversation goes
    on where that question was to lead)."""
    try:
        value = quickreport.read_count(text, reports.JOBS_MIN, reports.JOBS_MAX)
        codes = codes_count(turn.data)
        if value < codes:
            raise access.AnswerError("less_than_codes", codes=codes)
    except NumberError as exc:
        shown = text if len(text) <= 40 else text[:40] + "…"
        await turn.ask([answer_error(turn.r, year_of(turn), access.AnswerError(exc.reason, value=shown))])
        return
    except access.AnswerError as exc:
        await turn.ask([answer_error(turn.r, year_of(turn), exc)])
        return
    data: ReportData = {**turn.data, "jobs": value}
    previous = data.pop("jobs_check", None)
    then = (previous or {}).get("then") or next_state(turn.state, data)
    data = await with_count(turn.context, data, then)
    await turn.go("jobs_check" if data.get("jobs_check") else then, data)


@typed
async def date(turn: ReportTurn, text: str) -> Accepted:
    year = year_of(turn)
    try:
        day, guessed = quickreport.read_date(text, year, turn.rt.today())
        check_report_date(day, year, turn.rt.today())
    except DateError as exc:
        raise access.AnswerError(f"date_{exc.reason}", year=turn.r.code(year)) from None
    data: ReportData = {**turn.data, "date": day.isoformat(), "date_guessed": guessed}
    return data, []


async def count_typed(turn: ReportTurn, text: str) -> None:
    """Typed at the question about a large count: yes or no in words, the same number (yes), or another."""
    keys = [quickreport.key_of(word) for word in text.split()]
    keys = [k for k in keys if k]
    if (keys and all(k in phrasebook.YES for k in keys)) or _same_count(text, int(turn.data["jobs"])):
        await confirm_count(turn)
    elif keys and keys[0] in phrasebook.NO and len(keys) > 1:  # «نه، ۷۰ نفر»: the number after it
        await jobs(turn, " ".join(text.split()[1:]))
    elif keys and keys[0] in phrasebook.NO:
        await fix_count(turn)
    else:
        await jobs(turn, text)


def _same_count(text: str, jobs: int) -> bool:
    try:
        return quickreport.read_count(text, reports.JOBS_MIN, reports.JOBS_MAX) == jobs
    except NumberError:
        return False


async def confirm_count(turn: ReportTurn) -> None:
    data: ReportData = {**turn.data}
    check = data.pop("jobs_check")
    data["jobs_ok"] = int(data["jobs"])
    then = check.get("then") or next_state("jobs", data)
    await turn.go(then if then != "jobs_check" else next_state("jobs", data), data)


async def fix_count(turn: ReportTurn) -> None:
    data: ReportData = {**turn.data}
    data["jobs_check"] = {**data["jobs_check"], "fixing": True}
    await turn.go("jobs_check", data)


@typed
async def title(turn: ReportTurn, text: str) -> Accepted:
    data: ReportData = {**turn.data, "title": reports.check_title(text)}
    data.pop("title_guess", None)
    return data, []


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


async def check_tracking_code(context: BotContext, data: ReportData, text: str) -> str:
    """A Rasad code in its form, and on no other report of the year (one registration, one report)."""
    code = reports.check_tracking(text)
    year = int(data.get("year") or context.rt.year)
    async with context.rt.db.session() as session:
        owner = await reports.tracking_owner(session, code, year, data.get("amend"))
    if owner is not None:
        raise access.AnswerError("tracking_taken", ref=context.r.code(owner))
    return code


@typed
async def tracking(turn: ReportTurn, text: str) -> Accepted:
    return {**turn.data, "tracking": await check_tracking_code(turn.context, turn.data, text)}, []


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
    data = await with_count(turn.context, data, next_state(turn.state, data))
    await turn.go(next_state(turn.state, data), data, [r("beneficiaries.jobs_follow", jobs=len(found))])
