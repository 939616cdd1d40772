"""Figures for a supervisor's daily digest over their scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Float, and_, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import inbox
from models.jalali import Pace, pace_for
from models.schema import Achievement, Agency, AgencyTotal, Commitment
from models.stats import Scope, counted, ranking

TOP = 10


@dataclass(frozen=True)
class AgencyLine:
    name: str
    achieved: int
    target: int
    registered: int


@dataclass(frozen=True)
class Digest:
    target: int
    achieved: int
    registered: int
    agencies: int
    change_24h: int
    behind: list[AgencyLine]  # worst first
    behind_total: int
    silent: list[str]  # the longest silent first
    silent_total: int
    unregistered_jobs: int
    unregistered: list[AgencyLine]  # most unregistered first
    pace: Pace


def _in_scope(query, scope: Scope):
    return query if scope.county_ids is None else query.where(Agency.county_id.in_(scope.county_ids))


async def build(session: AsyncSession, scope: Scope, year: int, today: dt.date, now: dt.datetime) -> Digest:
    page = await ranking(session, scope, year, today, limit=0)
    pace = pace_for(year, today)
    totals = (
        select(
            AgencyTotal.agency_id.label("agency_id"),
            counted()[0].label("achieved"),
            counted()[1].label("registered"),
            AgencyTotal.last_report_at.label("last_at"),
        )
        .where(AgencyTotal.year == year)
        .subquery()
    )
    target = func.coalesce(Commitment.target, 0)
    achieved = func.coalesce(totals.c.achieved, 0)
    registered = func.coalesce(totals.c.registered, 0)
    base = _in_scope(
        select(Agency.name, achieved, target, registered)
        .select_from(Agency)
        .outerjoin(Commitment, and_(Commitment.agency_id == Agency.id, Commitment.year == year))
        .outerjoin(totals, totals.c.agency_id == Agency.id),
        scope,
    )
    behind_rows = [
        AgencyLine(*row)
        for row in await session.execute(
            base.where(target > 0).order_by(cast(achieved, Float) / target, Agency.name)
        )
        if pace.is_behind(int(row[1]), int(row[2]))
    ]
    silent = [name for _, name, _ in await session.execute(inbox.silent(scope, year, now))]
    unregistered = [
        AgencyLine(*row)
        for row in await session.execute(
            base.where(registered < achieved).order_by((achieved - registered).desc(), Agency.name).limit(TOP)
        )
    ]
    unregistered_jobs = (
        await session.execute(
            _in_scope(
                select(func.coalesce(func.sum(achieved - registered), 0))
                .select_from(Agency)
                .outerjoin(totals, totals.c.agency_id == Agency.id),
                scope,
            )
        )
    ).scalar_one()
    since = now - dt.timedelta(hours=24)
    change = (
        await session.execute(
            _in_scope(
                select(func.coalesce(func.sum(Achievement.jobs), 0))
                .join(Agency, Agency.id == Achievement.agency_id)
                .where(
                    Achievement.year == year,
                    Achievement.created_at >= since,
                    Achievement.status != "withdrawn",  # a withdrawn report is out of every figure
                ),
                scope,
            )
        )
    ).scalar_one()
    return Digest(
        target=page.target,
        achieved=page.achieved,
        registered=page.registered,
        agencies=page.total_agencies,
        change_24h=int(change),
        behind=behind_rows[:TOP],
        behind_total=len(behind_rows),
        silent=silent[:TOP],
        silent_total=len(silent),
        unregistered_jobs=int(unregistered_jobs),
        unregistered=unregistered,
        pace=pace,
    )
