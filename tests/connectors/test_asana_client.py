"""AsanaClient and AsanaConnector: the classify table, lazy pagination, per-token pacing, base_url rules,
token validation and workspace listing (MockTransport for tables; loopback sandbox for the rest)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from tenantsim.connectors.asana.client import ASANA_BASE_URL, AsanaClient, AsanaProfile, classify, token_id
from tenantsim.connectors.asana.connector import AsanaConnector
from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.errors import (
    AuthError,
    FatalError,
    InputError,
    NotFoundOnPlatform,
    RateLimited,
    Retriable,
    Skippable,
)
from tenantsim.sandbox.asana import create_app
from tests.support.servers import serve_asgi

SECRET = "2/1111/2222:" + "a" * 32


def _error(status: int, message: str = "boom", headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"errors": [{"message": message, "help": "docs"}]}, headers=headers)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, Skippable),
        (401, AuthError),
        (402, Skippable),
        (403, AuthError),
        (404, NotFoundOnPlatform),
        (409, Skippable),
        (410, FatalError),
        (429, RateLimited),
        (500, Retriable),
        (503, Retriable),
    ],
)
def test_classify_table(status: int, kind: type[Exception]) -> None:
    error = classify(_error(status, "workspace: Missing input", {"Retry-After": "7"}))
    assert type(error) is kind
    assert error is not None and error.status == status and "workspace: Missing input" in error.message
    if isinstance(error, RateLimited):
        assert error.retry_after == 7.0


def test_success_is_not_an_error_and_bodies_need_not_be_json() -> None:
    assert classify(httpx.Response(200, json={"data": {}})) is None
    assert classify(httpx.Response(201, json={"data": {}})) is None
    assert isinstance(classify(httpx.Response(502, text="<html>bad gateway</html>")), Retriable)


def test_profile_reads_retry_after_and_uses_one_bucket() -> None:
    profile = AsanaProfile()
    assert profile.retry_after(httpx.Response(429, headers={"Retry-After": "30"})) == 30.0
    assert profile.retry_after(httpx.Response(429)) is None
    assert profile.bucket_for("GET", "/api/1.0/tasks") == profile.bucket_for("POST", "/api/1.0/projects")
    assert profile.default_limit("requests") == 1500 and profile.read_limits(httpx.Response(200)) is None


async def test_pagination_is_lazy_and_follows_offsets() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.url.params))
        offset = int(request.url.params.get("offset", "0"))
        data = [{"gid": str(offset + n)} for n in range(2)]
        next_page = {"offset": str(offset + 2), "path": "/x", "uri": "http://x"} if offset < 4 else None
        return httpx.Response(200, json={"data": data, "next_page": next_page})

    client = AsanaClient(SECRET, name="a", budgets=BudgetRegistry(), transport=httpx.MockTransport(handler))
    first_three = []
    async for item in client.paginate("/projects", page_size=2, workspace="1"):
        first_three.append(item["gid"])
        if len(first_three) == 3:
            break
    assert first_three == ["0", "1", "2"] and len(seen) == 2, "only the pages needed were fetched"
    everything = await client.collect("/projects", page_size=500, workspace="1")
    assert [i["gid"] for i in everything] == [str(n) for n in range(6)]
    assert seen[-1]["limit"] == "100" and seen[-1]["workspace"] == "1"
    await client.aclose()


async def test_each_token_is_paced_on_its_own_budget() -> None:
    calls: list[str] = []
    throttled = asyncio.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        token = request.headers["Authorization"]
        calls.append(token)
        if token.endswith("slow") and calls.count(token) == 1:
            throttled.set()
            return _error(429, "slow down", {"Retry-After": "30"})
        return httpx.Response(200, json={"data": {"gid": "1"}})

    budgets = BudgetRegistry()
    slow = AsanaClient("tok-slow", name="slow", budgets=budgets, transport=httpx.MockTransport(handler))
    fast = AsanaClient("tok-fast", name="fast", budgets=budgets, transport=httpx.MockTransport(handler))
    waiting = asyncio.create_task(slow.get("/users/me"))  # gets a 429 and must wait its 30 s
    await throttled.wait()
    assert await fast.get("/users/me") == {"gid": "1"}, "another token is not held up"
    assert not waiting.done()
    tenant = "asana:app.asana.com"
    slow_budget = budgets.budget(tenant, "requests", token_id("tok-slow"), 1500)
    fast_budget = budgets.budget(tenant, "requests", token_id("tok-fast"), 1500)
    assert slow_budget is not fast_budget
    assert slow_budget.throttled_until > time.time() + 20 and fast_budget.throttled_until == 0
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await slow.aclose()
    await fast.aclose()


def test_secrets_stay_out_of_errors() -> None:
    error = classify(_error(401, "Not Authorized"))
    assert error is not None and SECRET not in error.message and token_id(SECRET) != SECRET


def test_base_url_override_only_in_sandbox_mode_on_loopback() -> None:
    sandboxed = AsanaConnector(ConnectorRuntime(sandbox_mode=True))
    production = AsanaConnector(ConnectorRuntime(sandbox_mode=False))
    assert production.base_url(None) == ASANA_BASE_URL
    assert (
        sandboxed.base_url("http://127.0.0.1:5001/sandbox/asana/api/1.0/")
        == "http://127.0.0.1:5001/sandbox/asana/api/1.0"
    )
    for refused, connector in (
        ("http://127.0.0.1:9/api/1.0", production),
        ("https://evil.example/api/1.0", sandboxed),
        ("http://10.0.0.5/api/1.0", sandboxed),
        ("file:///etc/passwd", sandboxed),
    ):
        with pytest.raises(InputError) as caught:
            connector.base_url(refused)
        assert caught.value.status_code == 400


async def test_validate_token_and_list_workspaces_against_the_sandbox() -> None:
    sandbox = create_app(users=2, seed=9)
    connector = AsanaConnector(ConnectorRuntime(budgets=BudgetRegistry(), sandbox_mode=True))
    with serve_asgi(sandbox) as url:
        base = f"{url}/api/1.0"
        user = await connector.validate_token({"api_key": sandbox.tokens[1], "base_url": base})
        expected = sandbox.store.users()[1]
        assert user.as_dict() == {"name": expected["name"], "email": expected["email"], "id": expected["gid"]}
        with pytest.raises(AuthError):
            await connector.validate_token({"api_key": "2/9/9:" + "f" * 32, "base_url": base})
        workspaces = await connector.list_workspaces(sandbox.tokens[0], base_url=base)
        assert sorted((w["name"], w["is_organization"]) for w in workspaces) == [
            ("Personal Projects", False),
            ("Sandbox Corp", True),
        ]
