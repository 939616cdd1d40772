"""/plan: a rep's catch-up plan, month by month to Esfand (jobs to create, optionally jobs to register),
the gap it must close, confirm; the governorate approves or returns it with a comment (`px|...`).
Conversation callback data: pl|<token>|<action>."""

from __future__ import annotations

import logging
import re

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from handlers import dialog, followup, notify
from handlers.common import answer_callback, inline, main_menu, requires, send
from handlers.context import BotContext
from models import access, drafts, plans
from models.access import AnswerError
from models.schema import Draft
from models.stats import scope_of
from models.textnorm import NumberError, parse_int
from views.cards import plan_buttons, plan_card, plan_table
from views.render import Markup, Renderer

log = logging.getLogger(__name__)
KIND, PREFIX = "plan", "pl"
_ACTION = re.compile(r"px\|(ok|ret|again|show)\|([0-9]{1,9})")
_SEPARATORS = re.compile(r"[\s،؛;]+")


async def _standing(context: BotContext) -> plans.Standing:
    who = context.identity
    assert who is not None and who.agency_id is not None
    async with context.rt.db.session() as session:
        return await plans.standing(session, who.agency_id, context.rt.year)


async def command(update: Update, context: BotContext) -> None:
    await begin(update, context)


async def begin(update: Update, context: BotContext) -> None:
    who, rt, r = context.identity, context.rt, context.r
    assert who is not None
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
    data = {"year": rt.year, "todo": months, "done": [], "backlog": st.achieved - st.registered}
    draft = await drafts.start(rt.db, who.account_id, KIND, "month", data)
    await _ask(
        update,
        context,
        draft,
        [r("plans.intro", gap=st.gap, registered_gap=st.registered_gap, count=len(months))],
    )


def _cancel(context: BotContext, draft: Draft) -> list[tuple[str, str]]:
    return [(context.r.raw("report.cancel"), dialog.cb(PREFIX, draft, "cancel"))]


async def _ask(update: Update, context: BotContext, draft: Draft, lead: list[Markup] | None = None) -> None:
    r, data = context.r, draft.data
    if draft.state == "summary":
        st = await _standing(context)
        done: list[list[int]] = data["done"]
        planned = sum(m[1] for m in done)
        lines = [r("plans.summary_title"), *plan_table(r, done)]
        lines.append(r("plans.total", jobs=planned, registered=sum(m[2] for m in done)))
        lines.append(r("plans.gap_line", gap=st.gap, registered_gap=st.registered_gap))
        lines.append(r("plans.short", short=st.gap - planned) if planned < st.gap else r("plans.closes"))
        rows = [
            [(r.raw("plans.submit"), dialog.cb(PREFIX, draft, "ok"))],
            [(r.raw("report.restart"), dialog.cb(PREFIX, draft, "redo")), *_cancel(context, draft)],
        ]
        await dialog.ask(update, context, draft, r.join(lines), inline(rows), lead)
        return
    month = data["todo"][len(data["done"])]
    names = r.raw_list("calendar.months")
    text = r(
        "plans.ask_month",
        month=names[month - 1],
        index=len(data["done"]) + 1,
        total=len(data["todo"]),
        so_far=sum(m[1] for m in data["done"]),
    )
    rows = []
    if data["done"]:
        last = data["done"][-1]
        rows.append(
            [(r.raw("plans.same_as_last").format(jobs=r.number(last[1])), dialog.cb(PREFIX, draft, "same"))]
        )
    rows.append(_cancel(context, draft))
    await dialog.ask(update, context, draft, text, inline(rows), lead)


async def _add_month(update: Update, context: BotContext, draft: Draft, entry: list[int]) -> None:
    data = dict(draft.data)
    month = data["todo"][len(data["done"])]
    data["done"] = [*data["done"], [month, *entry]]
    state = "summary" if len(data["done"]) == len(data["todo"]) else "month"
    if not await drafts.save(context.rt.db, draft, state, data):
        await send(update, context, context.r("report.already_closed"))
        return
    await _ask(update, context, draft)


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


