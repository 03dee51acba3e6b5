"""Faults: the emulators answer 10 % of calls with a 5xx, a dropped connection or a 2-second latency
spike, and then throw a 429 storm. The jobs keep running through it, every object they meant to create
is either made and recorded or recorded as failed with a reason, and cleanup under the same faults
still leaves nothing behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tenantsim.store.engine import make_engine
from tests.reliability import truth
from tests.reliability.jobs import asana_emulator, asana_job, okta_job
from tests.reliability.procs import Emulator, Server, children

FAULTS = {"fault_rate": 0.1, "kinds": ["error", "reset", "spike"], "spike_ms": 2000, "seed": 3}
CALM = {"fault_rate": 0.0, "storm_seconds": 0}


def progress(engine: Any, job_id: str) -> dict[str, Any]:
    return dict(truth.job(engine, job_id).get("progress") or {})


def test_jobs_ride_out_faults_and_429_storms(tmp_path: Path) -> None:
    asana = asana_emulator(tmp_path, wait=False)
    okta = Emulator("okta", tmp_path, wait=False, users=6, seed=9, window_seconds=1).wait_ready()
    asana.wait_ready()
    url = f"sqlite:///{(tmp_path / 'tenantsim.db').as_posix()}"
    server = Server(tmp_path, url)
    with children(asana, okta, server):
        server.start(wait=False)
        okta_before = truth.okta_objects(okta)
        server.wait_ready()
        engine = make_engine(url)
        for emulator in (asana, okta):
            emulator.faults(**FAULTS)
        bodies = {"asana": asana_job(asana, 7, initial_projects=1),
                  "okta": okta_job(okta, 8, initial_users=20)}
        ids = {name: server.ok("POST", "/api/jobs/start", body)["job_id"] for name, body in bodies.items()}
        for job_id in ids.values():
            truth.wait_until(lambda job_id=job_id: progress(engine, job_id).get("events_total", 0) >= 3,
                             timeout=150, what="seeding and events under faults")

        # A 429 storm: every call is refused for a few seconds; the jobs wait it out and carry on.
        marks = {job_id: progress(engine, job_id).get("events_total", 0) for job_id in ids.values()}
        for emulator in (asana, okta):
            emulator.faults(storm_seconds=3)
        for job_id, mark in marks.items():
            def after_storm(job_id: str = job_id, mark: int = mark) -> bool:
                return int(progress(engine, job_id)["events_total"]) >= mark + 3

            truth.wait_until(after_storm, timeout=90, what="events after the storm")
            assert truth.job(engine, job_id)["status"] == "running"
        for job_id in ids.values():
            server.ok("POST", f"/api/jobs/{job_id}/stop")

        # The faults happened, and the HTTP layer retried through them.
        for emulator in (asana, okta):
            stats = emulator.admin("GET", "stats")
            totals = stats.get("totals") or stats["stats"]["totals"]
            assert totals["faults"] > 0 and totals["throttled"] > 0
        for job_id in ids.values():
            http = progress(engine, job_id)["http"]
            assert http["throttled"] > 0 and sum(b["retries"] for b in http["buckets"].values()) > 0

        for emulator in (asana, okta):
            emulator.faults(**CALM)
        truth.assert_ledger_matches(truth.ledger(engine, ids["asana"]), truth.asana_objects(asana),
                                    truth.ASANA_KINDS)
        truth.assert_ledger_matches(truth.ledger(engine, ids["okta"]), truth.okta_objects(okta, okta_before),
                                    truth.OKTA_KINDS)

        # Cleanup under the same faults still removes everything the jobs made.
        for emulator in (asana, okta):
            emulator.faults(**FAULTS)
        for job_id in ids.values():
            result = server.call("POST", f"/api/jobs/{job_id}/cleanup", timeout=300).json()
            assert result["success"] is True and not result.get("errors"), result
        for emulator in (asana, okta):
            emulator.faults(**CALM)
        truth.assert_clean(truth.ledger(engine, ids["asana"]), truth.asana_objects(asana))
        truth.assert_clean(truth.ledger(engine, ids["okta"]), truth.okta_objects(okta, okta_before))
        engine.dispose()
