"""GET /metrics, scraped over loopback and parsed with the Prometheus parser.

Platform calls go through the real ResilientClient (wired to the app's observer and budgets) against a
tiny loopback platform that answers 429 once (Asana style: a Retry-After, no limit headers), so calls by
status, 429s and rate-limit remaining are what a real scrape would show.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tenantsim.connectors.http import ResilientClient, RetryPolicy
from tenantsim.errors import PlatformError
from tenantsim.store import jobs_repo
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import okta_body, wait_for
from tests.support.fake_platform import FakeConnector, FakePlatform
from tests.support.servers import serve_asgi

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(srv: RunningServer, accept: str | None = None) -> tuple[Samples, httpx.Response]:
    response = srv.client.get("/metrics", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples, response


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    platform = FakePlatform()
    connectors = {"asana": FakeConnector("asana", platform), "okta": FakeConnector("okta", platform)}
    with running_server(tmp_path, connectors=connectors) as srv:
        yield srv


def test_jobs_by_status_operations_and_loop_lag(server: RunningServer) -> None:
    job_id = server.client.post("/api/jobs/start", json=okta_body()).json()["job_id"]
    wait_for(lambda: server.client.get(f"/api/jobs/{job_id}").json()["events_total"] >= 3, message="events")
    samples, response = scrape(server)
    assert response.headers["content-type"].startswith("text/plain")
    assert value(samples, "tenantsim_jobs", status="running") == 1
    assert value(samples, "tenantsim_jobs", status="paused") == 0
    assert value(samples, "tenantsim_active_jobs") == 1
    created = value(samples, "tenantsim_operations_total", platform="okta", kind="widget_created",
                    outcome="success")
    assert created is not None and created >= 3
    lag = value(samples, "tenantsim_event_loop_lag_seconds")
    assert lag is not None and lag >= 0
    wait_for(lambda: (value(scrape(server)[0], "tenantsim_event_loop_lag_observed_seconds_count") or 0) >= 2,
             message="loop-lag samples")

    server.client.post(f"/api/jobs/{job_id}/pause")
    samples, _ = scrape(server)
    assert value(samples, "tenantsim_jobs", status="paused") == 1
    assert value(samples, "tenantsim_jobs", status="running") == 0
    assert value(samples, "tenantsim_active_jobs") == 0


def test_llm_tokens_are_summed_per_platform(server: RunningServer) -> None:
    okta_job = server.client.post("/api/jobs/start", json=okta_body()).json()["job_id"]
    engine = server.app.state.engine
    jobs_repo.add_llm_tokens(engine, okta_job, 1200, 300)
    jobs_repo.add_llm_tokens(engine, okta_job, 800, 200)
    samples, _ = scrape(server)
    assert value(samples, "tenantsim_llm_tokens_total", platform="okta", direction="input") == 2000
    assert value(samples, "tenantsim_llm_tokens_total", platform="okta", direction="output") == 500


class OneThrottleProfile:
    """A platform with a documented per-minute limit; the loopback app below answers 429 once."""

    name = "testplatform"

    def bucket_for(self, method: str, path: str) -> str:
        return "widgets"

    def default_limit(self, bucket: str) -> int:
        return 100

    def concurrency(self) -> int:
        return 4

    def read_limits(self, response: httpx.Response) -> tuple[int, int, float] | None:
        return None

    def retry_after(self, response: httpx.Response) -> float | None:
        return 0.05

    def classify(self, response: httpx.Response) -> PlatformError | None:
        return PlatformError("failed", response.status_code) if response.status_code >= 400 else None


def limited_platform() -> Starlette:
    state = {"calls": 0}

    async def widgets(_: Request) -> JSONResponse:
        state["calls"] += 1
        if state["calls"] == 2:
            return JSONResponse({"error": "slow down"}, status_code=429, headers={"Retry-After": "0"})
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/widgets", widgets)])


def test_platform_calls_429s_and_rate_limit_remaining(server: RunningServer) -> None:
    runtime = server.app.state.runtime
    assert runtime.observer is not None, "create_app should wire the metrics observer"

    async def three_calls(base_url: str) -> None:
        client = ResilientClient(base_url, headers={}, tenant="tenant-one", token_id="t1",
                                 profile=OneThrottleProfile(), budgets=runtime.budgets,
                                 retry=RetryPolicy(max_attempts=2, base_delay=0.01),
                                 observer=runtime.observer)
        try:
            for _ in range(2):  # the second call is throttled once, then retried
                await client.request("GET", "/widgets")
        finally:
            await client.aclose()

    with serve_asgi(limited_platform()) as base_url:
        asyncio.run(three_calls(base_url))
    samples, _ = scrape(server)
    assert value(samples, "tenantsim_platform_http_calls_total", platform="testplatform", status="200") == 2
    assert value(samples, "tenantsim_platform_http_calls_total", platform="testplatform", status="429") == 1
    assert value(samples, "tenantsim_platform_throttled_total", platform="testplatform", tenant="tenant-one",
                 bucket="widgets") == 1
    assert value(samples, "tenantsim_ratelimit_limit", tenant="tenant-one", bucket="widgets") == 100
    remaining = value(samples, "tenantsim_ratelimit_remaining", tenant="tenant-one", bucket="widgets")
    assert remaining is not None and 90 <= remaining <= 98, "the calls just made use up the budget"

    # The dashboard's panel lists the tenants jobs work in; calls no job made are in the metrics only.
    rates = server.client.get("/api/ratelimits").json()["tenants"]
    assert all(r["tenant"] != "tenant-one" for r in rates)


def test_openmetrics_when_asked_and_each_app_has_its_own_registry(tmp_path: Path,
                                                                  server: RunningServer) -> None:
    _, response = scrape(server, accept="application/openmetrics-text; version=1.0.0")
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")
    # A second app in the same process: no "duplicated timeseries", and its counters start at zero.
    connectors: dict[str, Any] = {"okta": FakeConnector("okta")}
    with running_server(tmp_path / "second", connectors=connectors) as other:
        samples, _ = scrape(other)
        assert value(samples, "tenantsim_jobs", status="running") == 0
        assert not any(name == "tenantsim_operations_total" for name, _ in samples)
