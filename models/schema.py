"""Tables. Times are stored as UTC; dates of events as Gregorian (shown as Jalali)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from models.textnorm import strip_controls

ROLES = ("rep", "supervisor", "admin")
SECTORS = ("agriculture", "industry", "services")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Naive UTC in the database (portable), aware UTC in Python."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use aware UTC")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return value.replace(tzinfo=dt.UTC) if value is not None else None


class CleanString(TypeDecorator[str]):
    """A string column that never stores a control character: NUL would fail every write on PostgreSQL,
    and the others break the workbook and the messengers' markup. Inputs are cleaned where they are
    checked; this is the floor under every path, including ones added later."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return strip_controls(value) if isinstance(value, str) else value


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Region(Base):
    """A province (parent None) or a county (parent = its province)."""

    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(CleanString(10))  # province | county
    name: Mapped[str] = mapped_column(CleanString(100))
    name_key: Mapped[str] = mapped_column(CleanString(100), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)


class Agency(Base):
    __tablename__ = "agencies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(CleanString(40), unique=True)
    name: Mapped[str] = mapped_column(CleanString(200))
    county_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Commitment(Base):
    __tablename__ = "commitments"
    __table_args__ = (UniqueConstraint("agency_id", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    target: Mapped[int] = mapped_column(Integer)


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(CleanString(200))
    phone: Mapped[str | None] = mapped_column(CleanString(20), unique=True)
    role: Mapped[str] = mapped_column(CleanString(12))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    scope_region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    locale: Mapped[str | None] = mapped_column(CleanString(5))
    # Removed from the roster: keeps history, loses access.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    nudges_muted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    digest_time: Mapped[str | None] = mapped_column(CleanString(5))  # "HH:MM" Tehran; None = the default
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Account(Base):
    """A messenger account linked to a person; user ids are per platform."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(CleanString(10))
    platform_user_id: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    linked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    blocked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # the user blocked the bot (403)
    # A report saved whose "saved" reply has not been sent yet (a crash in between): told on the next update.
    pending_receipt: Mapped[int | None] = mapped_column(Integer)


class Invite(Base):
    """One-time invite; only a hash of the code is kept."""

    __tablename__ = "invites"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(CleanString(64), unique=True)
    role: Mapped[str] = mapped_column(CleanString(12))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    scope_region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    used_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class Achievement(Base):
    __tablename__ = "achievements"
    __table_args__ = (
        Index("ix_achievements_agency_year_created", "agency_id", "year", "created_at", "id"),
        Index("ix_achievements_year_created", "year", "created_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    year: Mapped[int] = mapped_column(Integer)
    created_on: Mapped[dt.date] = mapped_column(Date)
    jobs: Mapped[int] = mapped_column(Integer)
    sector: Mapped[str] = mapped_column(CleanString(16))
    title: Mapped[str] = mapped_column(CleanString(200))
    rasad_registered: Mapped[bool] = mapped_column(Boolean, default=False)
    tracking_code: Mapped[str | None] = mapped_column(CleanString(40))
    status: Mapped[str] = mapped_column(
        CleanString(16), default="reported"
    )  # reported approved returned withdrawn
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    reviewed_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(CleanString(1000))  # why it was returned
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AchievementVersion(Base):
    """Each submitted version of an achievement's fields (the first report, each resubmission)."""

    __tablename__ = "achievement_versions"
    __table_args__ = (UniqueConstraint("achievement_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"))
    version: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(CleanString(1000))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Beneficiary(Base):
    """A national code counted once per year across all agencies."""

    __tablename__ = "beneficiaries"
    __table_args__ = (UniqueConstraint("year", "national_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    national_code: Mapped[str] = mapped_column(CleanString(10))
    # Optional details, when the codes came from a spreadsheet.
    name: Mapped[str | None] = mapped_column(CleanString(200))
    mobile: Mapped[str | None] = mapped_column(CleanString(20))
    gender: Mapped[str | None] = mapped_column(CleanString(10))
    age_group: Mapped[str | None] = mapped_column(CleanString(20))
    job_title: Mapped[str | None] = mapped_column(CleanString(100))


class AuditEvent(Base):
    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor: Mapped[str] = mapped_column(CleanString(60))
    action: Mapped[str] = mapped_column(CleanString(60))
    entity: Mapped[str] = mapped_column(CleanString(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Draft(Base):
    """A conversation in progress: answers accepted so far, written as each one is accepted."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("account_id", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(CleanString(20))
    token: Mapped[str] = mapped_column(CleanString(12))
    state: Mapped[str] = mapped_column(CleanString(30))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Holiday(Base):
    """Non-working days besides the weekend: the official calendar seeded each year, and what admins add."""

    __tablename__ = "holidays"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    note: Mapped[str] = mapped_column(CleanString(100), default="")
    official: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    estimated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # a lunar date


class Outbox(Base):
    """One scheduled message per (account, key); planning twice adds nothing. Rendered when sent."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("account_id", "key"),
        Index("ix_outbox_status_due", "status", "due_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    key: Mapped[str] = mapped_column(CleanString(80))  # deadline:1405:d7, nudge:2027-03-13, digest:…
    kind: Mapped[str] = mapped_column(CleanString(20))  # milestone | nudge | digest
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(
        CleanString(10), default="pending"
    )  # pending sending sent skipped failed blocked
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(CleanString(40))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(CleanString(200))


class AgencyTotal(Base):
    """Per agency and year, kept current in the same transaction as each achievement write, so a ranking
    page reads the scope's agencies only, however many achievements there are."""

    __tablename__ = "agency_totals"
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    achieved: Mapped[int] = mapped_column(Integer, default=0)
    registered: Mapped[int] = mapped_column(Integer, default=0)
    reports: Mapped[int] = mapped_column(Integer, default=0)
    # Of those, approved by the governorate (review of reports).
    approved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    approved_registered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_report_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class AgencyDay(Base):
    """Jobs per agency and creation day (for projections from recent pace, and monthly series)."""

    __tablename__ = "agency_days"
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    jobs: Mapped[int] = mapped_column(Integer, default=0)
    registered: Mapped[int] = mapped_column(Integer, default=0)


class CountyCommitment(Base):
    """A county's own commitment, where the province imports one (else its agencies' sum is used)."""

    __tablename__ = "county_commitments"
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[int] = mapped_column(Integer)


class Obstacle(Base):
    """What blocks an agency (موانع), raised by its rep; the thread with the governorate is kept."""

    __tablename__ = "obstacles"
    __table_args__ = (Index("ix_obstacles_agency_status", "agency_id", "status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    year: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(CleanString(20))
    description: Mapped[str] = mapped_column(CleanString(2000))
    help_needed: Mapped[str] = mapped_column(CleanString(1000))
    status: Mapped[str] = mapped_column(CleanString(12), default="open")  # open acknowledged resolved
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ObstacleMessage(Base):
    """One message of an obstacle's thread: a supervisor's reply or the rep's answer."""

    __tablename__ = "obstacle_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    obstacle_id: Mapped[int] = mapped_column(ForeignKey("obstacles.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    body: Mapped[str] = mapped_column(CleanString(2000))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attachment(Base):
    """Evidence: a platform's file id (valid for that platform's bot only) with what the user sent."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_entity", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(CleanString(20))  # obstacle | achievement
    entity_id: Mapped[int] = mapped_column(Integer)
    platform: Mapped[str] = mapped_column(CleanString(10))
    kind: Mapped[str] = mapped_column(CleanString(10))  # photo | document
    file_id: Mapped[str] = mapped_column(CleanString(250))
    file_unique_id: Mapped[str | None] = mapped_column(CleanString(100))
    name: Mapped[str | None] = mapped_column(CleanString(200))
    size: Mapped[int | None] = mapped_column(Integer)
    mime: Mapped[str | None] = mapped_column(CleanString(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Plan(Base):
    """A catch-up plan (برنامه جبرانی): per remaining Jalali month, jobs to create and to register.
    One approved plan per agency and year is active; the ones it replaced stay as history."""

    __tablename__ = "plans"
    __table_args__ = (Index("ix_plans_agency_year", "agency_id", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    year: Mapped[int] = mapped_column(Integer)
    # [[jalali month 1-12, jobs, registered], ...]
    months: Mapped[list[list[int]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(
        CleanString(12), default="submitted"
    )  # submitted approved returned replaced
    comment: Mapped[str | None] = mapped_column(CleanString(1000))
    decided_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportingYear(Base):
    """A reporting year opened by an operator (`rasad-bot year start`), with its commitments checked."""

    __tablename__ = "reporting_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by: Mapped[str] = mapped_column(CleanString(60))


class WebLogin(Base):
    """The dashboard's browser door: a one-time link the bot sent (kind "link"), and the session it opened
    (kind "session"), each bound to the account that asked and its person. Only a hash of the token is
    kept."""

    __tablename__ = "web_logins"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)  # the account's, when issued
    kind: Mapped[str] = mapped_column(CleanString(8))  # link | session
    token_hash: Mapped[str] = mapped_column(CleanString(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # a link, once opened
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
