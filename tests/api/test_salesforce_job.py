"""A Salesforce job through the API against the embedded Salesforce sandbox: started from the form's own
fields, built, living; when the org's daily API allocation runs out the job stops by itself (stopped, not
failed) with a clear activity entry; cleanup then leaves the org as it was."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tenantsim.cli import build_sandbox_apps
from tenantsim.settings import Settings
from tests.connectors.salesforce_support import reader, snapshot
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import wait_for
from tests.support.servers import free_port


@pytest.fixture
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningServer, Any]]:
    var_dir = tmp_path_factory.mktemp("salesforce")
    port = free_port()
    settings = Settings(var_dir=var_dir, port=port)
    apps = build_sandbox_apps(settings)
    with running_server(var_dir, "", sandbox_apps=apps, port=port) as server:
        yield server, apps["salesforce"]


def test_a_job_stops_cleanly_when_the_org_runs_out_of_calls(srv: tuple[RunningServer, Any]) -> None:
    server, sandbox = srv
    fields = server.client.get("/api/sandbox").json()["form"]["salesforce"]["fields"]
    base = fields["instance_url"]
    sf = reader(sandbox, base)
    before = snapshot(sf)
    started = server.client.post("/api/jobs/start", json={
        "connection_type": "salesforce", "industry": "technology", "content_provider": "offline",
        "accounts": 5, "time_scale": 1000, **fields})
    assert started.status_code == 200, started.text
    assert started.json()["message"].startswith("Salesforce continuous generation started")
    job_id = started.json()["job_id"]
    wait_for(lambda: server.client.get(f"/api/jobs/{job_id}").json()["seeded"], timeout=120, message="build")
    view = server.client.get(f"/api/jobs/{job_id}").text
    assert fields["client_secret"] not in view

    while sandbox.allocation.take():  # the org's other integrations spend what is left of the day
        pass
    server.client.post(f"/api/jobs/{job_id}/generate-now")
    def stopped() -> bool:
        return bool(server.client.get(f"/api/jobs/{job_id}").json()["status"] == "stopped")

    wait_for(stopped, timeout=120, message="the job to stop")
    log = server.client.get(f"/api/jobs/{job_id}/activity_log", params={"limit": 1000}).json()["activity_log"]
    kinds = [e["event_type"] for e in log]
    assert "allocation_exhausted" in kinds and "job_stopped" in kinds and "job_failed" not in kinds
    said = next(e["message"] for e in log if e["event_type"] == "allocation_exhausted")
    assert "daily API allocation" in said

    sandbox.allocation.reset()  # a new day
    result = server.client.post(f"/api/jobs/{job_id}/cleanup").json()
    assert result["success"] is True and not result.get("errors"), result
    assert snapshot(sf) == before
