"""Webhook mode: one small aiohttp server receives every messenger's updates and answers /healthz.

Telegram sends its secret in the X-Telegram-Bot-Api-Secret-Token header; Bale sends no header, so its
webhook path carries its secret instead. Each messenger gets its own secret, derived from WEBHOOK_SECRET:
the Bale path, which proxies and logs may see, opens nothing on the Telegram side.

An update is acknowledged once handled (or after ACK_BUDGET seconds, when it goes on in the background),
so a crash before the answer makes the messenger deliver it again. Telegram sends a chat's next update
after the previous one is acknowledged, so a user's updates stay in order whichever instance takes them
(Bale's behaviour here is not documented). Handling depends only on the database, never on which
instance received the update."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Callable

from aiohttp import web
from sqlalchemy import text
from telegram import Bot, Update
from telegram.ext import Application

from bot import dashboard
from bot.app import allowed_updates
from models.db import Database
from models.runtime import system_clock
from models.settings import Settings, reveal

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024  # an update is a few kB; refuse anything far larger
ACK_BUDGET = 20.0  # seconds; well inside the messengers' webhook timeouts


def platform_secret(secret: str, platform: str) -> str:
    """A secret per messenger (64 hex digits, within Telegram's secret_token alphabet)."""
    return hmac.new(secret.encode(), platform.encode(), hashlib.sha256).hexdigest()


def webhook_path(platform: str, secret: str) -> str:
    if platform == "telegram":
        return "/webhook/telegram"
    return f"/webhook/bale/{platform_secret(secret, 'bale')}"


class WebhookServer:
    def __init__(
        self, settings: Settings, db: Database, clock: Callable[[], dt.datetime] = system_clock
    ) -> None:
        secret = reveal(settings.webhook_secret)
        assert secret is not None  # checked with the settings in webhook mode
        self.settings, self.db, self.secret, self.clock = settings, db, secret, clock
        self.apps: dict[str, Application] = {}
        self._runner: web.AppRunner | None = None
        self._handling: set[asyncio.Future[None]] = set()
        self.port = 0

    def routes(self) -> web.Application:
        web_app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        web_app.router.add_get("/healthz", self._health)
        web_app.router.add_post("/webhook/telegram", self._telegram)
        web_app.router.add_post("/webhook/bale/{secret}", self._bale)
        dashboard.mount(web_app, self.settings, self.db, self.clock, self._bots)
        return web_app

    def _bots(self) -> dict[str, Bot]:
        return {platform: app.bot for platform, app in self.apps.items()}

    async def start(self) -> None:
        self._runner = web.AppRunner(self.routes(), access_log=None, shutdown_timeout=5.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.webhook_listen, self.settings.webhook_port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("webhook server listening on %s:%s", self.settings.webhook_listen, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._handling:  # updates still being handled (acknowledged late, or their request cut off)
            await asyncio.wait(self._handling, timeout=30)

    async def serve(self, app: Application) -> None:
        """Take a started messenger's updates, and point it at this deployment's public address."""
        platform = app.bot_data["platform"]
        url = (self.settings.webhook_url or "").rstrip("/") + webhook_path(platform, self.secret)
        secret = platform_secret(self.secret, "telegram") if platform == "telegram" else None
        await app.bot.set_webhook(url, secret_token=secret, allowed_updates=allowed_updates(app))
        self.apps[platform] = app
        log.info("webhook set for %s", platform)

    async def _health(self, request: web.Request) -> web.Response:
        try:
            async with self.db.session() as session:
                await session.execute(text("SELECT 1"))
        except Exception as exc:  # any failure to reach the database means unhealthy
            log.warning("health check: database unreachable: %s", exc)
            return web.json_response({"ok": False, "database": "unreachable"}, status=503)
        return web.json_response({"ok": True, "database": "ok", "platforms": sorted(self.apps)})

    async def _telegram(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        expected = platform_secret(self.secret, "telegram")
        if "telegram" not in self.apps or not hmac.compare_digest(given.encode(), expected.encode()):
            log.warning("webhook: refused a request without the secret header from %s", request.remote)
            return web.Response(status=403)
        return await self._accept(request, self.apps["telegram"])

    async def _bale(self, request: web.Request) -> web.Response:
        given = request.match_info["secret"]
        expected = platform_secret(self.secret, "bale")
        if "bale" not in self.apps or not hmac.compare_digest(given.encode(), expected.encode()):
            log.warning("webhook: refused a request on a wrong path from %s", request.remote)
            return web.Response(status=404)
        return await self._accept(request, self.apps["bale"])

    async def _accept(self, request: web.Request, app: Application) -> web.Response:
        try:
            update = Update.de_json(await request.json(), app.bot)
            if not isinstance(update, Update):
                raise TypeError("not an update")
        except Exception as exc:  # from the authenticated messenger: a retry would be just as unreadable
            log.warning("webhook: unreadable update dropped: %r", exc)
            return web.Response(status=200)
        # Through the application's update processor: one user's updates stay in order here too.
        task = asyncio.ensure_future(app.update_processor.process_update(update, app.process_update(update)))
        self._handling.add(task)
        task.add_done_callback(self._finished)
        try:
            await asyncio.wait_for(asyncio.shield(task), ACK_BUDGET)
        except TimeoutError:
            log.info("update %s: still being handled after %ss; acknowledged", update.update_id, ACK_BUDGET)
        except Exception:  # logged by _finished; a retry would fail the same way
            pass
        return web.Response(status=200)

    def _finished(self, task: asyncio.Future[None]) -> None:
        self._handling.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("an update failed outside the handlers", exc_info=task.exception())
