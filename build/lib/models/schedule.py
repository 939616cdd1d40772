"""When reminders are due, and to whom: milestones before the deadline, weekly nudges, daily digests.
Planning is pure of messaging: it yields outbox rows; storing them twice adds nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.db import Database, rowcount
from models.jalali import deadline_date, pace_for
from models.schema import Account, Agency, AgencyTotal, Commitment, Holiday, Outbox, Person, Region
from models.stats import counted

FRIDAY = 4
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
WEEKEND = frozenset({FRIDAY})
UNMUTABLE_DAYS = 7  # milestones this close to the deadline reach everyone, muted or not


@dataclass(frozen=True)
class Schedule:
    tz: ZoneInfo
    reminder_days: tuple[int, ...] = (60, 30, 14, 7, 3, 1, 0)
    reminder_time: dt.time = dt.time(9, 0)
    nudge_weekday: int = 5  # Saturday
    nudge_time: dt.time = dt.time(9, 0)
    nudge_daily_days: int = 10
    digest_time: dt.time = dt.time(8, 0)
    weekend: frozenset[int] = WEEKEND


def is_working_day(day: dt.date, holidays: set[dt.date], weekend: frozenset[int] = WEEKEND) -> bool:
    return day.weekday() not in weekend and day not in holidays


def previous_working_day(day: dt.date, holidays: set[dt.date], weekend: frozenset[int] = WEEKEND) -> dt.date:
    while not is_working_day(day, holidays, weekend):
        day -= dt.timedelta(days=1)
    return day


@dataclass(frozen=True)
class Milestone:
    days_before: int
    send_on: dt.date

    def key(self, year: int) -> str:
        return f"deadline:{year}:d{self.days_before}"


def milestones(
    year: int, days: Iterable[int], holidays: set[dt.date], weekend: frozenset[int] = WEEKEND
) -> list[Milestone]:
    """Each milestone on its day, or on the previous working day when that is a weekend day or a holiday
    (29 Esfand, the deadline, is itself an official holiday in most years)."""
    deadline = deadline_date(year)
    return [
        Milestone(d, previous_working_day(deadline - dt.timedelta(days=d), holidays, weekend)) for d in days
    ]


async def holidays_in(session: AsyncSession, start: dt.date, end: dt.date) -> set[dt.date]:
    rows = await session.execute(select(Holiday.day).where(Holiday.day >= start, Holiday.day <= end))
    return set(rows.scalars())


@dataclass
class Recipient:
    account_id: int
    person_id: int
    chat_id: int
    role: str
    agency_id: int | None
    nudges_muted: bool
    digest_time: str | None


@dataclass
class PlannedRow:
    recipient: Recipient
    key: str
    kind: str
    due_at: dt.datetime
    payload: dict[str, object] = field(default_factory=dict)


async def recipients(session: AsyncSession, platform: str, reps_of: int | None = None) -> list[Recipient]:
    """Everyone who may be messaged on a platform; `reps_of`: only that agency's reps."""
    query = (
        select(
            Account.id,
            Person.id,
            Account.chat_id,
            Person.role,
            Person.agency_id,
            Person.nudges_muted,
            Person.digest_time,
        )
        .join(Person, Person.id == Account.person_id)
        .where(Account.platform == platform, Account.blocked_at.is_(None), Person.active.is_(True))
        .order_by(Account.id)
    )
    if reps_of is not None:
        query = query.where(Person.role == "rep", Person.agency_id == reps_of)
    return [Recipient(*row) for row in await session.execute(query)]


async def scope_recipients(
    session: AsyncSession, platform: str, county_ids: tuple[int, ...] | None
) -> list[Recipient]:
    """People of a scope: reps of its agencies and supervisors of its counties or their provinces."""
    everyone = await recipients(session, platform)
    if county_ids is None:
        return everyone
    agencies = set(
        (await session.execute(select(Agency.id).where(Agency.county_id.in_(county_ids)))).scalars()
    )
    parents = (await session.execute(select(Region.parent_id).where(Region.id.in_(county_ids)))).scalars()
    regions = set(county_ids) | {p for p in parents if p is not None}
    scope_of_person: dict[int, int | None] = dict(
        (await session.execute(select(Person.id, Person.scope_region_id))).tuples().all()
    )
    return [
        r
        for r in everyone
        if (r.role == "rep" and r.agency_id in agencies)
        or (r.role != "rep" and scope_of_person.get(r.person_id) in regions)
    ]


async def lagging_agencies(session: AsyncSession, year: int, today: dt.date) -> set[int]:
    """Agencies behind the pro-rata pace, or with achievements not yet registered in Rasad."""
    pace = pace_for(year, today)
    totals = (
        select(AgencyTotal.agency_id, counted()[0].label("achieved"), counted()[1].label("registered"))
        .where(AgencyTotal.year == year)
        .subquery()
    )
    achieved = func.coalesce(totals.c.achieved, 0)
    rows = await session.execute(
        select(Commitment.agency_id, Commitment.target, achieved, func.coalesce(totals.c.registered, 0))
        .outerjoin(totals, totals.c.agency_id == Commitment.agency_id)
        .where(Commitment.year == year)
    )
    lagging = {
        a for a, target, got, reg in rows if pace.is_behind(int(got), int(target)) or int(reg) < int(got)
    }
    unregistered = await session.execute(
        select(totals.c.agency_id).where(and_(totals.c.registered < totals.c.achieved))
    )
    return lagging | set(unregistered.scalars())


def _at(day: dt.date, time: dt.time, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=tz).astimezone(dt.UTC)


