"""/help, /lang, /cancel, the menu buttons, anything unexpected, and the one error handler."""

from __future__ import annotations

import dataclasses
import logging

from telegram import Update
from telegram.error import TelegramError

from bot.context import BotContext
from bot.render import Renderer
from handlers import (
    beneficiaries,
    commands_menu,
    dialog,
    exports,
    imports,
    myreports,
    obstacles,
    onboarding,
    plans,
    ranking,
    reminders,
    report,
    review,
    status,
)
from handlers.common import answer_callback, contact_keyboard, inline, main_menu, requires, send
from locales import LOCALES
from models import drafts, people
from models.db import storage_fault

log = logging.getLogger(__name__)


async def help_command(update: Update, context: BotContext) -> None:
    who = context.identity
    if who is None:
        await send(update, context, context.r("help.guest"), contact_keyboard(context.r))
        return
    key = who.role
    if who.role == "rep" and not context.rt.settings.bot_ranking_public:
        key = "rep_private"
    await send(
        update,
        context,
        context.r(f"help.{key}"),
        main_menu(who, context.r, context.rt.settings.bot_ranking_public),
    )


@requires()
async def lang_command(update: Update, context: BotContext) -> None:
    r = context.r
    await send(
        update,
        context,
        r("general.lang_choose"),
        inline([[(r.raw("misc.lang_fa"), "lg|fa"), (r.raw("misc.lang_en"), "lg|en")]]),
    )


@requires()
async def lang_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and context.identity is not None
    locale = (query.data or "").partition("|")[2]
    if locale not in LOCALES:
        await forged_callback(update, context)
        return
    await answer_callback(update)
    await people.set_locale(context.rt.db, context.identity.person_id, locale)
    context.identity = who = dataclasses.replace(context.identity, locale=locale)
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


MENU_ACTIONS = {
    "report": report.command,
    "status": status.command,
    "ranking": ranking.command,
    "help": help_command,
    "lang": lang_command,
    "summary": exports.summary_command,
    "chart": exports.chart_command,
    "export": exports.export_command,
    "digest": reminders.digest_command,
    "obstacle": obstacles.command,
    "plan": plans.command,
    "obstacles": obstacles.list_command,
    "myreports": myreports.command,
    "review": review.command,
}


def _menu_action(text: str) -> str | None:
    for locale in LOCALES:
        r = Renderer("telegram", locale)
        for name in MENU_ACTIONS:
            if text == r.raw(f"menu.{name}"):
                return name
    return None


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
    action = _menu_action(message.text) if message.text else None
    if action is not None:
        await MENU_ACTIONS[action](update, context)
        return
    if await dialog.route(update, context):  # an obstacle, a plan, a reply: when it is the newest
        return
    # A file goes to a waiting /beneficiaries first; anything else to an open report first.
    handlers = [beneficiaries.continue_with_message, report.continue_with_message]
    if message.document is None:
        handlers.reverse()
    for handler in handlers:
        if await handler(update, context):
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
