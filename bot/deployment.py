"""A deployment: every configured messenger served from one process, one database and one reminder tick,
by long polling or behind a webhook server. A messenger that cannot be reached at start (Telegram is
often filtered in Iran) does not keep the other from serving: it is retried in the background."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import logging
import signal
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram import Bot
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application

from bot import app as bot_app
from bot.dashboard import DashboardServer
from bot.webhook import WebhookServer
from jobs import scheduler
from models.db import Database
from models.migrate import upgrade
from models.runtime import system_clock
from models.settings import ConfigError, Settings

log = logging.getLogger(__name__)
RETRY_SECONDS = (5, 15, 30, 60)


class Deployment:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], dt.datetime] = system_clock,
        application_class: type[Application] | None = None,
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
        self.started: list[Application] = []
        self.web: WebhookServer | None = None
        self.dashboard: DashboardServer | None = None
        self.clock = clock
        self._ticker = scheduler.Ticker(lambda: scheduler.targets_of(self.started))
        self._drainer = scheduler.Ticker(lambda: scheduler.targets_of(self.started), plan=False)
        self._tasks: list[asyncio.Task[None]] = []
        # The deployment-wide tick, on APScheduler (the design card's scheduler; PTB's JobQueue is one per
        # application, and several messengers share this one tick).
        self._schedule: AsyncIOScheduler | None = None

    def _bots(self) -> dict[str, Bot]:
        """The started messengers' bots (the dashboard sends the workbook into a chat through them)."""
        return {app.bot_data["platform"]: app.bot for app in self.started}

    def app(self, platform: str) -> Application:
        return next(a for a in self.apps if a.bot_data["platform"] == platform)

    async def start(self, poll_timeout: float = 10, *, keep_trying: bool = False) -> None:
        """Start every messenger. keep_trying: one that cannot be reached now is retried in the background
        while the others serve (a refused token still stops the start: that needs the operator)."""
        await upgrade(self.db.engine)
        try:
            if self.settings.bot_mode == "webhook":
                self.web = WebhookServer(self.settings, self.db, self.clock)
                await self.web.start()
            elif self.settings.dashboard_address is not None:
                self.dashboard = DashboardServer(self.settings, self.db, self.clock, self._bots)
                await self.dashboard.start()
            for app in self.apps:
                try:
                    await self._start_one(app, poll_timeout)
                except NetworkError as exc:
                    if not keep_trying:
                        raise
                    log.error("%s unreachable at start (%s); retrying in the background", _name(app), exc)
                    self._tasks.append(asyncio.create_task(self._keep_trying(app, poll_timeout)))
        except BaseException:
            await self.stop()
            raise
        if self.settings.scheduler_tick_seconds > 0:
            self._schedule = AsyncIOScheduler(timezone=self.settings.tz)
            self._schedule.add_job(
                self._ticker.__call__,  # the bound coroutine function: an instance would run in a thread
                "interval",
                seconds=self.settings.scheduler_tick_seconds,
                next_run_time=dt.datetime.now(self.settings.tz)
                + dt.timedelta(seconds=min(5, self.settings.scheduler_tick_seconds)),
                max_instances=1,  # a slow fan-out is not overlapped by the next tick (Ticker also guards)
                coalesce=True,
                misfire_grace_time=None,
            )
            if scheduler.elects_drainer(self.settings):
                self._schedule.add_job(
                    self._drainer.__call__,
                    "interval",
                    seconds=scheduler.LEAD_SECONDS,
                    max_instances=1,
                    coalesce=True,
                    misfire_grace_time=None,
                )
            self._schedule.start()

    async def _start_one(self, app: Application, poll_timeout: float) -> None:
        try:
            await bot_app.start(app, poll_timeout)
        except InvalidToken:
            await bot_app.stop(app)
            raise ConfigError(
                f"the {_name(app)} Bot API refused the token (check it and the API URL)"
            ) from None
        except BaseException:
            await bot_app.stop(app)
            raise
        self.started.append(app)
        if self.web is not None:
            await self.web.serve(app)

    async def _keep_trying(self, app: Application, poll_timeout: float) -> None:
        for attempt in itertools.count():
            await asyncio.sleep(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])
            try:
                await self._start_one(app, poll_timeout)
            except NetworkError as exc:
                log.warning("%s still unreachable: %s", _name(app), exc)
                continue
            except ConfigError as exc:
                log.error("%s", exc)
                return
            log.info("%s reachable again: serving it", _name(app))
            return

    async def stop(self) -> None:
        if self._schedule is not None:  # the tick first: no fan-out through a bot being shut down
            self._schedule.shutdown(wait=False)
            self._schedule = None
            await self._ticker.halt()
            await self._drainer.halt()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self.web is not None:
            await self.web.stop()
            self.web = None
        if self.dashboard is not None:
            await self.dashboard.stop()
            self.dashboard = None
        for app in reversed(self.apps):
            await bot_app.stop(app)
        self.started.clear()
        await self.db.dispose()

    async def serve_forever(self) -> None:
        """Start, run until SIGINT or SIGTERM, then stop cleanly."""
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stopping.set)
        await self.start(keep_trying=True)
        try:
            await stopping.wait()
        finally:
            log.info("stopping")
            await self.stop()


def _name(app: Application) -> str:
    return str(app.bot_data["platform"]).capitalize()
