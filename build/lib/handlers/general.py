"""/help, /lang, /cancel, the menu buttons, anything unexpected, and the one error handler."""

from __future__ import annotations

import dataclasses
import logging

from telegram import Update
from telegram.error import TelegramError

from handlers import (
    commands,
    commands_menu,
    conversation,
    imports,
    myreports,
    obstacles,
    onboarding,
    plans,
    report,
    review,
)
from handlers.common import answer_callback, contact_keyboard, inline, main_menu, requires, send
from handlers.context import BotContext
from handlers.conversations import CONVERSATIONS
from locales import LOCALES
from models import drafts, people
from models.db import storage_fault
from models.textnorm import named_reference, reference
from views.render import Markup, Renderer

log = logging.getLogger(__name__)


async def help_command(update: Update, context: BotContext) -> None:
    """The role's commands, from the command table, between the role's title and its closing words."""
    who, r = context.identity, context.r
    if who is None:
        await send(update, context, r("help.guest"), contact_keyboard(r))
        return
    public = context.rt.settings.bot_ranking_public
    lines = [r(f"help.title_{who.role}")]
    lines += [r(f"help.lines.{c.name}") for c in commands.for_role(who.role, public)]
    lines += [Markup(""), r(f"help.footer_{who.role}")]
    await send(update, context, r.join(lines), main_menu(who, r, public))


LANGUAGE_NAMES = {"fa": "fa", "فارسی": "fa", "persian": "fa", "en": "en", "english": "en", "انگلیسی": "en"}


async def lang_command(update: Update, context: BotContext) -> None:
    """/lang: the two languages as buttons; `/lang en` or `/lang fa` switches at once."""
    r = context.r
    wanted = LANGUAGE_NAMES.get(" ".join(context.args or []).strip().casefold())
    if wanted is not None and context.identity is not None:
        await _use_locale(update, context, wanted)
        return
    await send(
        update,
        context,
        r("general.lang_choose"),
        inline([[(r.raw("misc.lang_fa"), "lg|fa"), (r.raw("misc.lang_en"), "lg|en")]]),
    )


@requires()
async def lang_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    locale = (query.data or "").partition("|")[2]
    if locale not in LOCALES:
        await forged_callback(update, context)
        return
    await answer_callback(update)
    await _use_locale(update, context, locale)


async def _use_locale(update: Update, context: BotContext, locale: str) -> None:
    await people.set_locale(context.rt.db, context.who.person_id, locale)
    context.identity = who = dataclasses.replace(context.who, locale=locale)
    r = context.r
    await send(
        update, context, r("general.lang_set"), main_menu(who, r, context.rt.settings.bot_ranking_public)
    )
    await commands_menu.publish_for(context, who)


async def cancel_command(update: Update, context: BotContext) -> None:
    who = context.identity
    if who is None:
        await send(update, context, context.r("general.nothing_to_cancel"))
        return
    was_report = await context.draft(report.KIND) is not None
    dropped = await drafts.drop_all(context.rt.db, who.account_id)
    key = (
        ("report.cancelled" if was_report else "general.cancelled")
        if dropped
        else "general.nothing_to_cancel"
    )
    await send(
        update, context, context.r(key), main_menu(who, context.r, context.rt.settings.bot_ranking_public)
    )


async def unknown_command(update: Update, context: BotContext) -> None:
    await send(update, context, context.r("general.unknown_command"))


async def edited_message(update: Update, context: BotContext) -> None:
    await send(update, context, context.r("misc.edited"))


def _menu_command(text: str) -> commands.Command | None:
    """The command whose keyboard button, in any language, says this text."""
    for locale in LOCALES:
        r = Renderer("telegram", locale)
        for command in commands.commands():
            if command.keyboard and text == r.raw(f"menu.{command.name}"):
                return command
    return None


def _named_record(text: str) -> tuple[str, int] | None:
    number = reference(text, marked=True)
    return ("report", number) if number is not None else named_reference(text)


async def _open_record(update: Update, context: BotContext, kind: str, number: int) -> None:
    if kind == "obstacle":
        await obstacles.open_by_number(update, context, number)
    elif kind == "plan":
        await plans.open_by_number(update, context, number)
    elif context.who.role == "rep":
        await myreports.open_report(update, context, f"#{number}")
    else:
        await review.open_by_number(update, context, number)


async def route_message(update: Update, context: BotContext) -> None:
    """Any message no command took: onboarding input, a menu button, or an answer in a conversation."""
    message = update.effective_message
    assert message is not None
    who = context.identity
    if who is None:
        if message.text:
            await onboarding.invite_code(update, context)
        else:
            await send(update, context, context.r("onboarding.hint"), contact_keyboard(context.r))
        return
    command = _menu_command(message.text) if message.text else None
    if command is not None:
        await commands.guarded(command)(update, context)
        return
    if await conversation.route(update, context, CONVERSATIONS):  # an answer in the conversation open
        return
    named = _named_record(message.text or "")
    if named is not None:  # «#12», «مانع ۱۲», «برنامه ۱۲» alone: that record, for whoever may see it
        await _open_record(update, context, *named)
        return
    if message.text and await report.start_quick(update, context, message.text):
        return
    if message.document is not None and who.role == "rep":
        await send(update, context, context.r("beneficiaries.not_now"))
        return
    if message.document is not None and who.role == "admin":
        await imports.preview(update, context)  # a roster workbook: previewed, applied on Confirm
        return
    await send(
        update,
        context,
        context.r("general.not_understood"),
        main_menu(who, context.r, context.rt.settings.bot_ranking_public),
    )


async def forged_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    log.warning("update %s: unrecognised callback data %r", update.update_id, query.data if query else None)
    await answer_callback(update, context.r.raw("general.bad_button"), alert=True)


async def on_error(update: object, context: BotContext) -> None:
    """Log with the update id; tell the user in their language; never show a traceback."""
    update_id = update.update_id if isinstance(update, Update) else None
    fault = storage_fault(context.error)
    if fault is not None:  # the operator's problem, not a bug: one clear line, no traceback
        log.error("update %s: the database is %s: %s", update_id, fault.replace("_", "-"), context.error)
    else:
        log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if context.identity is None and update.effective_user is not None and fault != "unavailable":
        try:  # the error context is fresh: find the user's language again
            async with context.rt.db.session() as session:
                context.identity = await people.load_identity(
                    session, context.rt.platform, update.effective_user.id
                )
        except Exception:
            log.warning("could not load the identity for the error reply to update %s", update_id)
    try:
        await answer_callback(update)
        key = f"general.storage_{fault}" if fault else "general.error"
        await send(update, context, context.r(key, ref=context.r.code(update_id)))
    except TelegramError:
        log.warning("could not tell the user about the error in update %s", update_id)
