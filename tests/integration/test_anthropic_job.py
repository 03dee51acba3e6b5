"""A job with ``"content_provider": "anthropic"``, end to end over loopback HTTP: the server talks to a
fake Anthropic Messages API, builds a company in the sandbox Okta org with the people Claude named,
and accounts each job's tokens; when the API keeps failing, the job goes on with offline content and
says so in its activity log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tenantsim.cli import build_sandbox_apps
from tenantsim.settings import Settings
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import okta_body, wait_for
from tests.support.fake_anthropic import FIRST, FakeAnthropic
from tests.support.servers import free_port, serve_asgi

KEY = "sk-ant-api03-END-TO-END-test-key-4242"
MODEL = "claude-test-1"
FAST_SANDBOX = 6000


@pytest.fixture
def fake() -> Iterator[tuple[FakeAnthropic, str]]:
    server = FakeAnthropic(KEY, models=(MODEL,))
    with serve_asgi(server.app()) as base_url:
        yield server, base_url


@pytest.fixture
def srv(tmp_path: Path, fake: tuple[FakeAnthropic, str]) -> Iterator[RunningServer]:
    port = free_port()
    settings = Settings(var_dir=tmp_path, port=port, sandbox=True, sandbox_rate_limit=FAST_SANDBOX)
    with running_server(tmp_path, sandbox_apps=build_sandbox_apps(settings), port=port,
                        sandbox_rate_limit=FAST_SANDBOX, anthropic_base_url=fake[1],
                        anthropic_model=MODEL) as server:
        yield server


def _org_users(org_url: str, token: str) -> dict[str, dict[str, Any]]:
    """Every user of the sandbox org, read through its Okta API."""
    response = httpx.get(f"{org_url}/api/v1/users", params={"limit": 200},
                         headers={"Authorization": f"SSWS {token}", "Accept": "application/json"}, timeout=30)
    response.raise_for_status()
    assert "next" not in response.links
    return {u["id"]: u for u in response.json()}


def _start(srv: RunningServer, org_url: str, token: str, **extra: Any) -> str:
    body = okta_body(org_url=org_url, org_size="startup", initial_users=8, time_scale=3600,
                     working_hours="always", content_provider="anthropic", anthropic_api_key=KEY,
                     user_tokens=[{"name": "admin", "token": token, "org_url": org_url}], **extra)
    response = srv.client.post("/api/jobs/start", json=body)
    assert response.status_code == 200, response.text
    job_id: str = response.json()["job_id"]
    wait_for(lambda: srv.client.get(f"/api/jobs/{job_id}").json()["seeded"], timeout=90, message="the build")
    return job_id


def _notices(srv: RunningServer, job_id: str) -> list[str]:
    log = srv.client.get(f"/api/jobs/{job_id}/activity_log", params={"limit": 1000}).json()["activity_log"]
    return [e["message"] for e in log if e["event_type"] == "content_notice"]


def test_an_anthropic_job_counts_its_tokens_and_falls_back_when_the_api_fails(
        srv: RunningServer, fake: tuple[FakeAnthropic, str]) -> None:
    api, _ = fake
    okta = srv.client.get("/api/sandbox").json()["tenants"]["okta"]
    org_url, token = okta["org_url"], okta["tokens"][0]
    before = _org_users(org_url, token)

    # Claude writes the company: the people in the org are the ones the model named.
    job_id = _start(srv, org_url, token, seed=11)
    srv.client.post(f"/api/jobs/{job_id}/stop")
    hired = [u for uid, u in _org_users(org_url, token).items() if uid not in before]
    assert len(hired) >= 8
    assert {u["profile"]["firstName"] for u in hired} <= set(FIRST)
    assert api.answered >= 1 and api.problems == []

    # The job reports the tokens the API billed it, no more and no less.
    wait_for(lambda: srv.client.get(f"/api/jobs/{job_id}").json()["llm_tokens"]
             == {"input": api.input_tokens, "output": api.output_tokens}, timeout=20,
             message="the job's tokens to match what the API billed")
    assert api.input_tokens > 0 and api.output_tokens > 0
    assert _notices(srv, job_id) == []
    billed = (api.input_tokens, api.output_tokens)

    # The API fails for good: the next job (another industry, so nothing pooled serves it) still
    # builds, on offline content, and says why.
    api.always_fail = 529
    asked = len(api.requests)
    second = _start(srv, org_url, token, seed=12, industry="healthcare")
    srv.client.post(f"/api/jobs/{second}/stop")
    notices = _notices(srv, second)
    assert len(api.requests) > asked  # it did ask
    assert len(notices) == 1, notices
    assert "overloaded" in notices[0] and "offline content" in notices[0]
    assert KEY not in notices[0]
    view = srv.client.get(f"/api/jobs/{second}").json()
    assert view["llm_tokens"] == {"input": 0, "output": 0}  # failed calls bill nothing
    assert sum(view["created_objects"].values()) > 0
    first_view = srv.client.get(f"/api/jobs/{job_id}").json()
    assert first_view["llm_tokens"] == {"input": billed[0], "output": billed[1]}  # per job, not shared
