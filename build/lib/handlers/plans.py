"""/plan: a rep's catch-up plan, month by month to Esfand (jobs to create, optionally jobs to register),
the gap it must close, summary; the governorate approves it or returns it with a comment (buttons
px|<action>|<id>, handlers.records). Conversation buttons pl|<token>|<action>."""

from __future__ import annotations

import re
from typing import TypedDict

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from handlers import followup, notify, records
from handlers.common import answer_callback, requires, send
from handlers.context import BotContext
from handlers.conversation import SUMMARY, Choice, Conversation, Press, Question, Step, Turn
from models import access, plans
from models.access import AnswerError
from models.plans import PlanView
from models.textnorm import NumberError, parse_int
from views.cards import plan_buttons, plan_card, plan_table
from views.render import Markup, Renderer

KIND, PREFIX = "plan", "pl"
_SEPARATORS = re.compile(r"[\s،؛;]+")


class PlanData(TypedDict):
    year: int
    todo: list[int]  # the months to plan, in order
    done: list[list[int]]  # [month, jobs, registered] for each month planned so far
    backlog: int  # jobs created but not yet registered


PlanTurn = Turn[PlanData]


async def _standing(context: BotContext) -> plans.Standing:
    who = context.who
    assert who.agency_id is not None  # a plan is begun only for a rep with an agency
    async with context.rt.db.session() as session:
        return await plans.standing(session, who.agency_id, context.rt.year)


async def command(update: Update, context: BotContext) -> None:
    await begin(update, context)


async def begin(update: Update, context: BotContext) -> None:
    who, rt, r = context.who, context.rt, context.r
    if who.agency_id is None:
        await send(update, context, r("report.no_agency"))
        return
    months = plans.remaining_months(rt.year, rt.today())
    if not months:
        await send(update, context, r("plans.year_over", year=r.code(rt.year)))
        return
    st = await _standing(context)
    if st.target == 0:
        await send(update, context, r("plans.no_commitment"))
        return
    if st.gap == 0 and st.registered_gap == 0:
        await send(update, context, r("plans.not_needed", target=st.target))
        return
    data: PlanData = {"year": rt.year, "todo": months, "done": [], "backlog": st.achieved - st.registered}
    intro = r("plans.intro", gap=st.gap, registered_gap=st.registered_gap, count=len(months))
    await PLAN.start(update, context, "month", data, [intro])


async def _ask_month(turn: PlanTurn) -> Question:
    r, data = turn.r, turn.data
    month = data["todo"][len(data["done"])]
    text = r(
        "plans.ask_month",
        month=r.raw_list("calendar.months")[month - 1],
        index=len(data["done"]) + 1,
        total=len(data["todo"]),
        so_far=sum(m[1] for m in data["done"]),
    )
    if not data["done"]:
        return Question(text)
    last = data["done"][-1]
    return Question(text, [[Choice(r.raw("plans.same_as_last").format(jobs=r.number(last[1])), "same")]])


async def _ask_summary(turn: PlanTurn) -> Question:
    r, done = turn.r, turn.data["done"]
    st = await _standing(turn.context)
    planned = sum(m[1] for m in done)
    lines = [r("plans.summary_title"), *plan_table(r, done)]
    lines.append(r("plans.total", jobs=planned, registered=sum(m[2] for m in done)))
    lines.append(r("plans.gap_line", gap=st.gap, registered_gap=st.registered_gap))
    lines.append(r("plans.short", short=st.gap - planned) if planned < st.gap else r("plans.closes"))
    rows = [
        [Choice(r.raw("plans.submit"), "ok")],
        [Choice(r.raw("report.restart"), "redo"), Choice(r.raw("report.cancel"), "cancel")],
    ]
    return Question(r.join(lines), rows, cancel=False)


async def _add_month(turn: PlanTurn, entry: list[int]) -> None:
    data = turn.data
    month = data["todo"][len(data["done"])]
    done = [*data["done"], [month, *entry]]
    state = SUMMARY if len(done) == len(data["todo"]) else "month"
    await turn.go(state, {**data, "done": done})


def parse_entry(text: str, backlog: int) -> list[int]:
    """ "30" (create and register 30) or "30 25" (create 30, register 25)."""
    tokens = [t for t in _SEPARATORS.split(text.strip()) if t]
    if not tokens or len(tokens) > 2:
        raise AnswerError("format")
    values = []
    for token in tokens:
        try:
            values.append(parse_int(token, 0, plans.MONTH_MAX))
        except NumberError as exc:
            raise AnswerError(
                exc.reason if exc.reason != "too_small" else "negative", maximum=plans.MONTH_MAX
            ) from None
    entry = plans.check_month(values[0], values[1] if len(values) == 2 else None)
    if entry[1] > entry[0] + max(backlog, 0):
        raise AnswerError("register_more", jobs=entry[0], backlog=max(backlog, 0))
    return entry


