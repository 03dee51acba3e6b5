"""Server restart: running jobs resume, paused stay paused, deleted never come back (seed section 6)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import update

from tenantsim.store.engine import make_engine
from tenantsim.store.tables import jobs
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import asana_body, okta_body, wait_for
from tests.support.fake_platform import FakeConnector, FakePlatform


def _connectors(platform: FakePlatform) -> dict[str, Any]:
    return {"asana": FakeConnector("asana", platform), "okta": FakeConnector("okta", platform)}


def _events(srv: RunningServer, job_id: str) -> int:
    return int(srv.client.get(f"/api/jobs/{job_id}").json()["events_total"])


def test_restart_resumes_running_and_keeps_paused(tmp_path: Path, database_url: str) -> None:
    platform = FakePlatform()
    with running_server(tmp_path, database_url, connectors=_connectors(platform)) as srv:
        running = srv.client.post("/api/jobs/start", json=asana_body()).json()["job_id"]
        paused = srv.client.post("/api/jobs/start", json=okta_body()).json()["job_id"]
        deleted = srv.client.post("/api/jobs/start", json=asana_body()).json()["job_id"]
        wait_for(lambda: _events(srv, running) >= 2 and _events(srv, paused) >= 1, message="events")
        srv.client.post(f"/api/jobs/{paused}/pause")
        srv.client.delete(f"/api/jobs/{deleted}/delete")
        before_running = _events(srv, running)
    # The server is down: nothing may happen.
    created_before = len(platform.objects)
    time.sleep(0.5)
    assert len(platform.objects) == created_before
    with running_server(tmp_path, database_url, connectors=_connectors(platform)) as srv:
        assert srv.client.get(f"/api/jobs/{running}").json()["status"] == "running"
        wait_for(lambda: _events(srv, running) > before_running, message="resumed events")
        paused_view = srv.client.get(f"/api/jobs/{paused}").json()
        assert paused_view["status"] == "paused"
        frozen = paused_view["events_total"]
        time.sleep(1.0)
        assert _events(srv, paused) == frozen
        assert srv.client.get(f"/api/jobs/{deleted}").json()["status"] == "deleted"
        assert srv.client.get("/api/health").json()["active_jobs"] == 1
        # the resumed job did not rebuild from scratch: seed objects exist once each
        seeds = [o for o in platform.objects.values() if ":seed-" in o["name"]]
        assert len(seeds) == len({o["name"] for o in seeds})


def test_job_without_connection_type_is_asana(tmp_path: Path, database_url: str) -> None:
    platform = FakePlatform()
    with running_server(tmp_path, database_url, connectors=_connectors(platform)) as srv:
        job_id = srv.client.post("/api/jobs/start", json=asana_body()).json()["job_id"]
        wait_for(lambda: _events(srv, job_id) >= 1, message="events")
    engine = make_engine(database_url)
    with engine.begin() as conn:  # as a job stored before Okta existed
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(connection_type=None))
    engine.dispose()
    with running_server(tmp_path, database_url, connectors=_connectors(platform)) as srv:
        view = srv.client.get(f"/api/jobs/{job_id}").json()
        assert view["connection_type"] == "asana"
        wait_for(lambda: _events(srv, job_id) >= 2, message="legacy job resumed")
