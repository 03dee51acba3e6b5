"""Token checks and listings someone waits for answer within seconds, saying plainly why a tenant
cannot be reached, instead of retrying for long: the real connectors, in sandbox mode (loopback
tenants allowed), against a closed port and a host that accepts connections but never answers."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tenantsim.cli import build_sandbox_apps
from tenantsim.settings import Settings
from tests.support.apiserver import RunningServer, running_server
from tests.support.servers import free_port

ANSWER_WITHIN = 3.5  # seconds: the interactive deadline (3 s) and a little for the request itself


@pytest.fixture(scope="module")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    var_dir = tmp_path_factory.mktemp("interactive")
    port = free_port()
    settings = Settings(var_dir=var_dir, port=port, sandbox=True)
    with running_server(var_dir, sandbox_apps=build_sandbox_apps(settings), port=port) as srv:
        yield srv


@pytest.fixture
def silent_host() -> Iterator[str]:
    """A loopback port that accepts connections (the kernel's backlog) and never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def timed(srv: RunningServer, path: str, body: dict[str, Any]) -> tuple[Any, float]:
    started = time.monotonic()
    response = srv.client.post(path, json=body)
    return response, time.monotonic() - started


@pytest.mark.parametrize(("path", "body"), [
    ("/api/validate_token", {"connection_type": "okta", "token": "00sandbox-okta-admin"}),
    ("/api/validate_token", {"token": "00sandbox-okta-admin"}),  # Okta by its org_url alone
    ("/api/okta/orgs", {"token": "00sandbox-okta-admin"}),
    ("/api/okta/users", {"token": "00sandbox-okta-admin", "limit": 5}),
])
def test_a_refused_okta_org_is_said_at_once(sandbox_server: RunningServer, path: str,
                                            body: dict[str, Any]) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    response, took = timed(sandbox_server, path, {**body, "org_url": closed})
    assert response.status_code == 502, response.text
    assert response.json() == {"success": False, "error": f"could not reach {closed}: connection refused"}
    assert took < ANSWER_WITHIN


def test_a_refused_asana_is_said_at_once(sandbox_server: RunningServer) -> None:
    base = f"http://127.0.0.1:{free_port()}/api/1.0"
    for path, body in (("/api/workspaces", {"api_key": "1/abc", "base_url": base}),
                       ("/api/validate_token", {"api_key": "1/abc", "base_url": base})):
        response, took = timed(sandbox_server, path, body)
        assert response.status_code == 502, response.text
        assert response.json()["error"] == f"could not reach {base}: connection refused"
        assert took < ANSWER_WITHIN


def test_a_silent_org_answers_within_the_deadline(sandbox_server: RunningServer, silent_host: str) -> None:
    response, took = timed(sandbox_server, "/api/validate_token",
                           {"token": "00sandbox-okta-admin", "org_url": silent_host})
    assert response.status_code == 502, response.text
    assert response.json()["error"].startswith(f"could not reach {silent_host}: no answer within")
    assert took < ANSWER_WITHIN


def test_a_reachable_org_still_answers(sandbox_server: RunningServer) -> None:
    org_url = sandbox_server.client.get("/api/sandbox").json()["tenants"]["okta"]["org_url"]
    ok = sandbox_server.client.post("/api/validate_token", json={"token": "00sandbox-okta-admin",
                                                                  "org_url": org_url})
    assert ok.status_code == 200 and ok.json()["connection_type"] == "okta", ok.text
    wrong = sandbox_server.client.post("/api/validate_token", json={"token": "00wrong-token-value",
                                                                     "org_url": org_url})
    assert wrong.status_code == 401, wrong.text
    users = sandbox_server.client.post("/api/okta/users", json={"token": "00sandbox-okta-admin",
                                                                 "org_url": org_url, "limit": 3})
    assert users.status_code == 200 and users.json()["total"] == 3, users.text
