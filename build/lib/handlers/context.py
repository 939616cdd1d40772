"""Typed callback context: the runtime, and who is talking, loaded once per update."""

from __future__ import annotations

from telegram.ext import Application, CallbackContext, ExtBot

from models import drafts
from models.people import Identity
from models.runtime import Runtime
from models.schema import Draft
from views.render import Renderer


class BotContext(CallbackContext[ExtBot[None], dict, dict, dict]):
    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None):
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.identity: Identity | None = None
        # The user's open conversations as they stood when the update arrived, read with the identity.
        self.drafts: dict[str, Draft] | None = None
        self._renderer: Renderer | None = None

    @property
    def who(self) -> Identity:
        """Who is talking, in a handler behind a role check (which lets only a linked person in)."""
        if self.identity is None:
            raise RuntimeError("no identity: this handler must sit behind a role check")
        return self.identity

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

    async def draft(self, kind: str) -> Draft | None:
        """The open `kind` conversation as it stood when this update arrived: what a button or an answer
        belongs to. A handler that wrote drafts since and must see that reads the database itself."""
        if self.drafts is not None:
            return self.drafts.get(kind)
        assert self.identity is not None
        async with self.rt.db.session() as session:
            return await drafts.get(session, self.identity.account_id, kind)
