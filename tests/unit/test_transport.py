"""The aiohttp transport under PTB (bot/transport.py) against small local servers."""

import asyncio
import contextlib

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.request import PlatformRequest
from jobs.sender import Unreachable


@contextlib.asynccontextmanager
async def serve(handler):
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def test_a_full_pool_is_a_timeout_not_the_messenger_out_of_reach():
    """Every connection busy: PTB's pool timeout (nothing sent), never Unreachable, which would stop a
    reminder run as if the messenger were down."""
    release = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        await release.wait()
        return web.json_response({"ok": True, "result": True})

    async with serve(slow) as base:
        request = PlatformRequest("telegram", connection_pool_size=1, pool_timeout=0.2)
        await request.initialize()
        try:
            first = asyncio.create_task(request.post(f"{base}/bot1:x/getMe", None, read_timeout=5))
            await asyncio.sleep(0.1)
            with pytest.raises(TimedOut) as full:
                await request.post(f"{base}/bot1:x/getMe", None, read_timeout=5)
            assert not isinstance(full.value, Unreachable) and "Pool timeout" in str(full.value)
            release.set()
            assert await first is True
        finally:
            await request.shutdown()


async def test_an_upload_nobody_reads_times_out():
    """A server that takes the connection and never reads: the upload ends in TimedOut after the write and
    read timeouts, where aiohttp alone would wait for the operating system."""

    async def never_read(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    server = await asyncio.start_server(never_read, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = PlatformRequest("telegram", connection_pool_size=1, read_timeout=0.5, media_write_timeout=0.5)
    await request.initialize()
    upload = InputFile(b"x" * 30_000_000, filename="رتبه‌بندی.xlsx", attach=True)
    data = RequestData(
        [RequestParameter.from_input("chat_id", 1), RequestParameter.from_input("document", upload)]
    )
    try:
        # A guard against hanging, not a speed check: without the upload's total timeout this never ends.
        async with asyncio.timeout(60):
            with pytest.raises(TimedOut):
                await request.post(f"http://127.0.0.1:{port}/bot1:x/sendDocument", data)
    finally:
        await request.shutdown()
        server.close()


async def test_proxies_come_from_the_environment(monkeypatch):
    """HTTPS_PROXY / HTTP_PROXY are honoured, as PTB's httpx transport did: a host that does not resolve is
    reached through the proxy."""
    seen: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        seen.append(str(request.url))
        return web.json_response({"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "b"}})

    async with serve(proxy) as base:
        monkeypatch.setenv("HTTP_PROXY", base)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        request = PlatformRequest("telegram", connection_pool_size=1)
        await request.initialize()
        try:
            result = await request.post("http://api.telegram.invalid/bot1:x/getMe", None)
        finally:
            await request.shutdown()
        assert result["first_name"] == "b"
        assert len(seen) == 1 and "api.telegram.invalid" in seen[0]

        monkeypatch.setenv("NO_PROXY", "api.telegram.invalid")  # named there: straight to it, which fails
        request = PlatformRequest("telegram", connection_pool_size=1)
        await request.initialize()
        try:
            with pytest.raises(NetworkError):
                await request.post("http://api.telegram.invalid/bot1:x/getMe", None)
        finally:
            await request.shutdown()
        assert len(seen) == 1  # the proxy, still up, was not asked
