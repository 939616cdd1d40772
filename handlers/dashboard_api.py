"""The dashboard's HTTP side: its page and its JSON endpoints under /app/api/. Thin: read the credentials,
find the viewer and their scope, ask models/dashboard, answer JSON. Read-only.

Credentials on every request, in the Authorization header: `tma <initData>` (the Telegram Mini App's
signed launch data) or `Bearer <session>` (a browser session a one-time link opened: POST /app/api/login).
Without valid ones: 401 and nothing else. A rep, or an account without a scope: 403. An agency outside the
viewer's scope: 404, as one that does not exist."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from aiohttp import web
from telegram import Bot, InputFile

from locales import catalog
from models import dashboard, webauth
from models.db import Database
from models.jalali import local_today
from models.people import Identity, load_identities, load_identity
from models.schema import SECTORS
from models.settings import Settings
from models.stats import MEASURES, Scope, scope_of

log = logging.getLogger(__name__)
STATIC = resources.files("views") / "dashboard"
FONTS = resources.files("views") / "fonts"
STATIC_FILES = {  # name: content type; nothing else under /app/static/ is served
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "uPlot.iife.min.js": "text/javascript; charset=utf-8",
    "uPlot.min.css": "text/css; charset=utf-8",
}
FONT_FILES = ("Vazirmatn-Regular.ttf", "Vazirmatn-Bold.ttf")
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
# The locales' texts the page shows (sent with it: it has no other way to its language).
PAGE_TEXTS = ("dashboard.", "sectors.", "obstacles.categories.", "roles.", "calendar.months")


@dataclass
class Web:
    """What the endpoints need: the deployment's settings, its database and clock, and its started bots
    (by messenger), which send the workbook into a Mini App user's chat."""

    settings: Settings
    db: Database
    clock: Callable[[], dt.datetime]
    bots: Callable[[], dict[str, Bot]] = dict
    building: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))  # workbooks at once

    @property
    def year(self) -> int:
        return self.settings.year_at(self.clock())

    def today(self) -> dt.date:
        return local_today(self.settings.tz, self.clock())


WEB = web.AppKey("dashboard", Web)


@dataclass(frozen=True)
class Viewer:
    who: Identity
    scope: Scope
    platform: str
    locale: str  # theirs, or the deployment's default


class Refused(Exception):
    def __init__(self, status: int, error: str) -> None:
        self.status, self.error = status, error


async def _viewer(request: web.Request) -> Viewer:
    """The person behind the request's credentials, with their scope; Refused otherwise."""
    ctx = request.app[WEB]
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    now = ctx.clock()
    async with ctx.db.session() as session:
        who: Identity | None = None
        platform = "telegram"
        if scheme == "tma" and "telegram" in ctx.settings.platform_names:
            token = ctx.settings.token_for("telegram") or ""
            user_id = webauth.mini_app_user(value, token, now)
            who = await load_identity(session, "telegram", user_id) if user_id is not None else None
        elif scheme == "Bearer" and webauth.is_token(value):
            account = await webauth.session_account(session, value, now)
            if account is not None:
                who = (await load_identities(session, [account[0]])).get(account[0])
                platform = account[1]
        if who is None:
            raise Refused(401, "unauthorized")
        scope = await scope_of(session, who) if who.role != "rep" else None
    if scope is None:
        raise Refused(403, "not_a_supervisor")
    return Viewer(who, scope, platform, who.locale or ctx.settings.bot_default_locale)


Endpoint = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]


