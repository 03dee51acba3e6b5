"""Helpers for the security tests: witnesses of outbound traffic and secret scanners."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tenantsim.api.app import create_app
from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.settings import Settings
from tests.support.apiserver import RunningServer
from tests.support.servers import free_port, serve_asgi


@dataclass
class ConnectionCounter:
    """A loopback listener that counts TCP connections and answers each with a bare 401.

    A tenant URL pointing here that the server refused must leave ``connections`` at zero; one it
    accepted shows up at once (the 401 keeps the caller from retrying).
    """

    port: int = 0
    connections: int = 0
    _sock: socket.socket | None = None
    _thread: threading.Thread | None = None
    _closing: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._closing:
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue  # wake up now and then to notice the end of the test
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(2)
                with contextlib.suppress(OSError):
                    conn.recv(65536)
                    conn.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: 2\r\nConnection: close\r\n\r\n{}")


@contextlib.contextmanager
def counting_listener() -> Iterator[ConnectionCounter]:
    counter = ConnectionCounter()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.1)
    counter.port = int(sock.getsockname()[1])
    counter._sock = sock
    counter._thread = threading.Thread(target=counter._serve, daemon=True)
    counter._thread.start()
    try:
        yield counter
    finally:
        counter._closing = True
        sock.close()
        counter._thread.join(timeout=5)


class RecordingTransport(httpx.AsyncBaseTransport):
    """Under the real connectors: records every request they try to send. Loopback requests go
    through for real (the embedded sandbox, test listeners); any other host answers 401 at once, like
    an org that refuses the token, so no test ever reaches the internet."""

    def __init__(self) -> None:
        self.attempts: list[str] = []
        self._inner = httpx.AsyncHTTPTransport()

    def outside(self) -> list[str]:
        return [url for url in self.attempts if httpx.URL(url).host not in ("127.0.0.1", "localhost")]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts.append(str(request.url))
        if request.url.host in ("127.0.0.1", "localhost"):
            return await self._inner.handle_async_request(request)
        return httpx.Response(401, json={"errorCode": "E0000011", "errorSummary": "Invalid token provided",
                                         "errors": [{"message": "Not Authorized"}]}, request=request)

    async def aclose(self) -> None:
        """Every client the connectors build shares this transport and closes it when done; closing
        the shared pool under another client's request would hang that request, so stay open."""


def leaks(secrets: Iterable[str], text: str | bytes) -> list[str]:
    """The secrets that appear in ``text``, whole."""
    data = text if isinstance(text, bytes) else text.encode()
    return [s for s in secrets if s.encode() in data]


def files_bytes(folder: Path, skip: Iterable[str] = ("secret.key",)) -> dict[str, bytes]:
    """Every file under ``folder`` (the database, its WAL and journal files), raw bytes."""
    skipped = set(skip)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in skipped}


@contextlib.contextmanager
def serve_app(var_dir: Path, *, sandbox_apps: dict[str, Any] | None = None,
              runtime: ConnectorRuntime | None = None, connectors: dict[str, Any] | None = None,
              **overrides: Any) -> Iterator[RunningServer]:
    """Like tests.support.apiserver.running_server, plus an injected ConnectorRuntime (a recording or
    offline transport under the real connectors)."""
    port = free_port()
    overrides.setdefault("sandbox", bool(sandbox_apps))
    settings = Settings(var_dir=var_dir, port=port, heartbeat_seconds=0.5, **overrides)
    app = create_app(settings, sandbox_apps=sandbox_apps or {}, runtime=runtime, connectors=connectors)
    with serve_asgi(app, port=port) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
        yield RunningServer(base_url, client, app, settings)
