"""Keeping per-agency totals current inside the write that changes them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.schema import AgencyDay, AgencyTotal


async def add(
    session: AsyncSession,
    agency_id: int,
    year: int,
    day: dt.date,
    jobs: int,
    registered: int,
    at: dt.datetime,
    reports: int = 1,
) -> None:
    """Add an achievement's jobs; negative jobs with reports=-1 (or 0) serve later withdrawals and edits."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    total = insert(AgencyTotal).values(
        agency_id=agency_id,
        year=year,
        achieved=jobs,
        registered=registered,
        reports=reports,
        last_report_at=at,
    )
    await session.execute(
        total.on_conflict_do_update(
            index_elements=["agency_id", "year"],
            set_={
                "achieved": AgencyTotal.achieved + jobs,
                "registered": AgencyTotal.registered + registered,
                "reports": AgencyTotal.reports + reports,
                # Edits and withdrawals are not activity: only a new report moves it, and only forward
                # (reports loaded out of order, as the demo's, keep the latest).
                "last_report_at": case(
                    (
                        AgencyTotal.last_report_at.is_(None)
                        | (AgencyTotal.last_report_at < total.excluded.last_report_at),
                        total.excluded.last_report_at,
                    ),
                    else_=AgencyTotal.last_report_at,
                )
                if reports > 0
                else AgencyTotal.last_report_at,
            },
        )
    )
    daily = insert(AgencyDay).values(
        agency_id=agency_id, year=year, day=day, jobs=jobs, registered=registered
    )
    await session.execute(
        daily.on_conflict_do_update(
            index_elements=["agency_id", "year", "day"],
            set_={"jobs": AgencyDay.jobs + jobs, "registered": AgencyDay.registered + registered},
        )
    )


async def approve(session: AsyncSession, agency_id: int, year: int, jobs: int, registered: int) -> None:
    """Count an approved achievement's jobs apart (its jobs are already in `achieved`)."""
    await session.execute(
        update(AgencyTotal)
        .where(AgencyTotal.agency_id == agency_id, AgencyTotal.year == year)
        .values(
            approved=AgencyTotal.approved + jobs,
            approved_registered=AgencyTotal.approved_registered + registered,
        )
    )
