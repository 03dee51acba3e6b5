"""The SSRF guard at every door: job start (org and per-token URLs), token validation, the Okta read
endpoints and Asana's base_url. Each refused URL is a 400 in the envelope, and no connection is made:
a recording transport under the real connectors and a loopback listener both stay untouched."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tenantsim.connectors.base import ConnectorRuntime, ValidatedUser
from tenantsim.connectors.urlcheck import is_loopback_host
from tests.security.support import ConnectionCounter, RecordingTransport, counting_listener, serve_app
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import okta_body
from tests.support.fake_platform import FakeConnector

TOKEN = "00ssrf-test-token-aaaaaaaaaaaaaaaaaaaaaaaaaa"
GOOD_ORG = "https://dev-123456.okta.com"


@dataclass
class Rig:
    server: RunningServer
    transport: RecordingTransport
    listener: ConnectionCounter


def _rig(tmp_path: Path, sandbox: bool) -> Iterator[Rig]:
    transport = RecordingTransport()
    runtime = ConnectorRuntime(sandbox_mode=sandbox, transport=transport)
    with counting_listener() as listener, serve_app(tmp_path, runtime=runtime, sandbox=sandbox) as srv:
        yield Rig(srv, transport, listener)


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    yield from _rig(tmp_path_factory.mktemp("ssrf"), sandbox=False)


@pytest.fixture(scope="module")
def sandbox_rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    yield from _rig(tmp_path_factory.mktemp("ssrf-sandbox"), sandbox=True)


def refused_urls(listener: ConnectionCounter) -> list[str]:
    port = listener.port
    return [
        listener.url, f"{listener.url}/api/v1", f"https://127.0.0.1:{port}", f"http://localhost:{port}",
        "http://dev-123456.okta.com", "https://evil.example.com", "https://dev-1.okta.com.evil.example.com",
        "https://admin:pw@dev-1.okta.com", f"https://dev-1.okta.com@127.0.0.1:{port}",
        "https://dev-1.okta.com:8443", "https://169.254.169.254", "https://[::1]", "https://2130706433",
        "https://dev-1.okta.com/api/v1/users", "https://dev-1.okta.com?x=https://evil.example.com",
        "file:///etc/passwd", "gopher://dev-1.okta.com",
    ]


def okta_job(org_url: str, token_org_url: str | None = None) -> dict[str, Any]:
    return {"connection_type": "okta", "industry": "technology", "org_url": org_url, "org_size": "startup",
            "content_provider": "offline",
            "user_tokens": [{"name": "admin", "token": TOKEN, "org_url": token_org_url or org_url}]}


def doors(url: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("/api/jobs/start", okta_job(url)),
        ("/api/jobs/start", okta_job(GOOD_ORG, token_org_url=url)),
        ("/api/validate_token", {"connection_type": "okta", "token": TOKEN, "org_url": url}),
        ("/api/okta/orgs", {"token": TOKEN, "org_url": url}),
        ("/api/okta/apps", {"token": TOKEN, "org_url": url, "limit": 5}),
        ("/api/okta/users", {"token": TOKEN, "org_url": url, "limit": 5}),
        ("/api/okta/groups", {"token": TOKEN, "org_url": url, "limit": 5}),
    ]


def assert_refused(response: Any) -> None:
    assert response.status_code == 400, (response.request.url, response.request.content, response.text)
    body = response.json()
    assert body["success"] is False and body["error"].startswith("Invalid org_url"), body


def test_every_door_refuses_bad_org_urls_before_any_connection(rig: Rig) -> None:
    for url in refused_urls(rig.listener):
        for path, body in doors(url):
            assert_refused(rig.server.client.post(path, json=body))
    assert rig.transport.attempts == []
    assert rig.listener.connections == 0


def test_asana_base_url_is_fixed_outside_sandbox_mode(rig: Rig) -> None:
    base = f"{rig.listener.url}/api/1.0"
    for path, body in [
        ("/api/validate_token", {"api_key": TOKEN, "base_url": base}),
        ("/api/workspaces", {"api_key": TOKEN, "base_url": base}),
        ("/api/jobs/start", {"industry": "technology", "workspace_gid": "1", "base_url": base,
                             "content_provider": "offline", "user_tokens": [{"name": "u", "token": TOKEN}]}),
    ]:
        response = rig.server.client.post(path, json=body)
        assert response.status_code == 400, (path, response.text)
        answer = response.json()
        answer.pop("errors", None)  # a refused start also lists every problem
        assert answer == {"success": False,
                          "error": "base_url is only accepted in sandbox mode, for a loopback Asana"}
    assert rig.transport.attempts == []
    assert rig.listener.connections == 0


def test_the_witnesses_do_see_calls_that_are_allowed(rig: Rig, sandbox_rig: Rig) -> None:
    """Without this, zero attempts above could mean the witnesses are blind."""
    before = len(rig.transport.attempts)
    response = rig.server.client.post("/api/validate_token",
                                      json={"connection_type": "okta", "token": TOKEN, "org_url": GOOD_ORG})
    assert response.status_code == 401
    assert rig.transport.attempts[before:] == [f"{GOOD_ORG}/api/v1/users/me"]
    # Loopback tenants are for sandbox mode: there the listener is reached.
    response = sandbox_rig.server.client.post("/api/validate_token", json={
        "connection_type": "okta", "token": TOKEN, "org_url": sandbox_rig.listener.url})
    assert response.status_code == 401
    assert sandbox_rig.listener.connections == 1


def test_sandbox_mode_still_refuses_everything_not_loopback(sandbox_rig: Rig) -> None:
    connections = sandbox_rig.listener.connections
    attempts = len(sandbox_rig.transport.attempts)
    for url in refused_urls(sandbox_rig.listener):
        if is_loopback_host(urlsplit(url).hostname):
            continue  # loopback is what sandbox mode allows
        for path, body in doors(url):
            assert_refused(sandbox_rig.server.client.post(path, json=body))
    assert len(sandbox_rig.transport.attempts) == attempts
    assert sandbox_rig.listener.connections == connections


class RecordingFake(FakeConnector):
    """The fake platform, noting every org a token is shown to."""

    def __init__(self, connection_type: str) -> None:
        super().__init__(connection_type)
        self.shown_to: list[str] = []

    async def validate_token(self, credentials: dict[str, Any]) -> ValidatedUser:
        self.shown_to.append(str(credentials.get("org_url") or credentials.get("base_url") or ""))
        return await super().validate_token(credentials)


def test_a_clone_cannot_take_stored_tokens_to_another_tenant(tmp_path: Path) -> None:
    okta = RecordingFake("okta")
    with running_server(tmp_path, connectors={"okta": okta, "asana": RecordingFake("asana")}) as srv:
        job_id = srv.client.post("/api/jobs/start", json=okta_body()).json()["job_id"]
        elsewhere = "https://attacker-dev-1.okta.com"
        response = srv.client.post(f"/api/jobs/{job_id}/clone", json={"org_url": elsewhere})
        assert response.status_code == 400
        assert response.json()["error"] == "A clone that changes org_url needs its own user_tokens"
        assert elsewhere not in okta.shown_to
        own = [{"name": "mine", "token": "good-attacker-own", "org_url": elsewhere}]
        moved = srv.client.post(f"/api/jobs/{job_id}/clone", json={"org_url": elsewhere, "user_tokens": own})
        assert moved.status_code == 200, moved.text
        same = srv.client.post(f"/api/jobs/{job_id}/clone", json={"job_name": "same tenant"})
        assert same.status_code == 200, same.text
