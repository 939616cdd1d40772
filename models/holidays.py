"""The holiday calendar (non-working days besides Fridays), edited by admins."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select

from models import audit
from models.db import Database
from models.schema import Holiday
from models.textnorm import clean_text


async def add(db: Database, day: dt.date, note: str, actor: str, actor_person_id: int | None = None) -> bool:
    """False when the day was already a holiday (its note is updated)."""
    async with db.write() as session:
        existing = await session.get(Holiday, day)
        if existing is not None:
            existing.note = clean_text(note)[:100]
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
        if result.rowcount:
            audit.record(
                session,
                actor=actor,
                actor_person_id=actor_person_id,
                action="holiday.remove",
                entity="holiday",
                entity_id=None,
                before={"day": day.isoformat()},
            )
        return bool(result.rowcount)


async def listed(db: Database, start: dt.date | None = None) -> list[Holiday]:
    async with db.session() as session:
        query = select(Holiday).order_by(Holiday.day)
        if start is not None:
            query = query.where(Holiday.day >= start)
        return list((await session.execute(query)).scalars())
