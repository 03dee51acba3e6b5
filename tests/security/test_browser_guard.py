"""Other web pages cannot drive the API through the user's browser: cross-site state changes and
WebSockets are refused, and without an API key the server answers only to loopback Host names, so a
hostile domain re-pointed at 127.0.0.1 (DNS rebinding) gets nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from websockets.typing import Origin

from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import asana_body, wait_for
from tests.support.fake_platform import FakeConnector

KEY = "browser-guard-test-key-0123456789abcdef"


def fakes() -> dict[str, Any]:
    return {"asana": FakeConnector("asana"), "okta": FakeConnector("okta")}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path, connectors=fakes()) as srv:
        yield srv


def test_cross_site_state_changes_are_refused(server: RunningServer) -> None:
    job_id = server.client.post("/api/jobs/start", json=asana_body()).json()["job_id"]
    wait_for(lambda: server.client.get(f"/api/jobs/{job_id}").json()["status"] == "running",
             message="the job running")
    for origin in ("http://evil.example.com", "null", server.base_url.replace("127.0.0.1", "localhost"),
                   "http://127.0.0.1:1"):
        response = server.client.post(f"/api/jobs/{job_id}/pause", headers={"Origin": origin})
        assert response.status_code == 403, origin
        assert response.json() == {"success": False, "error": "Cross-origin request refused: use the "
                                   "dashboard served by this server"}
    assert server.client.get(f"/api/jobs/{job_id}").json()["status"] == "running"
    same_site = server.client.post(f"/api/jobs/{job_id}/pause", headers={"Origin": server.base_url})
    assert same_site.status_code == 200 and same_site.json()["status"] == "paused"
    assert server.client.post(f"/api/jobs/{job_id}/resume").status_code == 200  # no Origin: curl, CLI
    # Reads stay readable by the dashboard and tools (the browser itself keeps them from other sites).
    assert server.client.get("/api/jobs", headers={"Origin": "http://evil.example.com"}).status_code == 200


def test_cross_site_websockets_are_closed_with_4403(server: RunningServer) -> None:
    job_id = server.client.post("/api/jobs/start", json=asana_body()).json()["job_id"]
    url = server.base_url.replace("http://", "ws://") + f"/api/jobs/{job_id}/stream"
    with connect(url, origin=Origin("http://evil.example.com"), open_timeout=10) as ws, \
            pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    with connect(url, origin=Origin(server.base_url), open_timeout=10) as ws:
        assert '"type"' in str(ws.recv(timeout=10))


@pytest.mark.parametrize("host", ["evil.example.com", "evil.example.com:5001", "10.0.0.5", "tenantsim.local"])
def test_without_a_key_only_loopback_host_names_are_answered(server: RunningServer, host: str) -> None:
    for path in ("/api/health", "/api/sandbox", "/"):
        response = server.client.get(path, headers={"Host": host})
        assert response.status_code == 400, (host, path)
        assert response.json()["error"].startswith("Invalid Host header")
    port = server.base_url.rsplit(":", 1)[1]
    for good in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "localhost"):
        assert server.client.get("/api/health", headers={"Host": good}).status_code == 200, good


def test_with_a_key_any_host_is_answered_and_a_proxy_origin_is_accepted(tmp_path: Path) -> None:
    with running_server(tmp_path, connectors=fakes(), api_key=KEY) as srv:
        auth = {"Authorization": f"Bearer {KEY}"}
        assert srv.client.get("/api/health", headers={"Host": "tenantsim.example.com"}).status_code == 200
        job_id = srv.client.post("/api/jobs/start", json=asana_body(), headers=auth).json()["job_id"]
        behind_proxy = {**auth, "Origin": "https://tenantsim.example.com",
                        "X-Forwarded-Host": "tenantsim.example.com"}
        assert srv.client.post(f"/api/jobs/{job_id}/pause", headers=behind_proxy).status_code == 200
        elsewhere = {**behind_proxy, "Origin": "https://evil.example.com"}
        assert srv.client.post(f"/api/jobs/{job_id}/resume", headers=elsewhere).status_code == 403
