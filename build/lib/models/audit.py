"""Audit trail: one event per write, in the same transaction as the write."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.schema import AuditEvent


def record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    actor_person_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            actor=actor,
            actor_person_id=actor_person_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
        )
    )


def person_actor(person_id: int) -> str:
    return f"person:{person_id}"
