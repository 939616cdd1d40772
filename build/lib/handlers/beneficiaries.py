"""/beneficiaries: add a spreadsheet of the people employed to a report already saved: pick the report,
send the file, confirm. Buttons bn|<token>|<action>[|<arg>]. It holds no typed text: while it waits for
the file, text goes on to the report or the one-line report."""

from __future__ import annotations

import logging
from typing import TypedDict

from sqlalchemy import func, select
from telegram import Message, Update

from handlers import beneficiary_sheet, records
from handlers.common import answer_callback, send
from handlers.context import BotContext
from handlers.conversation import Choice, Conversation, Press, Question, Step, Turn
from models import reports
from models.schema import Achievement, Beneficiary
from models.textnorm import reference
from views.render import Renderer
from views.widgets import in_reading_order

log = logging.getLogger(__name__)
KIND, PREFIX = "beneficiaries", "bn"


class BeneficiariesData(TypedDict, total=False):
    page: int  # of the list of reports
    achievement_id: int
    year: int
    codes: list[str]
    details: dict[str, list[str | None]]


BeneficiariesTurn = Turn[BeneficiariesData]


PAGE = 8


async def command(update: Update, context: BotContext) -> None:
    """/beneficiaries: pick one of the agency's reports still open to change (a page at a time), or name it
    (`/beneficiaries 12`), then send its list."""
    rt, r, who = context.rt, context.r, context.who
    if who.agency_id is None:
        await send(update, context, r("report.no_agency"))
        return
    if context.args:
        number = reference(" ".join(context.args))
        async with rt.db.session() as session:
            found = await session.get(Achievement, number) if number is not None else None
        mine = found is not None and found.agency_id == who.agency_id and found.year == rt.year
        if found is None or not mine or found.status not in reports.EDITABLE:
            await send(update, context, r("attach.not_open", ref=r.code(" ".join(context.args)[:12])))
            return
        await BENEFICIARIES.start(update, context, "file", {"achievement_id": found.id, "year": found.year})
        return
    async with rt.db.session() as session:
        _, total = await reports.editable_reports(session, who.agency_id, rt.year, 1)
    if not total:
        await send(update, context, r("attach.none"))
        return
    await BENEFICIARIES.start(update, context, "pick", {"page": 0})


async def _ask_pick(turn: BeneficiariesTurn) -> Question:
    rt, who, r = turn.rt, turn.who, turn.r
    assert who.agency_id is not None
    page = int(turn.data.get("page", 0))
    async with rt.db.session() as session:
        found, total = await reports.editable_reports(session, who.agency_id, rt.year, PAGE, page * PAGE)
        if not found and page > 0:  # the list shrank since: its last page
            page = max((total - 1) // PAGE, 0)
            found, total = await reports.editable_reports(session, who.agency_id, rt.year, PAGE, page * PAGE)
    plain = Renderer("plain", turn.context.locale)  # button labels carry no markup
    rows = []
    for a in found:
        ref = plain.digits(str(a.id))
        label = plain("attach.line", ref=ref, date=a.created_on, jobs=a.jobs, title=a.title[:30])
        rows.append([Choice(str(label), "pick", a.id)])
    pages = -(-total // PAGE)
    before = Choice(r.raw("general.page_prev"), "page", page - 1) if page > 0 else None
    after = Choice(r.raw("general.page_next"), "page", page + 1) if page < pages - 1 else None
    paging = [c for c in (before, after) if c is not None]
    if paging:
        rows.append(in_reading_order(r, paging))
    text = r.join([r("attach.choose"), r("attach.page", page=page + 1, pages=pages)]) if pages > 1 else None
    return Question(text or r("attach.choose"), rows)


async def _turn_page(turn: BeneficiariesTurn, arg: str) -> None:
    await answer_callback(turn.update)
    await turn.close()
    page = int(arg) if arg.isdigit() and len(arg) <= 4 else 0  # forged: the first page
    await turn.go("pick", {**turn.data, "page": page})


async def _ask_file(turn: BeneficiariesTurn) -> Question:
    return Question(turn.r("attach.send_file", ref=turn.r.code(turn.data["achievement_id"])))


async def _ask_confirm(turn: BeneficiariesTurn) -> Question:
    r, data = turn.r, turn.data
    achievement_id, codes = int(data["achievement_id"]), data.get("codes", [])
    async with turn.rt.db.session() as session:
        achievement = await session.get(Achievement, achievement_id)
        existing = (
            await session.execute(
                select(func.count())
                .select_from(Beneficiary)
                .where(Beneficiary.achievement_id == achievement_id)
            )
        ).scalar_one()
    lines = [r("attach.confirm", count=len(codes), ref=r.code(achievement_id))]
    if achievement is not None:
        after = max(achievement.jobs, existing + len(codes))
        if after != achievement.jobs:
            lines.append(r("attach.confirm_jobs", before=achievement.jobs, after=after))
    return Question(r.join(lines), [[Choice(r.raw("attach.add"), "ok")]])


async def _pick(turn: BeneficiariesTurn, arg: str) -> None:
    who, rt = turn.who, turn.rt
    async with rt.db.session() as session:
        known = arg.isdigit() and len(arg) <= 9  # an id, not a number the database refuses
        achievement = await session.get(Achievement, int(arg)) if known else None
    if (
        achievement is None
        or achievement.agency_id != who.agency_id
        or achievement.status not in reports.EDITABLE
    ):
        await records.refuse(turn.update, turn.context)  # the server decides, not the button
        return
    await turn.chosen("#" + turn.r.digits(str(achievement.id)))
    await turn.go("file", {"achievement_id": achievement.id, "year": achievement.year})


async def _file(turn: BeneficiariesTurn, message: Message) -> None:
    r = turn.r
    result = await beneficiary_sheet.check_file(turn.update, turn.context, int(turn.data["year"]))
    if result is None:
        return
    if not result.valid:
        await send(turn.update, turn.context, r("beneficiaries.no_valid"))
        return
    codes, details = beneficiary_sheet.codes_and_details(result)
    await turn.go("confirm", {**turn.data, "codes": codes, "details": details})


async def _add(turn: BeneficiariesTurn, _: str) -> None:
    who, rt, r, data = turn.who, turn.rt, turn.r, turn.data
    await answer_callback(turn.update)
    achievement_id = int(data["achievement_id"])
    result = await reports.add_beneficiaries(
        rt.db, who, achievement_id, list(data["codes"]), dict(data.get("details") or {}), rt.clock()
    )
    if result is None:
        done = r("general.bad_button")
    elif result.conflicts:
        done = r("attach.conflict", codes=r.codes(list(result.conflicts)))
    else:
        done = r("attach.added", count=result.added, ref=r.code(achievement_id), jobs=result.jobs_after)
    await turn.end(done)


BENEFICIARIES: Conversation[BeneficiariesData] = Conversation(
    kind=KIND,
    prefix=PREFIX,
    roles=("rep",),
    steps={
        "pick": Step(_ask_pick),
        "file": Step(_ask_file, file=_file, photos=False),
        "confirm": Step(_ask_confirm),
    },
    presses={
        "pick": Press(_pick, at=("pick",)),
        "page": Press(_turn_page, at=("pick",)),
        "ok": Press(_add, at=("confirm",)),
    },
    cancelled="attach.cancelled",
    holds=False,
)
