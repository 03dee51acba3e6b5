"""One HTTP/1.1 connection to a platform: an asyncio protocol that writes a request and parses the response
with httptools (llhttp, in C) as the event loop reads it. The task that sent the request is woken once,
when the whole response is in. ``transport.py`` keeps these per origin and says why we have our own.
"""

from __future__ import annotations

import asyncio
import re

import httptools
import httpx

# Header names are tokens and values hold no CR, LF or NUL (RFC 9110): a value with a line break would
# smuggle a header. Checked in a few C calls per request (h11 checked each header in Python).
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # a method
_NAMES = re.compile(rb"(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:\x00[!#$%&'*+\-.^_`|~0-9A-Za-z]+)*)?")
_BAD_VALUE = re.compile(rb"[\r\n\x00]")


def check_fields(fields: list[tuple[bytes, bytes]]) -> None:
    names = b"\x00".join([name for name, _ in fields])  # a NUL in a name would not count as a split
    if _NAMES.fullmatch(names) is None or names.count(b"\x00") != max(0, len(fields) - 1) \
            or _BAD_VALUE.search(b"".join([value for _, value in fields])) is not None:
        raise httpx.LocalProtocolError("a request header has an invalid name or value")


def request_head(request: httpx.Request) -> bytes:
    """The request line and headers, as sent (httpx already added Host and the body's framing)."""
    raw = request.headers.raw
    check_fields(raw)
    if TOKEN.fullmatch(request.method) is None:
        raise httpx.LocalProtocolError("the request method is not a token")
    fields = b"".join([name + b": " + value + b"\r\n" for name, value in raw])
    return b"%s %s HTTP/1.1\r\n%s\r\n" % (request.method.encode("ascii"), request.url.raw_path, fields)


class Connection(asyncio.Protocol):
    """At most one request at a time (no pipelining)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._answer: asyncio.Future[None] | None = None  # the waiting request's; done when answered
        self._drained: asyncio.Future[None] | None = None  # set while the write buffer is over its mark
        self._timer: asyncio.TimerHandle | None = None
        self._read_timeout = 0.0
        self._last_read = 0.0
        self._head = False  # answering a HEAD: no body follows, whatever the headers say
        self.status = 0  # of the current response, once its headers are in
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.version = b"HTTP/1.1"
        self.sent = False  # the current request was handed to the socket (in part at least)
        self.received = False  # a byte of the current response arrived
        self.reusable = False  # the last response left the connection open for another request
        self.closed = False
        self.reused = False  # served a request before: the server may have closed it meanwhile
        self.idle_since = 0.0

    # -- the loop's side ---------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        answer = self._answer
        if answer is None or answer.done():
            # Nothing was asked: a server about to close (a 408) or one that is confused. Not reusable.
            self.close()
            return
        self.received = True
        self._last_read = self._loop.time()
        try:
            self._parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
            self._fail(httpx.RemoteProtocolError(f"invalid response from the platform: {exc}"))

    def eof_received(self) -> bool:
        self.closed = True
        self._ended(None)
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._ended(exc)
        self._wake(self._drained)

    def pause_writing(self) -> None:
        self._drained = self._loop.create_future()

    def resume_writing(self) -> None:
        self._wake(self._drained)
        self._drained = None

    # -- httptools' callbacks ----------------------------------------------------------------------
    def on_status(self, reason: bytes) -> None:
        self.reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.status = self._parser.get_status_code()
        self.version = b"HTTP/" + self._parser.get_http_version().encode("ascii")
        if self._head and self.status >= 200:
            self._complete(reusable=False)  # the parser would wait for a body that never comes

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.status < 200:  # an interim answer (100 Continue): the real one follows
            self.status, self.reason, self.headers = 0, b"", []
            return
        self._complete(reusable=self._parser.should_keep_alive())

    # -- the request's side ------------------------------------------------------------------------
    def begin(self, head_request: bool) -> None:
        self._answer = self._loop.create_future()
        self._head = head_request
        self.status, self.reason, self.headers, self.body = 0, b"", [], []
        self.sent = self.received = self.reusable = False

    async def write(self, data: bytes, timeout: float | None) -> None:
        if self.closed or self.transport is None or self.transport.is_closing():
            raise httpx.WriteError("the connection to the platform is closed")
        self.transport.write(data)
        self.sent = True
        if self._drained is not None:  # over the high-water mark (a big body): wait until it drains
            try:
                async with asyncio.timeout(timeout):
                    await self._drained
            except TimeoutError:
                raise httpx.WriteTimeout("timed out writing to the platform") from None

    async def response(self, timeout: float | None) -> None:
        """Until the whole response is in. ``timeout``: the longest silence, as httpx's read timeout."""
        answer = self._answer
        assert answer is not None
        if timeout is not None and not answer.done():
            self._read_timeout = timeout
            self._last_read = self._loop.time()
            self._timer = self._loop.call_later(timeout, self._check_silence)
        try:
            await answer
        finally:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    # -- inside ------------------------------------------------------------------------------------
    def _check_silence(self) -> None:
        # one timer per request, moved on when data came since (a timer per read would cost more)
        quiet = self._loop.time() - self._last_read
        if quiet >= self._read_timeout:
            self._timer = None
            self._fail(httpx.ReadTimeout("timed out reading from the platform"))
        else:
            self._timer = self._loop.call_later(self._read_timeout - quiet, self._check_silence)

    def _complete(self, *, reusable: bool) -> None:
        self.reusable = reusable
        self._wake(self._answer)

    def _ended(self, exc: Exception | None) -> None:
        answer = self._answer
        self.reusable = False
        if answer is None or answer.done():
            return
        if exc is None and self.status >= 200 and not self._framed():
            self._complete(reusable=False)  # a body that ends with the connection
        elif exc is not None:
            self._fail(httpx.ReadError(str(exc) or type(exc).__name__))
        elif not self.received:
            self._fail(httpx.RemoteProtocolError("Server disconnected without sending a response."))
        else:
            self._fail(httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body"))

    def _framed(self) -> bool:
        return any(name.lower() in (b"content-length", b"transfer-encoding") for name, _ in self.headers)

    def _fail(self, error: Exception) -> None:
        answer = self._answer
        self.close()
        if answer is not None and not answer.done():
            answer.set_exception(error)

    @staticmethod
    def _wake(waiter: asyncio.Future[None] | None) -> None:
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
