"""Buttons on saved records (views.buttons.RecordButton: obstacles, plans, reports, people). Every press
is read, its record loaded and the presser's right to it checked here, the same way for each kind of
record, before the action runs; a forged or stale press is refused and logged."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from handlers.common import answer_callback, send
from handlers.context import BotContext
from models.people import Identity
from models.stats import Scope, scope_of
from views.buttons import RecordButton

log = logging.getLogger(__name__)
V = TypeVar("V")


@dataclass(frozen=True)
class Records(Generic[V]):
    prefix: str
    actions: Collection[str]
    load: Callable[[AsyncSession, int], Awaitable[V | None]]
    visible: Callable[[Identity, Scope | None, V], bool]  # whether this person may see (and act on) it
    arg: str = r"[0-9a-z_]{0,20}"  # what a button's argument may be (digits where it is a number)
    year: Callable[[V], int] | None = None  # the reporting year a record belongs to (records named by number)


@dataclass(frozen=True)
class Pressed(Generic[V]):
    action: str
    id: int
    arg: str
    record: V
    scope: Scope | None  # the presser's


async def pressed(update: Update, context: BotContext, records: Records[V]) -> Pressed[V] | None:
    """The press, its record and the presser's scope; None (the user told) when it may not be acted on."""
    query = update.callback_query
    assert query is not None  # registered as a CallbackQueryHandler
    button = RecordButton.unpack(query.data)
    if (
        button is None
        or button.prefix != records.prefix
        or button.action not in records.actions
        or re.fullmatch(records.arg, button.arg) is None
    ):
        await refuse(update, context)
        return None
    async with context.rt.db.session() as session:
        scope = await scope_of(session, context.who)
        record = await records.load(session, button.id)
    if record is None or not records.visible(context.who, scope, record):
        await refuse(update, context)
        return None
    return Pressed(button.action, button.id, button.arg, record, scope)


async def by_number(
    update: Update, context: BotContext, records: Records[V], number: int, missing: str
) -> V | None:
    """A record named by its number (typed alone) when the person may see it and it is of this reporting
    year (an earlier year's stays as it was); None, the user told `missing`, otherwise."""
    async with context.rt.db.session() as session:
        scope = await scope_of(session, context.who)
        record = await records.load(session, number)
    if record is not None and records.visible(context.who, scope, record):
        if records.year is None or records.year(record) == context.rt.year:
            return record
    await send(update, context, context.r(missing, ref=context.r.code(number)))
    return None


async def refuse(update: Update, context: BotContext) -> None:
    """A button naming a record the person may not touch (forged, or from before a role change)."""
    query, who = update.callback_query, context.identity
    data = query.data if query is not None else None
    log.warning(
        "update %s: refused button %r for person %s", update.update_id, data, who.person_id if who else None
    )
    await answer_callback(update, context.r.raw("general.bad_button"), alert=True)
