"""Catch-up plans (برنامه جبرانی): an agency behind its pace commits, for each remaining Jalali month of
the reporting year, to jobs it will create and register in Rasad; the governorate approves or returns it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jdatetime
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit, notices
from models.access import AnswerError, NotAllowed, check_text, may_see
from models.db import Database
from models.jalali import deadline_date, to_jalali, year_start
from models.people import Identity
from models.schema import Agency, AgencyDay, AgencyTotal, Commitment, Person, Plan
from models.stats import Scope

MONTH_MAX = 100_000
COMMENT_MIN, COMMENT_MAX = 3, 1000


def remaining_months(year: int, today: dt.date) -> list[int]:
    """Jalali months of the reporting year from the current one to Esfand (all before Nowruz)."""
    if today > deadline_date(year):
        return []
    if today < year_start(year):
        return list(range(1, 13))
    return list(range(to_jalali(today).month, 13))


@dataclass(frozen=True)
class Standing:
    target: int
    achieved: int
    registered: int

    @property
    def gap(self) -> int:
        return max(self.target - self.achieved, 0)

    @property
    def registered_gap(self) -> int:
        return max(self.target - self.registered, 0)


async def standing(session: AsyncSession, agency_id: int, year: int) -> Standing:
    target = (
        await session.execute(
            select(Commitment.target).where(Commitment.agency_id == agency_id, Commitment.year == year)
        )
    ).scalar_one_or_none()
    total = await session.get(AgencyTotal, (agency_id, year))
    return Standing(target or 0, total.achieved if total else 0, total.registered if total else 0)


def check_month(jobs: int, registered: int | None) -> list[int]:
    """One month's entry; registered defaults to the jobs (a plan commits to register what it creates)."""
    reg = jobs if registered is None else registered
    for value in (jobs, reg):
        if value < 0:
            raise AnswerError("negative")
        if value > MONTH_MAX:
            raise AnswerError("too_large", maximum=MONTH_MAX)
    return [jobs, reg]


@dataclass(frozen=True)
class PlanView:
    plan: Plan
    agency_name: str
    county_id: int
    reporter: str
    gap: int
    registered_gap: int


async def load(session: AsyncSession, plan_id: int) -> PlanView | None:
    row = (
        await session.execute(
            select(Plan, Agency.name, Agency.county_id, Person.name)
            .join(Agency, Agency.id == Plan.agency_id)
            .join(Person, Person.id == Plan.person_id)
            .where(Plan.id == plan_id)
        )
    ).first()
    if row is None:
        return None
    plan, agency_name, county_id, reporter = row
    st = await standing(session, plan.agency_id, plan.year)
    return PlanView(plan, agency_name, county_id, reporter, st.gap, st.registered_gap)


async def submit(db: Database, who: Identity, year: int, months: list[list[int]], now: dt.datetime) -> int:
    """Save a confirmed plan (replacing one still awaiting a decision), audit it, queue the notices."""
    if who.agency_id is None or not months:
        raise AnswerError("incomplete")
    async with db.write() as session:
        waiting = list(
            (
                await session.execute(
                    select(Plan.id).where(
                        Plan.agency_id == who.agency_id, Plan.year == year, Plan.status == "submitted"
                    )
                )
            ).scalars()
        )
        if waiting:
            await session.execute(update(Plan).where(Plan.id.in_(waiting)).values(status="replaced"))
        plan = Plan(
            agency_id=who.agency_id, person_id=who.person_id, year=year, months=months, status="submitted"
        )
        plan.created_at = now
        session.add(plan)
        await session.flush()
        audit.record(
            session,
            actor=audit.person_actor(who.person_id),
            actor_person_id=who.person_id,
            action="plan.submit",
            entity="plan",
            entity_id=plan.id,
            before={"replaced": waiting} if waiting else None,
            after={"agency_id": who.agency_id, "year": year, "months": months},
        )
        supervisors = await notices.supervisors_for_agency(session, who.agency_id)
        await notices.enqueue(
            session, supervisors, f"notice:plan:{plan.id}:new", {"t": "plan_new", "id": plan.id}, now
        )
        return plan.id


