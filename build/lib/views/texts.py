"""Reminder and digest texts, rendered at send time with current figures in the person's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup

from models import digest as digest_model
from models import inbox
from models.jalali import deadline_date
from models.people import Identity
from models.plans import PlanNote, plan_notes
from models.stats import AgencyStatus, agency_status, ranking, scope_of
from views.buttons import INBOX_PREFIX
from views.render import Markup, Renderer
from views.widgets import inline, scope_title


def _pct(r: Renderer, part: int, whole: int) -> Markup:
    return Markup(r.percent(part, whole))


async def rep_figures(
    session: AsyncSession,
    r: Renderer,
    who: Identity,
    year: int,
    today: dt.date,
    status: AgencyStatus | None = None,
    note: PlanNote | None = None,
    plan_asked: bool = False,
) -> list[Markup]:
    """A rep's agency: tone by standing (nothing yet, behind, on pace, done), Rasad gap, weekly need, its
    catch-up plan (`plan_asked`: the heading asks for one already). `status`, `note`: the agency's, when
    already read with a batch's."""
    if who.agency_id is None:
        return []
    st = status or await agency_status(session, who.agency_id, year, today, recent_count=0)
    if st is None:
        return []
    lines: list[Markup] = []
    if st.target is None:
        lines.append(r("reminders.rep_no_commitment", agency=st.name, achieved=st.achieved))
    elif st.achieved == 0:
        lines.append(r("reminders.rep_nothing", agency=st.name, target=st.target))
    elif st.achieved >= st.target:
        lines.append(
            r(
                "reminders.rep_done",
                agency=st.name,
                achieved=st.achieved,
                target=st.target,
                percent=_pct(r, st.achieved, st.target),
            )
        )
    else:
        key = "reminders.rep_behind" if st.behind else "reminders.rep_on_pace"
        lines.append(
            r(
                key,
                agency=st.name,
                achieved=st.achieved,
                target=st.target,
                percent=_pct(r, st.achieved, st.target),
                expected=st.pace.expected(st.target),
            )
        )
    if st.achieved:
        if st.registered < st.achieved:
            lines.append(
                r(
                    "reminders.rep_unregistered",
                    registered=st.registered,
                    achieved=st.achieved,
                    unregistered=st.achieved - st.registered,
                )
            )
        else:
            lines.append(r("reminders.rep_all_registered", achieved=st.achieved))
    if st.target and st.achieved < st.target and st.pace.days_left >= 0:
        lines.append(r("reminders.rep_weekly", weekly=st.weekly_needed))
        if note is None:
            note = (await plan_notes(session, [who.agency_id], year, today))[who.agency_id]
        if note.planned is not None and note.month is not None:
            month = r.raw_list("calendar.months")[note.month - 1]
            lines.append(r("plans.reminder_month", month=month, planned=note.planned, actual=note.actual))
        elif not note.has_plan and st.projection.mark in ("behind", "at_risk") and not plan_asked:
            lines.append(r("plans.please_submit"))
    lines.append(r("reminders.rep_cta"))
    return lines


async def scope_figures(
    session: AsyncSession, r: Renderer, who: Identity, year: int, today: dt.date
) -> list[Markup]:
    scope = await scope_of(session, who)
    if scope is None:
        return []
    page = await ranking(session, scope, year, today, limit=0)
    lines = [
        r(
            "reminders.sup_scope",
            scope=scope_title(r, scope),
            achieved=page.achieved,
            target=page.target,
            percent=_pct(r, page.achieved, page.target),
            registered=page.registered,
        )
    ]
    if page.behind_count:
        lines.append(r("reminders.sup_behind", count=page.behind_count, total=page.total_agencies))
    else:
        lines.append(r("reminders.sup_all_on_pace"))
    return lines


async def milestone(
    session: AsyncSession,
    r: Renderer,
    who: Identity,
    year: int,
    today: dt.date,
    status: AgencyStatus | None = None,
    note: PlanNote | None = None,
) -> Markup:
    deadline = deadline_date(year)
    days = (deadline - today).days
    head = (
        r("reminders.milestone_today", deadline=deadline)
        if days <= 0
        else r("reminders.milestone_title", days=days, deadline=deadline)
    )
    if who.role == "rep":
        body = await rep_figures(session, r, who, year, today, status, note)
    else:
        body = await scope_figures(session, r, who, year, today)
    return r.join([head, Markup(""), *body])


async def nudge(
    session: AsyncSession,
    r: Renderer,
    who: Identity,
    year: int,
    today: dt.date,
    daily: bool,
    status: AgencyStatus | None = None,
    note: PlanNote | None = None,
) -> Markup:
    key = "reminders.nudge_daily" if daily else "reminders.nudge_weekly"
    return await _to_rep(session, r, who, year, today, lambda days: key, status, note)


async def chase(
    session: AsyncSession,
    r: Renderer,
    who: Identity,
    year: int,
    today: dt.date,
    status: AgencyStatus | None = None,
    note: PlanNote | None = None,
    *,
    plan: bool = False,
) -> Markup:
    """A supervisor's reminder to this agency's reps, now: the governorate asks (for reports, or `plan`: for
    a catch-up plan), with the agency's figures."""

    def key(days: int) -> str:
        if plan:
            return "reminders.chase_plan" if days > 0 else "reminders.chase_plan_today"
        return "reminders.chase" if days > 0 else "reminders.chase_today"

    return await _to_rep(session, r, who, year, today, key, status, note, plan_asked=plan)


