"""GET /api/ratelimits shows the tenants jobs work in, not every host a token check was sent to; with
``job_id``, one job's buckets. The overview's head-room of an Asana job (Asana reports no limit in its
headers) is what the tenant's budget knows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tenantsim.cli import build_sandbox_apps
from tenantsim.settings import Settings
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import okta_body, wait_for
from tests.support.servers import free_port

FAST_SANDBOX = 6000


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[RunningServer]:
    port = free_port()
    settings = Settings(var_dir=tmp_path, port=port, sandbox=True, sandbox_rate_limit=FAST_SANDBOX)
    with running_server(tmp_path, sandbox_apps=build_sandbox_apps(settings), port=port,
                        sandbox_rate_limit=FAST_SANDBOX) as server:
        yield server


def test_only_the_tenants_of_jobs_are_shown(srv: RunningServer) -> None:
    refused_asana = f"http://127.0.0.1:{free_port()}/api/1.0"
    for body in ({"token": "00abc", "org_url": "http://127.0.0.1:9"},
                 {"api_key": "1/abc", "base_url": refused_asana}):
        assert srv.client.post("/api/validate_token", json=body).status_code == 502
    sandbox = srv.client.get("/api/sandbox").json()
    asana = sandbox["form"]["asana"]
    job_id = srv.client.post("/api/jobs/start", json={
        **asana["fields"], "workspace_gid": asana["options"]["workspace_gid"][0]["value"],
        "user_tokens": asana["user_tokens"][:1], "industry": "media", "initial_projects": 1,
        "content_provider": "offline", "time_scale": 3600, "working_hours": "always"}).json()["job_id"]
    wait_for(lambda: srv.client.get(f"/api/jobs/{job_id}").json()["seeded"], timeout=90, message="the build")

    tenant = "asana:" + asana["fields"]["base_url"].split("/")[2]
    everyone = srv.client.get("/api/ratelimits").json()["tenants"]
    assert {row["tenant"] for row in everyone} == {tenant}  # not 127.0.0.1:9, not the refused Asana
    row = everyone[0]
    assert row["limit"] and row["remaining"] is not None and row["calls_last_window"] > 0
    mine = srv.client.get("/api/ratelimits", params={"job_id": job_id}).json()["tenants"]
    assert [(r["tenant"], r["bucket"]) for r in mine] == [(tenant, "requests")]

    # the job's own view has no limit from Asana's headers; the overview's head-room comes from the budget
    buckets = srv.client.get(f"/api/jobs/{job_id}").json()["rate_limits"]["buckets"]
    assert [b["limit"] for b in buckets.values()] == [None]
    listed = next(j for j in srv.client.get("/api/overview").json()["jobs"] if j["job_id"] == job_id)
    assert 0 < listed["rate_limit"]["headroom"] <= 1

    assert srv.client.get("/api/ratelimits", params={"job_id": "job_nope"}).status_code == 404
    srv.client.post(f"/api/jobs/{job_id}/stop")


def test_an_okta_job_tenant_appears_once_it_calls(srv: RunningServer) -> None:
    assert srv.client.get("/api/ratelimits").json()["tenants"] == []
    okta = srv.client.get("/api/sandbox").json()["tenants"]["okta"]
    org_url = okta["org_url"]
    body = okta_body(org_url=org_url, org_size="startup", initial_users=3, time_scale=3600,
                     user_tokens=[{"name": "admin", "token": okta["tokens"][0], "org_url": org_url}])
    job_id = srv.client.post("/api/jobs/start", json=body).json()["job_id"]
    wait_for(lambda: srv.client.get(f"/api/jobs/{job_id}").json()["seeded"], timeout=90, message="the build")
    tenants = {row["tenant"] for row in srv.client.get("/api/ratelimits").json()["tenants"]}
    assert tenants == {"okta:" + org_url.split("://")[1]}
    srv.client.post(f"/api/jobs/{job_id}/stop")
