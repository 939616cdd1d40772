"""Progress figures: an agency's status and the ranking of a scope. Reads the per-agency totals kept
current by each write (models/totals.py), so a page costs a read of the scope's agencies only."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import BigInteger, Float, and_, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.jalali import Pace, pace_for
from models.people import Identity
from models.schema import Achievement, Agency, AgencyDay, AgencyTotal, Commitment, CountyCommitment, Region

MEASURES = ("percent", "registered", "jobs")
RECENT_DAYS = 30
IN_CHUNK = 5000


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
    return await _province(session, region)


async def _province(session: AsyncSession, region: Region) -> Scope:
    ids = (await session.execute(select(Region.id).where(Region.parent_id == region.id))).scalars().all()
    return Scope("province", region.name, tuple(ids))


async def wider_scope(session: AsyncSession, scope: Scope) -> Scope:
    """The province around a county scope (for ranking counties); other scopes are already wide."""
    if scope.kind != "county" or not scope.county_ids:
        return scope
    county = await session.get(Region, scope.county_ids[0])
    parent = await session.get(Region, county.parent_id) if county and county.parent_id else None
    return await _province(session, parent) if parent else scope


@dataclass(frozen=True)
class Projection:
    """Year-end totals at the current pace, and what is needed now."""

    whole_year: int  # at the pace of the year so far
    recent: int  # at the pace of the last 30 days
    weekly_needed: int
    mark: str | None  # on_pace | behind | at_risk; None without a commitment


def project(achieved: int, recent_jobs: int, target: int, pace: Pace) -> Projection:
    elapsed = max(pace.days_elapsed, 1)
    window = min(RECENT_DAYS, elapsed)
    left = max(pace.days_left, 0)
    whole = math.floor(achieved * pace.days_in_year / elapsed)
    recent = achieved + math.floor(recent_jobs * left / window)
    mark = None
    if target > 0:
        if achieved < target and recent < target:
            mark = "at_risk"
        elif pace.is_behind(achieved, target):
            mark = "behind"
        else:
            mark = "on_pace"
    return Projection(whole, recent, pace.weekly_needed(achieved, target), mark)


async def recent_jobs(
    session: AsyncSession, agency_ids: list[int], year: int, today: dt.date
) -> dict[int, int]:
    since = today - dt.timedelta(days=RECENT_DAYS - 1)
    out: dict[int, int] = {}
    for start in range(0, len(agency_ids), IN_CHUNK):  # PostgreSQL takes at most 32,767 parameters
        rows = await session.execute(
            select(AgencyDay.agency_id, func.sum(AgencyDay.jobs))
            .where(
                AgencyDay.agency_id.in_(agency_ids[start : start + IN_CHUNK]),
                AgencyDay.year == year,
                AgencyDay.day >= since,
                AgencyDay.day <= today,
            )
            .group_by(AgencyDay.agency_id)
        )
        out.update({a: int(j) for a, j in rows})
    return out


@dataclass(frozen=True)
class RankRow:
    rank: int
    agency_id: int  # a county's region id when ranking counties
    name: str
    target: int
    achieved: int
    registered: int
    behind: bool
    projection: Projection | None = None
    approved: int = 0  # jobs the governorate approved
    pending: int = 0  # jobs reported and not (yet) approved
    county_id: int | None = None  # an agency's county


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
    measure: str = "percent"


BASES = ("reported", "approved")
_basis = "reported"


def use_basis(basis: str) -> None:
    """What rankings, digests and summaries count: every report not withdrawn, or only approved ones.
    A deployment setting (RANKING_BASIS), the same for every messenger of a process."""
    global _basis
    if basis not in BASES:
        raise ValueError(basis)
    _basis = basis


def basis() -> str:
    return _basis


def counted():
    """AgencyTotal's (achieved, registered) columns under the ranking basis."""
    if _basis == "approved":
        return AgencyTotal.approved, AgencyTotal.approved_registered
    return AgencyTotal.achieved, AgencyTotal.registered


