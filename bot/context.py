"""Typed callback context: the runtime, and who is talking, loaded once per update."""

from __future__ import annotations

from telegram.ext import Application, CallbackContext, ExtBot

from bot.render import Renderer
from bot.runtime import Runtime
from models.people import Identity


class BotContext(CallbackContext[ExtBot[None], dict, dict, dict]):  # type: ignore[type-arg]
    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None):  # type: ignore[type-arg]
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.identity: Identity | None = None
        self._renderer: Renderer | None = None

    @property
    def rt(self) -> Runtime:
        return self.application.bot_data["rt"]

    @property
    def locale(self) -> str:
        if self.identity is not None and self.identity.locale:
            return self.identity.locale
        return self.rt.settings.bot_default_locale

    @property
    def r(self) -> Renderer:
        if self._renderer is None or self._renderer.locale != self.locale:
            self._renderer = Renderer(self.rt.platform, self.locale)
        return self._renderer
