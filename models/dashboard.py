"""What the dashboard shows, as plain data for its JSON endpoints: the scope's headline, its ranking (the
same rows and figures as /ranking), an agency's page and the province's counties. Every function takes the
viewer's scope and shows nothing outside it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jdatetime
from sqlalchemy import distinct, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from models import plans
from models.jalali import deadline_date, jalali_text, to_jalali, year_start
from models.schema import SECTORS, Achievement, Agency, AgencyTotal, Obstacle, Region
from models.stats import (
    RankingPage,
    RankRow,
    Scope,
    agency_status,
    basis,
    county_ranking,
    monthly_series,
    ranking,
    wider_scope,
)

MARKS = ("on_pace", "at_risk", "behind", "no_target")
ALL = 100_000  # every agency of a scope: a province has about a thousand
RECENT_REPORTS = 5


def _percent(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole > 0 else None


def mark_of(row: RankRow) -> str:
    """The ranking's mark for an agency, as /ranking shows it."""
    if row.target <= 0:
        return "no_target"
    if row.projection is not None and row.projection.mark:
        return row.projection.mark
    return "behind" if row.behind else "on_pace"


def scope_json(scope: Scope) -> dict[str, Any]:
    return {"kind": scope.kind, "name": scope.name}


def headline(page: RankingPage, year: int, today: dt.date) -> dict[str, Any]:
    """The scope's figures at the top of the page: /ranking's totals and the year's clock."""
    pace = page.pace
    marks = [mark_of(row) for row in page.rows]
    return {
        "year": year,
        "today": today.isoformat(),
        "today_jalali": jalali_text(today),
        "deadline_jalali": jalali_text(deadline_date(year)),
        "target": page.target,
        "achieved": page.achieved,
        "registered": page.registered,
        "percent": _percent(page.achieved, page.target),
        "registered_percent": _percent(page.registered, page.target),
        "expected": pace.expected(page.target),
        "year_percent": _percent(pace.days_elapsed, pace.days_in_year),
        "days_left": max(pace.days_left, 0),
        "agencies": page.total_agencies,
        "below_path": page.behind_count,  # under the linear path, as /ranking counts them
        "behind": marks.count("behind"),  # by the ranking's marks, as the table shows and filters them
        "at_risk": marks.count("at_risk"),
        "uncommitted": page.uncommitted_achieved,
    }


def _row(row: RankRow) -> dict[str, Any]:
    """A ranking row as the table shows it (the county by id: its name is in the response's counties)."""
    return {
        "rank": row.rank,
        "id": row.agency_id,
        "name": row.name,
        "county_id": row.county_id,
        "target": row.target,
        "achieved": row.achieved,
        "registered": row.registered,
        "percent": _percent(row.achieved, row.target),
        "registered_percent": _percent(row.registered, row.target),
        "mark": mark_of(row),
        "approved": row.approved,
        "pending": row.pending,
    }


async def _county_names(session: AsyncSession, scope: Scope) -> dict[int, str]:
    regions = select(Region.id, Region.name).where(Region.kind == "county")
    if scope.county_ids is not None:
        regions = regions.where(Region.id.in_(scope.county_ids))
    return dict((await session.execute(regions)).tuples().all())


async def _in_sector(session: AsyncSession, scope: Scope, year: int, sector: str) -> set[int]:
    query = (
        select(distinct(Achievement.agency_id))
        .join(Agency, Agency.id == Achievement.agency_id)
        .where(Achievement.year == year, Achievement.sector == sector, Achievement.status != "withdrawn")
        .where(Achievement.status == "approved" if basis() == "approved" else true())
    )
    if scope.county_ids is not None:
        query = query.where(Agency.county_id.in_(scope.county_ids))
    return set((await session.execute(query)).scalars())


async def ranking_view(
    session: AsyncSession,
    scope: Scope,
    year: int,
    today: dt.date,
    *,
    measure: str = "percent",
    county: int | None = None,
    sector: str | None = None,
    mark: str | None = None,
) -> dict[str, Any]:
    """The whole ranking of the scope (ranks as /ranking gives them), then the rows the filters keep."""
    page = await ranking(session, scope, year, today, limit=ALL, measure=measure)
    counties = await _county_names(session, scope)
    rows = [_row(row) for row in page.rows]
    if county is not None:
        rows = [row for row in rows if row["county_id"] == county]
    if sector is not None:
        keep = await _in_sector(session, scope, year, sector)
        rows = [row for row in rows if row["id"] in keep]
    if mark is not None:
        rows = [row for row in rows if row["mark"] == mark]
    return {
        "scope": scope_json(scope),
        "measure": measure,
        "headline": headline(page, year, today),
        "counties": sorted(({"id": i, "name": n} for i, n in counties.items()), key=lambda c: c["name"]),
        "sectors": list(SECTORS),
        "marks": list(MARKS),
        "rows": rows,
    }


