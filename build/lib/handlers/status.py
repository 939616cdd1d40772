"""/status: a rep's agency against its commitment, the deadline and the pace."""

from __future__ import annotations

from telegram import Update

from handlers import plans
from handlers.common import send
from handlers.context import BotContext
from models.jalali import deadline_date
from models.stats import agency_status
from views.render import Markup


async def command(update: Update, context: BotContext) -> None:
    who, rt, r = context.who, context.rt, context.r
    if who.agency_id is None:
        await send(update, context, r("report.no_agency"))
        return
    async with rt.db.session() as session:
        st = await agency_status(session, who.agency_id, rt.year, rt.today())
        plan = await plans.status_lines(
            session, r, who.agency_id, rt.year, st.projection.mark if st else None, for_rep=True
        )
    if st is None:
        await send(update, context, r("report.no_agency"))
        return
    year = r.code(rt.year)
    lines = [r("status.title", agency=st.name, year=year)]
    if st.target is None:
        lines.append(r("status.no_commitment"))
    else:
        lines.append(r("status.commitment", target=st.target))
    lines.append(
        r("status.achieved", achieved=st.achieved, percent=Markup(r.percent(st.achieved, st.target or 0)))
    )
    lines.append(r("status.registered", registered=st.registered, unregistered=st.achieved - st.registered))
    days = st.pace.days_left
    deadline = deadline_date(rt.year)
    if days > 0:
        lines.append(r("status.days_left", deadline=deadline, days=days))
    elif days == 0:
        lines.append(r("status.deadline_today", deadline=deadline))
    else:
        lines.append(r("status.deadline_passed", year=year))
    if st.target:
        if st.achieved >= st.target:
            lines.append(r("status.done"))
        else:
            if days >= 0:
                lines.append(r("status.weekly", weekly=st.weekly_needed))
            # The same standing the governorate sees in /ranking and /agency.
            mark = st.projection.mark
            key = {"at_risk": "status.at_risk", "behind": "status.behind"}.get(mark or "", "status.on_pace")
            lines.append(r(key, expected=st.pace.expected(st.target), projected=st.projection.recent))
    if plan:
        lines += [Markup(""), *plan]
    lines.append(Markup(""))
    if st.recent:
        lines.append(r("status.recent_title"))
        for rep in st.recent:
            mark = r.raw("status.mark_registered" if rep.rasad_registered else "status.mark_unregistered")
            sector = r.raw(f"sectors.{rep.sector}")
            lines.append(
                r(
                    "status.recent_line",
                    date=rep.created_on,
                    jobs=rep.jobs,
                    sector=sector,
                    title=rep.title,
                    mark=mark,
                )
            )
    else:
        lines.append(r("status.recent_none"))
    await send(update, context, r.join([Markup(x) for x in lines]))
