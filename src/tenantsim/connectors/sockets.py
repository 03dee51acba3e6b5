"""httpcore's network I/O on asyncio's own transports, for the connections to platforms.

httpcore reaches sockets through anyio on asyncio, which costs a cancel scope, a send guard and a
checkpoint per read and write, and rebuilds a dict of socket attributes (then polls the socket) every
time the pool asks whether an idle connection was closed by the server: about a fifth of the server's
CPU per platform call. Here a protocol buffers what the event loop reads and answers those questions
from its own state; a timeout is one timer on the loop.

``platform_client.PlatformClient`` puts it under its transport to the network; a transport given in
tests (``httpx.MockTransport``) has no sockets.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Iterable
from typing import Any, cast

import httpcore


class _Connection(asyncio.Protocol):
    """What the loop delivered on one connection, and the one task waiting to read or write it."""

    def __init__(self) -> None:
        self.chunks: deque[bytes] = deque()
        self.ended = False  # the server sent EOF or the connection is gone
        self.error: Exception | None = None
        self._reader: asyncio.Future[bool] | None = None
        self._drained: asyncio.Future[bool] | None = None

    # -- the loop's side ---------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        _wake(self._reader)

    def eof_received(self) -> None:
        self.ended = True
        _wake(self._reader)

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self.error = exc
        _wake(self._reader)
        _wake(self._drained)

    def pause_writing(self) -> None:
        self._drained = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        _wake(self._drained)
        self._drained = None

    # -- the task's side ---------------------------------------------------------------------------
    @property
    def readable(self) -> bool:
        """A read would return at once: data, or the end. The loop reads the socket whenever it is
        readable, so this is the socket's state as of the loop's last poll (no poll of our own)."""
        return bool(self.chunks) or self.ended

    async def until_readable(self, timeout: float | None) -> bool:
        """False when ``timeout`` passed first."""
        self._reader = asyncio.get_running_loop().create_future()
        return await _within(self._reader, timeout)

    async def until_drained(self, timeout: float | None) -> bool:
        """Waits while the transport's write buffer is over its high-water mark."""
        return True if self._drained is None else await _within(self._drained, timeout)


def _wake(waiter: asyncio.Future[bool] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(True)


async def _within(waiter: asyncio.Future[bool], timeout: float | None) -> bool:
    if timeout is None:
        return await waiter
    timer = asyncio.get_running_loop().call_later(timeout, _expire, waiter)
    try:
        return await waiter
    finally:
        timer.cancel()


def _expire(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(False)


class AsyncioStream(httpcore.AsyncNetworkStream):
    def __init__(self, transport: asyncio.Transport, connection: _Connection) -> None:
        self._transport = transport
        self._connection = connection
        self._closed = False

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        connection = self._connection
        if not connection.readable and not await connection.until_readable(timeout):
            raise httpcore.ReadTimeout("timed out reading from the platform")
        if connection.chunks:
            chunk = connection.chunks.popleft()
            if len(chunk) > max_bytes:
                connection.chunks.appendleft(chunk[max_bytes:])
                chunk = chunk[:max_bytes]
            return chunk
        if self._closed or connection.error is not None:
            raise httpcore.ReadError(str(connection.error or "the connection is closed"))
        return b""  # the server ended the connection

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        if self._closed or self._transport.is_closing() or self._connection.error is not None:
            raise httpcore.WriteError(str(self._connection.error or "the connection is closed"))
        self._transport.write(buffer)
        if not await self._connection.until_drained(timeout):
            raise httpcore.WriteTimeout("timed out writing to the platform")

    async def aclose(self) -> None:
        self._closed = True
        self._transport.abort()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(self._transport, self._connection, ssl_context,
                                                 server_hostname=server_hostname)
        except TimeoutError:
            self._transport.abort()
            raise httpcore.ConnectTimeout("timed out in the TLS handshake") from None
        except (OSError, ssl.SSLError) as exc:
            self._transport.abort()
            raise httpcore.ConnectError(str(exc)) from exc
        # (typed as optional; uvloop's transports are not subclasses of asyncio's to check against)
        return AsyncioStream(cast(asyncio.Transport, transport), self._connection)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return self._connection.readable
        names = {"ssl_object": "ssl_object", "client_addr": "sockname", "server_addr": "peername",
                 "socket": "socket"}
        return self._transport.get_extra_info(names[info]) if info in names else None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        local = (local_address, 0) if local_address else None
        return await self._connect(lambda connection: asyncio.get_running_loop().create_connection(
            lambda: connection, host, port, local_addr=local), timeout, socket_options)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:
        return await self._connect(lambda connection: asyncio.get_running_loop().create_unix_connection(
            lambda: connection, path), timeout, socket_options)

    async def _connect(self, open_with: Any, timeout: float | None,
                       socket_options: Iterable[Any] | None) -> httpcore.AsyncNetworkStream:
        connection = _Connection()
        try:
            async with asyncio.timeout(timeout):
                transport, _ = await open_with(connection)
        except TimeoutError:
            raise httpcore.ConnectTimeout("timed out connecting to the platform") from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        sock = transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(transport, connection)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
