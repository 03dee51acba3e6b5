"""Pure-ASGI guards in front of the API: body size limit and API-key authentication."""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Close code a WebSocket gets when the key is missing or wrong (4000-4999 are the application's; 4401
# reads as "HTTP 401" to anyone who sees it).
WS_UNAUTHORIZED = 4401
WS_FORBIDDEN = 4403
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def send_error(send: Send, status: int, message: str,
                     extra_headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    body = json.dumps({"success": False, "error": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               *extra_headers]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413 in the envelope, before anything reads them.

    A declared Content-Length is refused at once; a chunked body is read up to the limit here (at most
    ``max_bytes`` held in memory) and replayed to the app, so an oversized one is answered with the same
    413 instead of surfacing in the app as a half-read body.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, prefix: str = "/api") -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        too_large = f"Request body too large: at most {self.max_bytes} bytes"
        for name, value in scope.get("headers", []):
            if name == b"content-length" and (not value.isdigit() or int(value) > self.max_bytes):
                await send_error(send, 413 if value.isdigit() else 400,
                                 too_large if value.isdigit() else "Invalid Content-Length header")
                return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: nothing to answer
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                await send_error(send, 413, too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _path_matches(pattern: str, path: str) -> bool:
    """``*`` stands for exactly one path segment, so ``/api/jobs/*/stream`` never covers deeper paths."""
    want, have = pattern.strip("/").split("/"), path.strip("/").split("/")
    if len(want) != len(have) or path != "/" + "/".join(have):
        return False
    return all((w == "*" and h != "") or w == h for w, h in zip(want, have, strict=True))


class ApiKeyAuth:
    """With an API key configured, /api/* and /metrics want ``Authorization: Bearer <key>``.

    The comparison is constant-time (hmac.compare_digest). ``exempt`` lists paths that stay open
    (``*`` = one segment). Browsers cannot set headers on a WebSocket, so the stream may also carry the
    key as ``?api_key=``; a refused WebSocket is accepted and closed at once with code 4401, so the
    client learns why instead of seeing a bare handshake failure.
    """

    def __init__(self, app: ASGIApp, api_key: str, exempt: tuple[str, ...]) -> None:
        self.app = app
        self.key = api_key.encode()
        self.exempt = exempt

    def protects(self, path: str) -> bool:
        guarded = path in ("/api", "/metrics") or path.startswith(("/api/", "/metrics/"))
        return guarded and not any(_path_matches(pattern, path) for pattern in self.exempt)

    def _supplied(self, scope: Scope) -> bytes:
        supplied = b""
        for name, value in scope.get("headers", []):
            if name == b"authorization" and value[:7].lower() == b"bearer ":
                supplied = value[7:].strip()
        if not supplied and scope["type"] == "websocket":
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            supplied = (query.get("api_key") or [""])[0].encode("latin-1", "replace")
        return supplied

    def authorised(self, scope: Scope) -> bool:
        # compare_digest on the full key even when nothing was sent: no early exit to time.
        return hmac.compare_digest(self._supplied(scope) or b"\0", self.key)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        open_route = scope["type"] not in ("http", "websocket") or not self.protects(scope["path"])
        if open_route or self.authorised(scope):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.accept"})
                await send({"type": "websocket.close", "code": WS_UNAUTHORIZED,
                            "reason": "Unauthorized: API key required"})
            return
        await send_error(send, 401, "Unauthorized: send 'Authorization: Bearer <TENANTSIM_API_KEY>'",
                         ((b"www-authenticate", b"Bearer"),))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _host_name(authority: str) -> str:
    """``127.0.0.1:5001`` -> ``127.0.0.1``; ``[::1]:5001`` -> ``::1``."""
    try:
        return (urlsplit(f"//{authority}").hostname or "").lower()
    except ValueError:
        return ""


class BrowserGuard:
    """Keeps other web pages away from the API a browser can reach.

    * Cross-site requests: a state-changing request (or a WebSocket) whose ``Origin`` is not this
      server's own is refused, so a page on another site cannot pause, clean up or clone jobs
      through the user's browser. Clients that send no Origin (curl, the CLI) are not affected.
    * DNS rebinding: with ``loopback_only`` (a server without an API key, which only listens on
      loopback) the ``Host`` header must name loopback, so a hostile domain re-pointed at 127.0.0.1
      is not treated as this server.
    """

    def __init__(self, app: ASGIApp, loopback_only: bool) -> None:
        self.app = app
        self.loopback_only = loopback_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host") or ""
        if self.loopback_only and _host_name(host) not in LOOPBACK_NAMES:
            await self._refuse(scope, receive, send, 400, "Invalid Host header: without TENANTSIM_API_KEY "
                               "this server answers only to 127.0.0.1 and localhost")
            return
        origin = _header(scope, b"origin")
        checked = scope["type"] == "websocket" or scope.get("method", "GET") in UNSAFE_METHODS
        # Behind a TLS proxy the page's origin is the proxy's name: X-Forwarded-Host (which a page on
        # another site cannot set without a CORS preflight this server never grants) says so.
        own = {host.lower(), (_header(scope, b"x-forwarded-host") or "").lower()} - {""}
        if checked and origin is not None and urlsplit(origin).netloc.lower() not in own:
            await self._refuse(scope, receive, send, 403,
                               "Cross-origin request refused: use the dashboard served by this server")
            return
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
        if scope["type"] == "websocket":
            if (await receive())["type"] == "websocket.connect":
                await send({"type": "websocket.accept"})
                await send({"type": "websocket.close", "code": WS_FORBIDDEN, "reason": message[:120]})
            return
        await send_error(send, status, message)
