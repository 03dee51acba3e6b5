"""Faults: the emulators answer 10 % of calls with a 5xx, a dropped connection or a 2-second latency
spike, and then throw a 429 storm. The jobs keep running through it, every object they meant to create
is either made and recorded or recorded as failed with a reason, and cleanup under the same faults
still leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

from tests.reliability import truth
from tests.reliability.faulted import faulted_jobs

FAULTS = {"fault_rate": 0.1, "kinds": ["error", "reset", "spike"], "spike_ms": 2000, "seed": 3}


def test_jobs_ride_out_faults_and_429_storms(tmp_path: Path) -> None:
    with faulted_jobs(tmp_path, FAULTS, asana_seed=7, okta_seed=8) as jobs:
        jobs.wait_for_events(3, "seeding and events under faults")

        # A 429 storm: every call is refused for a few seconds; the jobs wait it out and carry on.
        marks = {job_id: jobs.events(job_id) for job_id in jobs.ids.values()}
        jobs.faults(storm_seconds=3)
        for job_id, mark in marks.items():
            truth.wait_until(lambda job_id=job_id, mark=mark: jobs.events(job_id) >= mark + 3,
                             timeout=90, what="events after the storm")
            assert truth.job(jobs.engine, job_id)["status"] == "running"
        for job_id in jobs.ids.values():
            jobs.server.ok("POST", f"/api/jobs/{job_id}/stop")

        # The faults happened, and the HTTP layer retried through them.
        for emulator in (jobs.asana, jobs.okta):
            stats = emulator.admin("GET", "stats")
            totals = stats.get("totals") or stats["stats"]["totals"]
            assert totals["faults"] > 0 and totals["throttled"] > 0
        for job_id in jobs.ids.values():
            http = truth.job(jobs.engine, job_id)["progress"]["http"]
            assert http["throttled"] > 0 and sum(b["retries"] for b in http["buckets"].values()) > 0

        jobs.assert_ledgers_match()
        # Cleanup under the same faults still removes everything the jobs made.
        jobs.clean_up_under(FAULTS)
