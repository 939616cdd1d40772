"""End-to-end: the real Application polls the fake Bot API over HTTP on loopback; users are played by
drivers; tests read what the bot answered and what the database holds."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot import app as bot_app
from bot.logs import SecretsMaskingFormatter
from bot.request import PlatformRequest
from models.db import Database
from models.runtime import Runtime
from models.schema import Achievement
from playground.fake_api import FakeBotApi
from tests.conftest import NOW, settings_for
from tests.kit.driver import UpdateTracker, UserDriver, tracking_application_class


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


class Harness:
    def __init__(self, api: FakeBotApi, db_url: str, overrides: dict[str, Any]) -> None:
        self.api, self.db_url, self.overrides = api, db_url, overrides
        self.tracker = UpdateTracker()
        self.clock = Clock(NOW)
        self.app: Any = None

    async def start(self, **overrides: Any) -> None:
        self.overrides.update(overrides)
        settings = settings_for(
            self.db_url,
            BOT_PLATFORM=self.api.platform,
            BOT_TOKEN=self.api.token,
            BOT_API_BASE_URL=self.api.base_url,
            BOT_API_FILE_URL=self.api.file_base_url,
            **self.overrides,
        )
        self.app = bot_app.build_application(
            settings, clock=self.clock, application_class=tracking_application_class(self.tracker)
        )
        await bot_app.start(self.app, poll_timeout=1)

    async def stop(self) -> None:
        if self.app is not None:
            await bot_app.stop(self.app)
            self.app = None

    async def restart(self, **overrides: Any) -> None:
        await self.stop()
        await self.start(**overrides)

    @property
    def rt(self) -> Runtime:
        return self.app.bot_data["rt"]

    @property
    def db(self) -> Database:
        return self.rt.db

    async def tick(self, at: dt.datetime | None = None, **kwargs: Any) -> Any:
        """One scheduler tick at `at` (default: the harness clock), waiting out retries."""
        from jobs import scheduler

        if at is not None:
            self.clock.now = at
        return await scheduler.tick(self.rt, self.app.bot, wait_for_retries=True, **kwargs)

    def user(self, user_id: int, first_name: str = "کاربر", **kwargs: Any) -> UserDriver:
        return UserDriver(self.api, self.tracker, user_id, first_name, **kwargs)

    async def achievements(self) -> list[Achievement]:
        async with self.db.session() as s:
            return list((await s.execute(select(Achievement).order_by(Achievement.id))).scalars())


PLATFORMS = ["telegram", "bale"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Bale runs on SQLite only: the platform and the database do not interact, and time is short."""
    keep, drop = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        both = params is not None and params.params.get("platform") == "bale"
        (drop if both and params.params.get("db_url") == "postgresql" else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 2, 4, 8 s waits after a 429 without retry_after, shortened so a test waits milliseconds."""
    monkeypatch.setattr(PlatformRequest, "backoff", (0.05, 0.1, 0.2))
    monkeypatch.setattr(PlatformRequest, "gateway_backoff", (0.05, 0.1))


QUIET_LOGGERS = ("playground.", "aiohttp.access", "aiohttp.server", "aiohttp.web")  # the fake's own logs


@pytest.fixture(autouse=True)
def no_secret_in_the_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every test's log, as the bot's formatter writes it, holds no token: whatever fault the test
    injected (the fake's own logs, which see its URLs, are not the bot's)."""
    yield
    formatter = SecretsMaskingFormatter()
    for when in ("setup", "call", "teardown"):
        for record in caplog.get_records(when):  # type: ignore[arg-type]  # pytest types the phase as a Literal
            if record.name.startswith(QUIET_LOGGERS):
                continue
            line = formatter.format(record)
            assert FakeBotApi.DEFAULT_TOKEN not in line and "TEST-TOKEN" not in line, line


@pytest.fixture(params=PLATFORMS)
def platform(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def api(platform: str) -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(platform=platform) as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotApi, seeded: Database, db_url: str) -> AsyncIterator[Harness]:
    harness = Harness(api, db_url, {})
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


async def join(harness: Harness, user_id: int, phone: str, name: str = "کاربر") -> UserDriver:
    """A user who /starts and shares their own contact."""
    user = harness.user(user_id, name)
    await user.send("/start")
    reply = await user.share_contact(phone)
    assert "متصل شد" in reply.text, reply.text
    return user


def last_sent(reply: Any) -> Any:
    """The last new message in a reply (edits of older messages are in replies too)."""
    return [m for m in reply if m.kind == "message"][-1]


async def send_count(user: UserDriver, jobs: str) -> Any:
    """Type the count at its step; a count larger than the commitment allows is confirmed when asked."""
    reply = await user.send(jobs)
    if any("درست است" in label for label in reply.buttons):
        reply = await user.press("درست است")
    return reply


def tracking_code(user: UserDriver) -> str:
    """A Rasad code of this user's next report: one registration is one report, so no two are alike."""
    filed = getattr(user, "codes_filed", 0) + 1
    user.codes_filed = filed  # type: ignore[attr-defined]  # a test's own note on its driver
    return f"RS-{user.user_id}-{filed}"
