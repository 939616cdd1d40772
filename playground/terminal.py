"""`make run` without a token: the bot runs against the embedded fake messenger and this terminal is the
chat window. Messages print as they arrive; buttons get numbers (`#3` presses the third); `/contact`
shares your phone; `/as rep|supervisor|admin` switches who you are; `/file PATH` sends a document."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from bot import logs
from bot.deployment import Deployment
from models.db import Database
from models.jalali import local_today
from models.migrate import upgrade
from models.settings import Settings
from models.webauth import sign_init_data
from playground import demo
from playground.fake_api import BotMessage, FakeBotApi, MessageRef

DATA = Path("data")
# Who you can be: (user id, first name, phone on the demo roster or None for the configured admin).
PEOPLE = {
    "rep": (1001, "مریم", demo.PEOPLE[0][1]),
    "supervisor": (1002, "زهرا", demo.PEOPLE[1][1]),
    "admin": (1003, "مدیر", "09120000003"),
}
HELP = """\
── playground: the bot on a fake {platform} messenger, demo data in data/playground.db ──
  /start, /report, /ranking …  the bot's own commands; anything else is sent as a message
  #N                            press button N
  /contact                      share your phone number (joins you to the roster)
  /as rep | supervisor | admin  switch who you are (now: {role})
  /file PATH                    send a file (e.g. examples/beneficiaries-template.xlsx)
  /web                          the dashboard's address, opened as you (a supervisor sees their scope)
  /quit                         leave
