"""Serving the dashboard: an application of its own under /app/, on the webhook server in webhook mode, or
on a small server of its own (DASHBOARD_LISTEN:DASHBOARD_PORT) in polling mode. An error in one of its
endpoints is logged in one line with a request number and answered 500 without details."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from telegram import Bot

from handlers.dashboard_api import Web, add_routes, to_page
from models.db import Database
from models.settings import Settings

log = logging.getLogger(__name__)
_requests = itertools.count(1)


@web.middleware
async def errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception as exc:
        number = next(_requests)
        log.error("dashboard request %s (%s %s) failed: %r", number, request.method, request.path, exc)
        return web.json_response({"error": "server", "request": number}, status=500)


def mount(
    app: web.Application,
    settings: Settings,
    db: Database,
    clock: Callable[[], dt.datetime],
    bots: Callable[[], dict[str, Bot]] = dict,
) -> None:
    """The dashboard under /app/ of an aiohttp application of the deployment, when it has a public address."""
    if settings.dashboard_address is None:
        return
    dashboard = web.Application(middlewares=[errors], client_max_size=64 * 1024)
    add_routes(dashboard, Web(settings, db, clock, bots))
    app.router.add_get("/app", to_page)
    app.add_subapp("/app/", dashboard)


class DashboardServer:
    """The dashboard's own server, for polling mode."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        clock: Callable[[], dt.datetime],
        bots: Callable[[], dict[str, Bot]] = dict,
    ) -> None:
        self.settings, self.db, self.clock, self.bots = settings, db, clock, bots
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024)
        mount(app, self.settings, self.db, self.clock, self.bots)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.dashboard_listen, self.settings.dashboard_port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info(
            "dashboard on %s:%s, public at %s",
            self.settings.dashboard_listen,
            self.port,
            self.settings.dashboard_address,
        )

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
