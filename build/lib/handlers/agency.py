"""/agency NAME_OR_CODE: one agency in depth, for supervisors (within their scope)."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from telegram import Update

from handlers import plans, ranking
from handlers.common import (
    answer_callback,
    close_keyboard,
    edit_or_send,
    inline,
    pressed_message,
    requires,
    send,
)
from handlers.context import BotContext
from models import schedule
from models.schema import Agency
from models.stats import agency_status, find_agencies, monthly_series, scope_of
from views.render import Markup

log = logging.getLogger(__name__)
PREFIX = "ag"
REMIND, AGAIN = "ar", "ax"  # remind this agency's reps now; again, the same day


async def card(context: BotContext, agency: Agency) -> Markup:
    """The agency's figures, pace, months, plan and last reports, for a supervisor."""
    rt, r = context.rt, context.r
    async with rt.db.session() as session:
        st = await agency_status(session, agency.id, rt.year, rt.today())
        months = await monthly_series(session, [agency.id], rt.year)
        plan = await plans.status_lines(
            session, r, agency.id, rt.year, st.projection.mark if st else None, for_rep=False
        )
    assert st is not None
    lines = [
        r(
            "agency.title",
            name=agency.name,
            code=r.code(agency.code),
            year=r.code(rt.year),
        )
    ]
    if st.target:
        lines.append(
            r(
                "agency.commitment",
                target=st.target,
                achieved=st.achieved,
                percent=Markup(r.percent(st.achieved, st.target)),
            )
        )
    else:
        lines.append(r("agency.no_commitment", achieved=st.achieved))
    lines.append(r("agency.registered", registered=st.registered, unregistered=st.achieved - st.registered))
    if st.target and st.projection.mark:
        lines.append(r(f"agency.mark_{st.projection.mark}", expected=st.pace.expected(st.target)))
    lines.append(r("agency.projection", whole=st.projection.whole_year, recent=st.projection.recent))
    if st.target and st.achieved < st.target and st.pace.days_left >= 0:
        lines.append(r("agency.weekly", weekly=st.weekly_needed))
    names = r.raw_list("calendar.months")
    shown = [(i, m) for i, m in enumerate(months) if m[0] or m[1]]
    if shown:
        lines += [Markup(""), r("agency.months_title")]
        lines += [r("agency.month_line", month=names[i], jobs=j, registered=g) for i, (j, g) in shown]
    if plan:
        lines += [Markup(""), *plan]
    if st.recent:
        lines += [Markup(""), r("agency.recent_title")]
        for rep in st.recent:
            mark = r.raw("status.mark_registered" if rep.rasad_registered else "status.mark_unregistered")
            lines.append(
                r(
                    "status.recent_line",
                    date=rep.created_on,
                    jobs=rep.jobs,
                    sector=r.raw(f"sectors.{rep.sector}"),
                    title=rep.title,
                    mark=mark,
                )
            )
    return r.join(lines)


async def _show(update: Update, context: BotContext, agency: Agency, back: str | None = None) -> None:
    """The card; opened from a ranking page (`back`: that page's data) it takes the page's place and leads
    back to it."""
    r = context.r
    text = await card(context, agency)
    rows = [[(r.raw("agency.remind"), f"{REMIND}|{agency.id}")]]
    if back is None:
        await send(update, context, text, inline(rows))
        return
    rows.append([(r.raw("agency.back_to_ranking"), back)])
    await edit_or_send(update, context, pressed_message(update), text, inline(rows))


Chosen = Callable[[Update, BotContext, Agency], Awaitable[None]]


async def pick(update: Update, context: BotContext, prefix: str, usage: str, chosen: Chosen) -> None:
    """An agency of the person's scope named after a command (code or part of the name); several
    matches become buttons `<prefix>|<agency id>`."""
    rt, r, who = context.rt, context.r, context.who
    text = " ".join(context.args or []).strip()
    if not text:
        await send(update, context, r(usage))
        return
    async with rt.db.session() as session:
        scope = await scope_of(session, who)
        found = await find_agencies(session, scope, text) if scope else []
    if not found:
        await send(update, context, r("agency.not_found"))
    elif len(found) == 1:
        await chosen(update, context, found[0])
    else:
        rows = [[(f"{a.name} ({r.digits(a.code)})", f"{prefix}|{a.id}")] for a in found]
        await send(update, context, r("agency.choose"), inline(rows))


async def picked(update: Update, context: BotContext, prefix: str) -> Agency | None:
    """The agency a `<prefix>|<id>` button names, when it is in the person's scope (the button is only a
    hint: the scope is checked again here); None, refused and logged, otherwise."""
    query, rt, who = update.callback_query, context.rt, context.who
    assert query is not None
    match = re.fullmatch(rf"{prefix}\|([0-9]{{1,9}})(?:\|[ac]\|[prj]\|[0-9]{{1,4}})?", query.data or "")
    agency = None
    if match:
        async with rt.db.session() as session:
            agency = await session.get(Agency, int(match.group(1)))
            scope = await scope_of(session, who)
        if (
            agency is None
            or scope is None
            or (scope.county_ids is not None and agency.county_id not in scope.county_ids)
        ):
            agency = None
    if agency is None:
        log.warning(
            "update %s: refused agency data %r for person %s", update.update_id, query.data, who.person_id
        )
        await answer_callback(update, context.r.raw("general.bad_button"), alert=True)
        return None
    await answer_callback(update)
    return agency


async def command(update: Update, context: BotContext) -> None:
    await pick(update, context, PREFIX, "agency.usage", _show)


@requires("supervisor", "admin")
async def callback(update: Update, context: BotContext) -> None:
    agency = await picked(update, context, PREFIX)
    if agency is None:
        return
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split("|")
    back = (
        "|".join([ranking.PREFIX, *parts[2:]]) if len(parts) == 5 else None
    )  # from a ranking page: its data
    await _show(update, context, agency, back)


@requires("supervisor", "admin")
async def remind_callback(update: Update, context: BotContext) -> None:
    """From an agency's card: its reps get a reminder now, with its figures (through the outbox, paced with
    the rest); once a day, unless the supervisor confirms sending again. Audited."""
    query = update.callback_query
    assert query is not None
    again = (query.data or "").startswith(AGAIN)
    agency = await picked(update, context, AGAIN if again else REMIND)
    if agency is None:
        return
    rt, r, who = context.rt, context.r, context.who
    platforms = list(rt.settings.platform_names)
    added = await schedule.chase(
        rt.db, platforms, agency.id, who.person_id, rt.year, rt.clock(), rt.today(), again=again
    )
    if again:  # the confirmation is used up: its button goes
        await close_keyboard(context, pressed_message(update))
    if added is None:
        keyboard = inline([[(r.raw("agency.remind_again"), f"{AGAIN}|{agency.id}")]])
        await send(update, context, r("agency.reminded_today", name=agency.name), keyboard)
        return
    if not added:
        await send(update, context, r("agency.no_reps", name=agency.name))
        return
    await send(update, context, r("agency.reminded", count=added, name=agency.name))
    if rt.send_outbox is not None:
        context.application.create_task(rt.send_outbox(schedule.CHASE), update=update)
