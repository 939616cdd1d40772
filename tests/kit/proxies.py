"""Small proxies on loopback, as an IT office's would behave: a SOCKS5 server (RFC 1928, with the
username/password method of RFC 1929), an HTTP proxy that tunnels with CONNECT (Basic auth), one that
accepts and drops every connection, and a port where nothing listens. Each records what it was asked."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import socket
import struct
from dataclasses import dataclass, field


def closed_port() -> int:
    """A loopback port nothing listens on (a proxy that refuses)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def _tunnel(client: tuple[asyncio.StreamReader, asyncio.StreamWriter], host: str, port: int) -> bool:
    try:
        upstream = await asyncio.open_connection(host, port)
    except OSError:
        return False

    async def both() -> None:
        await asyncio.gather(_pipe(client[0], upstream[1]), _pipe(upstream[0], client[1]))

    asyncio.get_running_loop().create_task(both())
    return True


@dataclass
class Proxy:
    username: str | None = None
    password: str | None = None
    targets: list[tuple[str, int]] = field(default_factory=list)  # what clients asked to reach, as asked
    refused_logins: int = 0
    port: int = 0
    _server: asyncio.Server | None = None
    _clients: set[asyncio.StreamWriter] = field(default_factory=set)

    async def __aenter__(self) -> Proxy:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Listen (again, on the same port once it has one: an office's proxy client restarted)."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening and cut every tunnel, as a proxy client that exits does."""
        if self._server is None:
            return
        self._server.close()
        for writer in list(self._clients):
            writer.transport.abort()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)
        self._server = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._clients.add(writer)
        await self._serve(reader, writer)

    def url(self, scheme: str, *, password: str | None = None) -> str:
        login = ""
        if self.username:
            login = f"{self.username}:{password if password is not None else self.password}@"
        return f"{scheme}://{login}127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


class Socks5Proxy(Proxy):
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            _, count = await reader.readexactly(2)
            methods = await reader.readexactly(count)
            wanted = 2 if self.username else 0
            if wanted not in methods:
                writer.write(b"\x05\xff")
                return
            writer.write(bytes([5, wanted]))
            if wanted == 2:
                _, size = await reader.readexactly(2)
                user = (await reader.readexactly(size)).decode()
                size = (await reader.readexactly(1))[0]
                password = (await reader.readexactly(size)).decode()
                if (user, password) != (self.username, self.password):
                    self.refused_logins += 1
                    writer.write(b"\x01\x01")
                    return
                writer.write(b"\x01\x00")
            _, command, _, kind = await reader.readexactly(4)
            if kind == 1:
                host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
            elif kind == 3:
                host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
            else:
                host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
            (port,) = struct.unpack("!H", await reader.readexactly(2))
            self.targets.append((host, port))
            if command != 1 or not await _tunnel((reader, writer), host, port):
                writer.write(b"\x05\x05\x00\x01" + bytes(6))  # connection refused
                return
            writer.write(b"\x05\x00\x00\x01" + bytes(6))
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


class HttpProxy(Proxy):
    """CONNECT only: what a client uses to reach a host through an HTTP proxy it is told to tunnel with."""

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            method, target, _ = head[0].split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:] if h)}
            if self.username:
                expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
                if headers.get("proxy-authorization") != f"Basic {expected}":
                    self.refused_logins += 1
                    writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
                    return
            host, _, port = target.rpartition(":")
            self.targets.append((host, int(port)))
            if method != "CONNECT" or not await _tunnel((reader, writer), host, int(port)):
                writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            writer.close()


class DroppingProxy(Proxy):
    """Accepts, then closes at once: a proxy whose own way out is down."""

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.targets.append(("?", 0))
        writer.close()
