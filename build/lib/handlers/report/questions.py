"""The /report questions: the draft's data, the order of the steps and what each one asks."""

from __future__ import annotations

import datetime as dt
import json
import zlib
from typing import TypedDict

from handlers.conversation import SUMMARY, Choice, Question, Turn
from models.jalali import to_jalali
from models.schema import SECTORS
from views.render import Markup, Renderer


class ReportData(TypedDict, total=False):
    year: int  # the reporting year, fixed when the report starts (Nowruz mid-report cannot move it)
    quick: bool  # started from one line: ask only what it lacks
    candidates: list[int]  # the numbers of that line, when it is unclear which one is the count
    title_guess: str  # the title read from that line, shown to be confirmed (the line had other words)
    jobs_check: CountCheck  # a count larger than the commitment allows: asked again, with the figures
    jobs_ok: int  # a count confirmed at that question
    date_guessed: bool  # the date named no year: the summary says which was taken
    sector: str
    jobs: int
    date: str  # ISO
    title: str
    codes: list[str]
    details: dict[str, list[str | None]]  # a spreadsheet's columns by national code
    rasad: bool
    tracking: str
    editing: bool  # one field is being answered again from the summary
    amend: int  # a correction of this saved report ...
    version: int  # ... as it was at this version
    codes_kept: int  # ... which has this many national codes already


class CountCheck(TypedDict, total=False):
    target: int
    achieved: int
    then: str  # the step after the count, once it is confirmed
    fixing: bool  # the rep said it is wrong: the right count is asked for, here


ORDER = ("sector", "jobs", "date", "title", "codes", "rasad")
QUICK_ORDER = ("sector", "jobs", "date", "title", "rasad")
FIELDS = ORDER
BUTTON_STEPS = ("sector", "rasad", SUMMARY)
ReportTurn = Turn[ReportData]


def first_missing(data: ReportData) -> str:
    """A report built from one message asks only what it still lacks, then shows the summary."""
    if data.get("jobs_check"):
        return "jobs_check"
    for name in QUICK_ORDER:
        if name not in data:
            return name
    return "tracking" if data.get("rasad") and not data.get("tracking") else SUMMARY


def next_state(state: str, data: ReportData) -> str:
    if data.get("jobs_check"):
        return "jobs_check"
    if data.get("quick"):
        return first_missing(data)
    if state == "jobs_check":
        state = "jobs"
    if state == "rasad":
        return "tracking" if data.get("rasad") else SUMMARY
    if state == "tracking" or data.get("editing"):
        return SUMMARY
    return ORDER[ORDER.index(state) + 1]


def year_of(turn: ReportTurn) -> int:
    return int(turn.data.get("year") or turn.rt.year)


def codes_count(data: ReportData) -> int:
    return len(data.get("codes") or []) + int(data.get("codes_kept", 0))


def edit_fields(turn: ReportTurn) -> list[str]:
    # A correction keeps its national codes (added or freed through /beneficiaries and withdrawal).
    return [f for f in FIELDS if not (turn.data.get("amend") and f == "codes")]


def field_label(r: Renderer, name: str) -> str:
    return r.raw(f"report.field_{name}")


def step_label(r: Renderer, state: str) -> str:
    field = state if state in FIELDS else {"tracking": "rasad", "jobs_check": "jobs"}.get(state)
    return field_label(r, field) if field else r.raw("report.summary").splitlines()[0].strip("*")


def summary_text(r: Renderer, data: ReportData, agency: str) -> Markup:
    codes = codes_count(data)
    codes_text = r("report.codes_count", count=codes) if codes else r("report.codes_none")
    if data.get("rasad"):
        rasad = r("report.rasad_registered", code=Markup(r.isolate(r.escape(data.get("tracking", "")))))
    else:
        rasad = r("report.rasad_not")
    return r(
        "report.summary",
        agency=agency,
        sector=r.raw(f"sectors.{data['sector']}"),
        jobs=int(data["jobs"]),
        date=dt.date.fromisoformat(data["date"]),
        title=data["title"],
        codes=codes_text,
        rasad=rasad,
    )


async def ask_sector(turn: ReportTurn) -> Question:
    r = turn.r
    return Question(r("report.ask_sector"), [[Choice(r.raw(f"sectors.{s}"), "sec", s) for s in SECTORS]])


