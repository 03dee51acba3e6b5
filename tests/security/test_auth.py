"""With TENANTSIM_API_KEY set, every /api route but health (and, by default, the stream and /metrics)
wants ``Authorization: Bearer <key>``; anything else gets 401 in the envelope."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tenantsim.api import middleware
from tests.support.apiserver import RunningServer, running_server
from tests.support.fake_platform import FakeConnector

KEY = "tenantsim-test-api-key-0123456789abcdef"
EXEMPT_BY_DEFAULT = {"/api/health", "/api/jobs/{job_id}/stream", "/metrics"}


def guarded_routes(app: Any) -> list[tuple[str, str]]:
    """(method, path template) for every HTTP route under /api and /metrics; "WS" for WebSockets."""
    found: list[tuple[str, str]] = []
    for context in iter_route_contexts(app.routes):
        route, path = context.route, str(context.path)
        if not (path.startswith("/api/") or path == "/metrics"):
            continue
        if isinstance(route, APIWebSocketRoute):
            found.append(("WS", path))
        elif isinstance(route, APIRoute):
            found.extend((method, path) for method in sorted(route.methods or ()))
    return found


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "job_missing", path)


def ws_url(srv: RunningServer, path: str) -> str:
    return srv.base_url.replace("http://", "ws://") + path


def fake_connectors() -> dict[str, Any]:
    return {"asana": FakeConnector("asana"), "okta": FakeConnector("okta")}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path, connectors=fake_connectors(), api_key=KEY) as srv:
        yield srv


@pytest.fixture
def strict_server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path, connectors=fake_connectors(), api_key=KEY, auth_exempt_stream=False,
                        auth_exempt_metrics=False) as srv:
        yield srv


def call(srv: RunningServer, method: str, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    if path.endswith("/stream"):  # an open stream would never end: only look at the status line
        with srv.client.stream(method, path, headers=headers) as response:
            if response.status_code != 200:
                response.read()
            return response
    return srv.client.request(method, path, headers=headers)


def assert_unauthorised(response: httpx.Response) -> None:
    assert response.status_code == 401, (response.request.url, response.status_code)
    assert response.json() == {"success": False,
                               "error": "Unauthorized: send 'Authorization: Bearer <TENANTSIM_API_KEY>'"}
    assert response.headers["www-authenticate"] == "Bearer"


def test_route_listing_covers_the_api(server: RunningServer) -> None:
    routes = guarded_routes(server.app)
    paths = {path for _, path in routes}
    assert {"/api/jobs/start", "/api/jobs/{job_id}", "/api/validate_token", "/api/okta/orgs",
            "/api/workspaces", "/api/jobs/{job_id}/stream", "/metrics"} <= paths
    assert ("WS", "/api/jobs/{job_id}/stream") in routes


def test_every_api_route_wants_the_key(server: RunningServer) -> None:
    checked = 0
    for method, path in guarded_routes(server.app):
        if method == "WS" or path in EXEMPT_BY_DEFAULT:
            continue
        for headers in (None, {"Authorization": "Bearer wrong-key"}, {"Authorization": f"Basic {KEY}"},
                        {"Authorization": f"Bearer {KEY}x"}, {"Authorization": "Bearer"},
                        {"Authorization": f"Bearer {KEY[:-1]}"}):
            assert_unauthorised(call(server, method, concrete(path), headers))
        allowed = call(server, method, concrete(path), {"Authorization": f"Bearer {KEY}"})
        assert allowed.status_code != 401, (method, path, allowed.text)
        checked += 1
    assert checked >= 15


def test_health_stream_and_metrics_are_open_by_default(server: RunningServer) -> None:
    assert server.client.get("/api/health").status_code == 200
    assert server.client.get("/metrics").status_code == 200
    assert call(server, "GET", "/api/jobs/job_missing/stream").status_code == 404
    # Exemptions are exact: one path segment for the job id, nothing deeper, no look-alikes.
    for near_miss in ("/api/health/", "/api/jobs/a/b/stream", "/api/jobs//stream", "/metrics/x",
                      "/api/jobs/start/stream/x"):
        assert_unauthorised(server.client.get(near_miss))


def test_the_key_is_compared_in_constant_time(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[bytes, bytes]] = []
    real = middleware.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(middleware.hmac, "compare_digest", spy)
    assert server.client.get("/api/jobs", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert server.client.get("/api/jobs").status_code == 401
    assert server.client.get("/api/jobs", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    assert [b for _, b in seen] == [KEY.encode()] * 3
    assert seen[0][0] == b"nope" and seen[2][0] == KEY.encode()


def test_stream_and_metrics_can_be_guarded_too(strict_server: RunningServer) -> None:
    srv = strict_server
    assert srv.client.get("/api/health").status_code == 200
    assert_unauthorised(srv.client.get("/metrics"))
    assert_unauthorised(call(srv, "GET", "/api/jobs/job_missing/stream"))
    assert srv.client.get("/metrics", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200


def test_websocket_without_the_key_is_closed_with_4401(strict_server: RunningServer) -> None:
    for url in (ws_url(strict_server, "/api/jobs/job_missing/stream"),
                ws_url(strict_server, "/api/jobs/job_missing/stream?api_key=wrong")):
        with connect(url, open_timeout=10) as ws, pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


def test_websocket_with_the_key_gets_past_the_guard(strict_server: RunningServer) -> None:
    job_id = strict_server.client.post(
        "/api/jobs/start", headers={"Authorization": f"Bearer {KEY}"},
        json={"industry": "technology", "workspace_gid": "1", "content_provider": "offline",
              "user_tokens": [{"name": "u", "token": "good-asana-token"}]}).json()["job_id"]
    for url, headers in ((ws_url(strict_server, f"/api/jobs/{job_id}/stream?api_key={KEY}"), None),
                         (ws_url(strict_server, f"/api/jobs/{job_id}/stream"),
                          {"Authorization": f"Bearer {KEY}"})):
        with connect(url, open_timeout=10, additional_headers=headers) as ws:
            first = ws.recv(timeout=10)
        assert '"type"' in str(first)


def test_without_a_key_configured_nothing_is_guarded(tmp_path: Path) -> None:
    with running_server(tmp_path, connectors=fake_connectors()) as srv:
        assert srv.client.get("/api/jobs").status_code == 200
        assert srv.client.get("/metrics").status_code == 200
