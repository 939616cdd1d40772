"""What the dashboard's tests share: the dashboard's own server beside a running bot with an HTTP client,
and the doors as the messengers give them (Telegram's signed Mini App data, the one-time link)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp

from bot.dashboard import DashboardServer
from models.webauth import sign_init_data
from tests.e2e.conftest import Harness

PROVINCE_SUP = (505, "09124444444")
ENDPOINTS = ["me", "ranking", "counties", "agency/1", "workbook"]


class Dashboard:
    """The dashboard's server beside a running bot, and an HTTP client for it."""

    def __init__(self, bot: Harness) -> None:
        self.bot = bot
        self.server = DashboardServer(
            bot.rt.settings, bot.db, bot.clock, lambda: {bot.rt.platform: bot.app.bot}
        )
        self.http: aiohttp.ClientSession | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/app/"

    async def get(self, path: str, auth: str | None = None) -> tuple[int, Any]:
        assert self.http is not None
        headers = {"Authorization": auth} if auth is not None else {}
        async with self.http.get(self.base + path, headers=headers) as response:
            body = await response.read()
            kind = response.headers.get("Content-Type", "")
            return response.status, json.loads(body) if kind.startswith("application/json") else body

    async def get_raw(self, path: str, authorization: bytes) -> tuple[int, bytes]:
        """A request whose Authorization header carries these bytes as they are."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.server.port)
        head = f"GET /app/{path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n".encode()
        writer.write(head + b"Authorization: " + authorization + b"\r\n\r\n")
        answer = await reader.read()
        writer.close()
        return int(answer.split(b" ", 2)[1]), answer

    async def login_raw(self, body: object) -> tuple[int, Any]:
        assert self.http is not None
        data = json.dumps(body).encode()  # ensure_ascii: a lone surrogate travels as its escape
        async with self.http.post(
            self.base + "api/login", data=data, headers={"Content-Type": "application/json"}
        ) as response:
            return response.status, await response.read()

    async def login(self, link: str) -> tuple[int, Any]:
        assert self.http is not None
        async with self.http.post(self.base + "api/login", json={"link": link}) as response:
            return response.status, await response.json()


def mini_app(bot: Harness, user_id: int, age: dt.timedelta = dt.timedelta(minutes=1)) -> str:
    """The Authorization of a Mini App opened by this Telegram user `age` ago, signed as Telegram does."""
    signed_at = int((bot.clock.now - age).timestamp())
    fields = {
        "auth_date": str(signed_at),
        "query_id": "AAH",
        "user": json.dumps({"id": user_id, "first_name": "x"}),
    }
    return "tma " + sign_init_data(fields, bot.api.token)


async def as_(bot: Harness, dash: Dashboard, user) -> str:
    """A supervisor's credentials: the Mini App's on Telegram, a session from the link on Bale."""
    if bot.api.platform == "telegram":
        return mini_app(bot, user.user_id)
    link, _ = await door(user)
    return "Bearer " + (await dash.login(link))[1]["session"]


async def door(user) -> tuple[str, str | None]:
    """/dashboard's doors: the one-time link's token, and the Mini App's address (Telegram only)."""
    reply = await user.send("/dashboard")
    buttons = [b for m in reply for row in (m.reply_markup or {}).get("inline_keyboard", []) for b in row]
    link = next(b["url"] for b in buttons if "url" in b)
    app = next((b["web_app"]["url"] for b in buttons if "web_app" in b), None)
    return parse_qs(urlsplit(link).query)["t"][0], app
