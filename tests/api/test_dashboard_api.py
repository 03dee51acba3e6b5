"""The dashboard's read models: /api/overview, /api/options and /api/timeline, over loopback HTTP."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tenantsim.content.packs import list_industries
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import asana_body, okta_body, wait_for
from tests.support.fake_platform import FakeConnector, FakePlatform


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    platform = FakePlatform()
    connectors = {"asana": FakeConnector("asana", platform), "okta": FakeConnector("okta", platform)}
    with running_server(tmp_path, connectors=connectors) as srv:
        yield srv


def test_overview_has_live_figures_for_every_job(server: RunningServer) -> None:
    running = server.client.post("/api/jobs/start", json=okta_body()).json()["job_id"]
    cleaned = server.client.post("/api/jobs/start", json=asana_body()).json()["job_id"]
    wait_for(lambda: server.client.get(f"/api/jobs/{running}").json()["events_total"] >= 2, message="events")
    assert server.client.post(f"/api/jobs/{cleaned}/cleanup").status_code == 200
    data = server.client.get("/api/overview").json()
    rows = {row["job_id"]: row for row in data["jobs"]}
    assert set(rows) == {running, cleaned}
    live = rows[running]
    detail = server.client.get(f"/api/jobs/{running}").json()
    assert live["created_objects_count"] >= 5
    assert live["created_objects"]["widget"] == live["created_objects_count"]
    assert live["build_percent"] == 100.0 and live["seeded"] is True
    assert detail["created_objects"]["widget"] >= live["created_objects"]["widget"]
    gone = rows[cleaned]
    assert gone["status"] == "cleaned"
    assert gone["created_objects_count"] == 0 and gone["deleted_objects_count"] >= 5
    assert data["status_counts"] == {"running": 1, "cleaned": 1}
    assert data["active_jobs"] == 1
    finished_hidden = server.client.get("/api/overview", params={"include_finished": "false"}).json()
    assert [row["job_id"] for row in finished_hidden["jobs"]] == [running]


def test_options_are_what_the_server_accepts(server: RunningServer) -> None:
    options = server.client.get("/api/options").json()
    assert [i["key"] for i in options["industries"]] == list_industries()
    assert options["org_sizes"] == ["startup", "midsize", "enterprise"]
    assert all(isinstance(options["org_size_people"][size], int) for size in options["org_sizes"])
    assert [level["key"] for level in options["activity_levels"]] == ["low", "medium", "high"]
    assert {hours["key"] for hours in options["working_hours"]} >= {"business", "always"}
    # Every choice offered is accepted by the start endpoint.
    for industry in options["industries"][:3]:
        for size in options["org_sizes"]:
            body = okta_body(industry=industry["key"], org_size=size, activity_level="low",
                             working_hours=options["working_hours"][0]["key"])
            assert server.client.post("/api/jobs/start", json=body).status_code == 200


def test_timeline_counts_events_by_type(server: RunningServer) -> None:
    job_id = server.client.post("/api/jobs/start", json=asana_body()).json()["job_id"]
    wait_for(lambda: server.client.get(f"/api/jobs/{job_id}").json()["events_total"] >= 5, message="events")
    server.client.post(f"/api/jobs/{job_id}/stop")
    log = server.client.get(f"/api/jobs/{job_id}/activity_log", params={"limit": 1000}).json()["activity_log"]
    timeline = server.client.get("/api/timeline", params={"job_id": job_id, "window_seconds": 600,
                                                          "buckets": 20}).json()
    assert len(timeline["buckets"]) == 20 and timeline["bucket_seconds"] == 30
    counted: Counter[str] = Counter()
    for bucket in timeline["buckets"]:
        counted.update(bucket["counts"])
    assert counted == Counter(entry["event_type"] for entry in log)
    assert timeline["types"][0] == "widget_created"  # busiest first
    assert server.client.get("/api/timeline", params={"job_id": "job_nope"}).status_code == 404
