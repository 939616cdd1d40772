"""Webhook mode: one small aiohttp server receives every messenger's updates and answers /healthz.

Telegram sends the secret in the X-Telegram-Bot-Api-Secret-Token header; Bale sends no header, so its
webhook path carries the secret instead. An update is acknowledged once handled (or after ACK_BUDGET
seconds, when it goes on in the background): a crash before the answer makes the messenger deliver it
again, and a user's next update is not sent, to this instance or another, before the last one is
through. Handling depends only on the database, never on which instance received the update."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging

from aiohttp import web
from sqlalchemy import text
from telegram import Update
from telegram.ext import Application

from bot.app import allowed_updates
from bot.config import Settings
from models.db import Database

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024  # an update is a few kB; refuse anything far larger
ACK_BUDGET = 20.0  # seconds; well inside the messengers' webhook timeouts


def webhook_path(platform: str, secret: str) -> str:
    return "/webhook/telegram" if platform == "telegram" else f"/webhook/bale/{secret}"


class WebhookServer:
    def __init__(self, settings: Settings, db: Database, apps: list[Application]) -> None:  # type: ignore[type-arg]
        assert settings.webhook_secret is not None
        self.settings, self.db, self.secret = settings, db, settings.webhook_secret
        self.apps = {app.bot_data["platform"]: app for app in apps}
        self._runner: web.AppRunner | None = None
        self._slow: set[asyncio.Task[None]] = set()
        self.port = 0

    def routes(self) -> web.Application:
        web_app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        web_app.router.add_get("/healthz", self._health)
        web_app.router.add_post("/webhook/telegram", self._telegram)
        web_app.router.add_post("/webhook/bale/{secret}", self._bale)
        return web_app

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
        if self._slow:  # updates still being handled past their acknowledgement
            await asyncio.wait(self._slow, timeout=30)

    async def register(self) -> None:
        """Point each messenger at this deployment's public address."""
        base = (self.settings.webhook_url or "").rstrip("/")
        for platform, app in self.apps.items():
            url = base + webhook_path(platform, self.secret)
            secret = self.secret if platform == "telegram" else None
            await app.bot.set_webhook(url, secret_token=secret, allowed_updates=allowed_updates(app))
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
        if "telegram" not in self.apps or not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("webhook: refused a request without the secret header from %s", request.remote)
            return web.Response(status=403)
        return await self._accept(request, self.apps["telegram"])

    async def _bale(self, request: web.Request) -> web.Response:
        given = request.match_info["secret"]
        if "bale" not in self.apps or not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("webhook: refused a request on a wrong path from %s", request.remote)
            return web.Response(status=404)
        return await self._accept(request, self.apps["bale"])

    async def _accept(self, request: web.Request, app: Application) -> web.Response:  # type: ignore[type-arg]
        try:
            payload = json.loads(await request.read())
            update = Update.de_json(payload, app.bot)
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("webhook: unreadable update refused: %s", exc)
            return web.Response(status=400)
        if update is None:
            return web.Response(status=400)
        # Through the application's update processor: one user's updates stay in order here too.
        task = asyncio.ensure_future(app.update_processor.process_update(update, app.process_update(update)))
        try:
            await asyncio.wait_for(asyncio.shield(task), ACK_BUDGET)
        except TimeoutError:
            log.info("update %s: still being handled after %ss; acknowledged", update.update_id, ACK_BUDGET)
            self._slow.add(task)
            task.add_done_callback(self._slow.discard)
        except Exception:  # handled and logged by the error handler; a retry would fail the same way
            log.exception("update %s: failed outside the handlers", update.update_id)
        return web.Response(status=200)
