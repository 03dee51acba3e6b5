"""A tenant that answers with a redirect, or a pagination link, to another host is not followed: the
token is never sent anywhere but the org that was checked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tenantsim.connectors.base import ConnectorRuntime
from tests.security.support import ConnectionCounter, RecordingTransport, counting_listener, serve_app
from tests.support.apiserver import RunningServer
from tests.support.servers import serve_asgi

TOKEN = "00redirect-test-token-aaaaaaaaaaaaaaaaaaaaaa"


def hostile_org(elsewhere: str, hits: list[str]) -> Starlette:
    """An org that sends every caller elsewhere: 302 for /users/me, a foreign next link for lists."""

    async def me(request: Request) -> Response:
        hits.append(request.url.path)
        return RedirectResponse(f"{elsewhere}/api/v1/users/me", status_code=302)

    async def listing(request: Request) -> Response:
        hits.append(request.url.path)
        return JSONResponse([], headers={"Link": f'<{elsewhere}/api/v1/users?after=x>; rel="next"'})

    async def asana_me(request: Request) -> Response:
        hits.append(request.url.path)
        return RedirectResponse(f"{elsewhere}/api/1.0/users/me", status_code=307)

    return Starlette(routes=[Route("/api/v1/users/me", me), Route("/api/v1/users", listing),
                             Route("/api/v1/groups", listing), Route("/api/v1/apps", listing),
                             Route("/api/1.0/users/me", asana_me)])


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[tuple[RunningServer, str, ConnectionCounter, list[str]]]:
    hits: list[str] = []
    runtime = ConnectorRuntime(sandbox_mode=True, transport=RecordingTransport())
    with counting_listener() as elsewhere, serve_asgi(hostile_org(elsewhere.url, hits)) as org_url, \
            serve_app(tmp_path, runtime=runtime, sandbox=True) as srv:
        yield srv, org_url, elsewhere, hits


def assert_platform_error(response: Any) -> None:
    assert 400 <= response.status_code < 600 and response.status_code != 500, response.text
    body = response.json()
    assert body["success"] is False and body["error"], body
    assert TOKEN not in response.text


def test_a_redirect_to_another_host_is_not_followed(rig: tuple[RunningServer, str, ConnectionCounter,
                                                               list[str]]) -> None:
    srv, org_url, elsewhere, hits = rig
    okta = {"connection_type": "okta", "token": TOKEN, "org_url": org_url}
    assert_platform_error(srv.client.post("/api/validate_token", json=okta))
    assert_platform_error(srv.client.post("/api/okta/orgs", json={"token": TOKEN, "org_url": org_url}))
    assert_platform_error(srv.client.post("/api/validate_token",
                                          json={"api_key": TOKEN, "base_url": f"{org_url}/api/1.0"}))
    assert "/api/v1/users/me" in hits and "/api/1.0/users/me" in hits  # the org itself was asked
    assert elsewhere.connections == 0


def test_a_pagination_link_to_another_host_is_not_followed(rig: tuple[RunningServer, str, ConnectionCounter,
                                                                      list[str]]) -> None:
    srv, org_url, elsewhere, hits = rig
    for kind in ("users", "groups", "apps"):
        body = {"token": TOKEN, "org_url": org_url, "limit": 500}
        response = srv.client.post(f"/api/okta/{kind}", json=body)
        assert_platform_error(response)
        assert f"/api/v1/{kind}" in hits
    assert elsewhere.connections == 0