async def on_message(update: Update, context: BotContext, draft: Draft) -> None:
    message, r = update.effective_message, context.r
    assert message is not None
    if draft.state != "month":
        await _ask(update, context, draft, [r("report.use_buttons")])
        return
    if not message.text:
        await _ask(update, context, draft, [r("plans.errors.format")])
        return
    try:
        entry = parse_entry(message.text, int(draft.data.get("backlog", 0)))
    except AnswerError as exc:
        shown = message.text if len(message.text) <= 40 else message.text[:40] + "…"
        await _ask(update, context, draft, [r(f"plans.errors.{exc.reason}", value=shown, **exc.details)])
        return
    await _add_month(update, context, draft, entry)


dialog.MESSAGE_HANDLERS[KIND] = on_message


@requires("rep")
async def callback(update: Update, context: BotContext) -> None:
    found = await dialog.pressed(update, context, PREFIX, KIND)
    if found is None:
        return
    draft, action, _ = found
    r = context.r
    if action == "cancel":
        await dialog.cancel(update, context, KIND, "plans.cancelled")
        return
    expected = {"same": "month", "ok": "summary", "redo": "summary"}.get(action)
    if expected is None:
        log.warning("update %s: refused plan action %r", update.update_id, action)
        await answer_callback(update, r.raw("general.bad_button"), alert=True)
        return
    if draft.state != expected:
        await answer_callback(update, r.raw("report.old_step_button"))
        await _ask(update, context, draft)
        return
    if action == "same":
        last = draft.data["done"][-1]
        await dialog.chosen(update, context, r.number(last[1]))
        await _add_month(update, context, draft, last[1:])
    elif action == "redo":
        await dialog.chosen(update, context, r.raw("report.restart"))
        await begin(update, context)
    else:
        await _submit(update, context, draft)


async def _submit(update: Update, context: BotContext, draft: Draft) -> None:
    who, rt, r = context.identity, context.rt, context.r
    assert who is not None
    await answer_callback(update)
    try:
        plan_id = await plans.submit(rt.db, who, int(draft.data["year"]), draft.data["done"], rt.clock())
    except AnswerError:
        await send(update, context, r("report.no_agency"))
        return
    await drafts.drop(rt.db, who.account_id, KIND)  # the plan is committed above
    await dialog.close(update, context)
    await send(
        update,
        context,
        r("plans.sent", ref=r.code(plan_id)),
        main_menu(who, r, rt.settings.bot_ranking_public),
    )
    await notify.deliver(context, "plan", plan_id)


# --- decisions on a submitted plan ------------------------------------------------------------------------


@requires()
async def action_callback(update: Update, context: BotContext) -> None:
    query, who, rt, r = update.callback_query, context.identity, context.rt, context.r
    assert query is not None and who is not None
    parsed = dialog.record_action(update, _ACTION)
    if parsed is None:
        await dialog.refuse(update, context, query.data)
        return
    action, plan_id, _ = parsed
    async with rt.db.session() as session:
        scope = await scope_of(session, who)
        view = await plans.load(session, plan_id)
    if view is None or not access.may_see(who, scope, view.plan.agency_id, view.county_id):
        await dialog.refuse(update, context, query.data)
        return
    if action == "again":
        if who.role != "rep":
            await dialog.refuse(update, context, query.data)
            return
        await answer_callback(update)
        await begin(update, context)
        return
    if action == "show":
        await answer_callback(update)
        await send(update, context, plan_card(r, view, rt.settings.tz), plan_buttons(r, view, who.role))
        return
    if who.role == "rep":
        await dialog.refuse(update, context, query.data)
        return
    if view.plan.status != "submitted":
        await answer_callback(update, r.raw("plans.already_decided_short"), alert=True)
        return
    if action == "ret":
        await answer_callback(update)
        await followup.start(update, context, "plan_return", plan_id)
        return
    try:
        status = await plans.decide(rt.db, who, scope, plan_id, True, None, rt.clock())
    except access.NotAllowed:
        await dialog.refuse(update, context, query.data)
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
