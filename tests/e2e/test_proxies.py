"""A proxy per messenger (TELEGRAM_PROXY, BALE_PROXY), as a governorate's server reaches a filtered
Telegram: through real SOCKS5 and HTTP proxies on loopback, with a login; a proxy that refuses or drops
leaves a clear log line, and the other messenger serves on."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest

from bot.deployment import Deployment
from models.settings import ConfigError, load_settings
from playground.fake_api import FakeBotApi
from tests.conftest import settings_for
from tests.e2e.conftest import Clock
from tests.e2e.test_deployment import deployment
from tests.e2e.test_reminders import MARYAM, at
from tests.kit.driver import UpdateTracker, UserDriver, tracking_application_class
from tests.kit.proxies import DroppingProxy, HttpProxy, Socks5Proxy, closed_port

PASSWORD = "pr0xy-Pa55"


def _env(telegram: FakeBotApi | None, bale: FakeBotApi | None, host: str = "127.0.0.1", **more: str) -> dict:
    env: dict[str, str] = {
        "BOT_PLATFORMS": ",".join(p for p, a in (("telegram", telegram), ("bale", bale)) if a)
    }
    for name, api in (("TELEGRAM", telegram), ("BALE", bale)):
        if api is not None:
            env[f"{name}_BOT_TOKEN"] = api.token
            env[f"{name}_API_BASE_URL"] = api.base_url.replace("127.0.0.1", host)
            env[f"{name}_API_FILE_URL"] = api.file_base_url.replace("127.0.0.1", host)
    return {**env, **more}


async def _joins(api: FakeBotApi, tracker: UpdateTracker, user_id: int) -> None:
    user = UserDriver(api, tracker, user_id, "مریم")
    await user.send("/start")
    assert "حساب شما متصل شد" in (await user.share_contact(MARYAM[1])).text


async def test_telegram_through_socks5_with_a_login_bale_direct(seeded, db_url, caplog):
    tracker, clock = UpdateTracker(), Clock(at(dt.date(2026, 11, 29)))
    async with (
        Socks5Proxy("office", PASSWORD) as proxy,
        FakeBotApi(platform="telegram") as telegram,
        FakeBotApi(token="777:BALE", platform="bale", first_update_id=900_000) as bale,
    ):
        # socks5h: the proxy resolves the name (here «localhost»): a filtered name must not resolve here
        env = _env(telegram, bale, host="localhost", TELEGRAM_PROXY=proxy.url("socks5h"))
        async with deployment(db_url, tracker, clock, **env):
            await _joins(telegram, tracker, MARYAM[0])
            await _joins(bale, tracker, 88_000_001)
        assert proxy.targets and {t for t in proxy.targets} == {("localhost", telegram.port)}
        assert proxy.refused_logins == 0
    ready = [r.getMessage() for r in caplog.records if r.getMessage().startswith("ready:")]
    assert any(
        "platform=telegram" in line and "proxy=socks5h://office:***@127.0.0.1" in line for line in ready
    )
    assert any("platform=bale" in line and "proxy=none of its own" in line for line in ready)
    assert not any(PASSWORD in r.getMessage() for r in caplog.records)
    assert not any("Unclosed client session" in r.getMessage() for r in caplog.records)


async def test_bale_through_an_http_proxy_and_socks5_resolving_here(seeded, db_url):
    tracker, clock = UpdateTracker(), Clock(at(dt.date(2026, 11, 29)))
    async with (
        HttpProxy("office", PASSWORD) as http,
        Socks5Proxy() as socks,
        FakeBotApi(platform="telegram") as telegram,
        FakeBotApi(token="777:BALE", platform="bale", first_update_id=900_000) as bale,
    ):
        env = _env(
            telegram, bale, host="localhost", BALE_PROXY=http.url("http"), TELEGRAM_PROXY=socks.url("socks5")
        )
        async with deployment(db_url, tracker, clock, **env):
            await _joins(bale, tracker, 88_000_001)
            await _joins(telegram, tracker, MARYAM[0])
        assert set(http.targets) == {("localhost", bale.port)}  # CONNECT to the name given
        assert set(socks.targets) in (
            {("127.0.0.1", telegram.port)},
            {("::1", telegram.port)},
        )  # resolved here


@pytest.mark.parametrize("kind", ["refusing", "dropping", "wrong login"])
async def test_a_proxy_that_fails_is_named_and_the_other_messenger_serves(seeded, db_url, caplog, kind):
    tracker, clock = UpdateTracker(), Clock(at(dt.date(2026, 11, 29)))
    async with (
        DroppingProxy() as dropping,
        Socks5Proxy("office", PASSWORD) as socks,
        FakeBotApi(platform="telegram") as telegram,
        FakeBotApi(token="777:BALE", platform="bale", first_update_id=900_000) as bale,
    ):
        proxy = {
            "refusing": f"socks5h://office:{PASSWORD}@127.0.0.1:{closed_port()}",
            "dropping": dropping.url("socks5h"),
            "wrong login": socks.url("socks5h", password="not-" + PASSWORD),
        }[kind]
        settings = settings_for(db_url, **{"BOT_TOKEN": None, **_env(telegram, bale, TELEGRAM_PROXY=proxy)})
        dep = Deployment(settings, clock=clock, application_class=tracking_application_class(tracker))
        with caplog.at_level(logging.INFO):
            await dep.start(poll_timeout=1, keep_trying=True)
            try:
                assert [a.bot_data["platform"] for a in dep.started] == ["bale"]
                await _joins(bale, tracker, 88_000_001)
            finally:
                await dep.stop()
        assert not telegram.outbox  # nothing reached Telegram
    [line] = [r.getMessage() for r in caplog.records if "unreachable at start" in r.getMessage()]
    login = "" if kind == "dropping" else "office:***@"
    assert line.startswith(f"Telegram unreachable at start (proxy socks5h://{login}127.0.0.1:"), line
    assert not any(PASSWORD in r.getMessage() for r in caplog.records)
    assert not any("Unclosed client session" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "value",
    ["127.0.0.1:1080", "socks5h://127.0.0.1", "ftp://127.0.0.1:21", "socks5h://:1080", "http://h:port"],
)
def test_a_proxy_address_is_checked_at_start(value):
    with pytest.raises(ConfigError, match="TELEGRAM_PROXY: must be a proxy address"):
        load_settings(BOT_TOKEN="1:x", TELEGRAM_PROXY=value)


async def test_a_proxy_restarted_while_the_bot_polls(seeded, db_url, caplog):
    """The office's proxy client restarts: polling waits for it, a line says so, and the bot answers again
    once it is back."""
    tracker, clock = UpdateTracker(), Clock(at(dt.date(2026, 11, 29)))
    async with Socks5Proxy() as proxy, FakeBotApi(platform="telegram") as telegram:
        env = _env(telegram, None, TELEGRAM_PROXY=proxy.url("socks5h"))
        async with deployment(db_url, tracker, clock, **env):
            await proxy.stop()
            await _logged(caplog, "telegram unreachable (proxy socks5h://127.0.0.1:")
            await proxy.start()
            await _logged(caplog, "telegram reachable again")
            await _joins(telegram, tracker, MARYAM[0])
    assert not any("Traceback" in (r.exc_text or "") for r in caplog.records)


async def _logged(caplog, start: str, within: float = 15) -> None:
    """Waits for a log line beginning so (a guard against hanging, not a speed check)."""
    async with asyncio.timeout(within):
        while not any(r.getMessage().startswith(start) for r in caplog.records):  # noqa: ASYNC110  (records come from other tasks; nothing to await)
            await asyncio.sleep(0.05)
