"""The platform's command menu (setMyCommands). Bale may not support it: failures are logged, never fatal."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import BadRequest, InvalidToken, TelegramError
from telegram.ext import Application

from handlers import commands
from handlers.context import BotContext
from locales import LOCALES
from models.people import Identity
from views.render import Renderer

log = logging.getLogger(__name__)
_UNSUPPORTED = "command_menu_unsupported"


def commands_for(
    role: str | None, locale: str, platform: str, ranking_public: bool = True
) -> list[BotCommand]:
    r = Renderer(platform, locale)
    return [BotCommand(c.name, r.raw(f"commands.{c.name}")) for c in commands.for_role(role, ranking_public)]


def _refused(bot_data: dict, platform: str, what: str, exc: TelegramError) -> None:
    log.warning("setMyCommands (%s) failed: %s", what, exc)
    lacking = isinstance(exc, BadRequest | InvalidToken) or "(501)" in exc.message
    if platform == "bale" and lacking:  # Bale has no command menu: stop asking until the next start
        bot_data[_UNSUPPORTED] = True


async def publish_default(application: Application) -> None:
    rt = application.bot_data["rt"]
    for locale in LOCALES:
        if application.bot_data.get(_UNSUPPORTED):
            return
        language = None if locale == rt.settings.bot_default_locale else locale
        try:
            await application.bot.set_my_commands(
                commands_for(None, locale, rt.platform),
                scope=BotCommandScopeDefault(),
                language_code=language,
            )
        except TelegramError as exc:
            _refused(application.bot_data, rt.platform, f"default, {locale}", exc)


async def publish_for(context: BotContext, who: Identity) -> None:
    rt = context.rt
    if context.bot_data.get(_UNSUPPORTED):
        return
    commands = commands_for(who.role, context.locale, rt.platform, rt.settings.bot_ranking_public)
    try:
        await context.bot.set_my_commands(commands, scope=BotCommandScopeChat(who.chat_id))
    except TelegramError as exc:
        _refused(context.bot_data, rt.platform, "chat", exc)
