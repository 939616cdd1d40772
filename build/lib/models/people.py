"""Who is talking to the bot: accounts, people, linking by phone or invite, roles."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit, drafts
from models.db import Database, rowcount
from models.schema import Account, Agency, AuditEvent, Draft, Invite, Person, utcnow
from models.textnorm import clean_text, to_ascii_digits

INVITE_DIGITS = 10
INVITE_TTL = dt.timedelta(days=7)
# Wrong codes allowed per messenger account and hour: 10^10 codes stay out of reach of guessing.
INVITE_TRIES = 5
INVITE_TRY_WINDOW = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Identity:
    """A linked account and its person, loaded once per update."""

    account_id: int
    chat_id: int
    person_id: int
    name: str
    role: str
    agency_id: int | None
    agency_name: str | None
    scope_region_id: int | None
    locale: str | None
    blocked: bool = False  # a send failed with 403; any message from them proves they are back
    receipt: int | None = None  # a saved report they have not been told of (accounts.pending_receipt)


def _identities() -> Select[tuple[Any, ...]]:
    """Columns, not entities: this runs for every update, and rows build an Identity without the ORM."""
    return (
        select(
            Account.id.label("account_id"),
            Account.chat_id,
            Account.blocked_at,
            Account.pending_receipt,
            Person.id.label("person_id"),
            Person.name,
            Person.role,
            Person.agency_id,
            Person.scope_region_id,
            Person.locale,
            Agency.name.label("agency_name"),
        )
        .join(Person, Person.id == Account.person_id)
        .outerjoin(Agency, Agency.id == Person.agency_id)
        .where(Person.active.is_(True))
    )


# Built once: every update asks this, and building the statement cost more than running it.
_BY_USER = _identities().where(
    Account.platform == bindparam("platform"), Account.platform_user_id == bindparam("user_id")
)


async def load_identity(session: AsyncSession, platform: str, user_id: int) -> Identity | None:
    row = (await session.execute(_BY_USER, {"platform": platform, "user_id": user_id})).first()
    return _identity(row) if row is not None else None


async def arrival(db: Database, platform: str, user_id: int) -> tuple[Identity | None, dict[str, Draft]]:
    """Who is talking and their open conversations, read together as each update arrives: on a Core
    connection (no ORM session), as the hot path of every step of every conversation."""
    async with db.engine.connect() as conn:
        row = (await conn.execute(_BY_USER, {"platform": platform, "user_id": user_id})).first()
        if row is None:
            return None, {}
        return _identity(row), await drafts.of_account(conn, row.account_id)


async def load_identities(session: AsyncSession, account_ids: list[int]) -> dict[int, Identity]:
    """Active people's identities by account id (a batch of reminders)."""
    rows = await session.execute(_identities().where(Account.id.in_(account_ids)))
    return {row.account_id: _identity(row) for row in rows}


def _identity(row: Row[Any]) -> Identity:
    return Identity(
        account_id=row.account_id,
        chat_id=row.chat_id,
        person_id=row.person_id,
        name=row.name,
        role=row.role,
        agency_id=row.agency_id,
        agency_name=row.agency_name,
        scope_region_id=row.scope_region_id,
        locale=row.locale,
        blocked=row.blocked_at is not None,
        receipt=row.pending_receipt,
    )


async def _link(
    session: AsyncSession, person: Person, platform: str, user_id: int, chat_id: int, how: str
) -> None:
    """One account per person and platform. A verified phone wins: the person's older account on this
    platform loses access, and this messenger account moves to the person if it was linked elsewhere."""
    mine = (
        await session.execute(
            select(Account).where(Account.platform == platform, Account.platform_user_id == user_id)
        )
    ).scalar_one_or_none()
    theirs = (
        await session.execute(
            select(Account).where(Account.platform == platform, Account.person_id == person.id)
        )
    ).scalar_one_or_none()
    before = None
    if theirs is not None and theirs is not mine:
        before = {"platform_user_id": theirs.platform_user_id, "person_id": theirs.person_id}
        await session.delete(theirs)
        await session.flush()
    if mine is not None:
        before = before or {"platform_user_id": user_id, "person_id": mine.person_id}
        mine.person_id, mine.chat_id, mine.linked_at, mine.blocked_at = person.id, chat_id, utcnow(), None
        account = mine
    else:
        account = Account(platform=platform, platform_user_id=user_id, chat_id=chat_id, person_id=person.id)
        session.add(account)
    await session.flush()
    audit.record(
        session,
        actor=audit.person_actor(person.id),
        actor_person_id=person.id,
        action=f"account.link.{how}",
        entity="account",
        entity_id=account.id,
        before=before,
        after={"platform": platform, "platform_user_id": user_id, "person_id": person.id},
    )


class Deactivated(Exception):
    """The phone is a person's whose access was ended (deactivated): they are told so, not "unknown"."""


async def link_by_phone(db: Database, platform: str, user_id: int, chat_id: int, phone: str) -> Person | None:
    """Link the account to the person with this (normalised) phone; None when nobody has it, Deactivated
    when its person's access was ended."""
    async with db.write() as session:
        person = (await session.execute(select(Person).where(Person.phone == phone))).scalar_one_or_none()
        if person is None:
            return None
        if not person.active:
            raise Deactivated(person.id)
        await _link(session, person, platform, user_id, chat_id, "phone")
        return person


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalize_invite(text: str) -> str | None:
    digits = "".join(ch for ch in to_ascii_digits(text) if ch.isdigit())
    stripped = "".join(ch for ch in to_ascii_digits(text) if not ch.isspace() and ch not in "-_")
    return digits if len(digits) == INVITE_DIGITS and stripped == digits else None


