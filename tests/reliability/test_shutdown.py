"""A clean stop (SIGTERM) frees the leases of the jobs the server ran, so another server — or this one
started again — takes them over at once instead of waiting for the lease to lapse."""

from __future__ import annotations

from pathlib import Path

from tenantsim.store.engine import make_engine
from tests.reliability import truth
from tests.reliability.jobs import asana_emulator, asana_job
from tests.reliability.procs import Server, children


def test_sigterm_releases_leases_and_keeps_statuses(tmp_path: Path) -> None:
    emulator = asana_emulator(tmp_path)
    url = f"sqlite:///{(tmp_path / 'tenantsim.db').as_posix()}"
    server = Server(tmp_path, url, lease_seconds=300)
    with children(emulator, server):
        server.start()
        engine = make_engine(url)
        running = server.ok("POST", "/api/jobs/start", asana_job(emulator, 1, initial_projects=1))["job_id"]
        paused = server.ok("POST", "/api/jobs/start", asana_job(emulator, 2, initial_projects=1))["job_id"]
        for job_id in (running, paused):
            truth.wait_until(lambda job_id=job_id: (truth.job(engine, job_id)["progress"] or {})
                             .get("events_total", 0) >= 1, timeout=60, what="a running job")
        server.ok("POST", f"/api/jobs/{paused}/pause")
        held = truth.job(engine, running)
        assert held["owner"] == "server-a" and held["lease_expires_at"] is not None

        server.stop()  # SIGTERM; uvicorn shuts down gracefully, then exits by the same signal
        for job_id, status in ((running, "running"), (paused, "paused")):
            row = truth.job(engine, job_id)
            assert row["status"] == status, "a clean stop keeps the status, so the job resumes"
            assert row["owner"] is None and row["lease_expires_at"] is None, "the lease is free at once"
            runs = truth.jobs_repo.list_runs(engine, job_id)
            assert runs and all(r["ended_at"] is not None for r in runs)
        engine.dispose()
