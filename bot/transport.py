"""PTB's HTTP requests over aiohttp instead of httpx.

Measured here (2 cores, Python 3.11; benchmarks/transport.py): one Bot API call costs about 1.2 ms of CPU
through PTB's HTTPXRequest (httpx, httpcore and anyio) and about 0.2 ms through aiohttp. A step of a
conversation makes three or four calls, so the transport was half of the bot's CPU per update.

Errors keep PTB's meaning: a timeout is TimedOut, any other failure NetworkError, with aiohttp's exception
as the cause (bot/request.py reads the cause to tell "no connection" from "cut off")."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from urllib.request import getproxies, proxy_bypass_environment  # type: ignore[attr-defined]  # in CPython, not in typeshed

import aiohttp
from aiohttp_socks import ProxyConnectionError, ProxyConnector, ProxyError, ProxyTimeoutError
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.logs import mask


class AiohttpRequest(BaseRequest):
    """PTB's BaseRequest on one aiohttp session (made in initialize: a session belongs to its loop).
    Defaults are HTTPXRequest's. A proxy of this messenger's own (`proxy`: SOCKS5, SOCKS4 or HTTP, through
    aiohttp-socks) carries every call; without one, an HTTP proxy comes from the environment (HTTPS_PROXY,
    HTTP_PROXY, NO_PROXY). aiohttp has no write timeout: an upload gets a total of write + read timeouts."""

    def __init__(
        self,
        connection_pool_size: int = 1,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        proxy: str | None = None,
    ) -> None:
        self._pool_size = connection_pool_size
        self._own_proxy = proxy
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str] = {}
        self._proxy_of: dict[tuple[str, str], str | None] = {}
        # The pool's slots, waited for here: aiohttp's own wait would end in the same error as a failed
        # connect, and "no connection to the messenger" stops a reminder run where a full pool should not.
        self._slots = asyncio.Semaphore(connection_pool_size)  # made again with each session (its loop)

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=self._connector(), headers={"User-Agent": self.USER_AGENT}
            )
            self._slots = asyncio.Semaphore(self._pool_size)
            # Read once: aiohttp's trust_env reads the environment and ~/.netrc on every call (0.6 ms each).
            self._proxies = {} if self._own_proxy else getproxies()
            self._proxy_of = {}

    def _connector(self) -> aiohttp.BaseConnector:
        if not self._own_proxy:
            return aiohttp.TCPConnector(limit=self._pool_size)
        # socks5h: the proxy resolves the messenger's name (a filtered name may resolve wrongly here)
        url = urlsplit(self._own_proxy)
        remote_dns = url.scheme == "socks5h"
        plain = urlunsplit(url._replace(scheme="socks5" if remote_dns else url.scheme))
        return ProxyConnector.from_url(plain, rdns=remote_dns, limit=self._pool_size)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        upload = bool(request_data and request_data.multipart_data)
        write = write_timeout
        if isinstance(write, DefaultValue):
            write = self._media_write_timeout if upload else self._write_timeout
        timeout = aiohttp.ClientTimeout(
            total=write + read if upload and write is not None and read is not None else None,
            connect=connect,
            sock_read=read,
        )
        if self._slots.locked():  # a free slot is taken at once, without wait_for's task
            try:
                await asyncio.wait_for(self._slots.acquire(), pool)
            except TimeoutError:
                raise TimedOut("Pool timeout: every connection is busy; the request was not sent") from None
        else:
            await self._slots.acquire()
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout, proxy=self._proxy(url)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's timeouts are asyncio.TimeoutError, which is TimeoutError
            raise TimedOut(mask(f"aiohttp.{type(exc).__name__}: {exc}")) from exc
        except aiohttp.ClientError as exc:  # its text may hold the URL, and so the token: masked
            via = f"proxy {redact(self._own_proxy)}: " if self._own_proxy else ""
            raise NetworkError(mask(f"{via}aiohttp.{type(exc).__name__}: {exc}")) from exc
        except PROXY_ERRORS as exc:  # the messenger's proxy refused, dropped or failed: nothing was sent
            raise NetworkError(mask(f"proxy {redact(self._own_proxy)}: {type(exc).__name__}: {exc}")) from exc
        finally:
            self._slots.release()

    def _proxy(self, url: str) -> str | None:
        """HTTP(S)_PROXY for this URL's scheme unless NO_PROXY names its host, as httpx decided."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxy_of:
            proxy = self._proxies.get(key[0])
            bypass = proxy is not None and proxy_bypass_environment(key[1], self._proxies)
            self._proxy_of[key] = None if bypass else proxy
        return self._proxy_of[key]


PROXY_ERRORS = (ProxyError, ProxyConnectionError, ProxyTimeoutError)


def redact(url: str | None) -> str:
    """A proxy's address for a log line: its password, if any, replaced."""
    if not url:
        return "-"
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]  # as written: an IPv6 address keeps its brackets
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def _body(request_data: RequestData | None) -> Any:
    """Form fields as PTB gives them (JSON-encoded values); multipart when there are files to upload."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    files = request_data.multipart_data
    if not files:
        return fields or None
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