async def plan(
    session: AsyncSession,
    schedule: Schedule,
    platform: str,
    year: int,
    now: dt.datetime,
    *,
    only_due: bool = True,
) -> list[PlannedRow]:
    """Everything due today up to `now` (local time in the schedule's zone). Past days are not planned:
    a reminder for a day gone by is stale."""
    local = now.astimezone(schedule.tz)
    today, clock = local.date(), local.time()
    deadline = deadline_date(year)
    holidays = await holidays_in(session, today - dt.timedelta(days=400), deadline)
    people = await recipients(session, platform)
    planned: list[PlannedRow] = []

    weekend = schedule.weekend
    todays = [m for m in milestones(year, schedule.reminder_days, holidays, weekend) if m.send_on == today]
    if todays and (clock >= schedule.reminder_time or not only_due):
        # Several milestones folded onto one working day: the closest to the deadline speaks for all.
        milestone = min(todays, key=lambda m: m.days_before)
        days_left = (deadline - today).days
        for r in people:
            if r.nudges_muted and milestone.days_before > UNMUTABLE_DAYS:
                continue
            planned.append(
                PlannedRow(
                    r,
                    milestone.key(year),
                    "milestone",
                    _at(today, schedule.reminder_time, schedule.tz),
                    {"year": year, "days_before": milestone.days_before, "days_left": days_left},
                )
            )

    days_left = (deadline - today).days
    nudge_day = today.weekday() == schedule.nudge_weekday or 0 <= days_left <= schedule.nudge_daily_days
    if (
        nudge_day
        and not todays
        and 0 <= days_left
        and is_working_day(today, holidays, weekend)
        and (clock >= schedule.nudge_time or not only_due)
    ):
        lagging = await lagging_agencies(session, year, today)
        for r in people:
            if r.role == "rep" and not r.nudges_muted and r.agency_id in lagging:
                planned.append(
                    PlannedRow(
                        r,
                        f"nudge:{today.isoformat()}",
                        "nudge",
                        _at(today, schedule.nudge_time, schedule.tz),
                        {"year": year},
                    )
                )

    if is_working_day(today, holidays, weekend):
        for r in people:
            if r.role not in ("supervisor", "admin"):
                continue
            at = schedule.digest_time
            if r.digest_time:
                hours, minutes = r.digest_time.split(":")
                at = dt.time(int(hours), int(minutes))
            if clock >= at or not only_due:
                planned.append(
                    PlannedRow(
                        r,
                        f"digest:{today.isoformat()}",
                        "digest",
                        _at(today, at, schedule.tz),
                        {"year": year},
                    )
                )
    return planned


async def store(db: Database, rows: list[PlannedRow]) -> int:
    """Insert the planned rows; those already there (same account and key) are left alone."""
    if not rows:
        return 0
    values = [
        {
            "account_id": p.recipient.account_id,
            "person_id": p.recipient.person_id,
            "key": p.key,
            "kind": p.kind,
            "payload": p.payload,
            "due_at": p.due_at,
            "status": "pending",
            "attempts": 0,
        }
        for p in rows
    ]
    insert = sqlite_insert if db.is_sqlite else pg_insert
    added = 0
    async with db.write() as session:
        # Skip what is stored already: every tick re-plans the day, and on PostgreSQL even a conflicting
        # insert would use up a sequence number.
        keys = list({v["key"] for v in values})
        stored = set(
            (
                await session.execute(select(Outbox.account_id, Outbox.key).where(Outbox.key.in_(keys)))
            ).tuples()
        )
        values = [v for v in values if (v["account_id"], v["key"]) not in stored]
        for start in range(0, len(values), 500):
            statement = (
                insert(Outbox)
                .values(values[start : start + 500])
                .on_conflict_do_nothing(index_elements=["account_id", "key"])
            )
            result = await session.execute(statement)
            added += max(rowcount(result) or 0, 0)
    return added


CHASE = "chase"  # a supervisor's reminder to one agency's reps, now


async def chase(
    db: Database,
    platforms: list[str],
    agency_id: int,
    by_person: int,
    year: int,
    now: dt.datetime,
    today: dt.date,
    again: bool = False,
    plan: bool = False,
) -> int | None:
    """Queue a reminder to the reps of one agency, worded with its figures (`plan`: asking for a catch-up
    plan), and audit it. None when it was sent today already and not confirmed again; else how many reps
    (people) it goes to (0: none linked)."""
    day_key = f"{CHASE}:{'plan:' if plan else ''}{agency_id}:{today.isoformat()}"
    async with db.session() as session:
        sent_today = (
            await session.execute(select(Outbox.id).where(Outbox.key.startswith(day_key)).limit(1))
        ).first()
        if sent_today is not None and not again:
            return None
        reps = [r for platform in platforms for r in await recipients(session, platform, reps_of=agency_id)]
    if not reps:
        return 0
    key = day_key if sent_today is None else f"{day_key}:{now.timestamp():.0f}"
    payload: dict[str, object] = {"year": year, "by": by_person, "agency_id": agency_id}
    if plan:
        payload["plan"] = 1
    await store(db, [PlannedRow(r, key, CHASE, now, payload) for r in reps])
    people = len({r.person_id for r in reps})
    async with db.write() as session:
        audit.record(
            session,
            actor=audit.person_actor(by_person),
            actor_person_id=by_person,
            action="agency.ask_plan" if plan else "agency.remind",
            entity="agency",
            entity_id=agency_id,
            after={"reps": people, "again": sent_today is not None},
        )
    return people
