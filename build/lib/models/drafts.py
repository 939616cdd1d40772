"""Conversation drafts: answers accepted so far, kept in the database so a restart or another
instance continues where the user was."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from models.db import Database, rowcount
from models.schema import Draft, utcnow


async def get(session: AsyncSession, account_id: int, kind: str) -> Draft | None:
    return (
        await session.execute(select(Draft).where(Draft.account_id == account_id, Draft.kind == kind))
    ).scalar_one_or_none()


# Built once (as the identity's query): each runs on every step of every conversation.
_TABLE = cast(Table, Draft.__table__)  # a mapped class's table, typed as the Table it is
_OF_ACCOUNT = select(_TABLE).where(Draft.account_id == bindparam("account_id"))
_SAVE = (
    update(_TABLE)
    .where(Draft.id == bindparam("draft_id"), Draft.token == bindparam("draft_token"))
    .values(state=bindparam("new_state"), data=bindparam("new_data"), updated_at=bindparam("new_updated_at"))
)


async def of_account(conn: AsyncConnection, account_id: int) -> dict[str, Draft]:
    """Every open conversation of the account, by kind, read on a Core connection (as each update arrives):
    detached Draft objects (save and drop need only their id and token)."""
    rows = await conn.execute(_OF_ACCOUNT, {"account_id": account_id})
    return {row.kind: Draft(**row._mapping) for row in rows}


def newest_of(open_drafts: dict[str, Draft]) -> Draft | None:
    """The conversation the user touched last (as `newest`, from drafts already read)."""
    return max(open_drafts.values(), key=lambda d: (d.updated_at, d.id), default=None)


async def start(
    db: Database, account_id: int, kind: str, state: str, data: Mapping[str, Any] | None = None
) -> Draft:
    """Begin afresh (replacing any open draft of this kind); a new token invalidates old buttons."""
    async with db.write() as session:
        await session.execute(delete(Draft).where(Draft.account_id == account_id, Draft.kind == kind))
        draft = Draft(
            account_id=account_id, kind=kind, token=secrets.token_hex(3), state=state, data=dict(data or {})
        )
        session.add(draft)
        await session.flush()
        return draft


async def save(db: Database, draft: Draft, state: str, data: Mapping[str, Any]) -> bool:
    """Store the next state; False when the draft vanished meanwhile (confirmed or cancelled). One UPDATE,
    checked by its row count: a step's write is on every conversation's hot path."""
    at = utcnow()
    values = {
        "draft_id": draft.id,
        "draft_token": draft.token,
        "new_state": state,
        "new_data": dict(data),
        "new_updated_at": at,
    }
    async with db.write_core() as conn:
        result = await conn.execute(_SAVE, values)
        if not rowcount(result):
            return False
    draft.state, draft.data, draft.updated_at = state, dict(data), at
    return True


def newer_than(open_drafts: dict[str, Draft] | None, draft: Draft) -> bool:
    """Whether another open conversation was touched after this one: a typed answer would go to it."""
    return any(
        (d.updated_at, d.id) > (draft.updated_at, draft.id)
        for d in (open_drafts or {}).values()
        if d.id != draft.id
    )


async def drop(db: Database, account_id: int, kind: str) -> bool:
    async with db.write() as session:
        result = await session.execute(
            delete(Draft).where(Draft.account_id == account_id, Draft.kind == kind)
        )
        return bool(rowcount(result))


async def all_of(session: AsyncSession, account_id: int) -> dict[str, Draft]:
    """Every open conversation of the account, by kind (as `of_account`, in an ORM session)."""
    found = await session.execute(select(Draft).where(Draft.account_id == account_id))
    return {draft.kind: draft for draft in found.scalars()}


async def drop_all(db: Database, account_id: int) -> int:
    async with db.write() as session:
        result = await session.execute(delete(Draft).where(Draft.account_id == account_id))
        return int(rowcount(result) or 0)
