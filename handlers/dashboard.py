"""/dashboard: the supervisor's doors to the dashboard. On Telegram, a Mini App button (and the chat's menu
button set to it); on both messengers, a one-time link for a desktop browser, valid LINK_MINUTES, opening a
session of SESSION_HOURS. Bale's Mini App launch data has no signing scheme documented by Bale itself, so
Bale gets the link only. `/dashboard off` ends every link and session of the person."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, MenuButtonWebApp, Update, WebAppInfo

from handlers.common import chat_of, scope_or_say, send
from handlers.context import BotContext
from models import webauth

log = logging.getLogger(__name__)


async def command(update: Update, context: BotContext) -> None:
    rt, r = context.rt, context.r
    address = rt.settings.dashboard_address
    if address is None:
        await send(update, context, r("dashboard.off"))
        return
    if await scope_or_say(update, context) is None:
        return
    if [a.lower() for a in (context.args or [])[:1]] == ["off"]:
        ended = await webauth.revoke_all(rt.db, context.who.person_id, rt.clock())
        await send(update, context, r("dashboard.revoked", count=ended))
        return
    link = await webauth.issue_link(rt.db, context.who.account_id, context.who.person_id, rt.clock())
    rows = []
    mini_app = rt.platform == "telegram" and address.startswith("https://")
    if mini_app:
        rows.append([InlineKeyboardButton(r.raw("dashboard.open_app"), web_app=WebAppInfo(address))])
    rows.append([InlineKeyboardButton(r.raw("dashboard.open_browser"), url=f"{address}?t={link}")])
    text = r(
        "dashboard.intro_app" if mini_app else "dashboard.intro",
        minutes=webauth.LINK_MINUTES,
        hours=webauth.SESSION_HOURS,
    )
    await send(update, context, text, InlineKeyboardMarkup(rows))
    if mini_app:  # the chat's menu button opens it too, from now on
        try:
            button = MenuButtonWebApp(r.raw("dashboard.menu_button"), WebAppInfo(address))
            await context.bot.set_chat_menu_button(chat_id=chat_of(update), menu_button=button)
        except Exception as exc:  # a nicety: the buttons above do the same
            log.info("update %s: the menu button was not set: %s", update.update_id, exc)