async def ask_jobs(turn: ReportTurn) -> Question:
    r, candidates = turn.r, turn.data.get("candidates")
    if candidates:
        return Question(
            r("quick.ask_which_count"), [[Choice(r.number(n), "pick", n) for n in candidates[:6]]]
        )
    return Question(r("report.ask_jobs"))


async def ask_date(turn: ReportTurn) -> Question:
    r = turn.r
    row = [Choice(r.raw("report.today"), "date", "today"), Choice(r.raw("report.yesterday"), "date", "yday")]
    return Question(r("report.ask_date"), [row])


async def ask_jobs_check(turn: ReportTurn) -> Question:
    """A count over what is left of the commitment, or over a third of it: right, or typed again here (the
    conversation then goes on where it was). No Back: leaving would keep a count nobody confirmed."""
    r, data = turn.r, turn.data
    check, jobs = data["jobs_check"], int(data["jobs"])
    target, achieved = check["target"], check["achieved"]
    remaining = max(target - achieved, 0)
    why = (
        "quick.commitment_met"
        if remaining == 0
        else "quick.over_left"
        if jobs > remaining
        else "quick.over_third"
    )
    figures = r(
        "quick.count_figures", target=target, third=target // 3, achieved=achieved, remaining=remaining
    )
    ok = [
        Choice(r.raw("quick.count_ok").format(jobs=r.number(jobs)), "big", f"ok{jobs}")
    ]  # the count it confirms
    if check.get("fixing"):
        return Question(r.join([r("quick.count_retype"), figures]), [ok], cancel=not data.get("editing"))
    text = r.join([r("quick.count_check", jobs=jobs, why=r(why)), figures, r("quick.count_question")])
    rows = [ok, [Choice(r.raw("quick.count_fix"), "big", "fix")]]
    return Question(text, rows, cancel=not data.get("editing"))


async def ask_title(turn: ReportTurn) -> Question:
    guess = turn.data.get("title_guess")
    if guess:
        r = turn.r
        return Question(r("quick.title_guess", title=guess), [[Choice(r.raw("quick.use_title"), "usetitle")]])
    return Question(turn.r("report.ask_title"))


async def ask_codes(turn: ReportTurn) -> Question:
    return Question(turn.r("report.ask_codes"), [[Choice(turn.r.raw("report.skip"), "skip")]])


async def ask_rasad(turn: ReportTurn) -> Question:
    r = turn.r
    row = [Choice(r.raw("report.rasad_yes"), "rasad", "yes"), Choice(r.raw("report.rasad_no"), "rasad", "no")]
    return Question(r("report.ask_rasad"), [row])


async def ask_tracking(turn: ReportTurn) -> Question:
    # A rep without a code after all (or whose code is another report's) may say it is not registered yet.
    return Question(turn.r("report.ask_tracking"), [[Choice(turn.r.raw("report.rasad_no"), "rasad", "no")]])


async def ask_summary(turn: ReportTurn) -> Question:
    r, data = turn.r, turn.data
    amend = data.get("amend")
    text = summary_text(r, data, turn.who.agency_name or "-")
    if amend:
        text = r.join([r("review.amend_title", ref=r.code(amend)), text])
    if data.get("date_guessed"):
        year = to_jalali(dt.date.fromisoformat(data["date"])).year
        text = r.join([text, r("quick.year_taken", year=r.code(year))])
    rows = [
        [Choice(r.raw("review.resubmit" if amend else "report.confirm"), "ok", stamp(data))],
        [Choice(r.raw("report.edit"), "edit"), Choice(r.raw("report.cancel"), "cancel")],
    ]
    return Question(text, rows, cancel=False)


def stamp(data: ReportData) -> str:
    """What a summary showed, in a few characters: its Confirm carries it, so a Confirm pressed on a
    summary that has changed since (a double tap, a lagging client) is told apart."""
    shown = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()
    return format(zlib.crc32(shown), "x")


def summary_hint(turn: ReportTurn) -> str:
    # At a new report's summary, say plainly that nothing is saved yet (after a restart the user may not
    # know). A correction's summary ends in Resubmit: the report itself stands meanwhile.
    return "report.use_buttons" if turn.data.get("amend") else "report.not_saved_yet"
