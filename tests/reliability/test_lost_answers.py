"""Lost answers: the emulators do what 15 % of calls ask and then drop the connection before answering,
as when a gateway times out in front of a slow platform. A create is then not sent again blindly: the job
looks it up through its intent and adopts it, so each object the job made exists once on the platform
and is in the ledger, and cleanup under the same faults leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.faulted import faulted_jobs

LOST = {"fault_rate": 0.15, "kinds": ["lost"], "seed": 5}


def test_creates_whose_answer_was_lost_are_made_once_and_recorded(tmp_path: Path) -> None:
    with faulted_jobs(tmp_path, LOST, asana_seed=11, okta_seed=12) as jobs:
        jobs.wait_for_events(3, "seeding and events while answers are lost")
        for job_id in jobs.ids.values():
            jobs.server.ok("POST", f"/api/jobs/{job_id}/stop")
        for emulator in (jobs.asana, jobs.okta):
            stats = emulator.admin("GET", "stats")
            assert (stats.get("totals") or stats["stats"]["totals"])["faults"] > 0

        jobs.assert_ledgers_match()
        jobs.clean_up_under(LOST)
