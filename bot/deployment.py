"""A deployment: every configured messenger served from one process, one database and one reminder tick,
by long polling or behind a webhook server."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
from collections.abc import Callable

from telegram.ext import Application

from bot import app as bot_app
from bot.config import Settings
from bot.runtime import system_clock
from bot.webhook import WebhookServer
from jobs import scheduler
from models.db import Database
from models.migrate import upgrade

log = logging.getLogger(__name__)


class Deployment:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], dt.datetime] = system_clock,
        application_class: type[Application] | None = None,  # type: ignore[type-arg]
    ) -> None:
        if settings.missing_tokens():
            raise ValueError(f"{settings.missing_tokens()[0]} is required")
        self.settings = settings
        self.db = Database(settings.database_url)
        self.apps = [
            bot_app.build_application(
                settings,
                platform=platform,
                db=self.db,
                clock=clock,
                application_class=application_class,
                schedule=False,
            )
            for platform in settings.platforms()
        ]
        # One tick for every messenger, on the first application's JobQueue.
        scheduler.install(self.apps[0], lambda: scheduler.targets_of(self.apps))
        self.web: WebhookServer | None = None

    def app(self, platform: str) -> Application:  # type: ignore[type-arg]
        return next(a for a in self.apps if a.bot_data["platform"] == platform)

    async def start(self, poll_timeout: float = 10) -> None:
        await upgrade(self.db.engine)
        for app in self.apps:
            await bot_app.start(app, poll_timeout)
        if self.settings.bot_mode == "webhook":
            self.web = WebhookServer(self.settings, self.db, self.apps)
            await self.web.start()
            await self.web.register()

    async def stop(self) -> None:
        if self.web is not None:
            await self.web.stop()
            self.web = None
        for app in reversed(self.apps):
            await bot_app.stop(app)
        await self.db.dispose()

    async def serve_forever(self) -> None:
        """Start, run until SIGINT or SIGTERM, then stop cleanly."""
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stopping.set)
        await self.start()
        try:
            await stopping.wait()
        finally:
            log.info("stopping")
            await self.stop()
