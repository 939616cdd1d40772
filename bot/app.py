"""Application factory: one PTB Application per messenger, wired to the database and the handlers."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot.lanes import LaneRateLimiter
from bot.request import PlatformRequest
from bot.transport import redact
from bot.updates import PerUserUpdateProcessor
from handlers import commands_menu
from handlers.context import BotContext
from handlers.flood import FloodGate
from handlers.registry import register
from jobs import scheduler
from models import stats
from models.db import Database
from models.lead import Lead
from models.migrate import upgrade
from models.runtime import Runtime, system_clock
from models.settings import PlatformConfig, Settings

log = logging.getLogger(__name__)


def build_application(
    settings: Settings,
    *,
    platform: PlatformConfig | None = None,
    db: Database | None = None,
    clock: Callable[[], dt.datetime] = system_clock,
    application_class: type[Application] | None = None,
    schedule: bool = True,
) -> Application:
    """`db` given: shared with other applications, migrated and closed by its owner. `schedule`: run the
    reminder tick on this application's JobQueue (a deployment of several messengers runs one tick)."""
    if platform is None:
        if settings.missing_tokens():
            raise ValueError(f"{settings.missing_tokens()[0]} is required")
        platform = settings.platforms()[0]
    requests = (
        PlatformRequest(platform.name, connection_pool_size=64, proxy=platform.proxy),
        PlatformRequest(platform.name, connection_pool_size=1, proxy=platform.proxy),
    )
    builder = (
        ApplicationBuilder()
        .token(platform.token)
        .base_url(platform.base_url)
        .base_file_url(platform.file_url)
        .context_types(ContextTypes(context=BotContext))
        .defaults(Defaults(tzinfo=settings.tz, do_quote=False))
        .request(requests[0])
        .get_updates_request(requests[1])
        .rate_limiter(
            LaneRateLimiter(settings.reply_rate, settings.reply_rate, broadcast_rate=settings.send_rate)
        )
        .concurrent_updates(PerUserUpdateProcessor(gate=FloodGate.from_settings(settings)))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.bot_mode == "webhook":
        builder = builder.updater(None)  # updates arrive through bot.webhook, not getUpdates
    if application_class is not None:
        builder = builder.application_class(application_class)
    app = builder.build()
    app.bot_data.update(
        settings=settings, platform=platform.name, clock=clock, shared_db=db, requests=requests
    )
    register(app)
    if schedule:
        scheduler.install(app, lambda: scheduler.targets_of([app]))
    return app


async def _post_init(app: Application) -> None:
    settings: Settings = app.bot_data["settings"]
    db = app.bot_data["shared_db"]
    if db is None:
        db = Database(settings.database_url)
        await upgrade(db.engine)
    app.bot_data["rt"] = Runtime(
        settings=settings, db=db, clock=app.bot_data["clock"], platform=app.bot_data["platform"]
    )
    stats.use_basis(settings.ranking_basis)
    rt = app.bot_data["rt"]
    rt.send_outbox = scheduler.outbox_sender(rt, app.bot)
    if scheduler.elects_drainer(settings):
        rt.lead = Lead(db, rt.platform, settings.token_for(rt.platform) or "")
    await scheduler.ensure_calendar(app.bot_data["rt"])
    await commands_menu.publish_default(app)
    platform = app.bot_data["platform"]
    proxy = redact(settings.proxy_for(platform)) if settings.proxy_for(platform) else "none of its own"
    log.info("ready: platform=%s year=%s bot=@%s proxy=%s", platform, settings.year, app.bot.username, proxy)


async def _post_shutdown(app: Application) -> None:
    rt: Runtime | None = app.bot_data.pop("rt", None)
    if rt is not None and rt.lead is not None:
        await rt.lead.release()  # another instance drains the outbox from now on
    if rt is not None and app.bot_data["shared_db"] is None:
        await rt.db.dispose()


async def start(app: Application, poll_timeout: float = 10) -> None:
    """What run_polling does, for callers that own the event loop (tests, several bots in one process).
    Without an updater (webhook mode) updates are put on the application's queue by the web server."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    if app.updater is not None:
        await app.updater.start_polling(
            poll_interval=0, timeout=int(poll_timeout), allowed_updates=allowed_updates(app)
        )


def allowed_updates(app: Application) -> list[str] | None:
    """Every kind on Telegram (chat_member and reactions are opt-in there); Bale is not sent the filter,
    which some of its bots found refused."""
    return None if app.bot_data["platform"] == "bale" else Update.ALL_TYPES


async def stop(app: Application) -> None:
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    if app.post_shutdown:
        await app.post_shutdown(app)
    await app.shutdown()
    for request in app.bot_data.get("requests", ()):  # a start that failed at getMe left them open
        await request.shutdown()
