"""The HTTP layer under PTB, taught two platform habits before PTB reads the answer:

- a 429 without retry_after (Bale's "bot limit exceed"; PTB would raise a plain NetworkError, which no
  rate limiter retries) gets one: 2, 4, 8… seconds as they repeat, so the bot's rate limiter
  (bot/lanes.py) holds every call and retries, as for any 429;
- on Bale, a 404 other than getMe ("no such user", a method Bale lacks) becomes a 400: one call's failure,
  where PTB would raise InvalidToken as for a wrong token. A wrong token still fails getMe at start;
- a gateway error (502, 503, 504: the messenger's edge, common on Iranian networks) is tried again after
  0.5, 1 and 2 seconds, so that "saved" still reaches a user whose report was just committed. A gateway
  that failed after delivering may make a message arrive twice: better than a confirmation lost.
  getUpdates is left to PTB's polling loop, which retries on its own;
- the messenger out of reach (no connection): a send raises Unreachable, which the reminder sender takes as
  "stop for now", not as one message's failure; getUpdates tries again every 2 seconds, for as long as it
  takes (PTB's own loop would wait up to 30 s between tries, so users would wait that long after the
  network came back)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut

from bot.transport import PROXY_ERRORS, AiohttpRequest
from jobs.sender import Unreachable

log = logging.getLogger(__name__)


# No connection was made, so nothing was sent (a connect timeout arrives as TimedOut, from it).
_NOT_CONNECTED = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError, *PROXY_ERRORS)
# The network between the bot and the messenger failing (refused, reset, closed mid-answer).
_CUT_OFF = (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, *PROXY_ERRORS)


class PlatformRequest(AiohttpRequest):
    backoff: tuple[float, ...] = (2.0, 4.0, 8.0, 16.0, 30.0)
    gateway_backoff: tuple[float, ...] = (0.5, 1.0, 2.0)
    reconnect_wait = 2.0

    def __init__(self, platform: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.platform = platform
        self._streak = 0  # 429s without retry_after in a row

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if url.endswith("/getUpdates") and _long_poll(kwargs.get("request_data")):
            return await self._poll(url, method, *args, **kwargs)
        try:
            return await self._once(url, method, *args, **kwargs)
        except NetworkError as exc:
            if isinstance(exc.__cause__, _NOT_CONNECTED):
                raise Unreachable(str(exc)) from exc
            raise

    async def _poll(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        down_since: float | None = None
        while True:
            try:
                result = await self._once(url, method, *args, **kwargs)
            except NetworkError as exc:
                if isinstance(exc, TimedOut) or not isinstance(exc.__cause__, _CUT_OFF):
                    raise
                if down_since is None:
                    down_since = time.monotonic()
                    log.warning(
                        "%s unreachable (%s): polling again every %ss",
                        self.platform,
                        exc,
                        self.reconnect_wait,
                    )
                await asyncio.sleep(self.reconnect_wait)
                continue
            if down_since is not None:
                log.warning("%s reachable again after %.0f s", self.platform, time.monotonic() - down_since)
            return result

    async def _once(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(url, method, *args, **kwargs)
        if code in (502, 503, 504) and not url.endswith("/getUpdates"):
            for wait in self.gateway_backoff:
                log.info("gateway error %s on %s: trying again in %ss", code, url.rsplit("/", 1)[-1], wait)
                await asyncio.sleep(wait)
                code, payload = await super().do_request(url, method, *args, **kwargs)
                if code not in (502, 503, 504):
                    break
        if code == 429:
            payload = self._with_retry_after(payload)
        elif code < 400:
            self._streak = 0
        if self.platform == "bale" and code == 404 and not url.endswith("/getMe"):
            code = 400
        return code, payload

    def _with_retry_after(self, payload: bytes) -> bytes:
        try:
            body = json.loads(payload)
        except ValueError:
            body = {"ok": False, "error_code": 429, "description": "Too Many Requests"}
        parameters = body.get("parameters") or {}
        if parameters.get("retry_after"):
            return payload
        wait = self.backoff[min(self._streak, len(self.backoff) - 1)]
        self._streak += 1
        log.info("429 without retry_after (%s): waiting %ss", body.get("description"), wait)
        body["parameters"] = {**parameters, "retry_after": wait}
        return json.dumps(body).encode()


def _long_poll(data: Any) -> bool:
    """A polling call (PTB's last call on stopping has timeout 0: it must fail fast, not wait for the
    network to come back)."""
    parameters = getattr(data, "parameters", None) or {}
    return bool(parameters.get("timeout"))
