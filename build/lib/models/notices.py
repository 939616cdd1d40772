"""Notices: messages one person's action sends to others (a new obstacle to the governorate, a reply to
the rep). Written to the outbox in the same transaction as the action, so a crash never loses one; the
sender delivers them at once (handlers kick it) and renders them when sent, on every linked messenger."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.schema import Account, Agency, Outbox, Person, Region

KIND = "notice"


async def supervisors_for_agency(session: AsyncSession, agency_id: int) -> list[int]:
    """The agency's county supervisors; the province's when the county has none. Active people only."""
    county_id = (await session.execute(select(Agency.county_id).where(Agency.id == agency_id))).scalar_one()
    province_id = (await session.execute(select(Region.parent_id).where(Region.id == county_id))).scalar()
    for region in (county_id, province_id):
        if region is None:
            continue
        ids = list(
            (
                await session.execute(
                    select(Person.id).where(
                        Person.role == "supervisor", Person.active.is_(True), Person.scope_region_id == region
                    )
                )
            ).scalars()
        )
        if ids:
            return ids
    return []


async def enqueue(
    session: AsyncSession, person_ids: list[int], key: str, payload: dict[str, object], now: dt.datetime
) -> int:
    """One outbox row per linked account of each person; a key already planned adds nothing."""
    if not person_ids:
        return 0
    accounts = (
        await session.execute(
            select(Account.id, Account.person_id).where(
                Account.person_id.in_(person_ids), Account.blocked_at.is_(None)
            )
        )
    ).all()
    if not accounts:
        return 0
    rows = [
        {
            "account_id": account_id,
            "person_id": person_id,
            "key": key[:80],
            "kind": KIND,
            "payload": payload,
            "due_at": now,
            "status": "pending",
            "attempts": 0,
        }
        for account_id, person_id in accounts
    ]
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(Outbox).values(rows).on_conflict_do_nothing(index_elements=["account_id", "key"])
    )
    return len(rows)
