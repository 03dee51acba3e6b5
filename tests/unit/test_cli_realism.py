"""`tenantsim jobs realism <id>` against a real server on a loopback port (a fake platform that measures
its own widgets: what the platform computes is tested in tests/api/test_realism.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tenantsim.cli import app
from tenantsim.scenario.company import Company
from tenantsim.store.ledger_types import LedgerEntry
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import okta_body, wait_for
from tests.support.fake_platform import FakeConnector

runner = CliRunner()


class MeasuringConnector(FakeConnector):
    """The fake platform, measured: its widgets (from the ledger) and the company's headcount."""

    async def realism(self, config: dict[str, Any], entries: list[LedgerEntry],
                      company: Company) -> list[dict[str, Any]]:
        widgets = sum(1 for e in entries if e.kind == "widget" and e.platform_id in self.platform.objects)
        return [{"name": "widgets in the tenant", "value": widgets, "band": "≥ 1", "ok": widgets >= 1},
                {"name": "widgets per person", "value": round(widgets / len(company.people), 4),
                 "band": "0", "ok": False}]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    connectors = {"okta": MeasuringConnector("okta"), "asana": FakeConnector("asana")}
    with running_server(tmp_path, connectors=connectors) as srv:
        yield srv


def cli(srv: RunningServer, *args: str) -> Any:
    return runner.invoke(app, [*args, "--server", srv.base_url])


def seeded_job(srv: RunningServer, **overrides: Any) -> str:
    job_id = str(srv.client.post("/api/jobs/start", json=okta_body(**overrides)).json()["job_id"])
    wait_for(lambda: srv.client.get(f"/api/jobs/{job_id}").json()["seeded"], message="the build")
    return job_id


def test_realism_prints_a_table_with_a_mark_per_measure(server: RunningServer) -> None:
    job_id = seeded_job(server)
    result = cli(server, "jobs", "realism", job_id)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "MEASURE" in lines[0] and "BAND" in lines[0]
    widgets = next(line for line in lines if "widgets in the tenant" in line)
    assert "≥ 1" in widgets and "✓" in widgets
    per_person = next(line for line in lines if "widgets per person" in line)
    assert "✗" in per_person
    assert "1 of 2 within band" in result.output


def test_realism_json_is_the_servers_answer(server: RunningServer) -> None:
    job_id = seeded_job(server)
    result = cli(server, "jobs", "realism", job_id, "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["success"] is True and body["sampled_at"]
    assert [m["name"] for m in body["measures"]] == ["widgets in the tenant", "widgets per person"]
    assert body["measures"][0]["value"] >= 5  # the fake build makes five widgets


def test_realism_errors_are_said_plainly(server: RunningServer) -> None:
    unknown = cli(server, "jobs", "realism", "job_nope")
    assert unknown.exit_code == 1 and "Job not found: job_nope" in unknown.output
    asana = str(server.client.post("/api/jobs/start", json={
        "industry": "technology", "workspace_gid": "123", "content_provider": "offline",
        "user_tokens": [{"name": "u", "token": "good-asana-1"}]}).json()["job_id"])
    wait_for(lambda: server.client.get(f"/api/jobs/{asana}").json()["seeded"], message="the build")
    unsupported = cli(server, "jobs", "realism", asana)
    assert unsupported.exit_code == 1 and "No realism measures for asana jobs" in unsupported.output