def format_invite(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


async def create_invite(
    db: Database,
    *,
    role: str,
    agency_code: str | None = None,
    scope_region_id: int | None = None,
    actor_person_id: int | None = None,
) -> str:
    """Return a new one-time code (shown once; only its hash is stored)."""
    async with db.write() as session:
        agency_id = None
        if agency_code is not None:
            agency = (
                await session.execute(select(Agency).where(Agency.code == agency_code))
            ).scalar_one_or_none()
            if agency is None:
                raise LookupError(agency_code)
            agency_id = agency.id
        code = "".join(secrets.choice("0123456789") for _ in range(INVITE_DIGITS))
        invite = Invite(
            code_hash=_hash(code),
            role=role,
            agency_id=agency_id,
            scope_region_id=scope_region_id,
            expires_at=utcnow() + INVITE_TTL,
        )
        session.add(invite)
        await session.flush()
        audit.record(
            session,
            actor=audit.person_actor(actor_person_id) if actor_person_id else "cli",
            actor_person_id=actor_person_id,
            action="invite.create",
            entity="invite",
            entity_id=invite.id,
            after={"role": role, "agency_id": agency_id, "expires_at": invite.expires_at.isoformat()},
        )
        return code


class TooManyTries(Exception):
    """Too many wrong invite codes from one account lately: no code is checked until the hour passes."""


async def redeem_invite(
    db: Database, code: str, platform: str, user_id: int, chat_id: int, display_name: str
) -> Person | None:
    """Create and link a person from an unused, unexpired invite; None when the code is not valid. Each
    wrong code is an audit event; after INVITE_TRIES in an hour the account's codes are not checked."""
    actor = f"{platform}:{user_id}"
    async with db.write() as session:
        tries = (
            await session.execute(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.action == "invite.fail",
                    AuditEvent.actor == actor,
                    AuditEvent.at > utcnow() - INVITE_TRY_WINDOW,
                )
            )
        ).scalar_one()
        if tries >= INVITE_TRIES:
            raise TooManyTries
        invite = (
            await session.execute(select(Invite).where(Invite.code_hash == _hash(code)))
        ).scalar_one_or_none()
        if invite is None or invite.used_at is not None or invite.expires_at < utcnow():
            audit.record(session, actor=actor, action="invite.fail", entity="invite", entity_id=None)
            return None
        # Claim the code atomically: of two concurrent redeemers, only one updates the row.
        claimed = await session.execute(
            update(Invite).where(Invite.id == invite.id, Invite.used_at.is_(None)).values(used_at=utcnow())
        )
        if rowcount(claimed) != 1:
            return None
        person = Person(
            name=clean_text(display_name)[:200] or "-",
            role=invite.role,
            agency_id=invite.agency_id,
            scope_region_id=invite.scope_region_id,
        )
        session.add(person)
        await session.flush()
        invite.used_by_person_id = person.id
        audit.record(
            session,
            actor=audit.person_actor(person.id),
            actor_person_id=person.id,
            action="invite.redeem",
            entity="invite",
            entity_id=invite.id,
            after={"person_id": person.id, "role": person.role, "agency_id": person.agency_id},
        )
        await _link(session, person, platform, user_id, chat_id, "invite")
        return person


async def ensure_admin(db: Database, platform: str, user_id: int, chat_id: int, display_name: str) -> None:
    """BOT_ADMINS are admins from their first message, without an import."""
    async with db.write() as session:
        exists = (
            await session.execute(
                select(Account.id).where(Account.platform == platform, Account.platform_user_id == user_id)
            )
        ).first()
        if exists:
            return
        person = Person(name=clean_text(display_name)[:200] or "admin", role="admin")
        session.add(person)
        await session.flush()
        audit.record(
            session,
            actor="config:BOT_ADMINS",
            action="person.create",
            entity="person",
            entity_id=person.id,
            after={"role": "admin", "platform_user_id": user_id},
        )
        await _link(session, person, platform, user_id, chat_id, "config")


async def unblock(db: Database, account_id: int) -> None:
    async with db.write() as session:
        await session.execute(update(Account).where(Account.id == account_id).values(blocked_at=None))


async def _update_person(db: Database, person_id: int, action: str, **values: object) -> None:
    async with db.write() as session:
        person = await session.get(Person, person_id)
        if person is None:
            return
        before = {key: getattr(person, key) for key in values}
        for key, value in values.items():
            setattr(person, key, value)
        audit.record(
            session,
            actor=audit.person_actor(person_id),
            actor_person_id=person_id,
            action=action,
            entity="person",
            entity_id=person_id,
            before=before,
            after=dict(values),
        )


async def set_locale(db: Database, person_id: int, locale: str) -> None:
    await _update_person(db, person_id, "person.locale", locale=locale)


async def update_preferences(db: Database, person_id: int, **values: object) -> None:
    """nudges_muted / digest_time."""
    await _update_person(db, person_id, "person.preferences", **values)
