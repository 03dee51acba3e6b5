"""A platform that answers an interactive call with a server error (5xx) is the platform's failure,
not ours and not the caller's: the client gets a 502 in the error envelope, at once, with no token in
it. The platforms are loopback servers that answer every request with that status."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tenantsim.cli import build_sandbox_apps
from tenantsim.settings import Settings
from tests.support.apiserver import RunningServer, running_server
from tests.support.servers import free_port, serve_asgi

OKTA_TOKEN = "00failing-org-token-value-1234"
ASANA_TOKEN = "1/failing-asana-token-5678"


class FailingPlatform:
    """Answers every request with ``status``, and remembers what it was asked."""

    def __init__(self) -> None:
        self.status = 500
        self.paths: list[str] = []

    async def answer(self, request: Request) -> JSONResponse:
        self.paths.append(request.url.path)
        body = {"errorCode": "E0000009", "errorSummary": "Internal Server Error"}
        return JSONResponse(body, status_code=self.status)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self.answer, methods=["GET", "POST"])])


@pytest.fixture(scope="module")
def failing() -> Iterator[tuple[FailingPlatform, str]]:
    platform = FailingPlatform()
    with serve_asgi(platform.app()) as base_url:
        yield platform, base_url


@pytest.fixture(scope="module")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    var_dir = tmp_path_factory.mktemp("platform-errors")
    port = free_port()
    settings = Settings(var_dir=var_dir, port=port, sandbox=True)  # sandbox mode: loopback tenants allowed
    with running_server(var_dir, sandbox_apps=build_sandbox_apps(settings), port=port) as srv:
        yield srv


@pytest.mark.parametrize("status", [500, 503])
@pytest.mark.parametrize(("path", "body", "asked"), [
    ("/api/okta/users", {"token": OKTA_TOKEN, "limit": 5}, "/api/v1/users"),
    ("/api/okta/groups", {"token": OKTA_TOKEN}, "/api/v1/groups"),
    ("/api/okta/apps", {"token": OKTA_TOKEN}, "/api/v1/apps"),
    ("/api/validate_token", {"connection_type": "okta", "token": OKTA_TOKEN}, "/api/v1/users/me"),
    ("/api/workspaces", {"api_key": ASANA_TOKEN}, "/api/1.0/"),
])
def test_a_platform_5xx_is_a_502_in_the_envelope(sandbox_server: RunningServer,
                                                 failing: tuple[FailingPlatform, str], status: int, path: str,
                                                 body: dict[str, Any], asked: str) -> None:
    platform, base_url = failing
    platform.status = status
    platform.paths.clear()
    target = {"base_url": f"{base_url}/api/1.0"} if "api_key" in body else {"org_url": base_url}
    response = sandbox_server.client.post(path, json={**body, **target})
    assert platform.paths and platform.paths[0].startswith(asked)  # the platform was asked, and failed
    assert len(platform.paths) == 1  # one attempt: someone is waiting
    assert response.status_code == 502, response.text
    answer = response.json()
    assert answer["success"] is False and set(answer) == {"success", "error"}
    assert isinstance(answer["error"], str) and answer["error"]
    assert OKTA_TOKEN not in response.text and ASANA_TOKEN not in response.text