async def counties_view(session: AsyncSession, scope: Scope, year: int, today: dt.date) -> dict[str, Any]:
    """The province's counties by their agencies' totals against the county commitments, as /ranking's
    counties view shows them (a county's supervisor sees the counties of its province)."""
    scope = await wider_scope(session, scope)
    page = await county_ranking(session, scope, year, today)
    return {
        "scope": scope_json(scope),
        "rows": [
            {
                "rank": row.rank,
                "id": row.agency_id,
                "name": row.name,
                "target": row.target,
                "achieved": row.achieved,
                "registered": row.registered,
                "percent": _percent(row.achieved, row.target),
                "mark": "no_target" if row.target <= 0 else ("behind" if row.behind else "on_pace"),
            }
            for row in page.rows
        ],
    }


async def agency_view(
    session: AsyncSession, scope: Scope, agency_id: int, year: int, today: dt.date
) -> dict[str, Any] | None:
    """An agency's page, or None when it is not in the scope (or not there at all)."""
    agency = await session.get(Agency, agency_id)
    if agency is None or (scope.county_ids is not None and agency.county_id not in scope.county_ids):
        return None
    status = await agency_status(session, agency_id, year, today, recent_count=RECENT_REPORTS)
    assert status is not None  # the agency exists
    achieved, registered = status.achieved, status.registered
    if basis() == "approved":  # the figures the ranking counts (RANKING_BASIS)
        totals = await session.get(AgencyTotal, (agency_id, year))
        achieved, registered = (totals.approved, totals.approved_registered) if totals else (0, 0)
    county = await session.get(Region, agency.county_id)
    target = status.target or 0
    months = await monthly_series(session, [agency_id], year)
    now = to_jalali(today)
    month_now = now.month if now.year == year else (12 if now.year > year else 0)  # months reported so far
    cumulative, total = [], 0
    for index, (jobs, _registered) in enumerate(months, start=1):
        total += jobs
        cumulative.append(total if index <= month_now else None)
    linear = [round(target * _month_end_share(year, m)) for m in range(1, 13)]
    approved, other = await plans.latest(session, agency_id, year)
    obstacles = (
        await session.execute(
            select(Obstacle)
            .where(Obstacle.agency_id == agency_id, Obstacle.year == year, Obstacle.status != "resolved")
            .order_by(Obstacle.created_at)
        )
    ).scalars()
    return {
        "id": agency.id,
        "name": agency.name,
        "code": agency.code,
        "county": county.name if county else "",
        "target": target,
        "achieved": achieved,
        "registered": registered,
        "reported": status.achieved,
        "percent": _percent(achieved, target),
        "expected": status.pace.expected(target),
        "behind": status.pace.is_behind(achieved, target),
        "mark": status.projection.mark or ("no_target" if target <= 0 else "on_pace"),
        "year_end": status.projection.whole_year,
        "weekly_needed": status.weekly_needed,
        "months": {
            "jobs": [jobs for jobs, _ in months],
            "cumulative": cumulative,
            "linear": linear,
            "plan": _plan_path(approved.months, cumulative) if approved is not None else None,
        },
        "plan": _plan_json(approved, other),
        "reports": [
            {
                "id": report.id,
                "date": report.created_on.isoformat(),
                "date_jalali": jalali_text(report.created_on),
                "jobs": report.jobs,
                "sector": report.sector,
                "title": report.title,
                "registered": report.rasad_registered,
            }
            for report in status.recent
        ],
        "obstacles": [
            {
                "id": obstacle.id,
                "category": obstacle.category,
                "description": obstacle.description,
                "status": obstacle.status,
                "since_jalali": jalali_text(obstacle.created_at.date()),
            }
            for obstacle in obstacles
        ],
    }


def _month_end_share(year: int, month: int) -> float:
    """The share of the year gone by the end of a Jalali month: the linear path's point for it."""
    start, end = year_start(year), deadline_date(year)
    last = end if month == 12 else jdatetime.date(year, month + 1, 1).togregorian() - dt.timedelta(days=1)
    return ((last - start).days + 1) / ((end - start).days + 1)


def _plan_path(months: list[list[int]], cumulative: list[int | None]) -> list[int | None]:
    """The approved plan as a cumulative path: from what was created before its first month, plus each
    month's planned jobs."""
    planned = {month: jobs for month, jobs, _ in months}
    if not planned:
        return [None] * 12
    first = min(planned)
    known = [value for value in cumulative[: first - 1] if value is not None]
    total = known[-1] if known else 0
    path: list[int | None] = [None] * 12
    for month in range(first, 13):
        total += planned.get(month, 0)
        path[month - 1] = total
    return path


def _plan_json(approved: Any, other: Any) -> dict[str, Any]:
    if approved is None and other is None:
        return {"status": "none"}
    shown = other if other is not None else approved
    return {
        "status": shown.status,
        "id": shown.id,
        "approved_id": approved.id if approved is not None else None,
        "months": [{"month": m, "jobs": j, "registered": r} for m, j, r in shown.months],
    }