def _columns(year: int):
    target = func.coalesce(Commitment.target, 0)
    if _basis == "approved":
        achieved = func.coalesce(AgencyTotal.approved, 0)
        registered = func.coalesce(AgencyTotal.approved_registered, 0)
    else:
        achieved = func.coalesce(AgencyTotal.achieved, 0)
        registered = func.coalesce(AgencyTotal.registered, 0)
    return target, achieved, registered


def _joined(query, year: int, scope: Scope):
    query = (
        query.select_from(Agency)
        .outerjoin(Commitment, and_(Commitment.agency_id == Agency.id, Commitment.year == year))
        .outerjoin(AgencyTotal, and_(AgencyTotal.agency_id == Agency.id, AgencyTotal.year == year))
    )
    return query if scope.county_ids is None else query.where(Agency.county_id.in_(scope.county_ids))


def _behind(achieved, target, pace: Pace):
    # 64-bit: a large target times days elapsed overflows PostgreSQL's integer.
    return and_(
        target > 0,
        cast(achieved, BigInteger) * pace.days_in_year < cast(target, BigInteger) * pace.days_elapsed,
    )


def _order(measure: str, target, achieved, registered, name):
    if measure == "jobs":
        return [achieved.desc(), registered.desc(), name]
    has_target = case((target > 0, 0), else_=1)
    ratio = case(
        (target > 0, cast(registered if measure == "registered" else achieved, Float) / target), else_=None
    )
    second = achieved.desc() if measure == "registered" else registered.desc()
    return [has_target, ratio.desc(), second, name]


async def ranking(
    session: AsyncSession,
    scope: Scope,
    year: int,
    today: dt.date,
    *,
    offset: int = 0,
    limit: int = 20,
    measure: str = "percent",
) -> RankingPage:
    pace = pace_for(year, today)
    target, achieved, registered = _columns(year)
    behind = _behind(achieved, target, pace)
    approved = func.coalesce(AgencyTotal.approved, 0)
    pending = func.coalesce(AgencyTotal.achieved, 0) - approved
    rows = (
        await session.execute(
            _joined(
                select(
                    Agency.id,
                    Agency.name,
                    target,
                    achieved,
                    registered,
                    behind,
                    approved,
                    pending,
                    Agency.county_id,
                ),
                year,
                scope,
            )
            .order_by(*_order(measure, target, achieved, registered, Agency.name), Agency.id)
            .offset(offset)
            .limit(limit)
        )
    ).all()
    summary = _joined(
        select(
            func.count(Agency.id),
            func.coalesce(func.sum(target), 0),
            func.coalesce(func.sum(case((target > 0, achieved), else_=0)), 0),
            func.coalesce(func.sum(case((target > 0, registered), else_=0)), 0),
            func.coalesce(func.sum(case((behind, 1), else_=0)), 0),
            func.coalesce(func.sum(case((target > 0, 0), else_=achieved)), 0),
        ),
        year,
        scope,
    )
    count, sum_target, sum_achieved, sum_registered, behind_count, uncommitted = (
        await session.execute(summary)
    ).one()
    recent = await recent_jobs(session, [r[0] for r in rows], year, today)
    return RankingPage(
        rows=[
            RankRow(
                offset + i + 1,
                r[0],
                r[1],
                int(r[2]),
                int(r[3]),
                int(r[4]),
                bool(r[5]),
                project(int(r[3]), recent.get(r[0], 0), int(r[2]), pace),
                approved=int(r[6]),
                pending=int(r[7]),
                county_id=r[8],
            )
            for i, r in enumerate(rows)
        ],
        total_agencies=int(count),
        target=int(sum_target),
        achieved=int(sum_achieved),
        registered=int(sum_registered),
        behind_count=int(behind_count),
        uncommitted_achieved=int(uncommitted),
        pace=pace,
        measure=measure,
    )


