"""The achievement report: validation of each answer and the confirmed write."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit, nationalcode, totals
from models.access import AnswerError
from models.db import Database, rowcount
from models.jalali import DateError, check_report_date
from models.people import Identity
from models.schema import (
    SECTORS,
    Account,
    Achievement,
    AchievementVersion,
    AgencyTotal,
    Beneficiary,
    Commitment,
    Draft,
    utcnow,
)
from models.textnorm import clean_text, has_visible, strip_invisible, to_ascii_digits, visible_length

JOBS_MIN, JOBS_MAX = 1, 100_000
TITLE_MIN, TITLE_MAX = 3, 200
_TRACKING = re.compile(r"^[A-Za-z0-9\-/]{4,30}$")


def check_title(text: str) -> str:
    title = clean_text(text)
    if visible_length(title) < TITLE_MIN or not has_visible(title):
        raise AnswerError("too_short", minimum=TITLE_MIN)
    if len(title) > TITLE_MAX:
        raise AnswerError("too_long", maximum=TITLE_MAX, length=len(title))
    return title


def check_tracking(text: str) -> str:
    code = to_ascii_digits(strip_invisible(text)).strip().replace(" ", "")
    if not _TRACKING.fullmatch(code):
        raise AnswerError("bad_tracking")
    return code


@dataclass(frozen=True)
class CountCheck:
    """A count worth a second look: more than what is left of the agency's commitment, or more than a
    third of the whole. The figures the rep is shown."""

    target: int
    achieved: int  # reported so far this year, the report being corrected excepted

    @property
    def remaining(self) -> int:
        return max(self.target - self.achieved, 0)

    def exceeded_by(self, jobs: int) -> bool:
        return jobs > self.remaining or 3 * jobs > self.target


async def count_check(
    session: AsyncSession, agency_id: int, year: int, jobs: int, amend: int | None = None
) -> CountCheck | None:
    """The figures to confirm a count against; None when the count needs no question (or there is no
    commitment to hold it against)."""
    target = (
        await session.execute(
            select(Commitment.target).where(Commitment.agency_id == agency_id, Commitment.year == year)
        )
    ).scalar_one_or_none()
    if not target:
        return None
    total = await session.get(AgencyTotal, (agency_id, year))
    achieved = total.achieved if total else 0
    if amend is not None:
        corrected = await session.get(Achievement, amend)
        if corrected is not None and corrected.status != "withdrawn":
            achieved -= corrected.jobs
    check = CountCheck(target, max(achieved, 0))
    return check if check.exceeded_by(jobs) else None


async def tracking_owner(
    session: AsyncSession, code: str, year: int, other_than: int | None = None
) -> int | None:
    """The report of this year (of any agency, not withdrawn) that already carries this Rasad code."""
    query = select(Achievement.id).where(
        func.upper(Achievement.tracking_code) == code.upper(),
        Achievement.year == year,
        Achievement.status != "withdrawn",
    )
    if other_than is not None:
        query = query.where(Achievement.id != other_than)
    return (await session.execute(query.order_by(Achievement.id).limit(1))).scalar_one_or_none()


@dataclass
class CodesCheck:
    accepted: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    already_counted: list[str] = field(default_factory=list)
    repeated: int = 0


async def counted_codes(session: AsyncSession, year: int, codes: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(codes), 500):  # keep IN lists bounded
        chunk = codes[start : start + 500]
        rows = await session.execute(
            select(Beneficiary.national_code).where(
                Beneficiary.year == year, Beneficiary.national_code.in_(chunk)
            )
        )
        found.update(rows.scalars())
    return found


async def check_codes(session: AsyncSession, text: str, year: int, jobs: int) -> CodesCheck:
    """Split, validate and de-duplicate codes; those already counted this year are set aside."""
    result = CodesCheck()
    seen: set[str] = set()
    for token in nationalcode.split_codes(text):
        code = nationalcode.normalize(token)
        if not nationalcode.is_valid(code):
            result.invalid.append(token)
        elif code in seen:
            result.repeated += 1
        else:
            seen.add(code)
            result.accepted.append(code)
    if result.invalid:
        return result
    if not result.accepted:
        raise AnswerError("no_codes")
    taken = await counted_codes(session, year, result.accepted)
    result.already_counted = [c for c in result.accepted if c in taken]
    result.accepted = [c for c in result.accepted if c not in taken]
    if len(result.accepted) > jobs:
        raise AnswerError("more_codes_than_jobs", codes=len(result.accepted), jobs=jobs)
    return result


REQUIRED = ("sector", "jobs", "date", "title", "rasad")


def missing_fields(data: dict[str, Any]) -> list[str]:
    missing = [k for k in REQUIRED if k not in data]
    if data.get("rasad") and not data.get("tracking"):
        missing.append("tracking")
    return missing


DETAIL_FIELDS = ("name", "mobile", "gender", "age_group", "job_title")


async def _insert_beneficiaries(
    session: AsyncSession, achievement_id: int, year: int, codes: list[str], details: dict[str, Any]
) -> None:
    """One bulk insert (a spreadsheet brings up to 20,000 codes), with the details a file gave."""
    if not codes:
        return
    await session.execute(
        insert(Beneficiary),
        [
            {
                "achievement_id": achievement_id,
                "year": year,
                "national_code": code,
                **dict(zip(DETAIL_FIELDS, details.get(code) or [None] * len(DETAIL_FIELDS), strict=True)),
            }
            for code in codes
        ],
    )


class _Gone(Exception):
    """The draft was closed by a concurrent confirm: roll back."""


@dataclass(frozen=True)
class Submitted:
    achievement_id: int | None  # None: nothing to save (already saved, cancelled or replaced)
    conflicts: tuple[str, ...] = ()  # codes counted elsewhere meanwhile; nothing saved


def version_data(a: Achievement) -> dict[str, Any]:
    """The fields a review sees and a resubmission may change, as kept in each version."""
    return {
        "created_on": a.created_on.isoformat(),
        "jobs": a.jobs,
        "sector": a.sector,
        "title": a.title,
        "rasad_registered": a.rasad_registered,
        "tracking_code": a.tracking_code,
    }


def add_version(
    session: AsyncSession, a: Achievement, person_id: int, now: dt.datetime, note: str | None = None
) -> None:
    """Keep the achievement as it now stands, under its current version number."""
    session.add(
        AchievementVersion(
            achievement_id=a.id,
            version=a.version,
            person_id=person_id,
            data=version_data(a),
            note=note,
            created_at=now,
        )
    )


async def submit(
    db: Database, who: Identity, draft_id: int, token: str, today: dt.date, now: dt.datetime | None = None
) -> Submitted:
    """Write the achievement, its codes and its audit event, and close the draft, in one transaction.
    The year is the one the report was started in; its date is checked again against it."""
    try:
        async with db.write() as session:
            draft = await session.get(Draft, draft_id)
            if draft is None or draft.token != token or draft.account_id != who.account_id:
                return Submitted(None)
            data = dict(draft.data)
            if (
                missing_fields(data)
                or data["sector"] not in SECTORS
                or who.agency_id is None
                or "year" not in data
            ):
                raise AnswerError("incomplete")
            year = int(data["year"])
            try:
                check_report_date(dt.date.fromisoformat(data["date"]), year, today)
            except DateError as exc:
                raise AnswerError(f"date_{exc.reason}") from None
            tracking = data.get("tracking") if data["rasad"] else None
            owner = await tracking_owner(session, tracking, year) if tracking else None
            if owner is not None:
                raise AnswerError("tracking_taken", ref=owner)
            codes = list(data.get("codes", []))
            taken = await counted_codes(session, year, codes) if codes else set()
            if taken:
                draft.data = {**data, "codes": [c for c in codes if c not in taken]}
                return Submitted(None, tuple(sorted(taken)))
            achievement = Achievement(
                agency_id=who.agency_id,
                person_id=who.person_id,
                year=year,
                created_on=dt.date.fromisoformat(data["date"]),
                jobs=int(data["jobs"]),
                sector=data["sector"],
                title=data["title"],
                rasad_registered=bool(data["rasad"]),
                tracking_code=tracking,
            )
            if now is not None:  # the bot's clock (tests travel in time)
                achievement.created_at = achievement.updated_at = now
            session.add(achievement)
            await session.flush()
            await _insert_beneficiaries(session, achievement.id, year, codes, data.get("details") or {})
            add_version(session, achievement, who.person_id, achievement.created_at or now or utcnow())
            await totals.add(
                session,
                who.agency_id,
                year,
                achievement.created_on,
                achievement.jobs,
                achievement.jobs if achievement.rasad_registered else 0,
                achievement.created_at or now or utcnow(),
            )
            audit.record(
                session,
                actor=audit.person_actor(who.person_id),
                actor_person_id=who.person_id,
                action="achievement.create",
                entity="achievement",
                entity_id=achievement.id,
                after={
                    "agency_id": who.agency_id,
                    "year": year,
                    "created_on": data["date"],
                    "jobs": achievement.jobs,
                    "sector": achievement.sector,
                    "title": achievement.title,
                    "rasad_registered": achievement.rasad_registered,
                    "tracking_code": achievement.tracking_code,
                    "national_codes": len(codes),
                },
            )
            closed = await session.execute(delete(Draft).where(Draft.id == draft.id, Draft.token == token))
            if rowcount(closed) != 1:
                raise _Gone
            await session.execute(
                update(Account).where(Account.id == who.account_id).values(pending_receipt=achievement.id)
            )
            return Submitted(achievement.id)
    except _Gone:
        return Submitted(None)
    except IntegrityError:
        # Another report took one of the codes between our check and our commit (PostgreSQL race).
        async with db.write() as session:
            draft = await session.get(Draft, draft_id)
            if draft is None:
                return Submitted(None)
            codes = list(draft.data.get("codes", []))
            taken = await counted_codes(session, int(draft.data.get("year", 0)), codes)
            draft.data = {**draft.data, "codes": [c for c in codes if c not in taken]}
            return Submitted(None, tuple(sorted(taken)))


async def receipt_sent(db: Database, account_id: int, achievement_id: int) -> None:
    """The user has been told their report was saved: nothing left to tell on their next message."""
    async with db.write() as session:
        await session.execute(
            update(Account)
            .where(Account.id == account_id, Account.pending_receipt == achievement_id)
            .values(pending_receipt=None)
        )


@dataclass(frozen=True)
class Added:
    added: int
    conflicts: tuple[str, ...]
    jobs_before: int
    jobs_after: int


async def add_beneficiaries(
    db: Database,
    who: Identity,
    achievement_id: int,
    codes: list[str],
    details: dict[str, Any],
    now: dt.datetime,
) -> Added | None:
    """Attach codes from a spreadsheet to one of the agency's achievements; its jobs follow when the codes
    outnumber them. None when the achievement is not the rep's agency's. Codes taken meanwhile are refused."""
    try:
        return await _add_beneficiaries(db, who, achievement_id, codes, details, now)
    except IntegrityError:
        # A code was counted by another report between our check and our commit: nothing was added.
        async with db.session() as session:
            achievement = await session.get(Achievement, achievement_id)
            taken = await counted_codes(session, achievement.year if achievement else 0, codes)
        jobs = achievement.jobs if achievement else 0
        return Added(0, tuple(sorted(taken)), jobs, jobs)


async def _add_beneficiaries(
    db: Database,
    who: Identity,
    achievement_id: int,
    codes: list[str],
    details: dict[str, Any],
    now: dt.datetime,
) -> Added | None:
    async with db.write() as session:
        # Locked on PostgreSQL (SQLite's write transaction is exclusive): concurrent adds see each other.
        achievement = (
            await session.execute(
                select(Achievement)
                .where(Achievement.id == achievement_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()
        if (
            achievement is None
            or achievement.agency_id != who.agency_id
            or achievement.status not in EDITABLE
        ):
            return None
        taken = await counted_codes(session, achievement.year, codes)
        if taken:
            return Added(0, tuple(sorted(taken)), achievement.jobs, achievement.jobs)
        existing = (
            await session.execute(
                select(func.count())
                .select_from(Beneficiary)
                .where(Beneficiary.achievement_id == achievement.id)
            )
        ).scalar_one()
        await _insert_beneficiaries(session, achievement.id, achievement.year, codes, details)
        before = achievement.jobs
        after = max(before, existing + len(codes))
        if after != before:
            achievement.jobs, achievement.updated_at = after, now
            # A new version: a review of the old figure is refused, never applied to the new one.
            achievement.version += 1
            add_version(session, achievement, who.person_id, now)
            delta = after - before
            await totals.add(
                session,
                achievement.agency_id,
                achievement.year,
                achievement.created_on,
                delta,
                delta if achievement.rasad_registered else 0,
                now,
                reports=0,
            )
        audit.record(
            session,
            actor=audit.person_actor(who.person_id),
            actor_person_id=who.person_id,
            action="achievement.beneficiaries",
            entity="achievement",
            entity_id=achievement.id,
            before={"jobs": before, "national_codes": existing},
            after={"jobs": after, "national_codes": existing + len(codes)},
        )
        return Added(len(codes), (), before, after)


EDITABLE = ("reported", "returned")  # not yet approved, not withdrawn


async def editable_reports(
    session: AsyncSession, agency_id: int, year: int, limit: int = 8, offset: int = 0
) -> tuple[list[Achievement], int]:
    """A page of the agency's reports a rep may still change, newest first, and how many there are."""
    mine = (
        Achievement.agency_id == agency_id,
        Achievement.year == year,
        Achievement.status.in_(EDITABLE),
    )
    rows = await session.execute(
        select(Achievement)
        .where(*mine)
        .order_by(Achievement.created_at.desc(), Achievement.id.desc())
        .offset(offset)
        .limit(limit)
    )
    total = (await session.execute(select(func.count()).select_from(Achievement).where(*mine))).scalar_one()
    return list(rows.scalars()), total