async def decide(
    db: Database,
    who: Identity,
    scope: Scope | None,
    plan_id: int,
    approve: bool,
    comment: str | None,
    now: dt.datetime,
) -> str:
    """Approve (the agency's previously approved plan becomes history) or return with a comment.
    Returns the plan's status after; a plan already decided is left as it is."""
    if who.role == "rep":
        raise NotAllowed(plan_id)
    text = None if approve else check_text(comment or "", COMMENT_MIN, COMMENT_MAX)
    async with db.write() as session:
        row = (
            await session.execute(
                select(Plan, Agency.county_id)
                .join(Agency, Agency.id == Plan.agency_id)
                .where(Plan.id == plan_id)
                .with_for_update()
            )
        ).first()
        if row is None or not may_see(who, scope, row[0].agency_id, row[1]):
            raise NotAllowed(plan_id)
        plan = row[0]
        if plan.person_id == who.person_id:  # nobody decides on their own plan (a rep since promoted)
            raise NotAllowed(plan_id)
        if plan.status != "submitted":
            return plan.status
        replaced: list[int] = []
        if approve:
            replaced = list(
                (
                    await session.execute(
                        select(Plan.id).where(
                            Plan.agency_id == plan.agency_id,
                            Plan.year == plan.year,
                            Plan.status == "approved",
                        )
                    )
                ).scalars()
            )
            if replaced:
                await session.execute(update(Plan).where(Plan.id.in_(replaced)).values(status="replaced"))
        plan.status = "approved" if approve else "returned"
        plan.comment, plan.decided_by_person_id, plan.decided_at = text, who.person_id, now
        audit.record(
            session,
            actor=audit.person_actor(who.person_id),
            actor_person_id=who.person_id,
            action="plan.approve" if approve else "plan.return",
            entity="plan",
            entity_id=plan_id,
            before={"status": "submitted", "replaced": replaced} if replaced else {"status": "submitted"},
            after={"status": plan.status, "comment": text},
        )
        await notices.enqueue(
            session,
            [plan.person_id],
            f"notice:plan:{plan_id}:{plan.status}",
            {"t": f"plan_{plan.status}", "id": plan_id},
            now,
        )
        return plan.status


async def latest(session: AsyncSession, agency_id: int, year: int) -> tuple[Plan | None, Plan | None]:
    """(the approved plan, the newest plan awaiting a decision or returned), either may be None."""
    rows = (
        await session.execute(
            select(Plan)
            .where(
                Plan.agency_id == agency_id,
                Plan.year == year,
                Plan.status.in_(("approved", "submitted", "returned")),
            )
            .order_by(Plan.id.desc())
        )
    ).scalars()
    approved = other = None
    for plan in rows:
        if plan.status == "approved" and approved is None:
            approved = plan
        elif plan.status != "approved" and other is None:
            other = plan
    if approved is not None and other is not None and other.id < approved.id:
        other = None  # decided since: only a newer pending or returned plan matters
    return approved, other


async def approved_plans(
    session: AsyncSession, agency_ids: list[int], year: int
) -> dict[int, list[list[int]]]:
    """Approved plans' months by agency (a batch of reminders)."""
    out: dict[int, list[list[int]]] = {}
    for start in range(0, len(agency_ids), 5000):
        rows = await session.execute(
            select(Plan.agency_id, Plan.months).where(
                Plan.agency_id.in_(agency_ids[start : start + 5000]),
                Plan.year == year,
                Plan.status == "approved",
            )
        )
        out.update({agency_id: months for agency_id, months in rows})
    return out


async def monthly_actual(session: AsyncSession, agency_id: int, year: int) -> dict[int, int]:
    """Jobs created per Jalali month of the year."""
    rows = await session.execute(
        select(AgencyDay.day, AgencyDay.jobs).where(AgencyDay.agency_id == agency_id, AgencyDay.year == year)
    )
    out: dict[int, int] = {}
    for day, jobs in rows:
        month = to_jalali(day).month
        out[month] = out.get(month, 0) + jobs
    return out


def planned_for(months: list[list[int]], month: int) -> int | None:
    for m, jobs, _ in months:
        if m == month:
            return jobs
    return None


@dataclass(frozen=True)
class PlanNote:
    """What a reminder says of an agency's plan: this month's planned figure and what was created so far
    this month, or that a plan is still to be sent."""

    has_plan: bool  # approved, or awaiting a decision
    month: int | None  # the current Jalali month, when it is in the year
    planned: int | None  # the approved plan's figure for it
    actual: int


async def plan_notes(
    session: AsyncSession, agency_ids: list[int], year: int, today: dt.date
) -> dict[int, PlanNote]:
    """Notes for a batch of agencies, in two queries per 5,000."""
    in_year = year_start(year) <= today <= deadline_date(year)
    jday = to_jalali(today)
    month = jday.month if in_year else None
    out: dict[int, PlanNote] = {}
    for start in range(0, len(agency_ids), 5000):
        chunk = agency_ids[start : start + 5000]
        rows = (
            await session.execute(
                select(Plan.agency_id, Plan.status, Plan.months).where(
                    Plan.agency_id.in_(chunk), Plan.year == year, Plan.status.in_(("approved", "submitted"))
                )
            )
        ).all()
        planned: dict[int, int | None] = {}
        has_plan = set()
        for agency_id, status, months in rows:
            has_plan.add(agency_id)
            if status == "approved" and month is not None:
                planned[agency_id] = planned_for(months, month)
        actual: dict[int, int] = {}
        with_figure = [a for a, p in planned.items() if p is not None]
        if with_figure and month is not None:
            first = jdatetime.date(jday.year, month, 1).togregorian()
            result = await session.execute(
                select(AgencyDay.agency_id, func.sum(AgencyDay.jobs))
                .where(
                    AgencyDay.agency_id.in_(with_figure),
                    AgencyDay.year == year,
                    AgencyDay.day >= first,
                    AgencyDay.day <= today,
                )
                .group_by(AgencyDay.agency_id)
            )
            actual = {a: int(j or 0) for a, j in result}
        for agency_id in chunk:
            out[agency_id] = PlanNote(
                agency_id in has_plan, month, planned.get(agency_id), actual.get(agency_id, 0)
            )
    return out
