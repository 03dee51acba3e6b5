"""The Okta client: classification table, bucket map, limit headers, lazy pagination, pacing."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from tenantsim.connectors.http import HttpStats
from tenantsim.connectors.okta.client import OktaClient, OktaProfile, bucket_for, classify, retry_after
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.errors import AuthError, FatalError, NotFoundOnPlatform, RateLimited, Retriable, Skippable
from tenantsim.sandbox.okta import DEFAULT_TOKEN, create_app
from tests.support.servers import serve_asgi


def okta_error(status: int, code: str, summary: str = "x",
               headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"errorCode": code, "errorSummary": summary, "errorLink": code, "errorId": "oae1",
            "errorCauses": [{"errorSummary": "login: An object with this field already exists"}]}
    return httpx.Response(status, json=body, headers=headers)


@pytest.mark.parametrize(("response", "expected"), [
    (httpx.Response(200, json={}), None),
    (httpx.Response(204), None),
    (okta_error(400, "E0000001"), Skippable),
    (okta_error(401, "E0000011"), AuthError),
    (okta_error(403, "E0000006"), AuthError),
    (okta_error(403, "E0000038"), Skippable),
    (okta_error(403, "E0000016"), Skippable),
    (okta_error(404, "E0000007"), NotFoundOnPlatform),
    (okta_error(405, "E0000022"), FatalError),
    (okta_error(429, "E0000047", headers={"X-Rate-Limit-Reset": str(int(time.time()) + 5)}), RateLimited),
    (okta_error(500, "E0000009"), Retriable),
    (httpx.Response(502, text="bad gateway"), Retriable),
])
def test_classify_maps_okta_statuses_to_the_taxonomy(response: httpx.Response, expected: type | None) -> None:
    error = classify(response)
    if expected is None:
        assert error is None
    else:
        assert type(error) is expected
        assert error is not None and error.status == response.status_code


def test_error_messages_carry_okta_codes_and_causes_but_no_headers() -> None:
    response = okta_error(400, "E0000001", "Api validation failed: login",
                          headers={"Authorization": "SSWS secret-token"})
    error = classify(response)
    assert error is not None and error.code == "E0000001"
    assert "already exists" in error.message and "secret-token" not in error.message


def test_retry_after_is_the_time_to_the_reset_never_more() -> None:
    now = time.time()
    date = email.utils.formatdate(now, usegmt=True)
    response = httpx.Response(429, headers={"X-Rate-Limit-Reset": str(int(now) + 10), "Date": date})
    assert 8.9 <= (retry_after(response) or 0) <= 10.0
    past = httpx.Response(429, headers={"X-Rate-Limit-Reset": str(int(now) - 10)})
    assert retry_after(past) == 0.0
    skewed = httpx.Response(429, headers={"X-Rate-Limit-Reset": str(int(now) + 100),
                                          "Date": email.utils.formatdate(now + 95, usegmt=True)})
    assert 4.0 <= (retry_after(skewed) or 0) <= 6.0  # Okta's own clock wins when ours is off


def test_one_stale_date_header_does_not_move_the_reset() -> None:
    """A server busy for a moment stamps an answer with a Date seconds old. Taken as Okta's clock, that
    one answer would put the window's reset seconds late; only a skew that every recent answer shows is."""
    request = httpx.Request("GET", "https://stale-date.okta.example/api/v1/users")

    def answer(date_offset: float) -> httpx.Response:
        now = time.time()
        return httpx.Response(200, request=request, headers={
            "X-Rate-Limit-Limit": "600", "X-Rate-Limit-Remaining": "300",
            "X-Rate-Limit-Reset": str(int(now) + 4),
            "Date": email.utils.formatdate(now + date_offset, usegmt=True)})

    for _ in range(5):
        OktaProfile().read_limits(answer(0.0))
    limits = OktaProfile().read_limits(answer(-3.0))  # stale by three seconds
    assert limits is not None and limits[2] <= time.time() + 4.0  # still the reset on our clock


def test_concurrency_429_headers_are_not_taken_as_a_window() -> None:
    profile = OktaProfile()
    concurrency = httpx.Response(429, headers={"X-Rate-Limit-Limit": "0", "X-Rate-Limit-Remaining": "0",
                                               "X-Rate-Limit-Reset": str(int(time.time()) + 1)})
    assert profile.read_limits(concurrency) is None
    normal = httpx.Response(200, headers={"X-Rate-Limit-Limit": "600", "X-Rate-Limit-Remaining": "12",
                                          "X-Rate-Limit-Reset": str(int(time.time()) + 30)})
    limits = profile.read_limits(normal)
    assert limits is not None and limits[:2] == (600, 12)


@pytest.mark.parametrize(("method", "path", "bucket"), [
    ("POST", "/api/v1/users", "users"),
    ("GET", "/sandbox/okta/api/v1/users/00u1", "user_get"),
    ("POST", "/api/v1/users/00u1", "user_write"),
    ("POST", "/api/v1/users/00u1/lifecycle/deactivate", "default"),
    ("PUT", "/api/v1/apps/0oa1/groups/00g1", "apps"),
    ("DELETE", "/api/v1/groups/00g1", "group_by_id"),
    ("PUT", "/api/v1/groups/00g1/users/00u1", "groups"),
])
def test_bucket_map(method: str, path: str, bucket: str) -> None:
    assert bucket_for(method, path) == bucket


async def test_pagination_is_lazy_and_follows_link_next() -> None:
    sandbox = create_app(users=30, seed=2)
    with serve_asgi(sandbox) as base:
        client = OktaClient(DEFAULT_TOKEN, org_url=base, name="t", budgets=BudgetRegistry(window_seconds=1))
        seen = [u["id"] async for u in client.users(page_size=7)]
        assert len(seen) == len(set(seen)) == 31
        first_three = []
        async for user in client.users(page_size=7):
            first_three.append(user["id"])
            if len(first_three) == 3:
                break
        await client.aclose()
    # 5 pages for the full listing, then 1 page for the early stop: nothing fetched ahead
    assert sandbox.stats.bucket("users").requests == 6


async def test_paces_from_limit_headers_instead_of_hitting_429() -> None:
    sandbox = create_app(users=3, rate_limit=12, window_seconds=1.0)
    stats = HttpStats()
    with serve_asgi(sandbox) as base:
        client = OktaClient(DEFAULT_TOKEN, org_url=base, name="t", budgets=BudgetRegistry(window_seconds=1),
                            stats=stats)
        for _ in range(30):
            await client.call("GET", "/api/v1/users", params={"limit": 1})
        await client.aclose()
    assert sandbox.stats.bucket("users").requests == 30
    assert sandbox.stats.bucket("users").throttled == 0
    assert stats.as_dict()["throttled"] == 0


async def test_a_429_storm_is_waited_out_not_hammered() -> None:
    sandbox = create_app(users=3)
    with serve_asgi(sandbox) as base:
        async with httpx.AsyncClient() as admin:
            await admin.post(f"{base}/_sandbox/faults", json={"storm_seconds": 1.0})
        client = OktaClient(DEFAULT_TOKEN, org_url=base, name="t", budgets=BudgetRegistry(window_seconds=1))
        me = await client.me()
        await client.aclose()
    assert me["profile"]["login"].startswith("admin@")
    throttled = sandbox.stats.as_dict()["totals"]["throttled"]
    assert 1 <= throttled <= 2  # waited for the reset rather than retrying in a loop
