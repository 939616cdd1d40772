"""The roster in chat (/people): find people, deactivate or reactivate them, move a rep to another agency,
change a role. Supervisors act on the reps of their scope only; admins on anyone but themselves."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.access import NotAllowed
from models.db import Database
from models.people import Identity
from models.phone import normalize_phone
from models.schema import ROLES, Account, Agency, Person, Region
from models.stats import Scope
from models.textnorm import search_key, to_ascii_digits

LIST_LIMIT = 20


@dataclass(frozen=True)
class Entry:
    person: Person
    agency_name: str | None
    county_id: int | None  # the rep's agency's county
    scope_name: str | None
    platforms: tuple[str, ...]


def may_manage(actor: Identity, scope: Scope | None, person: Person, county_id: int | None) -> bool:
    """Admins manage anyone but themselves; a supervisor, the reps of agencies in their scope."""
    if person.id == actor.person_id:
        return False
    if actor.role == "admin":
        return True
    if actor.role != "supervisor" or scope is None or person.role != "rep":
        return False
    return county_id is not None and (scope.county_ids is None or county_id in scope.county_ids)


def _query():
    return (
        select(Person, Agency.name, Agency.county_id, Region.name)
        .outerjoin(Agency, Agency.id == Person.agency_id)
        .outerjoin(Region, Region.id == Person.scope_region_id)
    )


async def _entries(session: AsyncSession, rows: list) -> list[Entry]:
    ids = [row[0].id for row in rows]
    linked: dict[int, list[str]] = {}
    if ids:
        for person_id, platform in await session.execute(
            select(Account.person_id, Account.platform).where(Account.person_id.in_(ids))
        ):
            linked.setdefault(person_id, []).append(platform)
    return [
        Entry(person, agency, county, region, tuple(sorted(linked.get(person.id, []))))
        for person, agency, county, region in rows
    ]


async def search(session: AsyncSession, actor: Identity, scope: Scope | None, text: str) -> list[Entry]:
    """People the actor may manage whose name, agency or phone matches (all of them without a text)."""
    query = _query().order_by(Person.active.desc(), Agency.name, Person.name)
    if actor.role != "admin":
        if scope is None:
            return []
        query = query.where(Person.role == "rep")
        if scope.county_ids is not None:
            query = query.where(Agency.county_id.in_(scope.county_ids))
    digits = _phone_digits(text)
    key = search_key(text)
    rows = list((await session.execute(query)).all())
    if text.strip():
        rows = [
            row
            for row in rows
            if (key and (key in search_key(row[0].name) or (row[1] and key in search_key(row[1]))))
            or (len(digits) >= 4 and row[0].phone and digits in row[0].phone)
        ]
    rows = [row for row in rows if row[0].id != actor.person_id]
    return await _entries(session, rows[: LIST_LIMIT + 1])


def _phone_digits(text: str) -> str:
    """The digits to look for in a stored +989… phone, from any way of typing it: 0912…, ۰۹۱۲…, 912…,
    +98 912…, 0098…; a partial number (its start or any part) as typed, without a leading 0."""
    full = normalize_phone(text)
    if full is not None:
        return full[1:]
    digits = "".join(ch for ch in to_ascii_digits(text) if ch.isdigit())
    for prefix in ("0098", "0"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 4:
            return digits[len(prefix) :]
    return digits


async def load(session: AsyncSession, person_id: int) -> Entry | None:
    row = (await session.execute(_query().where(Person.id == person_id))).first()
    return (await _entries(session, [row]))[0] if row is not None else None


async def _guarded(session: AsyncSession, actor: Identity, scope: Scope | None, person_id: int) -> Person:
    row = (
        await session.execute(
            select(Person, Agency.county_id)
            .outerjoin(Agency, Agency.id == Person.agency_id)
            .where(Person.id == person_id)
            .with_for_update(of=Person)
        )
    ).first()
    if row is None or not may_manage(actor, scope, row[0], row[1]):
        raise NotAllowed(person_id)
    return row[0]


def _record(
    session: AsyncSession, actor: Identity, person: Person, action: str, before: dict, after: dict
) -> None:
    audit.record(
        session,
        actor=audit.person_actor(actor.person_id),
        actor_person_id=actor.person_id,
        action=action,
        entity="person",
        entity_id=person.id,
        before=before,
        after=after,
    )


async def set_active(
    db: Database, actor: Identity, scope: Scope | None, person_id: int, active: bool
) -> bool:
    """Deactivate (keeps history, loses access at once) or reactivate. False when it already was so."""
    async with db.write() as session:
        person = await _guarded(session, actor, scope, person_id)
        if person.active == active:
            return False
        person.active = active
        _record(
            session,
            actor,
            person,
            "person.activate" if active else "person.deactivate",
            {"active": not active},
            {"active": active},
        )
        return True


async def set_agency(
    db: Database, actor: Identity, scope: Scope | None, person_id: int, agency_id: int
) -> None:
    """Move a rep to another agency; a supervisor only within their scope (both ends)."""
    async with db.write() as session:
        person = await _guarded(session, actor, scope, person_id)
        agency = await session.get(Agency, agency_id)
        if agency is None or (
            actor.role != "admin"
            and (scope is None or (scope.county_ids is not None and agency.county_id not in scope.county_ids))
        ):
            raise NotAllowed(agency_id)
        if person.role != "rep":
            raise NotAllowed(person_id)
        before = {"agency_id": person.agency_id}
        person.agency_id = agency.id
        _record(session, actor, person, "person.agency", before, {"agency_id": agency.id})


class RoleProblem(Exception):
    """A role the person cannot take as they are: `reason` picks the message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def set_role(db: Database, actor: Identity, scope: Scope | None, person_id: int, role: str) -> None:
    """Admins only. A rep needs an agency; a supervisor needs a scope (their agency's county by default)."""
    if actor.role != "admin" or role not in ROLES:
        raise NotAllowed(person_id)
    async with db.write() as session:
        person = await _guarded(session, actor, scope, person_id)
        if person.role == role:
            return
        before = {
            "role": person.role,
            "agency_id": person.agency_id,
            "scope_region_id": person.scope_region_id,
        }
        if role == "rep" and person.agency_id is None:
            raise RoleProblem("needs_agency")
        if role == "supervisor" and person.scope_region_id is None:
            county = (
                await session.execute(select(Agency.county_id).where(Agency.id == person.agency_id))
            ).scalar_one_or_none()
            if county is None:
                raise RoleProblem("needs_scope")
            person.scope_region_id = county
        person.role = role
        after = {"role": role, "agency_id": person.agency_id, "scope_region_id": person.scope_region_id}
        _record(session, actor, person, "person.role", before, after)
