"""Reporting years: opening a new one (its commitments checked first) and what each year holds. The year
the bot works in follows BOT_YEAR, or the calendar (it rolls over at Nowruz); an earlier year's data stays
as it was, readable in exports (`rasad-bot export --year`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.db import Database
from models.jalali import to_jalali, year_start
from models.schema import Achievement, Agency, Commitment, ReportingYear


class YearProblem(Exception):
    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(reason)
        self.reason, self.values = reason, values


@dataclass
class Opening:
    year: int
    committed: int
    target: int
    without: list[str] = field(default_factory=list)  # agency codes with no commitment for the year
    already: bool = False


def check_dates(year: int, today: dt.date) -> None:
    """A year opens from its Nowruz until it is over."""
    if today < year_start(year):
        raise YearProblem("not_begun", begins=year_start(year))
    if year < to_jalali(today).year:
        raise YearProblem("over", current=to_jalali(today).year)


async def start(db: Database, year: int, today: dt.date, actor: str = "cli") -> Opening:
    """Open `year`: refused before its Nowruz, once it is over, and without any commitment imported."""
    check_dates(year, today)
    async with db.write() as session:
        rows = (
            await session.execute(
                select(Agency.code, Commitment.target)
                .outerjoin(Commitment, (Commitment.agency_id == Agency.id) & (Commitment.year == year))
                .order_by(Agency.code)
            )
        ).all()
        committed = [(code, target) for code, target in rows if target is not None]
        if not committed:
            raise YearProblem("no_commitments")
        opening = Opening(
            year,
            len(committed),
            sum(t for _, t in committed),
            [code for code, target in rows if target is None],
        )
        if await session.get(ReportingYear, year) is not None:
            opening.already = True
            return opening
        session.add(ReportingYear(year=year, opened_by=actor))
        audit.record(
            session,
            actor=actor,
            action="year.start",
            entity="year",
            entity_id=year,
            after={"committed": opening.committed, "target": opening.target, "without": len(opening.without)},
        )
        return opening


@dataclass(frozen=True)
class YearFigures:
    year: int
    committed: int
    target: int
    reports: int
    jobs: int
    opened_at: dt.datetime | None


async def figures(session: AsyncSession) -> list[YearFigures]:
    commitments = dict(
        (y, (n, t))
        for y, n, t in await session.execute(
            select(Commitment.year, func.count(), func.sum(Commitment.target)).group_by(Commitment.year)
        )
    )
    reports = dict(
        (y, (n, j))
        for y, n, j in await session.execute(
            select(Achievement.year, func.count(), func.sum(Achievement.jobs))
            .where(Achievement.status != "withdrawn")
            .group_by(Achievement.year)
        )
    )
    opened = dict(
        (y, at) for y, at in await session.execute(select(ReportingYear.year, ReportingYear.opened_at))
    )
    years = sorted(set(commitments) | set(reports) | set(opened))
    return [
        YearFigures(
            y,
            int(commitments.get(y, (0, 0))[0]),
            int(commitments.get(y, (0, 0))[1] or 0),
            int(reports.get(y, (0, 0))[0]),
            int(reports.get(y, (0, 0))[1] or 0),
            opened.get(y),
        )
        for y in years
    ]