Start with /start, then /contact."""


@dataclass
class Button:
    label: str
    chat_id: int
    message_id: int
    data: str | None  # inline button: its callback data; reply keyboard: None
    contact: bool = False


class Terminal:
    def __init__(self, api: FakeBotApi, out: TextIO) -> None:
        self.api, self.out = api, out
        self.role = "rep"
        self.dashboard: str | None = None  # its local address, when served
        self.buttons: dict[int, Button] = {}
        self._next = 1
        self._keyboard: list[str] = []  # the reply keyboard on screen, listed again only when it changes
        api.listeners.append(self.show)

    @property
    def user(self) -> dict[str, Any]:
        user_id, name, _ = PEOPLE[self.role]
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "fa"}

    def write(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def show(self, message: BotMessage) -> None:
        if message.chat_id != self.user["id"]:
            who = next((r for r, p in PEOPLE.items() if p[0] == message.chat_id), str(message.chat_id))
            first = message.plain.strip().splitlines()[0] if message.plain.strip() else message.kind
            self.write(f"   📨 ({who}) {first[:80]}")
            return
        if message.kind == "delete":
            return
        head = "🤖 (ویرایش شد)" if message.kind.startswith("edit") else "🤖"
        if message.kind == "edit_markup" and not message.buttons:
            return  # a question's buttons were closed: nothing new to read
        lines = [head, message.plain] if message.plain else [head]
        if message.document:
            lines.append(f"📎 {self._save(message.document)}")
        for row in (message.reply_markup or {}).get("inline_keyboard", []):
            for button in row:
                label, data = button["text"], button.get("callback_data")
                if data is None and (button.get("url") or button.get("web_app")):  # a link: open it yourself
                    lines.append(f"  🔗 {label}: {button.get('url') or button['web_app']['url']}")
                    continue
                number = self._add(Button(label, message.chat_id, message.message_id, data))
                lines.append(f"  [#{number}] {label}")
        keyboard = [b for row in message.reply_keyboard or [] for b in row]
        if message.removes_keyboard:
            self._keyboard = []
        elif keyboard and [b["text"] for b in keyboard] != self._keyboard:
            self._keyboard = [b["text"] for b in keyboard]
            lines.append("  ⌨️")
            for b in keyboard:
                button = Button(
                    b["text"], message.chat_id, message.message_id, None, bool(b.get("request_contact"))
                )
                lines.append(f"  [#{self._add(button)}] {b['text']}")
        self.write("\n".join(lines))

    def _add(self, button: Button) -> int:
        number = self._next
        self.buttons[number] = button
        self._next += 1
        return number

    def _save(self, document: dict[str, Any]) -> str:
        folder = DATA / "playground-files"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / Path(document["file_name"]).name
        path.write_bytes(document["content"])
        return str(path)

    def handle(self, line: str) -> bool:
        """Act on one typed line; False to leave."""
        line = line.strip()
        if not line:
            return True
        if line in ("/quit", "/exit"):
            return False
        if line in ("/?", "/playground"):
            self.write(HELP.format(role=self.role, platform=self.api.platform))
        elif line.startswith("/as"):
            role = line.removeprefix("/as").strip()
            if role not in PEOPLE:
                self.write("usage: /as rep | supervisor | admin")
            else:
                self.role, self.buttons, self._next, self._keyboard = role, {}, 1, []
                self.write(f"── you are now the {role} ({PEOPLE[role][1]}); /start to begin ──")
        elif line == "/contact":
            self._contact()
        elif line == "/web":
            self._web()
        elif line.startswith("/file "):
            path = Path(line.removeprefix("/file ").strip())
            if not path.is_file():
                self.write(f"no such file: {path}")
            else:
                self.api.push_update(self.api.document_update(self.user, path.name, path.read_bytes()))
        elif re.fullmatch(r"#\d+", line):
            self._press(int(line[1:]))
        else:
            self.api.push_update(self.api.message_update(self.user, line))
        return True

    def _web(self) -> None:
        """The dashboard as a Telegram client opens the Mini App: its address with launch data signed for
        you (the current role), valid a day."""
        if self.dashboard is None:
            self.write("the dashboard is not served here")
            return
        fields = {
            "auth_date": str(int(time.time())),
            "query_id": "playground",
            "user": json.dumps({"id": self.user["id"], "first_name": self.user["first_name"]}),
        }
        launch = sign_init_data(fields, self.api.token)
        self.write(
            f"── the dashboard as the {self.role}: {self.dashboard}#tgWebAppData={quote(launch, safe='')}"
        )

    def _contact(self) -> None:
        phone = PEOPLE[self.role][2]
        update = self.api.contact_update(self.user, phone, self.user["id"], self.user["first_name"])
        self.api.push_update(update)

    def _press(self, number: int) -> None:
        button = self.buttons.get(number)
        if button is None:
            self.write(f"no button #{number} on screen")
        elif button.contact:
            self._contact()
        elif button.data is None:
            self.api.push_update(self.api.message_update(self.user, button.label))
        else:
            ref = MessageRef(button.chat_id, button.message_id)
            self.api.push_update(self.api.callback_update(self.user, ref, button.data))


def playground_settings(api: FakeBotApi, database_url: str, dashboard_port: int = 0) -> Settings:
    """The playground's own settings: never the deployment's database or token."""
    values: dict[str, Any] = {
        "BOT_TOKEN": api.token,
        "BOT_PLATFORM": api.platform,
        "BOT_PLATFORMS": "",
        "BOT_MODE": "polling",
        "BOT_API_BASE_URL": api.base_url,
        "BOT_API_FILE_URL": api.file_base_url,
        "DATABASE_URL": database_url,
        "BOT_ADMINS": str(PEOPLE["admin"][0]),
        "SCHEDULER_TICK_SECONDS": 0,
        "DASHBOARD_URL": f"http://127.0.0.1:{dashboard_port}",
        "DASHBOARD_LISTEN": "127.0.0.1",
        "DASHBOARD_PORT": dashboard_port,
        **dict.fromkeys(  # nothing of a real deployment's environment leaks in
            (
                "TELEGRAM_BOT_TOKEN",
                "BALE_BOT_TOKEN",
                "TELEGRAM_API_BASE_URL",
                "TELEGRAM_API_FILE_URL",
                "BALE_API_BASE_URL",
                "BALE_API_FILE_URL",
                "BOT_HELP_CONTACT",
            )
        ),
        "BOT_YEAR": None,
        "BOT_DEFAULT_LOCALE": "fa",
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]  # pydantic-settings' own keyword


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _lines() -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


async def main(platform: str = "telegram", out: TextIO = sys.stdout) -> int:
    logging.basicConfig(filename=DATA / "playground.log", format=logs.FORMAT, level=logging.INFO, force=True)
    logs.setup()
    async with FakeBotApi(
        token="100200:PLAYGROUND", bot_username="rasad_playground_bot", platform=platform
    ) as api:
        settings = playground_settings(api, f"sqlite+aiosqlite:///{DATA / 'playground.db'}", free_port())
        db = Database(settings.database_url)
        try:
            await upgrade(db.engine)
            if await demo.seed(db, settings.year, local_today(settings.tz)):
                out.write("demo data loaded into data/playground.db\n")
        finally:
            await db.dispose()
        terminal = Terminal(api, out)
        deployment = Deployment(settings)
        await deployment.start(poll_timeout=1)
        terminal.dashboard = settings.dashboard_address
        terminal.write(HELP.format(role=terminal.role, platform=platform))
        terminal.write(
            f"── the dashboard: {terminal.dashboard} (/web opens it as you; /dashboard as the bot does)"
        )
        try:
            reader = await _lines()
            while True:
                raw = await reader.readline()
                if not raw or not terminal.handle(raw.decode("utf-8", "replace")):
                    break
        finally:
            with contextlib.suppress(Exception):
                await deployment.stop()
    out.write("bye\n")
    return 0


def run_playground(platform: str = "telegram") -> int:
    DATA.mkdir(exist_ok=True)
    try:
        return asyncio.run(main(platform))
    except KeyboardInterrupt:
        return 0
