"""Crash trials: kill -9 the server at seeded random moments while jobs seed, run and clean up, restart
it, and let the jobs finish. Afterwards nothing is duplicated, each job's ledger matches its emulator
exactly, and cleanup leaves zero residue.

Each trial runs an Asana job and an Okta job on one server (emulators in their own processes, so they
outlive the crashes). One job, alternating, sets the moment of the first crash — during its seeding or
its activity, alternating too — and of the second, during cleanup; the other job is caught wherever it
happens to be. `make test` runs TENANTSIM_CRASH_TRIALS (default 10) trials; set it higher for more.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tenantsim.store import jobs_repo
from tenantsim.store.engine import make_engine
from tests.reliability import truth
from tests.reliability.jobs import asana_emulator, asana_job, okta_job
from tests.reliability.procs import Emulator, Server, children

TRIALS = int(os.environ.get("TENANTSIM_CRASH_TRIALS", "10"))
OKTA_SEED = 5
LATENCY_MS = 15
OKTA_BEFORE: set[tuple[str, str]] = set()


class TrialJob:
    def __init__(self, engine: Engine, job_id: str) -> None:
        self.engine = engine
        self.job_id = job_id

    def row(self) -> dict[str, Any]:
        return truth.job(self.engine, self.job_id)

    def events(self) -> int:
        return int((self.row().get("progress") or {}).get("events_total", 0))

    def count(self, *statuses: str) -> int:
        return sum(1 for e in truth.ledger(self.engine, self.job_id) if e.status in statuses)

    def phase(self) -> str:
        row = self.row()
        if row["status"] in ("cleaning", "cleaned"):
            return "cleanup"
        return "activity" if (row.get("progress") or {}).get("seeded") else "seeding"


def crash(server: Server, driver: TrialJob, ready: Any, phase: str, jitter: float,
          rng: random.Random) -> None:
    """Wait for ``ready``, then a random instant more; kill -9 the server mid-``phase``; restart it."""
    truth.wait_until(ready, timeout=120, what=f"the {phase} crash point")
    time.sleep(rng.uniform(0, jitter))
    seen = driver.phase()
    server.kill9()
    assert seen == phase, f"meant to crash during {phase}, crashed during {seen}"
    server.restart()


@pytest.mark.parametrize("trial", range(TRIALS))
def test_crash_trial(trial: int, tmp_path: Path) -> None:
    rng = random.Random(f"crash-trial-{trial}")
    # A little latency, as real platforms have: a kill then often lands while a create is in flight.
    asana = asana_emulator(tmp_path, wait=False, latency_ms=LATENCY_MS)
    okta = Emulator("okta", tmp_path, wait=False, users=6, seed=OKTA_SEED, window_seconds=1,
                    latency_ms=LATENCY_MS).wait_ready()
    asana.wait_ready()
    url = f"sqlite:///{(tmp_path / 'tenantsim.db').as_posix()}"
    server = Server(tmp_path, url)
    with children(asana, okta, server):
        server.start(wait=False)
        if not OKTA_BEFORE:  # what the org holds before any job (the same in every trial: one seed)
            OKTA_BEFORE.update(truth.okta_objects(okta))
        okta_before = set(OKTA_BEFORE)
        server.wait_ready()
        engine = make_engine(url)
        bodies = {"asana": asana_job(asana, 100 + trial, initial_projects=1),
                  "okta": okta_job(okta, 200 + trial, initial_users=16)}
        jobs = {name: TrialJob(engine, server.ok("POST", "/api/jobs/start", body)["job_id"])
                for name, body in bodies.items()}
        driver = jobs["asana" if trial % 2 == 0 else "okta"]
        first_phase = "seeding" if (trial // 2) % 2 == 0 else "activity"

        # 1. The first crash: after a random number of created objects, or of events.
        if first_phase == "seeding":
            total = truth.wait_until(lambda: (driver.row().get("progress") or {}).get("seed_total"),
                                     what="the seed's plan")
            made = rng.randint(1, max(1, int(total) // 2))
            crash(server, driver, lambda: driver.count("intent", "created") >= made, "seeding", 0.05, rng)
        else:
            truth.wait_until(lambda: driver.phase() == "activity", timeout=120, what="the seed")
            events = driver.events() + rng.randint(1, 5)
            crash(server, driver, lambda: driver.events() >= events, "activity", 0.3, rng)
        for job in jobs.values():  # both resume and carry on
            truth.wait_until(lambda job=job: job.phase() == "activity", timeout=120, what="a resumed seed")
            going = job.events()
            truth.wait_until(lambda job=job, going=going: job.events() >= going + 2, timeout=60,
                             what="events after the restart")
        for job in jobs.values():
            server.ok("POST", f"/api/jobs/{job.job_id}/stop")
        truth.assert_ledger_matches(truth.ledger(engine, jobs["asana"].job_id), truth.asana_objects(asana),
                                    truth.ASANA_KINDS)
        truth.assert_ledger_matches(truth.ledger(engine, jobs["okta"].job_id),
                                    truth.okta_objects(okta, okta_before), truth.OKTA_KINDS)

        # 2. The second crash, during cleanup: after a random number of deletions.
        existing = driver.count("created")
        for job in jobs.values():
            assert server.call("POST", f"/api/jobs/{job.job_id}/cleanup?wait=false").status_code == 200
        deletions = rng.randint(1, max(1, existing // 2))
        crash(server, driver, lambda: driver.count("deleted") >= deletions, "cleanup", 0.1, rng)
        for job in jobs.values():
            truth.wait_until(lambda job=job: job.row()["status"] == "cleaned", timeout=120,
                             what="the resumed cleanup")
        truth.assert_clean(truth.ledger(engine, jobs["asana"].job_id), truth.asana_objects(asana))
        truth.assert_clean(truth.ledger(engine, jobs["okta"].job_id), truth.okta_objects(okta, okta_before))
        for job in jobs.values():  # every restart resumed the job: a new run after each crash
            assert len(jobs_repo.list_runs(engine, job.job_id)) >= 3
        engine.dispose()
