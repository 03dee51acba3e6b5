"""Server restart: running jobs resume, paused stay paused, deleted never come back (seed section 6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import update

from tenantsim.store.engine import make_engine
from tenantsim.store.tables import jobs
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import asana_body, okta_body, wait_for
from tests.support.fake_platform import FakeConnector, FakePlatform
from tests.support.quiet import stays_quiet


def _connectors(platform: FakePlatform) -> dict[str, Any]:
    return {"asana": FakeConnector("asana", platform), "okta": FakeConnector("okta", platform)}


def _events(srv: RunningServer, job_id: str) -> int:
    return int(srv.client.get(f"/api/jobs/{job_id}").json()["events_total"])


def _made(platform: FakePlatform, job_id: str) -> dict[str, list[str]]:
    """What the platform holds of the job's: object name -> ids (more than one is a duplicate)."""
    found: dict[str, list[str]] = {}
    for oid, obj in platform.objects.items():
        if obj["name"].startswith(f"{job_id}:"):
            found.setdefault(obj["name"], []).append(oid)
    return found


def test_restart_resumes_running_and_keeps_paused(tmp_path: Path, database_url: str) -> None:
    platform = FakePlatform()
    with running_server(tmp_path, database_url, connectors=_connectors(platform)) as srv:
        running = srv.client.post("/api/jobs/start", json=asana_body()).json()["job_id"]
        paused = srv.client.post("/api/jobs/start", json=okta_body()).json()["job_id"]
        deleted = srv.client.post("/api/jobs/start", json=asana_body()).json()["job_id"]
        wait_for(lambda: _events(srv, running) >= 2 and _events(srv, paused) >= 1, message="events")
        srv.client.post(f"/api/jobs/{paused}/pause")
        srv.client.delete(f"/api/jobs/{deleted}/delete")
    before = {job_id: _made(platform, job_id) for job_id in (running, paused, deleted)}
    assert before[running] and before[paused]

    with running_server(tmp_path, database_url, connectors=_connectors(platform)) as srv:
        assert srv.client.get(f"/api/jobs/{running}").json()["status"] == "running"
        # The running job resumes from its ledger: new objects, none of the old ones made again.
        wait_for(lambda: len(_made(platform, running)) > len(before[running]) + 2, message="resumed work")
        for job_id in (paused, deleted):  # while it works, the paused and the deleted job make nothing
            stays_quiet(lambda job_id=job_id: len(_made(platform, job_id)),
                        lambda: len(_made(platform, running)), what=job_id)
        assert srv.client.get(f"/api/jobs/{paused}").json()["status"] == "paused"
        assert srv.client.get(f"/api/jobs/{deleted}").json()["status"] == "deleted"
        assert srv.client.get("/api/health").json()["active_jobs"] == 1
        srv.client.post(f"/api/jobs/{running}/stop")
        after = _made(platform, running)
        assert {name: ids for name, ids in after.items() if name in before[running]} == before[running]
        assert all(len(ids) == 1 for ids in after.values()), "an object was made twice"
        # and what the platform holds is what the job's ledger says it made
        view = srv.client.get(f"/api/jobs/{running}").json()
        assert view["created_objects"] == {"widget": len(after)}
    assert {job_id: _made(platform, job_id) for job_id in (paused, deleted)} == {
        paused: before[paused], deleted: before[deleted]}


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
