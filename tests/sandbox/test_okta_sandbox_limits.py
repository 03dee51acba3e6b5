"""The Okta emulator's rate limits, concurrency cap, faults, admin endpoints and mounting under a prefix."""

from __future__ import annotations

import asyncio
import time

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from tenantsim.sandbox.okta import create_app
from tenantsim.sandbox.okta.limits import DOCUMENTED, bucket_for, limits_for
from tests.sandbox.okta_support import AUTH, client
from tests.support.servers import serve_asgi


def test_bucket_map_follows_okta_documentation() -> None:
    assert bucket_for("GET", "/api/v1/users") == "users"
    assert bucket_for("POST", "/api/v1/users") == "users"
    assert bucket_for("GET", "/api/v1/users/00u1") == "user_get"
    assert bucket_for("DELETE", "/api/v1/users/00u1") == "user_write"
    assert bucket_for("POST", "/api/v1/users/00u1/lifecycle/suspend") == "default"
    assert bucket_for("PUT", "/api/v1/groups/00g1/users/00u1") == "groups"
    assert bucket_for("GET", "/api/v1/groups/00g1") == "group_by_id"
    assert bucket_for("POST", "/api/v1/apps/0oa1/users") == "apps"
    assert bucket_for("GET", "/api/v1/apps/0oa1") == "app_by_id"


def test_rate_limit_scales_other_buckets_in_okta_ratios() -> None:
    assert limits_for(0) == DOCUMENTED
    scaled = limits_for(60)
    assert scaled["users"] == 60 and scaled["apps"] == 10 and scaled["user_get"] == 100


def test_headers_on_every_response_then_429_until_reset() -> None:
    sandbox = create_app(users=3, rate_limit=3, window_seconds=2.0)
    with serve_asgi(sandbox) as base, client(base) as http:
        remaining = []
        for _ in range(3):
            response = http.get("/api/v1/users")
            assert response.status_code == 200
            remaining.append(int(response.headers["X-Rate-Limit-Remaining"]))
            assert response.headers["X-Rate-Limit-Limit"] == "3"
        assert remaining == [2, 1, 0]
        throttled = http.get("/api/v1/users")
        assert throttled.status_code == 429 and throttled.json()["errorCode"] == "E0000047"
        reset = int(throttled.headers["X-Rate-Limit-Reset"])
        # another bucket is not affected
        assert http.get("/api/v1/groups").status_code == 200
        while time.time() < reset:
            time.sleep(0.05)
        assert http.get("/api/v1/users").status_code == 200
        stats = http.get("/_sandbox/stats").json()["stats"]["buckets"]["users"]
        assert stats["throttled"] == 1 and stats["requests"] == 5


async def test_concurrency_cap_answers_429_with_zero_limit() -> None:
    sandbox = create_app(users=2, latency_ms=300, concurrency=2)
    with serve_asgi(sandbox) as base:
        async with httpx.AsyncClient(base_url=base, headers=AUTH) as http:
            responses = await asyncio.gather(*(http.get("/api/v1/groups") for _ in range(6)))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) >= 2 and 429 in codes
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.headers["X-Rate-Limit-Limit"] == "0"


def test_fault_injection_is_seeded_and_counted() -> None:
    sandbox = create_app(users=2, fault_rate=1.0, seed=5)
    with serve_asgi(sandbox) as base, client(base) as http:
        http.post("/_sandbox/faults", json={"kinds": ["error"]})
        response = http.get("/api/v1/groups")
        assert response.status_code == 500 and response.json()["errorCode"] == "E0000009"
        http.post("/_sandbox/faults", json={"kinds": ["reset"]})
        try:
            http.get("/api/v1/groups")
            raise AssertionError("the connection should have been cut")
        except httpx.TransportError:
            pass
        http.post("/_sandbox/faults", json={"fault_rate": 0, "storm_seconds": 5})
        stormy = http.get("/api/v1/groups")
        assert stormy.status_code == 429 and int(stormy.headers["X-Rate-Limit-Reset"]) >= time.time()
        totals = http.get("/_sandbox/stats").json()["stats"]["totals"]
        assert totals["faults"] == 2 and totals["throttled"] == 1


def test_reset_restores_the_start_state() -> None:
    sandbox = create_app(users=4, seed=9)
    with serve_asgi(sandbox) as base, client(base) as http:
        before = sorted(u["id"] for u in http.get("/api/v1/users").json())
        http.post("/api/v1/groups", json={"profile": {"name": "Temporary"}})
        http.post(f"/api/v1/users/{before[1]}/lifecycle/suspend")
        assert http.post("/_sandbox/reset").json()["reset"] is True
        after = http.get("/api/v1/users").json()
        assert sorted(u["id"] for u in after) == before and {u["status"] for u in after} == {"ACTIVE"}
        assert "Temporary" not in [g["profile"]["name"] for g in http.get("/api/v1/groups").json()]
        assert http.get("/_sandbox/stats").json()["stats"]["totals"]["requests"] == 2


def test_pre_existing_org_is_deterministic_from_seed() -> None:
    first, second, other = create_app(seed=1), create_app(seed=1), create_app(seed=2)
    assert list(first.org.users) == list(second.org.users)
    assert list(first.org.users) != list(other.org.users)
    described = first.describe("http://127.0.0.1:9/")
    assert described["org_url"] == "http://127.0.0.1:9"
    assert described["counts"]["users"] == 26 and described["counts"]["apps"] >= 8


def test_mounted_under_a_prefix_links_use_the_real_base() -> None:
    sandbox = create_app(users=5)
    outer = Starlette(routes=[Mount("/sandbox/okta", app=sandbox)])
    with serve_asgi(outer) as base:
        org_url = f"{base}/sandbox/okta"
        with httpx.Client(base_url=org_url, headers=AUTH) as http:
            response = http.get("/api/v1/users", params={"limit": 2})
            assert response.status_code == 200
            next_url = response.links["next"]["url"]
            assert next_url.startswith(f"{org_url}/api/v1/users?")
            assert response.json()[0]["_links"]["self"]["href"].startswith(f"{org_url}/api/v1/users/")
            assert http.get(next_url).status_code == 200
            assert http.get("/_sandbox/stats").status_code == 200
