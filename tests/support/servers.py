"""Run an ASGI app on a real loopback port in a background thread (real HTTP, no mocks)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _ThreadServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # signals belong to the test process
        pass


@contextlib.contextmanager
def _served(config: uvicorn.Config, url: str, *, force_after: float | None = None) -> Iterator[str]:
    """Yield ``url`` while uvicorn serves ``config`` in a thread. ``force_after``: seconds to wait for open
    connections to close before cutting them."""
    server = _ThreadServer(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:  # start-up handshake, not synchronisation of the code under test
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield url
    finally:
        server.should_exit = True
        if force_after is not None:
            thread.join(timeout=force_after)
            if thread.is_alive():  # a client left a connection open: stop waiting for it
                server.force_exit = True
        thread.join(timeout=10)


@contextlib.contextmanager
def serve_asgi(app: Any, port: int | None = None) -> Iterator[str]:
    """Yield ``http://127.0.0.1:<port>`` while ``app`` is served by uvicorn in a thread."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="auto")
    with _served(config, f"http://127.0.0.1:{port}") as url:
        yield url


@contextlib.contextmanager
def serve_tls(app: Any, cert: str, key: str) -> Iterator[str]:
    """Yield ``https://127.0.0.1:<port>`` while ``app`` is served by uvicorn with TLS in a thread."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="auto",
                            ssl_certfile=cert, ssl_keyfile=key)
    with _served(config, f"https://127.0.0.1:{port}", force_after=2) as url:
        yield url
