"""Progress figures: an agency's status and the ranking of a scope, aggregated in SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import BigInteger, Float, Select, and_, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.jalali import Pace, pace_for
from models.people import Identity
from models.schema import Achievement, Agency, Commitment, Region


@dataclass(frozen=True)
class Scope:
    """Counties a viewer may see; `county_ids is None` means every county."""

    kind: str  # county | province | all
    name: str | None
    county_ids: tuple[int, ...] | None


async def scope_of(session: AsyncSession, who: Identity) -> Scope | None:
    if who.role == "rep":
        if who.agency_id is None:
            return None
        agency = await session.get(Agency, who.agency_id)
        county = await session.get(Region, agency.county_id) if agency else None
        return Scope("county", county.name, (county.id,)) if county else None
    if who.scope_region_id is None:
        return Scope("all", None, None) if who.role == "admin" else None
    region = await session.get(Region, who.scope_region_id)
    if region is None:
        return None
    if region.kind == "county":
        return Scope("county", region.name, (region.id,))
    ids = (await session.execute(select(Region.id).where(Region.parent_id == region.id))).scalars().all()
    return Scope("province", region.name, tuple(ids))


def _totals_subquery(year: int):  # type: ignore[no-untyped-def]
    registered = func.sum(case((Achievement.rasad_registered.is_(True), Achievement.jobs), else_=0))
    return (
        select(
            Achievement.agency_id.label("agency_id"),
            func.sum(Achievement.jobs).label("achieved"),
            registered.label("registered"),
        )
        .where(Achievement.year == year)
        .group_by(Achievement.agency_id)
        .subquery()
    )


@dataclass(frozen=True)
class RankRow:
    rank: int
    agency_id: int
    name: str
    target: int
    achieved: int
    registered: int
    behind: bool


@dataclass(frozen=True)
class RankingPage:
    rows: list[RankRow]
    total_agencies: int
    target: int
    achieved: int
    registered: int
    behind_count: int
    uncommitted_achieved: int  # jobs of agencies without a commitment: outside the totals' percent
    pace: Pace


def _scoped(query: Select, scope: Scope) -> Select:  # type: ignore[type-arg]
    if scope.county_ids is None:
        return query
    return query.where(Agency.county_id.in_(scope.county_ids))


async def ranking(
    session: AsyncSession, scope: Scope, year: int, today: dt.date, *, offset: int = 0, limit: int = 20
) -> RankingPage:
    pace = pace_for(year, today)
    totals = _totals_subquery(year)
    target = func.coalesce(Commitment.target, 0)
    achieved = func.coalesce(totals.c.achieved, 0)
    registered = func.coalesce(totals.c.registered, 0)
    percent = case((target > 0, cast(achieved, Float) / target), else_=None)
    # behind pace <=> achieved * days_in_year < target * days_elapsed (integers, as in Pace.is_behind)
    # 64-bit: a large target times days elapsed overflows PostgreSQL's integer.
    behind = and_(
        target > 0,
        cast(achieved, BigInteger) * pace.days_in_year < cast(target, BigInteger) * pace.days_elapsed,
    )
    base = (
        select(Agency.id, Agency.name, target, achieved, registered, behind)
        .select_from(Agency)
        .outerjoin(Commitment, and_(Commitment.agency_id == Agency.id, Commitment.year == year))
        .outerjoin(totals, totals.c.agency_id == Agency.id)
    )
    base = _scoped(base, scope)
    ordered = base.order_by(
        case((target > 0, 0), else_=1), percent.desc(), registered.desc(), Agency.name, Agency.id
    )
    rows = (await session.execute(ordered.offset(offset).limit(limit))).all()

    summary = _scoped(
        select(
            func.count(Agency.id),
            func.coalesce(func.sum(target), 0),
            func.coalesce(func.sum(case((target > 0, achieved), else_=0)), 0),
            func.coalesce(func.sum(case((target > 0, registered), else_=0)), 0),
            func.coalesce(func.sum(case((behind, 1), else_=0)), 0),
            func.coalesce(func.sum(case((target > 0, 0), else_=achieved)), 0),
        )
        .select_from(Agency)
        .outerjoin(Commitment, and_(Commitment.agency_id == Agency.id, Commitment.year == year))
        .outerjoin(totals, totals.c.agency_id == Agency.id),
        scope,
    )
    count, sum_target, sum_achieved, sum_registered, behind_count, uncommitted = (
        await session.execute(summary)
    ).one()
    return RankingPage(
        rows=[
            RankRow(offset + i + 1, r[0], r[1], int(r[2]), int(r[3]), int(r[4]), bool(r[5]))
            for i, r in enumerate(rows)
        ],
        total_agencies=int(count),
        target=int(sum_target),
        achieved=int(sum_achieved),
        registered=int(sum_registered),
        behind_count=int(behind_count),
        uncommitted_achieved=int(uncommitted),
        pace=pace,
    )


@dataclass(frozen=True)
class RecentReport:
    id: int
    created_on: dt.date
    jobs: int
    sector: str
    title: str
    rasad_registered: bool


@dataclass(frozen=True)
class AgencyStatus:
    agency_id: int
    name: str
    target: int | None
    achieved: int
    registered: int
    pace: Pace
    recent: list[RecentReport]

    @property
    def behind(self) -> bool:
        return self.target is not None and self.pace.is_behind(self.achieved, self.target)

    @property
    def weekly_needed(self) -> int:
        return self.pace.weekly_needed(self.achieved, self.target or 0)


async def agency_status(
    session: AsyncSession, agency_id: int, year: int, today: dt.date
) -> AgencyStatus | None:
    agency = await session.get(Agency, agency_id)
    if agency is None:
        return None
    target = (
        await session.execute(
            select(Commitment.target).where(Commitment.agency_id == agency_id, Commitment.year == year)
        )
    ).scalar_one_or_none()
    registered = func.sum(case((Achievement.rasad_registered.is_(True), Achievement.jobs), else_=0))
    achieved_sum, registered_sum = (
        await session.execute(
            select(func.coalesce(func.sum(Achievement.jobs), 0), func.coalesce(registered, 0)).where(
                Achievement.agency_id == agency_id, Achievement.year == year
            )
        )
    ).one()
    recent_rows = (
        await session.execute(
            select(Achievement)
            .where(Achievement.agency_id == agency_id, Achievement.year == year)
            .order_by(Achievement.created_at.desc(), Achievement.id.desc())
            .limit(5)
        )
    ).scalars()
    recent = [
        RecentReport(a.id, a.created_on, a.jobs, a.sector, a.title, a.rasad_registered) for a in recent_rows
    ]
    return AgencyStatus(
        agency_id=agency_id,
        name=agency.name,
        target=target,
        achieved=int(achieved_sum),
        registered=int(registered_sum),
        pace=pace_for(year, today),
        recent=recent,
    )