async def county_ranking(
    session: AsyncSession, scope: Scope, year: int, today: dt.date, *, measure: str = "percent"
) -> RankingPage:
    """Counties of a province, by their agencies' totals against the county commitments."""
    pace = pace_for(year, today)
    target, achieved, registered = _columns(year)
    imported = (
        select(CountyCommitment.region_id, CountyCommitment.target)
        .where(CountyCommitment.year == year)
        .subquery()
    )
    # The county's own commitment where one is imported, else the sum of its agencies' commitments.
    county_target = func.coalesce(func.max(imported.c.target), func.sum(target), 0)
    # Against the agencies' sum, only committed agencies' jobs count (as in the agencies' totals).
    has_own = func.max(imported.c.target).is_not(None)
    county_achieved = func.coalesce(
        case((has_own, func.sum(achieved)), else_=func.sum(case((target > 0, achieved), else_=0))), 0
    )
    county_registered = func.coalesce(
        case((has_own, func.sum(registered)), else_=func.sum(case((target > 0, registered), else_=0))), 0
    )
    query = (
        _joined(
            select(Region.id, Region.name, county_target, county_achieved, county_registered), year, scope
        )
        .join(Region, Region.id == Agency.county_id)
        .outerjoin(imported, imported.c.region_id == Region.id)
        .group_by(Region.id, Region.name)
    )
    rows = (
        await session.execute(
            query.order_by(*_order(measure, county_target, county_achieved, county_registered, Region.name))
        )
    ).all()
    out = [
        RankRow(i + 1, r[0], r[1], int(r[2]), int(r[3]), int(r[4]), pace.is_behind(int(r[3]), int(r[2])))
        for i, r in enumerate(rows)
    ]
    return RankingPage(
        rows=out,
        total_agencies=len(out),
        target=sum(r.target for r in out),
        achieved=sum(r.achieved for r in out),
        registered=sum(r.registered for r in out),
        behind_count=sum(1 for r in out if r.behind),
        uncommitted_achieved=0,
        pace=pace,
        measure=measure,
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
    projection: Projection

    @property
    def behind(self) -> bool:
        return self.target is not None and self.pace.is_behind(self.achieved, self.target)

    @property
    def weekly_needed(self) -> int:
        return self.pace.weekly_needed(self.achieved, self.target or 0)


async def agency_status(
    session: AsyncSession, agency_id: int, year: int, today: dt.date, recent_count: int = 5
) -> AgencyStatus | None:
    agency = await session.get(Agency, agency_id)
    if agency is None:
        return None
    target = (
        await session.execute(
            select(Commitment.target).where(Commitment.agency_id == agency_id, Commitment.year == year)
        )
    ).scalar_one_or_none()
    total = await session.get(AgencyTotal, (agency_id, year))
    achieved, registered = (total.achieved, total.registered) if total else (0, 0)
    recent_rows: list[Achievement] = list(
        (
            await session.execute(
                select(Achievement)
                .where(
                    Achievement.agency_id == agency_id,
                    Achievement.year == year,
                    Achievement.status != "withdrawn",
                )
                .order_by(Achievement.created_at.desc(), Achievement.id.desc())
                .limit(recent_count)
            )
        ).scalars()
        if recent_count
        else []
    )
    recent = [
        RecentReport(a.id, a.created_on, a.jobs, a.sector, a.title, a.rasad_registered) for a in recent_rows
    ]
    pace = pace_for(year, today)
    last30 = (await recent_jobs(session, [agency_id], year, today)).get(agency_id, 0)
    return AgencyStatus(
        agency_id=agency_id,
        name=agency.name,
        target=target,
        achieved=achieved,
        registered=registered,
        pace=pace,
        recent=recent,
        projection=project(achieved, last30, target or 0, pace),
    )


async def agency_statuses(
    session: AsyncSession, agency_ids: list[int], year: int, today: dt.date
) -> dict[int, AgencyStatus]:
    """agency_status for many agencies in four queries per chunk, without recent reports (reminders)."""
    pace = pace_for(year, today)
    out: dict[int, AgencyStatus] = {}
    for start in range(0, len(agency_ids), IN_CHUNK):
        chunk = agency_ids[start : start + IN_CHUNK]
        names: dict[int, str] = dict(
            (await session.execute(select(Agency.id, Agency.name).where(Agency.id.in_(chunk)))).tuples().all()
        )
        targets: dict[int, int] = dict(
            (
                await session.execute(
                    select(Commitment.agency_id, Commitment.target).where(
                        Commitment.agency_id.in_(chunk), Commitment.year == year
                    )
                )
            )
            .tuples()
            .all()
        )
        totals = {
            agency_id: (achieved, registered)
            for agency_id, achieved, registered in await session.execute(
                select(AgencyTotal.agency_id, AgencyTotal.achieved, AgencyTotal.registered).where(
                    AgencyTotal.agency_id.in_(chunk), AgencyTotal.year == year
                )
            )
        }
        last30 = await recent_jobs(session, chunk, year, today)
        for agency_id, name in names.items():
            achieved, registered = totals.get(agency_id, (0, 0))
            target = targets.get(agency_id)
            projection = project(achieved, last30.get(agency_id, 0), target or 0, pace)
            out[agency_id] = AgencyStatus(agency_id, name, target, achieved, registered, pace, [], projection)
    return out


async def monthly_series(
    session: AsyncSession, agency_ids: list[int] | None, year: int
) -> list[tuple[int, int]]:
    """(jobs, registered) per Jalali month 1..12 of the year; agency_ids None = every agency."""
    from models.jalali import to_jalali

    query = select(AgencyDay.day, func.sum(AgencyDay.jobs), func.sum(AgencyDay.registered)).where(
        AgencyDay.year == year
    )
    chunks = (
        [None]
        if agency_ids is None
        else [agency_ids[i : i + IN_CHUNK] for i in range(0, len(agency_ids), IN_CHUNK)]
    )
    results = []
    for chunk in chunks:
        part = query if chunk is None else query.where(AgencyDay.agency_id.in_(chunk))
        results += list(await session.execute(part.group_by(AgencyDay.day)))
    months = [[0, 0] for _ in range(12)]
    for day, jobs, registered in results:
        month = (
            to_jalali(day).month if to_jalali(day).year == year else (1 if to_jalali(day).year < year else 12)
        )
        months[month - 1][0] += int(jobs)
        months[month - 1][1] += int(registered)
    return [(j, r) for j, r in months]


async def find_agencies(session: AsyncSession, scope: Scope, text: str, limit: int = 10) -> list[Agency]:
    """By exact code, else by a name containing the text (letters normalised, spaces ignored)."""
    from models.textnorm import search_key, to_ascii_digits

    query = select(Agency)
    if scope.county_ids is not None:
        query = query.where(Agency.county_id.in_(scope.county_ids))
    code = to_ascii_digits(text).strip()
    exact = (await session.execute(query.where(Agency.code == code))).scalars().first()
    if exact is not None:
        return [exact]
    key = search_key(text)
    if not key:
        return []
    matches = [
        a for a in (await session.execute(query.order_by(Agency.name))).scalars() if key in search_key(a.name)
    ]
    return matches[:limit]


async def scope_named(session: AsyncSession, name: str) -> Scope | str:
    """A county or province typed by an operator (`استان X` / `شهرستان X` when ambiguous); or the reason."""
    from models.importer import ScopeProblem, _region_index

    index = await _region_index(session)
    resolved = index.resolve_scope(name)
    if isinstance(resolved, ScopeProblem):
        return str(resolved)
    kind, key = resolved
    found = index.provinces[key[0]] if kind == "province" else index.counties[(key[0], key[-1])]
    if not isinstance(found, Region):  # known regions only: the index holds nothing else here
        return name
    if kind == "province":
        return await _province(session, found)
    return Scope("county", found.name, (found.id,))
