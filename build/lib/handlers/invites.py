"""/invite: a supervisor (for agencies of their scope) or an admin issues a one-time invite code for an
agency's new rep. Callback data iv|<agency id>, checked against the scope again."""

from __future__ import annotations

from telegram import Update

from handlers.agency import pick, picked
from handlers.common import requires, send
from handlers.context import BotContext
from models.people import INVITE_TTL, create_invite, format_invite
from models.schema import Agency

PREFIX = "iv"


async def command(update: Update, context: BotContext) -> None:
    await pick(update, context, PREFIX, "invites.usage", _issue)


@requires("supervisor", "admin")
async def callback(update: Update, context: BotContext) -> None:
    agency = await picked(update, context, PREFIX)
    if agency is not None:
        await _issue(update, context, agency)


async def _issue(update: Update, context: BotContext, agency: Agency) -> None:
    rt, r, who = context.rt, context.r, context.who
    code = await create_invite(rt.db, role="rep", agency_code=agency.code, actor_person_id=who.person_id)
    until = (rt.clock() + INVITE_TTL).astimezone(rt.settings.tz).date()
    text = r("invites.issued", agency=agency.name, code=r.code(format_invite(code)), until=until)
    await send(update, context, text)