def authorised(endpoint: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            viewer = await _viewer(request)
            return await endpoint(request, viewer)
        except Refused as refused:
            return web.json_response({"error": refused.error}, status=refused.status, headers=NO_STORE)

    return handle


def _json(data: Any) -> web.Response:
    response = web.json_response(data, headers=NO_STORE, dumps=lambda v: json.dumps(v, ensure_ascii=False))
    response.enable_compression()
    return response


def _int(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name, "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise Refused(400, f"bad_{name}")
    return int(raw)


def _choice(request: web.Request, name: str, allowed: tuple[str, ...] | list[str]) -> str | None:
    raw = request.query.get(name, "")
    if not raw:
        return None
    if raw not in allowed:
        raise Refused(400, f"bad_{name}")
    return raw


async def me(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    ctx = request.app[WEB]
    who = viewer.who
    return _json(
        {
            "name": who.name,
            "role": who.role,
            "locale": viewer.locale,
            "platform": viewer.platform,
            "scope": dashboard.scope_json(viewer.scope),
            "year": ctx.year,
        }
    )


async def ranking(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    ctx = request.app[WEB]
    measure = _choice(request, "measure", MEASURES) or "percent"
    county = _int(request, "county")
    sector = _choice(request, "sector", SECTORS)
    mark = _choice(request, "mark", dashboard.MARKS)
    async with ctx.db.session() as session:
        data = await dashboard.ranking_view(
            session,
            viewer.scope,
            ctx.year,
            ctx.today(),
            measure=measure,
            county=county,
            sector=sector,
            mark=mark,
        )
    return _json(data)


async def counties(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    ctx = request.app[WEB]
    async with ctx.db.session() as session:
        return _json(await dashboard.counties_view(session, viewer.scope, ctx.year, ctx.today()))


async def agency(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    ctx = request.app[WEB]
    raw = request.match_info["agency_id"]
    if not raw.isdigit() or len(raw) > 12:
        raise Refused(404, "no_such_agency")
    async with ctx.db.session() as session:
        data = await dashboard.agency_view(session, viewer.scope, int(raw), ctx.year, ctx.today())
    if data is None:
        raise Refused(404, "no_such_agency")
    return _json(data)


async def _workbook(ctx: Web, viewer: Viewer) -> tuple[bytes, str]:
    """The governorate's workbook of the scope, as /export makes it, and its file name."""
    from views import workbook
    from views.render import Renderer
    from views.texts import summary_text
    from views.widgets import scope_title

    plain = Renderer("plain", viewer.locale)
    async with ctx.building:  # a heavy build: two at a time, the others wait
        async with ctx.db.session() as session:
            data = await workbook.gather(
                session, viewer.scope, ctx.year, ctx.today(), ctx.clock(), ctx.settings.tz
            )
        brief = summary_text(plain, scope_title(plain, viewer.scope), data.brief, ctx.today())
        content = await asyncio.to_thread(workbook.build_xlsx, data, plain, brief)
    return content, f"rasad-{ctx.year}-{ctx.today():%Y%m%d}.xlsx"


async def workbook_file(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """The workbook as a download (a desktop browser)."""
    content, name = await _workbook(request.app[WEB], viewer)
    return web.Response(
        body=content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'},
    )


async def workbook_to_chat(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """The workbook sent into the viewer's chat with the bot: a Mini App's webview downloads nothing."""
    from views.render import Renderer
    from views.widgets import scope_title

    ctx = request.app[WEB]
    bot = ctx.bots().get(viewer.platform)
    if bot is None:
        raise Refused(503, "messenger_unavailable")
    content, name = await _workbook(ctx, viewer)
    r = Renderer(viewer.platform, viewer.locale)
    caption = r("export.caption", scope=scope_title(r, viewer.scope), date=ctx.today())
    await bot.send_document(
        viewer.who.chat_id, InputFile(content, filename=name), caption=caption, parse_mode=r.parse_mode
    )
    return _json({"sent": True})


async def login(request: web.Request) -> web.StreamResponse:
    """Spend a one-time link for a browser session."""
    ctx = request.app[WEB]
    try:
        body = await request.json()
        link = body.get("link") if isinstance(body, dict) else None
    except (ValueError, UnicodeDecodeError):
        link = None
    token = await webauth.open_session(ctx.db, link, ctx.clock()) if webauth.is_token(link) else None
    if token is None:
        return web.json_response({"error": "unauthorized"}, status=401, headers=NO_STORE)
    return web.json_response({"session": token, "hours": webauth.SESSION_HOURS}, headers=NO_STORE)


@cache
def _page() -> bytes:
    """index.html with both languages' texts of the page (no secret, no personal data), and each file's
    address carrying its content's hash: a browser never runs yesterday's script with today's page."""
    texts = {
        locale: {key: value for key, value in catalog(locale).items() if key.startswith(PAGE_TEXTS)}
        for locale in ("fa", "en")
    }
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    blob = json.dumps(texts, ensure_ascii=False).replace("</", "<\\/")
    page = page.replace("/*TEXTS*/{}", blob).replace(
        "<title></title>", f"<title>{texts['fa']['dashboard.title']}</title>"
    )
    for name in STATIC_FILES:
        version = hashlib.sha256(_static(name)).hexdigest()[:12]
        page = page.replace(f'"static/{name}"', f'"static/{name}?v={version}"')
    return page.encode()


async def page(request: web.Request) -> web.StreamResponse:
    response = web.Response(body=_page(), content_type="text/html", charset="utf-8", headers=NO_STORE)
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        "base-uri 'none'; object-src 'none'; form-action 'none'; "
        "frame-ancestors https://web.telegram.org https://*.telegram.org https://web.bale.ai https://*.bale.ai"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"  # the one-time link must not leak onward
    response.enable_compression()
    return response


@cache
def _static(name: str) -> bytes:
    folder = FONTS if name in FONT_FILES else STATIC
    return (folder / name).read_bytes()


async def static(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    kind = STATIC_FILES.get(name) or ("font/ttf" if name in FONT_FILES else None)
    if kind is None:
        return web.Response(status=404)
    lasting = "max-age=31536000, immutable" if request.query.get("v") else "max-age=86400"
    response = web.Response(
        body=_static(name),
        headers={"Content-Type": kind, "Cache-Control": lasting, "X-Content-Type-Options": "nosniff"},
    )
    response.enable_compression()
    return response


async def to_page(request: web.Request) -> web.StreamResponse:
    query = "?" + request.query_string if request.query_string else ""  # ?t= and ?screen= go along
    raise web.HTTPFound("/app/" + query)


def add_routes(app: web.Application, ctx: Web) -> None:
    """The dashboard's routes on its own application, mounted under /app/ (bot/dashboard.py)."""
    app[WEB] = ctx
    app.router.add_get("/", page)
    app.router.add_get("/static/{name}", static)
    app.router.add_post("/api/login", login)
    app.router.add_get("/api/me", authorised(me))
    app.router.add_get("/api/ranking", authorised(ranking))
    app.router.add_get("/api/counties", authorised(counties))
    app.router.add_get("/api/agency/{agency_id}", authorised(agency))
    app.router.add_get("/api/workbook", authorised(workbook_file))
    app.router.add_post("/api/workbook/send", authorised(workbook_to_chat))
