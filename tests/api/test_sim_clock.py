"""The simulated clock in GET /api/jobs/<id>: ``sim_time`` follows ``progress.sim_now``, runs on with
``time_scale`` while the job runs (at most one poll interval past the checkpoint), stands still otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tenantsim.api import views
from tenantsim.store import jobs_repo
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import asana_body, wait_for
from tests.support.fake_platform import FakeConnector, FakePlatform

SIM_NOW = "2030-03-04T05:06:07+00:00"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    platform = FakePlatform()
    connectors = {"asana": FakeConnector("asana", platform), "okta": FakeConnector("okta", platform)}
    with running_server(tmp_path, connectors=connectors) as srv:
        yield srv


def job(srv: RunningServer, job_id: str) -> dict[str, Any]:
    response = srv.client.get(f"/api/jobs/{job_id}")
    assert response.status_code == 200, response.text
    return response.json()


def parse(value: str) -> datetime:
    when = datetime.fromisoformat(value)
    assert when.tzinfo is not None, value
    return when


def test_sim_time_is_shown_and_a_paused_job_shows_its_checkpoint(server: RunningServer) -> None:
    job_id = server.client.post("/api/jobs/start", json=asana_body(time_scale=60.0)).json()["job_id"]
    view = wait_for(lambda: (j := job(server, job_id))["progress"]["phase"] == "activity" and j,
                    message="the initial build")
    assert "sim_time" in view and "job" not in view  # null until the worker checkpoints one; shown once
    if view["sim_time"] is not None:
        parse(view["sim_time"])
    assert view["sim_clock"]["time_scale"] == 60.0

    assert server.client.post(f"/api/jobs/{job_id}/pause").json()["status"] == "paused"
    engine = server.app.state.manager.engine

    def checkpointed() -> dict[str, Any] | None:
        """Our checkpoint, written again while an event in flight at the pause still saves its own."""
        progress = dict(jobs_repo.get_job(engine, job_id)["progress"] or {})  # type: ignore[index]
        if progress.get("sim_now") != SIM_NOW or progress.get("sim_zone") != "Europe/Berlin":
            progress.update(sim_now=SIM_NOW, sim_zone="Europe/Berlin")
            jobs_repo.update_job(engine, job_id, progress=progress)
            return None
        view = job(server, job_id)
        return view if view["status"] == "paused" and view["sim_time"] == SIM_NOW else None

    paused = wait_for(checkpointed, message="the paused job's checkpoint")
    assert paused["sim_time"] == SIM_NOW
    parse(paused["sim_time"])
    assert paused["sim_clock"] == {"zone": "Europe/Berlin", "time_scale": 60.0, "running": False,
                                   "limit": SIM_NOW}
    # standing still, however late it is asked: see test_a_clock_that_is_not_running_stands_at_its_checkpoint


def _row(status: str, progress: dict[str, Any], updated: datetime, scale: float = 60.0) -> dict[str, Any]:
    return {"status": status, "progress": progress, "updated_at": updated, "config": {"time_scale": scale}}


def test_a_running_clock_advances_with_time_scale_and_at_most_one_poll_interval() -> None:
    now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    checkpoint = parse(SIM_NOW)
    fresh = views.sim_clock(_row("running", {"sim_now": SIM_NOW}, now - timedelta(seconds=2)), now)
    assert parse(fresh["sim_time"]) == checkpoint + timedelta(seconds=120)
    assert fresh["sim_clock"]["running"] is True
    stale = views.sim_clock(_row("running", {"sim_now": SIM_NOW}, now - timedelta(hours=1)), now)
    cap = timedelta(seconds=views.SIM_POLL_SECONDS * 60)
    assert parse(stale["sim_time"]) == checkpoint + cap == parse(stale["sim_clock"]["limit"])
    ahead = views.sim_clock(_row("running", {"sim_now": SIM_NOW}, now + timedelta(seconds=5)), now)
    assert ahead["sim_time"] == checkpoint.isoformat()  # a row written "in the future" (clock skew)


@pytest.mark.parametrize("status", ["paused", "stopped", "failed", "cleaned"])
def test_a_clock_that_is_not_running_stands_at_its_checkpoint(status: str) -> None:
    now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    view = views.sim_clock(_row(status, {"sim_now": SIM_NOW}, now - timedelta(hours=1)), now)
    assert view["sim_time"] == SIM_NOW and view["sim_clock"]["running"] is False


@pytest.mark.parametrize("progress", [{}, {"sim_now": None}, {"sim_now": "not a time"}, {"sim_now": 5}])
def test_no_checkpoint_no_clock(progress: dict[str, Any]) -> None:
    now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    view = views.sim_clock(_row("running", progress, now), now)
    assert view["sim_time"] is None and view["sim_clock"]["running"] is False
