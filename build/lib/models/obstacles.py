"""Obstacles (موانع): raised by an agency's rep, answered by the governorate in a kept thread."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit, notices
from models.access import AnswerError, NotAllowed, check_text, may_see
from models.db import Database
from models.people import Identity
from models.schema import Agency, Attachment, Obstacle, ObstacleMessage, Person
from models.stats import Scope

CATEGORIES = ("financing", "permits", "land", "coordination", "legal", "other")
STATUSES = ("open", "acknowledged", "resolved")
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 2000
HELP_MIN, HELP_MAX = 3, 1000
REPLY_MIN, REPLY_MAX = 2, 2000
PAGE_SIZE = 10  # /obstacles, a page


@dataclass(frozen=True)
class View:
    obstacle: Obstacle
    agency_name: str
    county_id: int
    reporter: str
    thread: list[tuple[str, str, dt.datetime, str]]  # (author, role, when, text), oldest first
    attachments: list[Attachment]


async def load(session: AsyncSession, obstacle_id: int) -> View | None:
    row = (
        await session.execute(
            select(Obstacle, Agency.name, Agency.county_id, Person.name)
            .join(Agency, Agency.id == Obstacle.agency_id)
            .join(Person, Person.id == Obstacle.person_id)
            .where(Obstacle.id == obstacle_id)
        )
    ).first()
    if row is None:
        return None
    obstacle, agency_name, county_id, reporter = row
    thread = (
        await session.execute(
            select(ObstacleMessage, Person.name, Person.role)
            .join(Person, Person.id == ObstacleMessage.person_id)
            .where(ObstacleMessage.obstacle_id == obstacle_id)
            .order_by(ObstacleMessage.id)
        )
    ).all()
    files = (
        await session.execute(
            select(Attachment)
            .where(Attachment.entity == "obstacle", Attachment.entity_id == obstacle_id)
            .order_by(Attachment.id)
        )
    ).scalars()
    return View(
        obstacle,
        agency_name,
        county_id,
        reporter,
        [(name, role, m.created_at, m.body) for m, name, role in thread],
        list(files),
    )


async def create(
    db: Database, who: Identity, data: Mapping[str, Any], year: int, platform: str, now: dt.datetime
) -> int:
    """Save a confirmed obstacle with its evidence, audit it and queue the supervisors' notices, in one
    transaction. Returns the obstacle id."""
    if who.agency_id is None or data.get("category") not in CATEGORIES:
        raise AnswerError("incomplete")
    description = check_text(str(data.get("description", "")), DESCRIPTION_MIN, DESCRIPTION_MAX)
    help_needed = check_text(str(data.get("help", "")), HELP_MIN, HELP_MAX)
    async with db.write() as session:
        obstacle = Obstacle(
            agency_id=who.agency_id,
            person_id=who.person_id,
            year=year,
            category=data["category"],
            description=description,
            help_needed=help_needed,
            status="open",
        )
        obstacle.created_at = obstacle.updated_at = now  # the bot's clock
        session.add(obstacle)
        await session.flush()
        for file in data.get("files", []):
            session.add(Attachment(entity="obstacle", entity_id=obstacle.id, platform=platform, **file))
        audit.record(
            session,
            actor=audit.person_actor(who.person_id),
            actor_person_id=who.person_id,
            action="obstacle.create",
            entity="obstacle",
            entity_id=obstacle.id,
            after={
                "agency_id": who.agency_id,
                "category": obstacle.category,
                "files": len(data.get("files", [])),
            },
        )
        supervisors = await notices.supervisors_for_agency(session, who.agency_id)
        await notices.enqueue(
            session,
            supervisors,
            f"notice:obstacle:{obstacle.id}:new",
            {"t": "obstacle_new", "id": obstacle.id},
            now,
        )
        return obstacle.id


async def _guarded(session: AsyncSession, who: Identity, scope: Scope | None, obstacle_id: int) -> Obstacle:
    row = (
        await session.execute(
            select(Obstacle, Agency.county_id)
            .join(Agency, Agency.id == Obstacle.agency_id)
            .where(Obstacle.id == obstacle_id)
            .with_for_update()
        )
    ).first()
    if row is None or not may_see(who, scope, row[0].agency_id, row[1]):
        raise NotAllowed(obstacle_id)
    return row[0]


async def set_status(
    db: Database, who: Identity, scope: Scope | None, obstacle_id: int, status: str, now: dt.datetime
) -> tuple[bool, str]:
    """Acknowledge or resolve (supervisors and admins of the scope). Returns (changed, status now).
    The rep hears of it."""
    if who.role == "rep" or status not in ("acknowledged", "resolved"):
        raise NotAllowed(obstacle_id)
    async with db.write() as session:
        obstacle = await _guarded(session, who, scope, obstacle_id)
        if obstacle.person_id == who.person_id:  # nobody decides on what they raised (a rep since promoted)
            raise NotAllowed(obstacle_id)
        before = obstacle.status
        if before == "resolved" or before == status:
            return False, before
        obstacle.status = status
        if status == "resolved":
            obstacle.resolved_at = now
        audit.record(
            session,
            actor=audit.person_actor(who.person_id),
            actor_person_id=who.person_id,
            action=f"obstacle.{'acknowledge' if status == 'acknowledged' else 'resolve'}",
            entity="obstacle",
            entity_id=obstacle_id,
            before={"status": before},
            after={"status": status},
        )
        await notices.enqueue(
            session,
            [obstacle.person_id],
            f"notice:obstacle:{obstacle_id}:{status}",
            {"t": f"obstacle_{status}", "id": obstacle_id, "by": who.person_id},
            now,
        )
        return True, status


async def add_message(
    db: Database, who: Identity, scope: Scope | None, obstacle_id: int, text: str, now: dt.datetime
) -> int:
    """A supervisor's reply (to the rep) or the rep's answer (to the supervisors), kept in the thread."""
    body = check_text(text, REPLY_MIN, REPLY_MAX)
    async with db.write() as session:
        obstacle = await _guarded(session, who, scope, obstacle_id)
        if obstacle.status == "resolved":
            raise AnswerError("resolved")
        message = ObstacleMessage(obstacle_id=obstacle_id, person_id=who.person_id, body=body, created_at=now)
        session.add(message)
        governorate = who.role != "rep" and obstacle.person_id != who.person_id  # not the one who raised it
        if governorate and obstacle.status == "open":
            obstacle.status = "acknowledged"  # a reply acknowledges
        obstacle.updated_at = now
        await session.flush()
        audit.record(
            session,
            actor=audit.person_actor(who.person_id),
            actor_person_id=who.person_id,
            action="obstacle.message",
            entity="obstacle",
            entity_id=obstacle_id,
            after={"message_id": message.id, "length": len(body)},
        )
        if not governorate:
            to = await notices.supervisors_for_agency(session, obstacle.agency_id)
            to = [person for person in to if person != who.person_id]
        else:
            to = [obstacle.person_id]
        payload = {"t": "obstacle_message", "id": obstacle_id, "m": message.id}
        await notices.enqueue(session, to, f"notice:obstacle:{obstacle_id}:m{message.id}", payload, now)
        return message.id


async def open_list(
    session: AsyncSession, who: Identity, scope: Scope | None, offset: int = 0, limit: int = PAGE_SIZE
) -> tuple[list[tuple[Obstacle, str]], int]:
    """Open (not resolved) obstacles, oldest first, one page of them and how many there are: a rep's
    agency's, or a supervisor's scope's."""
    query = (
        select(Obstacle, Agency.name)
        .join(Agency, Agency.id == Obstacle.agency_id)
        .where(Obstacle.status != "resolved")
    )
    if who.role == "rep":
        query = query.where(Obstacle.agency_id == (who.agency_id or -1))
    elif scope is None:
        return [], 0
    elif scope.county_ids is not None:
        query = query.where(Agency.county_id.in_(scope.county_ids))
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    page = query.order_by(Obstacle.created_at, Obstacle.id).offset(offset).limit(limit)
    return [(o, name) for o, name in (await session.execute(page)).all()], int(total)