async def _to_rep(
    session: AsyncSession,
    r: Renderer,
    who: Identity,
    year: int,
    today: dt.date,
    head: Callable[[int], str],
    status: AgencyStatus | None,
    note: PlanNote | None,
    plan_asked: bool = False,
) -> Markup:
    """A heading (its key by the days left until the deadline), then the rep's agency's figures."""
    deadline = deadline_date(year)
    days = (deadline - today).days
    title = r(head(days), days=days, deadline=deadline)
    figures = await rep_figures(session, r, who, year, today, status, note, plan_asked)
    return r.join([title, Markup(""), *figures])


async def digest(
    session: AsyncSession,
    r: Renderer,
    who: Identity,
    year: int,
    today: dt.date,
    now: dt.datetime,
    tz: dt.tzinfo,
) -> tuple[Markup, InlineKeyboardMarkup] | None:
    """The scope's figures, what waits in the supervisor's inbox, who is behind or silent; a button opens the
    inbox."""
    scope = await scope_of(session, who)
    if scope is None:
        return None
    d = await digest_model.build(session, scope, year, today, now)
    waiting = await inbox.counts(session, scope, who.person_id, year, today, now)
    lines = [
        r("reminders.digest_title", scope=scope_title(r, scope), date=today),
        r(
            "reminders.digest_totals",
            achieved=d.achieved,
            target=d.target,
            percent=_pct(r, d.achieved, d.target),
            registered=d.registered,
        ),
        r("reminders.digest_change", change=d.change_24h)
        if d.change_24h
        else r("reminders.digest_no_change"),
        Markup(""),
        r("inbox.digest_title"),
        *inbox_lines(r, waiting, today, tz, agencies=False),
        Markup(""),
    ]
    if d.behind:
        lines.append(r("reminders.digest_behind_title", count=d.behind_total))
        lines += [
            r(
                "reminders.digest_behind_line",
                name=a.name,
                achieved=a.achieved,
                target=a.target,
                percent=_pct(r, a.achieved, a.target),
            )
            for a in d.behind
        ]
        if d.behind_total > len(d.behind):
            lines.append(r("reminders.digest_more", count=d.behind_total - len(d.behind)))
    else:
        lines.append(r("reminders.digest_none_behind"))
    if d.silent:
        lines += [
            Markup(""),
            r("reminders.digest_silent_title", count=d.silent_total, days=inbox.SILENT_DAYS),
        ]
        lines += [r("reminders.digest_silent_line", name=name) for name in d.silent]
        if d.silent_total > len(d.silent):
            lines.append(r("reminders.digest_more", count=d.silent_total - len(d.silent)))
    if d.unregistered_jobs:
        lines += [Markup(""), r("reminders.digest_unregistered_title", jobs=d.unregistered_jobs)]
        lines += [
            r("reminders.digest_unregistered_line", name=a.name, jobs=a.achieved - a.registered)
            for a in d.unregistered
        ]
    lines += [Markup(""), r("reminders.digest_footer")]
    return r.join(lines), inline([[(r.raw("inbox.digest_button"), f"{INBOX_PREFIX}|h|n")]])


def waiting_for(r: Renderer, since: dt.datetime | None, today: dt.date, tz: dt.tzinfo) -> Markup:
    """«امروز», «۳ روز پیش»: how long something has waited, in whole days of the local calendar."""
    days = (today - since.astimezone(tz).date()).days if since else 0
    return r("inbox.age_today") if days <= 0 else r("inbox.age_days", days=days)


def inbox_lines(
    r: Renderer, counts: inbox.Counts, today: dt.date, tz: dt.tzinfo, agencies: bool = True
) -> list[Markup]:
    """What waits for the governorate in a scope, a line per queue (the inbox's head; the digest, which
    lists the agencies behind and silent itself, without `agencies`)."""
    if counts.empty:
        return [r("inbox.all_clear")]
    lines = [r("inbox.count_reports", count=counts.reports), r("inbox.count_plans", count=counts.plans)]
    if counts.oldest_obstacle is not None:
        oldest = waiting_for(r, counts.oldest_obstacle, today, tz)
        lines.append(r("inbox.count_obstacles_oldest", count=counts.obstacles, age=oldest))
    else:
        lines.append(r("inbox.count_obstacles", count=counts.obstacles))
    if agencies:
        lines.append(r("inbox.count_behind", count=counts.behind))
        lines.append(r("inbox.count_silent", count=counts.silent, days=inbox.SILENT_DAYS))
    return lines


def summary_text(r: Renderer, scope: Markup, brief, today: dt.date) -> Markup:
    """The working-group brief (also the workbook's first sheet)."""
    lines = [
        r("summary.title", scope=scope, date=today),
        r(
            "summary.totals",
            target=brief.target,
            achieved=brief.achieved,
            percent=_pct(r, brief.achieved, brief.target),
            registered=brief.registered,
            registered_percent=_pct(r, brief.registered, brief.target),
        ),
        r("summary.week", change=brief.week_change),
        r("summary.behind", behind=brief.behind, agencies=brief.agencies),
        Markup(""),
    ]
    if brief.laggards:
        lines.append(r("summary.laggards_title"))
        lines += [
            r(
                "summary.laggard_line",
                rank=i + 1,
                name=row.name,
                achieved=row.achieved,
                target=row.target,
                percent=_pct(r, row.achieved, row.target),
                gap=row.target - row.achieved,
            )
            for i, row in enumerate(brief.laggards)
        ]
    else:
        lines.append(r("summary.no_laggards"))
    lines.append(Markup(""))
    if brief.unregistered:
        lines.append(r("summary.unregistered_title"))
        lines += [
            r("summary.unregistered_line", name=row.name, jobs=row.achieved - row.registered)
            for row in brief.unregistered[:10]
        ]
        if len(brief.unregistered) > 10:
            lines.append(r("reminders.digest_more", count=len(brief.unregistered) - 10))
    else:
        lines.append(r("summary.no_unregistered"))
    return r.join(lines)