async def _typed_month(turn: PlanTurn, text: str) -> None:
    try:
        entry = parse_entry(text, int(turn.data.get("backlog", 0)))
    except AnswerError as exc:
        shown = text if len(text) <= 40 else text[:40] + "…"
        await turn.ask([turn.r(f"plans.errors.{exc.reason}", value=shown, **exc.details)])
        return
    await _add_month(turn, entry)


async def _same_as_last(turn: PlanTurn, _: str) -> None:
    if not turn.data["done"]:
        await records.refuse(turn.update, turn.context)
        return
    last = turn.data["done"][-1]
    await turn.chosen(turn.r.number(last[1]))
    await _add_month(turn, last[1:])


async def _redo(turn: PlanTurn, _: str) -> None:
    await turn.chosen(turn.r.raw("report.restart"))
    await begin(turn.update, turn.context)


async def _submit(turn: PlanTurn, _: str) -> None:
    who, rt, r = turn.who, turn.rt, turn.r
    await answer_callback(turn.update)
    try:
        plan_id = await plans.submit(rt.db, who, int(turn.data["year"]), turn.data["done"], rt.clock())
    except AnswerError:
        await send(turn.update, turn.context, r("report.no_agency"))
        return
    await turn.end(r("plans.sent", ref=r.code(plan_id)))  # the plan is committed above
    await notify.deliver(turn.context, "plan", plan_id)


PLAN: Conversation[PlanData] = Conversation(
    kind=KIND,
    prefix=PREFIX,
    roles=("rep",),
    steps={
        "month": Step(_ask_month, text=_typed_month, hint="plans.errors.format"),
        SUMMARY: Step(_ask_summary),
    },
    presses={
        "same": Press(_same_as_last, at=("month",)),
        "ok": Press(_submit, at=(SUMMARY,)),
        "redo": Press(_redo, at=(SUMMARY,)),
    },
    cancelled="plans.cancelled",
)


# --- decisions on a submitted plan ------------------------------------------------------------------------

SAVED: records.Records[PlanView] = records.Records(
    "px",
    ("ok", "ret", "again", "show"),
    plans.load,
    lambda who, scope, view: access.may_see(who, scope, view.plan.agency_id, view.county_id),
    year=lambda view: view.plan.year,
)


async def open_by_number(update: Update, context: BotContext, number: int) -> None:
    """A plan named by its number («برنامه ۱۲» typed alone)."""
    view = await records.by_number(update, context, SAVED, number, "plans.not_found")
    if view is not None:
        r, tz = context.r, context.rt.settings.tz
        await send(update, context, plan_card(r, view, tz), plan_buttons(r, view, context.who.role))


@requires()
async def action_callback(update: Update, context: BotContext) -> None:
    pressed = await records.pressed(update, context, SAVED)
    if pressed is None:
        return
    who, rt, r, view, plan_id = context.who, context.rt, context.r, pressed.record, pressed.id
    if pressed.action == "again":
        if who.role != "rep":
            await records.refuse(update, context)
            return
        await answer_callback(update)
        await begin(update, context)
        return
    if pressed.action == "show":
        await answer_callback(update)
        await send(update, context, plan_card(r, view, rt.settings.tz), plan_buttons(r, view, who.role))
        return
    if who.role == "rep":
        await records.refuse(update, context)
        return
    if view.plan.status != "submitted":
        await answer_callback(update, r.raw("plans.already_decided_short"), alert=True)
        return
    if pressed.action == "ret":
        await answer_callback(update)
        await followup.start(update, context, "plan_return", plan_id)
        return
    try:
        status = await plans.decide(rt.db, who, pressed.scope, plan_id, True, None, rt.clock())
    except access.NotAllowed:
        await records.refuse(update, context)
        return
    if status != "approved":
        await answer_callback(update, r.raw("plans.already_decided_short"), alert=True)
        return
    await answer_callback(update, r.raw("plans.approved_short"))
    await send(update, context, r("plans.approved", ref=r.code(plan_id), agency=view.agency_name))
    await notify.deliver(context, "plan", plan_id)


async def status_lines(
    session: AsyncSession, r: Renderer, agency_id: int, year: int, mark: str | None, for_rep: bool
) -> list[Markup]:
    """For /status and /agency: the approved plan against what was created each month, a plan awaiting a
    decision or returned, or (behind the pace without one) the request to submit one."""
    approved, other = await plans.latest(session, agency_id, year)
    actual = await plans.monthly_actual(session, agency_id, year) if approved is not None else {}
    lines: list[Markup] = []
    if approved is not None:
        lines.append(r("plans.line_title", ref=r.code(approved.id)))
        lines += plan_table(r, approved.months, actual)
    if other is not None and other.status == "submitted":
        lines.append(r("plans.line_waiting", ref=r.code(other.id)))
    elif other is not None and other.status == "returned":
        lines.append(r("plans.line_returned", ref=r.code(other.id), comment=other.comment or "-"))
    elif approved is None and mark in ("behind", "at_risk"):
        lines.append(r("plans.please_submit" if for_rep else "plans.line_none"))
    return lines
