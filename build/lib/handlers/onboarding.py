"""Joining: /start, sharing one's own contact, or typing an invite code."""

from __future__ import annotations

import logging

from telegram import ReplyKeyboardRemove, Update

from handlers import commands_menu
from handlers.common import contact_keyboard, main_menu, role_name, scope_title, send
from handlers.context import BotContext
from handlers.identity import display_name
from models import people
from models.people import Identity, normalize_invite
from models.phone import mask_phone, normalize_phone
from models.stats import scope_of
from views.render import Markup

log = logging.getLogger(__name__)


async def start(update: Update, context: BotContext) -> None:
    who = context.identity
    if who is None:
        await send(update, context, context.r("onboarding.welcome"), contact_keyboard(context.r))
        return
    await send(update, context, context.r("onboarding.already_linked", name=who.name))
    await show_menu(update, context, who)


async def show_menu(update: Update, context: BotContext, who: Identity) -> None:
    r = context.r
    await send(update, context, r("general.menu"), main_menu(who, r, context.rt.settings.bot_ranking_public))


async def contact(update: Update, context: BotContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.contact is not None and user is not None
    r = context.r
    if message.contact.user_id != user.id:
        log.info("update %s: refused a contact that is not the sender's own", update.update_id)
        await send(update, context, r("onboarding.not_own_contact"), contact_keyboard(r))
        return
    phone = normalize_phone(message.contact.phone_number)
    if phone is None:
        await send(update, context, r("onboarding.bad_phone"), contact_keyboard(r))
        return
    rt = context.rt
    try:
        person = await people.link_by_phone(rt.db, rt.platform, user.id, message.chat_id, phone)
    except people.Deactivated:
        log.info("update %s: phone %s belongs to a deactivated person", update.update_id, mask_phone(phone))
        await unknown(update, context, "onboarding.deactivated")
        return
    if person is None:
        log.info("update %s: phone %s is not on the roster", update.update_id, mask_phone(phone))
        await unknown(update, context)
        return
    await welcome_linked(update, context)


async def unknown(update: Update, context: BotContext, key: str = "onboarding.unknown_phone") -> None:
    r = context.r
    custom = context.rt.settings.bot_help_contact
    contact_line = Markup(r.escape(custom)) if custom else r("onboarding.default_contact")
    await send(update, context, r(key, contact=contact_line), ReplyKeyboardRemove())


async def invite_code(update: Update, context: BotContext) -> None:
    """Text from someone not linked yet: an invite code, or a hint."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    r = context.r
    code = normalize_invite(message.text or "")
    if code is None:
        await send(update, context, r("onboarding.hint"), contact_keyboard(r))
        return
    rt = context.rt
    try:
        person = await people.redeem_invite(
            rt.db, code, rt.platform, user.id, message.chat_id, display_name(update)
        )
    except people.TooManyTries:
        log.warning("update %s: invite codes from user %s refused for an hour", update.update_id, user.id)
        await send(update, context, r("onboarding.invite_tries"))
        return
    if person is None:
        log.info("update %s: invite code refused", update.update_id)
        await send(update, context, r("onboarding.bad_invite"))
        return
    await welcome_linked(update, context)


async def welcome_linked(update: Update, context: BotContext) -> None:
    rt = context.rt
    async with rt.db.session() as session:
        user = update.effective_user
        assert user is not None  # a contact or an invite code: a user's message
        context.identity = who = await people.load_identity(session, rt.platform, user.id)
        assert who is not None
        scope = await scope_of(session, who) if who.role != "rep" else None
    r = context.r
    lines = [r("onboarding.linked", name=who.name, role=role_name(r, who.role))]
    if who.agency_name:
        lines.append(r("onboarding.linked_agency", agency=who.agency_name))
    if scope is not None:
        lines.append(r("onboarding.linked_scope", scope=scope_title(r, scope)))
    await send(update, context, r.join(lines), main_menu(who, r, rt.settings.bot_ranking_public))
    await commands_menu.publish_for(context, who)
