"""The httpx transport platform calls go through: HTTP/1.1 on asyncio's own transports, parsed by httptools.

httpx's default transport is httpcore: a pool that walks every connection (and polls idle ones' sockets)
for each request, h11's state machine in Python for every event of a message, and anyio's cancel scopes
around every read and write. On the throughput bench (four Okta jobs seeding, mostly POSTs with JSON
bodies) that was about two thirds of the server's CPU per platform call, even over our own socket layer
and with the pool split into shards to keep its scans short (1.57 ms per call in all). Here a request is
one write; the loop hands what it reads to llhttp (C), which wakes the waiting task once with the whole
response; an idle connection comes off a stack, and one the server closed is known from the loop's own
events. Responses are ``httpx.Response`` objects: everything above the transport is unchanged.

A transport given to the client instead (tests: ASGI, ``httpx.MockTransport``) is used as it is.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque

import httpx

from tenantsim.connectors.http11 import Connection, request_head
from tenantsim.connectors.response import PlatformResponse, ResponseHeaders

_DEFAULT_PORTS = {"http": 80, "https": 443}
# A request that found its kept-alive connection closed is sent again on a new one: at once if none of it
# had gone out; if it had (the server dropped the connection as the request went out, no answer came),
# only when its method may run twice, as browsers do. Anything else fails as with httpx's own transport.
_REPLAYABLE = frozenset({"GET", "HEAD", "OPTIONS"})


class _Pool:
    """The connections to one origin: idle ones on a stack (the most recent first), at most ``limit``."""

    def __init__(self, host: str, port: int, tls: ssl.SSLContext | None, limit: int, keep: int,
                 expiry: float | None, every: set[Connection]) -> None:
        self._host, self._port, self._tls = host, port, tls
        self._limit, self._keep, self._expiry = limit, keep, expiry
        self._idle: list[Connection] = []
        self._open = 0  # connections open, opening, or promised to a waiter
        self._waiters: deque[asyncio.Future[Connection | None]] = deque()
        self._every = every  # the transport's, to close them all

    async def acquire(self, timeouts: dict[str, float | None]) -> Connection:
        loop = asyncio.get_running_loop()
        idle = self._idle
        while idle:
            connection = idle.pop()
            if connection.closed:
                self._forget(connection)
            elif self._expiry is not None and loop.time() - connection.idle_since >= self._expiry:
                # the rest of the stack has been idle even longer
                for old in [connection, *idle]:
                    old.close()
                    self._forget(old)
                idle.clear()
            else:
                return connection
        if self._open >= self._limit:
            handed = await self._wait(loop, timeouts.get("pool"))
            if handed is not None:
                return handed
        else:
            self._open += 1
        try:
            return await self._connect(loop, timeouts.get("connect"))
        except BaseException:
            self._free_slot()
            raise

    def release(self, connection: Connection) -> None:
        """After a whole response: kept for the next request if the server keeps it open."""
        if not connection.reusable or connection.closed:
            self.discard(connection)
            return
        connection.reused = True
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        if len(self._idle) >= self._keep:
            self.discard(connection)
            return
        connection.idle_since = asyncio.get_running_loop().time()
        self._idle.append(connection)

    def discard(self, connection: Connection) -> None:
        connection.close()
        self._every.discard(connection)
        self._free_slot()

    def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()

    def _forget(self, connection: Connection) -> None:
        self._every.discard(connection)
        self._free_slot()

    def _free_slot(self) -> None:
        while self._waiters:  # the slot goes to a waiter, who opens a connection in it
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._open -= 1

    async def _wait(self, loop: asyncio.AbstractEventLoop, timeout: float | None) -> Connection | None:
        """A connection handed over, or None: a slot to open one in."""
        waiter: asyncio.Future[Connection | None] = loop.create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                return await waiter
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():  # handed something just as we gave up
                handed = waiter.result()
                if handed is None:
                    self._free_slot()
                else:
                    self.release(handed)
            else:
                waiter.cancel()
                self._waiters.remove(waiter)
            if isinstance(exc, TimeoutError):
                raise httpx.PoolTimeout("timed out waiting for a connection to the platform") from None
            raise

    async def _connect(self, loop: asyncio.AbstractEventLoop, timeout: float | None) -> Connection:
        try:
            async with asyncio.timeout(timeout):
                _, connection = await loop.create_connection(
                    lambda: Connection(loop), self._host, self._port, ssl=self._tls,
                    server_hostname=self._host if self._tls is not None else None)
        except TimeoutError:
            raise httpx.ConnectTimeout("timed out connecting to the platform") from None
        except OSError as exc:  # refused, unreachable, no such host, a certificate not trusted
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
        self._every.add(connection)
        return connection


class PlatformTransport(httpx.AsyncBaseTransport):
    def __init__(self, *, verify: ssl.SSLContext | str | bool = True, max_connections: int = 100,
                 max_keepalive_connections: int | None = None, keepalive_expiry: float | None = 5.0,
                 trust_env: bool = True) -> None:
        """``verify`` as httpx takes it. The limits are httpx's, per origin (a platform client talks to
        one): at most ``max_connections`` open, ``max_keepalive_connections`` of them kept idle (all by
        default), and an idle one older than ``keepalive_expiry`` seconds is closed rather than reused."""
        self._verify, self._trust_env = verify, trust_env
        self._tls: ssl.SSLContext | None = verify if isinstance(verify, ssl.SSLContext) else None
        self._limit = max(1, max_connections)
        self._keep = self._limit if max_keepalive_connections is None else max_keepalive_connections
        self._expiry = keepalive_expiry
        self._pools: dict[tuple[str, str, int], _Pool] = {}
        self._every: set[Connection] = set()

    def _pool(self, url: httpx.URL) -> _Pool:
        scheme = url.scheme
        if scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"the URL has a scheme that is not http or https: {scheme!r}")
        key = (scheme, url.host, url.port or _DEFAULT_PORTS[scheme])
        pool = self._pools.get(key)
        if pool is None:
            tls = None
            if scheme == "https":
                if self._tls is None:  # built once, when first needed (a CA bundle costs ~16 ms)
                    self._tls = httpx.create_ssl_context(verify=self._verify, trust_env=self._trust_env)
                tls = self._tls
            pool = self._pools[key] = _Pool(key[1], key[2], tls, self._limit, self._keep, self._expiry,
                                               self._every)
        return pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            body: bytes | None = request.content
        except httpx.RequestNotRead:  # a streamed body, written as it comes
            body = None
        return await self.exchange(request.method, request.url, request_head(request), body,
                                   request.extensions.get("timeout", {}),
                                   stream=request if body is None else None, stream_response=True)

    async def exchange(self, method: str, url: httpx.URL, head: bytes, body: bytes | None,
                       timeouts: dict[str, float | None], *, stream: httpx.Request | None = None,
                       stream_response: bool = False) -> PlatformResponse:
        """One request: ``head`` its request line and headers as sent, ``body`` its bytes, or None for
        the body ``stream`` (a request) gives. The response is read unless ``stream_response`` (httpx's
        client reads it through its own stream wrapper)."""
        pool = self._pool(url)
        while True:
            connection = await pool.acquire(timeouts)
            try:
                connection.begin(method == "HEAD")
                if body is not None:
                    await connection.write(head + body, timeouts.get("write"))
                else:
                    await connection.write(head, timeouts.get("write"))
                    if stream is not None:
                        await _write_stream(connection, stream, timeouts.get("write"))
                await connection.response(timeouts.get("read"))
            except httpx.TransportError:
                pool.discard(connection)
                if connection.reused and not connection.received and (
                        not connection.sent or (method in _REPLAYABLE and stream is None)):
                    continue  # a kept-alive connection the server had closed: once more on a new one
                raise
            except BaseException:  # cancelled mid-exchange: the connection is in an unknown state
                pool.discard(connection)
                raise
            content = b"".join(connection.body)
            response = PlatformResponse(
                connection.status, stream=httpx.ByteStream(content),
                extensions={"http_version": connection.version, "reason_phrase": connection.reason})
            response.headers = ResponseHeaders(connection.headers)
            # one look at the names instead of a lookup in httpx's headers for each
            names = b"\n".join([name for name, _ in connection.headers]).lower()
            response.sets_cookie = b"set-cookie" in names
            response.encoded = b"content-encoding" in names
            pool.release(connection)
            if not stream_response:
                response.take(content)
            return response

    async def aclose(self) -> None:
        for pool in self._pools.values():
            pool.close()
        for connection in list(self._every):
            connection.close()
        self._every.clear()
        self._pools.clear()


async def _write_stream(connection: Connection, request: httpx.Request, timeout: float | None) -> None:
    """A body that was not read into memory: as it comes, chunked unless httpx gave it a length."""
    chunked = request.headers.get("transfer-encoding", "").lower() == "chunked"
    async for part in request.stream:  # type: ignore[union-attr]
        if part:
            await connection.write(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part, timeout)
    if chunked:
        await connection.write(b"0\r\n\r\n", timeout)
