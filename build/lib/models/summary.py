"""The working-group brief: where the scope stands, what changed in a week, who lags most."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.schema import Achievement, Agency
from models.stats import RankRow, Scope, ranking

LAGGARDS = 10


@dataclass(frozen=True)
class Brief:
    target: int
    achieved: int
    registered: int
    agencies: int
    behind: int
    week_change: int
    laggards: list[RankRow]  # lowest percent first, with their gap
    unregistered: list[RankRow]  # most jobs not yet in Rasad first
    rows: list[RankRow]  # the whole ranking, for the workbook


async def build(session: AsyncSession, scope: Scope, year: int, today: dt.date, now: dt.datetime) -> Brief:
    page = await ranking(session, scope, year, today, limit=100_000)
    committed = [r for r in page.rows if r.target > 0]
    laggards = sorted((r for r in committed if r.behind), key=lambda r: (r.achieved / r.target, r.name))
    unregistered = sorted(
        (r for r in page.rows if r.registered < r.achieved), key=lambda r: (r.registered - r.achieved, r.name)
    )
    week = select(func.coalesce(func.sum(Achievement.jobs), 0)).join(
        Agency, Agency.id == Achievement.agency_id
    )
    week = week.where(
        Achievement.year == year,
        Achievement.created_at >= now - dt.timedelta(days=7),
        Achievement.status != "withdrawn",  # a withdrawn report is out of every figure
    )
    if scope.county_ids is not None:
        week = week.where(Agency.county_id.in_(scope.county_ids))
    return Brief(
        target=page.target,
        achieved=page.achieved,
        registered=page.registered,
        agencies=page.total_agencies,
        behind=page.behind_count,
        week_change=int((await session.execute(week)).scalar_one()),
        laggards=laggards[:LAGGARDS],
        unregistered=unregistered,
        rows=page.rows,
    )
