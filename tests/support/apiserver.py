"""Start the real tenantsim app on a loopback port, in this process, for API tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tenantsim.api.app import create_app
from tenantsim.settings import Settings
from tests.support.servers import free_port, serve_asgi


@dataclass
class RunningServer:
    base_url: str
    client: httpx.Client
    app: Any
    settings: Settings


@contextlib.contextmanager
def running_server(var_dir: Path, database_url: str = "", *, connectors: dict[str, Any] | None = None,
                   sandbox_apps: dict[str, Any] | None = None, port: int | None = None,
                   **settings_overrides: Any) -> Iterator[RunningServer]:
    port = port or free_port()
    settings = Settings(var_dir=var_dir, database_url=database_url, port=port,
                        sandbox=bool(sandbox_apps), heartbeat_seconds=0.5, **settings_overrides)
    app = create_app(settings, sandbox_apps=sandbox_apps or {}, connectors=connectors)
    with serve_asgi(app, port=port) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
        yield RunningServer(base_url, client, app, settings)
