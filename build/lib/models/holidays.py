"""The holiday calendar: non-working days besides the weekend. Each reporting year's official holidays are
seeded once (the `holidays` package's calendar of Iran; lunar days are astronomical estimates until the
official calendar is announced, and are marked so); admins add and remove days as they are announced."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jdatetime
from sqlalchemy import delete, select

from models import audit
from models.db import Database, rowcount
from models.jalali import DateError, deadline_date, year_start
from models.schema import AuditEvent, Holiday
from models.textnorm import clean_text, to_persian_digits

SEED_ACTION = "holiday.seed"
# Fixed in the solar calendar: Nowruz, the Islamic Republic's and Nature's days, 14-15 Khordad, 22 Bahman,
# 29 Esfand. Every other official holiday follows the lunar calendar.
SOLAR = {(1, 1), (1, 2), (1, 3), (1, 4), (1, 12), (1, 13), (3, 14), (3, 15), (11, 22), (12, 29)}


@dataclass(frozen=True)
class OfficialDay:
    day: dt.date
    note: str
    estimated: bool  # a lunar date, until the year's official calendar is announced


def official_days(year: int) -> list[OfficialDay]:
    """Iran's official holidays in the Jalali `year`, Persian names, from the `holidays` package."""
    import holidays as calendar

    start, end = year_start(year), deadline_date(year)
    days = calendar.country_holidays("IR", years=range(start.year, end.year + 1), language="fa_IR")
    out = []
    for day, name in sorted(days.items()):
        if not start <= day <= end:
            continue
        j = jdatetime.date.fromgregorian(date=day)
        note = to_persian_digits(name.replace("(تخمینی)", "").replace(";", "،").replace("؛", "، ").strip())
        out.append(OfficialDay(day, note[:100], (j.month, j.day) not in SOLAR))
    return out


def check_in_year(day: dt.date, year: int) -> dt.date:
    """A holiday belongs to a reporting year: a day outside it would be stored and never seen."""
    if not year_start(year) <= day <= deadline_date(year):
        raise DateError("outside_year")
    return day


async def seed(db: Database, year: int, actor: str) -> int | None:
    """The year's official holidays, once per year (an admin's removal is not undone by the next start);
    days already in the calendar are left as they are. The number added, or None when seeded before."""
    async with db.write() as session:
        done = await session.execute(
            select(AuditEvent.id)
            .where(AuditEvent.action == SEED_ACTION, AuditEvent.entity_id == year)
            .limit(1)
        )
        if done.first() is not None:
            return None
        existing = set(
            (
                await session.execute(
                    select(Holiday.day).where(Holiday.day.between(year_start(year), deadline_date(year)))
                )
            ).scalars()
        )
        added = [d for d in official_days(year) if d.day not in existing]
        for d in added:
            session.add(Holiday(day=d.day, note=d.note, official=True, estimated=d.estimated))
        audit.record(
            session,
            actor=actor,
            action=SEED_ACTION,
            entity="holiday",
            entity_id=year,
            after={"year": year, "days": [d.day.isoformat() for d in added]},
        )
        return len(added)


async def add(db: Database, day: dt.date, note: str, actor: str, actor_person_id: int | None = None) -> bool:
    """False when the day was already a holiday (its note is updated)."""
    async with db.write() as session:
        existing = await session.get(Holiday, day)
        if existing is not None:
            existing.note = clean_text(note)[:100] or existing.note
            existing.estimated = False  # confirmed by an admin
            return False
        session.add(Holiday(day=day, note=clean_text(note)[:100]))
        audit.record(
            session,
            actor=actor,
            actor_person_id=actor_person_id,
            action="holiday.add",
            entity="holiday",
            entity_id=None,
            after={"day": day.isoformat(), "note": note},
        )
        return True


async def remove(db: Database, day: dt.date, actor: str, actor_person_id: int | None = None) -> bool:
    async with db.write() as session:
        result = await session.execute(delete(Holiday).where(Holiday.day == day))
        if rowcount(result):
            audit.record(
                session,
                actor=actor,
                actor_person_id=actor_person_id,
                action="holiday.remove",
                entity="holiday",
                entity_id=None,
                before={"day": day.isoformat()},
            )
        return bool(rowcount(result))


async def listed(db: Database, start: dt.date | None = None) -> list[Holiday]:
    async with db.session() as session:
        query = select(Holiday).order_by(Holiday.day)
        if start is not None:
            query = query.where(Holiday.day >= start)
        return list((await session.execute(query)).scalars())
