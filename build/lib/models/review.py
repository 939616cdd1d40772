"""Review of reported achievements: the governorate approves or returns each one; the rep may edit and
resubmit (each version kept) or withdraw it until it is approved. Every decision is an audit event, and the
agency's totals follow in the same transaction (approved jobs are counted apart from all reported)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit, notices, totals
from models.access import AnswerError, NotAllowed, check_text, may_see
from models.db import Database, rowcount
from models.jalali import DateError, check_report_date
from models.people import Identity
from models.reports import add_version
from models.reports import version_data as snapshot
from models.schema import SECTORS, Achievement, AchievementVersion, Agency, Attachment, Beneficiary, Person
from models.stats import Scope

PENDING, APPROVED, RETURNED, WITHDRAWN = "reported", "approved", "returned", "withdrawn"
EDITABLE = (PENDING, RETURNED)
REASON_MIN, REASON_MAX = 3, 1000


@dataclass(frozen=True)
class Card:
    achievement: Achievement
    agency_name: str
    county_id: int
    reporter: str
    codes: int
    files: list[Attachment]
    versions: list[AchievementVersion]


async def load(session: AsyncSession, achievement_id: int) -> Card | None:
    row = (
        await session.execute(
            select(Achievement, Agency.name, Agency.county_id, Person.name)
            .join(Agency, Agency.id == Achievement.agency_id)
            .join(Person, Person.id == Achievement.person_id)
            .where(Achievement.id == achievement_id)
        )
    ).first()
    if row is None:
        return None
    a, agency_name, county_id, reporter = row
    codes = (
        await session.execute(select(func.count(Beneficiary.id)).where(Beneficiary.achievement_id == a.id))
    ).scalar_one()
    files = (
        await session.execute(
            select(Attachment)
            .where(Attachment.entity == "achievement", Attachment.entity_id == a.id)
            .order_by(Attachment.id)
        )
    ).scalars()
    versions = (
        await session.execute(
            select(AchievementVersion)
            .where(AchievementVersion.achievement_id == a.id)
            .order_by(AchievementVersion.version)
        )
    ).scalars()
    return Card(a, agency_name, county_id, reporter, int(codes), list(files), list(versions))


def _in_scope(scope: Scope | None):
    if scope is None:
        return False
    return True if scope.county_ids is None else Agency.county_id.in_(scope.county_ids)


async def pending(
    session: AsyncSession, scope: Scope | None, after: int = 0
) -> tuple[Achievement | None, int]:
    """The next achievement awaiting review in the scope (oldest first; after `after`, wrapping round),
    and how many await."""
    if scope is None:
        return None, 0
    base = (
        select(Achievement)
        .join(Agency, Agency.id == Achievement.agency_id)
        .where(Achievement.status == PENDING, _in_scope(scope))
    )
    count = (await session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
    found = (
        await session.execute(base.where(Achievement.id > after).order_by(Achievement.id).limit(1))
    ).scalar()
    if found is None and after:
        found = (await session.execute(base.order_by(Achievement.id).limit(1))).scalar()
    return found, int(count)


async def _guard(
    session: AsyncSession, who: Identity, scope: Scope | None, achievement_id: int
) -> Achievement:
    row = (
        await session.execute(
            select(Achievement, Agency.county_id)
            .join(Agency, Agency.id == Achievement.agency_id)
            .where(Achievement.id == achievement_id)
            .with_for_update()
        )
    ).first()
    if row is None or not may_see(who, scope, row[0].agency_id, row[1]):
        raise NotAllowed(achievement_id)
    return row[0]


class Changed(Exception):
    """The achievement is no longer what the person saw (edited, decided or withdrawn meanwhile)."""

    def __init__(self, status: str, version: int) -> None:
        super().__init__(status)
        self.status, self.version = status, version


async def decide(
    db: Database,
    who: Identity,
    scope: Scope | None,
    achievement_id: int,
    version: int,
    approve: bool,
    reason: str | None,
    now: dt.datetime,
) -> None:
    """Approve, or return with a reason, the version the supervisor saw."""
    if who.role == "rep":
        raise NotAllowed(achievement_id)
    note = None if approve else check_text(reason or "", REASON_MIN, REASON_MAX)
    async with db.write() as session:
        a = await _guard(session, who, scope, achievement_id)
        if a.person_id == who.person_id:  # nobody reviews their own report (a rep since promoted)
            raise NotAllowed(achievement_id)
        if a.status != PENDING or a.version != version:
            raise Changed(a.status, a.version)
        a.status = APPROVED if approve else RETURNED
        a.reviewed_by_person_id, a.reviewed_at, a.review_note = who.person_id, now, note
        if approve:
            await totals.approve(session, a.agency_id, a.year, a.jobs, a.jobs if a.rasad_registered else 0)
        audit.record(
            session,
            actor=audit.person_actor(who.person_id),
            actor_person_id=who.person_id,
            action="achievement.approve" if approve else "achievement.return",
            entity="achievement",
            entity_id=a.id,
            before={"status": PENDING, "version": version},
            after={"status": a.status, "reason": note},
        )
        key = f"notice:achievement:{a.id}:v{version}:{a.status}"
        payload = {"t": f"achievement_{a.status}", "id": a.id}
        await notices.enqueue(session, [a.person_id], key, payload, now)


async def _own(session: AsyncSession, who: Identity, achievement_id: int, version: int) -> Achievement:
    """A rep's own agency's achievement, still editable, at the version they saw."""
    if who.role != "rep" or who.agency_id is None:
        raise NotAllowed(achievement_id)
    a = (
        await session.execute(select(Achievement).where(Achievement.id == achievement_id).with_for_update())
    ).scalar_one_or_none()
    if a is None or a.agency_id != who.agency_id:
        raise NotAllowed(achievement_id)
    if a.status not in EDITABLE or a.version != version:
        raise Changed(a.status, a.version)
    return a


async def _count(session: AsyncSession, a: Achievement, sign: int, now: dt.datetime, reports: int) -> None:
    """Add (sign 1) or take out (sign -1) an achievement's jobs from its agency's totals."""
    registered = a.jobs if a.rasad_registered else 0
    await totals.add(
        session, a.agency_id, a.year, a.created_on, sign * a.jobs, sign * registered, now, reports
    )


async def amend(
    db: Database,
    who: Identity,
    achievement_id: int,
    version: int,
    data: dict[str, Any],
    today: dt.date,
    now: dt.datetime,
) -> int:
    """Resubmit with new field values: a new version, pending review again; the totals move with it.
    Returns the new version number."""
    async with db.write() as session:
        a = await _own(session, who, achievement_id, version)
        if data.get("sector") not in SECTORS:
            raise AnswerError("incomplete")
        day = dt.date.fromisoformat(str(data["date"]))
        try:
            check_report_date(day, a.year, today)
        except DateError as exc:
            raise AnswerError(f"date_{exc.reason}") from None
        codes = (
            await session.execute(
                select(func.count(Beneficiary.id)).where(Beneficiary.achievement_id == a.id)
            )
        ).scalar_one()
        jobs = int(data["jobs"])
        if jobs < codes:
            raise AnswerError("less_than_codes", codes=codes)
        before = snapshot(a)
        await _count(session, a, -1, now, reports=0)
        a.created_on, a.jobs, a.sector, a.title = day, jobs, str(data["sector"]), str(data["title"])
        a.rasad_registered = bool(data.get("rasad"))
        a.tracking_code = str(data.get("tracking")) if a.rasad_registered and data.get("tracking") else None
        await _count(session, a, 1, now, reports=0)
        previous_status = a.status
        a.version, a.status, a.review_note, a.updated_at = a.version + 1, PENDING, None, now
        add_version(session, a, who.person_id, now)
        audit.record(
            session,
            actor=audit.person_actor(who.person_id),
            actor_person_id=who.person_id,
            action="achievement.amend",
            entity="achievement",
            entity_id=a.id,
            before={**before, "status": previous_status, "version": version},
            after={**snapshot(a), "status": PENDING, "version": a.version},
        )
        supervisors = await notices.supervisors_for_agency(session, a.agency_id)
        key = f"notice:achievement:{a.id}:v{a.version}:resubmitted"
        await notices.enqueue(session, supervisors, key, {"t": "achievement_resubmitted", "id": a.id}, now)
        return a.version


async def withdraw(db: Database, who: Identity, achievement_id: int, version: int, now: dt.datetime) -> None:
    """Take back a report not yet approved: out of the totals, its national codes free to be counted again."""
    async with db.write() as session:
        a = await _own(session, who, achievement_id, version)
        await _count(session, a, -1, now, reports=-1)
        freed = await session.execute(delete(Beneficiary).where(Beneficiary.achievement_id == a.id))
        before = {**snapshot(a), "status": a.status, "version": a.version}
        a.status, a.updated_at = WITHDRAWN, now
        audit.record(
            session,
            actor=audit.person_actor(who.person_id),
            actor_person_id=who.person_id,
            action="achievement.withdraw",
            entity="achievement",
            entity_id=a.id,
            before=before,
            after={"status": WITHDRAWN, "national_codes_freed": rowcount(freed)},
        )


async def add_files(
    db: Database, who: Identity, achievement_id: int, files: list[dict[str, Any]], platform: str
) -> int:
    """Evidence for a report of the rep's agency (any status but withdrawn)."""
    async with db.write() as session:
        a = await session.get(Achievement, achievement_id)
        if who.role != "rep" or a is None or a.agency_id != who.agency_id or a.status == WITHDRAWN:
            raise NotAllowed(achievement_id)
        for file in files:
            session.add(Attachment(entity="achievement", entity_id=a.id, platform=platform, **file))
        audit.record(
            session,
            actor=audit.person_actor(who.person_id),
            actor_person_id=who.person_id,
            action="achievement.evidence",
            entity="achievement",
            entity_id=a.id,
            after={"files": len(files)},
        )
        return len(files)


async def agency_reports(
    session: AsyncSession, agency_id: int, year: int, limit: int = 10, offset: int = 0
) -> tuple[list[Achievement], int]:
    """A rep's list, a page of it and how many there are: the agency's reports of the year needing
    attention first (returned, pending), then the newest."""
    mine = and_(Achievement.agency_id == agency_id, Achievement.year == year, Achievement.status != WITHDRAWN)
    order: list[ColumnElement[Any]] = [
        (Achievement.status == RETURNED).desc(),
        (Achievement.status == PENDING).desc(),
        Achievement.id.desc(),
    ]
    rows = await session.execute(select(Achievement).where(mine).order_by(*order).offset(offset).limit(limit))
    total = (await session.execute(select(func.count()).select_from(Achievement).where(mine))).scalar_one()
    return list(rows.scalars()), total
