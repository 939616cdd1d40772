"""Deployments: both messengers from one process, webhook mode with its health check, and several
webhook instances behind one load balancer sharing one database."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select
from telegram.error import NetworkError

from bot.deployment import Deployment
from bot.webhook import platform_secret
from jobs import scheduler
from models.db import Database
from models.schema import Account, Achievement, Outbox
from playground.fake_api import FakeBotApi
from playground.terminal import free_port
from tests.conftest import settings_for
from tests.e2e.conftest import Clock
from tests.e2e.test_reminders import MARYAM, at
from tests.kit.driver import UpdateTracker, UserDriver, tracking_application_class

SECRET = "s3cret-Webhook_token-0123456789"


@asynccontextmanager
async def deployment(
    db_url: str, tracker: UpdateTracker, clock: Clock, **env: Any
) -> AsyncIterator[Deployment]:
    settings = settings_for(db_url, **{"BOT_TOKEN": None, **env})
    dep = Deployment(settings, clock=clock, application_class=tracking_application_class(tracker))
    await dep.start(poll_timeout=1)
    try:
        yield dep
    finally:
        await dep.stop()


async def report_through(user: UserDriver) -> None:
    """A full /report: every step, then Confirm."""
    assert "گام ۱ از ۶" in (await user.send("/report")).text
    assert "تعداد شغل" in (await user.press("صنعت")).text
    assert "تاریخ" in (await user.send("۹")).text
    assert "عنوان طرح" in (await user.press("امروز")).text
    assert "کد ملی" in (await user.send("کارگاه نجاری")).text
    assert "رصد" in (await user.press("رد شدن ⏭")).text
    assert "خلاصه" in (await user.press("هنوز نه")).text
    assert "گزارش ثبت شد" in (await user.press("✅ تأیید و ثبت")).text


async def test_one_process_serves_telegram_and_bale_with_one_database_and_one_tick(seeded, db_url):
    tracker, clock = UpdateTracker(), Clock(at(dt.date(2026, 11, 29)))
    async with (
        FakeBotApi(platform="telegram") as telegram,
        FakeBotApi(token="777:BALE", platform="bale", first_update_id=900_000) as bale,
    ):
        env = {
            "BOT_PLATFORMS": "telegram,bale",
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "TELEGRAM_API_FILE_URL": telegram.file_base_url,
            "BALE_BOT_TOKEN": bale.token,
            "BALE_API_BASE_URL": bale.base_url,
            "BALE_API_FILE_URL": bale.file_base_url,
            "BOT_ADMINS": "bale:4242",
        }
        async with deployment(db_url, tracker, clock, **env) as dep:
            # The same person links an account on each messenger (user ids are per platform).
            on_telegram = UserDriver(telegram, tracker, MARYAM[0], "مریم")
            on_bale = UserDriver(bale, tracker, 88_000_001, "مریم")
            for user in (on_telegram, on_bale):
                await user.send("/start")
                assert "حساب شما متصل شد" in (await user.share_contact(MARYAM[1])).text
            assert "<b>" in (telegram.outbox[-1].text or "")  # HTML on Telegram …
            assert "<b>" not in (bale.outbox[-1].text or "") and "*" in (
                bale.outbox[-1].text or ""
            )  # … Markdown
            await report_through(on_bale)
            status = await on_telegram.send("/status")  # the report made on Bale counts on Telegram
            assert "۹ از ۵۰۰" in status.text or "۹ شغل" in status.text, status.text
            # BOT_ADMINS with a platform prefix: an admin on Bale only.
            admin_bale = UserDriver(bale, tracker, 4242, "مدیر")
            assert "/remind_now" in (await admin_bale.send("/help")).text
            admin_telegram = UserDriver(telegram, tracker, 4242, "کسی")
            assert "شمارهٔ همراه" in (await admin_telegram.send("/help")).text
            # One tick plans and sends each account's reminder on its own messenger.
            clock.now = at(dt.date(2027, 3, 13), 9, 30)  # the 7-days milestone
            await scheduler.Ticker(lambda: scheduler.targets_of(dep.apps))()
            assert [m.chat_id for m in telegram.outbox if "⏰" in m.plain] == [MARYAM[0]]
            bale_reminders = [m for m in bale.outbox if "⏰" in m.plain]
            assert sorted(m.chat_id for m in bale_reminders) == [4242, 88_000_001]  # the rep and the admin
            assert all("<b>" not in (m.text or "") for m in bale_reminders)
            # /remind_now from Bale reaches the Telegram account too (sent by Telegram's next tick).
            menu = await admin_bale.send("/remind_now")
            await admin_bale.press_data("rn|3", menu.last.message_id)
            await scheduler.Ticker(lambda: scheduler.targets_of(dep.apps))()
            assert [m.chat_id for m in telegram.outbox if "⏰" in m.plain] == [MARYAM[0]] * 2
    db = Database(db_url)
    async with db.session() as s:
        platforms = sorted((await s.execute(select(Account.platform).distinct())).scalars())
        rows = (await s.execute(select(Outbox.kind, Outbox.status))).all()
        [achievement] = (await s.execute(select(Achievement))).scalars()
    await db.dispose()
    assert platforms == ["bale", "telegram"] and achievement.jobs == 9
    assert {status for _, status in rows} == {"sent"} and [k for k, _ in rows].count("milestone") == 6


async def test_webhook_mode_checks_the_secret_and_reports_health(seeded, db_url, api):
    tracker, clock = UpdateTracker(), Clock(at(dt.date(2026, 11, 29)))
    port = free_port()
    env = {
        "BOT_PLATFORM": api.platform,
        "BOT_TOKEN": api.token,
        "BOT_API_BASE_URL": api.base_url,
        "BOT_API_FILE_URL": api.file_base_url,
        "BOT_MODE": "webhook",
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/",
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": port,
        "WEBHOOK_SECRET": SECRET,
    }
    async with deployment(db_url, tracker, clock, **env) as dep:
        base = f"http://127.0.0.1:{port}"
        [registered] = [params for name, params in api.calls if name == "setWebhook"]
        # Each messenger its own secret, derived from WEBHOOK_SECRET.
        telegram_secret, bale_secret = platform_secret(SECRET, "telegram"), platform_secret(SECRET, "bale")
        assert len({SECRET, telegram_secret, bale_secret}) == 3
        if api.platform == "telegram":  # the secret travels in a header
            assert api.webhook == {"url": f"{base}/webhook/telegram", "secret_token": telegram_secret}
            assert "message" in registered["allowed_updates"]
        else:  # Bale sends no header: the secret is in the path
            assert api.webhook == {"url": f"{base}/webhook/bale/{bale_secret}", "secret_token": None}
            assert "allowed_updates" not in registered and "secret_token" not in registered
        user = UserDriver(api, tracker, MARYAM[0], "مریم")
        await user.send("/start")
        assert "حساب شما متصل شد" in (await user.share_contact(MARYAM[1])).text
        for _ in range(100):  # the fake records a delivery once its answer is back
            if len(api.webhook_posts) == 2:
                break
            await asyncio.sleep(0.02)
        assert [status for _, status in api.webhook_posts] == [200, 200]
        forged = api.message_update(user.user, "/status")
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{base}/webhook/telegram", json=forged) as r:
                assert r.status == 403  # no secret header (and, on Bale, no such route at all)
            for wrong in ("wrong", SECRET, bale_secret):  # the Bale path's secret opens nothing here
                headers = {"X-Telegram-Bot-Api-Secret-Token": wrong}
                async with http.post(f"{base}/webhook/telegram", json=forged, headers=headers) as r:
                    assert r.status == 403
            for wrong in ("not-the-secret", SECRET, telegram_secret):
                async with http.post(f"{base}/webhook/bale/{wrong}", json=forged) as r:
                    assert r.status == 404
            good = (
                (f"{base}/webhook/telegram", {"X-Telegram-Bot-Api-Secret-Token": telegram_secret})
                if api.platform == "telegram"
                else (f"{base}/webhook/bale/{bale_secret}", {})
            )
            for body in (b"{not json", b"null", b"[]", b"7"):
                async with http.post(good[0], data=body, headers=good[1]) as r:
                    assert r.status == 200  # dropped with a log line: a retry would be just as unreadable
            async with http.get(f"{base}/healthz") as r:
                assert r.status == 200 and (await r.json())["database"] == "ok"
            assert dep.web is not None
            dep.web.db = Database("postgresql+asyncpg://postgres@127.0.0.1:1/unreachable")
            async with http.get(f"{base}/healthz") as r:
                assert r.status == 503 and (await r.json())["database"] == "unreachable"
            await dep.web.db.dispose()
        assert len(tracker.done) == 2  # the refused requests reached no handler


class RoundRobin:
    """A load balancer in front of webhook instances: each request goes to the next one."""

    def __init__(self, backends: list[str]) -> None:
        self.backends, self._cycle = backends, itertools.cycle(range(len(backends)))
        self.routed: list[int] = []
        self.port = 0

    async def __aenter__(self) -> RoundRobin:
        self._http = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._runner.cleanup()
        await self._http.close()

    async def _forward(self, request: web.Request) -> web.Response:
        index = next(self._cycle)
        self.routed.append(index)
        url = self.backends[index] + request.path_qs
        async with self._http.request(
            request.method, url, data=await request.read(), headers=request.headers
        ) as r:
            return web.Response(status=r.status, body=await r.read())


async def test_two_webhook_instances_share_a_users_conversation(seeded, db_url):
    tracker, clock = UpdateTracker(), Clock(at(dt.date(2026, 11, 29)))
    ports = [free_port(), free_port()]
    async with FakeBotApi() as api, RoundRobin([f"http://127.0.0.1:{p}" for p in ports]) as balancer:
        common = {
            "BOT_TOKEN": api.token,
            "BOT_API_BASE_URL": api.base_url,
            "BOT_API_FILE_URL": api.file_base_url,
            "BOT_MODE": "webhook",
            "WEBHOOK_URL": f"http://127.0.0.1:{balancer.port}",
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_SECRET": SECRET,
        }
        async with (
            deployment(db_url, tracker, clock, WEBHOOK_PORT=ports[0], **common),
            deployment(db_url, tracker, clock, WEBHOOK_PORT=ports[1], **common),
        ):
            user = UserDriver(api, tracker, MARYAM[0], "مریم")
            await user.send("/start")
            await user.share_contact(MARYAM[1])
            await report_through(user)
            await asyncio.sleep(0)
    # Every other update went to the other instance, through the whole conversation.
    assert len(balancer.routed) == 10 and balancer.routed == [0, 1] * 5
    db = Database(db_url)
    async with db.session() as s:
        [achievement] = (await s.execute(select(Achievement))).scalars()
    await db.dispose()
    assert (achievement.jobs, achievement.sector, achievement.title) == (9, "industry", "کارگاه نجاری")


async def test_an_unreachable_messenger_does_not_keep_the_other_from_serving(seeded, db_url, caplog):
    tracker, clock = UpdateTracker(), Clock(at(dt.date(2026, 11, 29)))
    async with FakeBotApi(token="777:BALE", platform="bale") as bale:
        env = {
            "BOT_PLATFORMS": "telegram,bale",
            "TELEGRAM_BOT_TOKEN": "1:unreachable",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:1/bot",  # nothing listens: Telegram filtered
            "BALE_BOT_TOKEN": bale.token,
            "BALE_API_BASE_URL": bale.base_url,
            "BALE_API_FILE_URL": bale.file_base_url,
        }
        dep = Deployment(
            settings_for(db_url, **{"BOT_TOKEN": None, **env}),
            clock=clock,
            application_class=tracking_application_class(tracker),
        )
        await dep.start(poll_timeout=1, keep_trying=True)
        try:
            assert [a.bot_data["platform"] for a in dep.started] == ["bale"]
            user = UserDriver(bale, tracker, 88_000_001, "مریم")
            await user.send("/start")
            assert "حساب شما متصل شد" in (await user.share_contact(MARYAM[1])).text
            assert any("Telegram unreachable at start" in r.getMessage() for r in caplog.records)
        finally:
            await dep.stop()  # the retry in the background is cancelled, nothing left running
        assert not dep.started
        # Without keep_trying (tests, tools) the start fails whole and leaves nothing behind.
        dep = Deployment(settings_for(db_url, **{"BOT_TOKEN": None, **env}), clock=clock)
        with pytest.raises(NetworkError):
            await dep.start(poll_timeout=1)
        assert not dep.started and not any(a.running for a in dep.apps)


async def test_the_deployment_ticks_on_its_scheduler_and_stops_cleanly(seeded, db_url):
    # 1405/12/22, 09:30 Tehran: the milestone of 7 days before the deadline is due.
    tracker, clock = UpdateTracker(), Clock(at(dt.date(2027, 3, 13)))
    async with FakeBotApi(platform="telegram") as api:
        env = {"BOT_TOKEN": api.token, "BOT_API_BASE_URL": api.base_url, "SCHEDULER_TICK_SECONDS": 1}
        async with deployment(db_url, tracker, clock, **env):
            rep = UserDriver(api, tracker, MARYAM[0], "مریم")
            await rep.send("/start")
            assert "متصل شد" in (await rep.share_contact(MARYAM[1])).text
            for _ in range(200):  # the scheduler's first tick comes a second after the start
                if any("⏰" in (m.plain or "") for m in rep.chat_messages):
                    break
                await asyncio.sleep(0.05)
            reminders = [m for m in rep.chat_messages if "⏰" in (m.plain or "")]
            assert len(reminders) == 1 and "۷ روز تا پایان مهلت" in reminders[0].plain
        # Stopped: no tick runs any more.
        sent = len(api.outbox)
        await asyncio.sleep(1.5)
        assert len(api.outbox) == sent
