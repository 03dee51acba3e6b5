"""Crash trials: kill -9 the server at seeded random moments while a job seeds, while it runs and
while it cleans up; restart it each time and let the job finish. Afterwards nothing is duplicated, the
ledger matches the emulator exactly, and cleanup leaves zero residue.

`make test` runs TENANTSIM_CRASH_TRIALS (default 10) trials; set it higher for a longer run.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tenantsim.sandbox.asana import create_app as asana_sandbox
from tenantsim.store import jobs_repo
from tenantsim.store.engine import make_engine
from tests.reliability import truth
from tests.reliability.procs import Emulator, Server, children

TRIALS = int(os.environ.get("TENANTSIM_CRASH_TRIALS", "10"))
ASANA_SEED = 41


def asana_job(emulator: Emulator, seed: int) -> dict[str, Any]:
    described = asana_sandbox(users=4, seed=ASANA_SEED).describe(emulator.api_base)  # same seed, same tokens
    org = next(w["gid"] for w in described["workspaces"] if w["is_organization"])
    return {"connection_type": "asana", "industry": "technology", "workspace_gid": org,
            "base_url": emulator.api_base, "initial_projects": 2, "content_provider": "offline",
            "time_scale": 3600.0, "activity_level": "high", "seed": seed,
            "user_tokens": [{"name": f"user{i}", "token": u["token"]} for i, u in enumerate(described["users"][:3])]}


class Trial:
    """One job on one server, crashed and restarted on demand."""

    def __init__(self, server: Server, engine: Engine, job_id: str, rng: random.Random) -> None:
        self.server = server
        self.engine = engine
        self.job_id = job_id
        self.rng = rng
        self.kills: list[str] = []

    def row(self) -> dict[str, Any]:
        return truth.job(self.engine, self.job_id)

    def count(self, *statuses: str) -> int:
        return sum(1 for e in truth.ledger(self.engine, self.job_id) if e.status in statuses)

    def crash_when(self, ready: Any, phase: str, jitter: float) -> None:
        """Wait for ``ready``, then a random instant more, then kill -9 and restart."""
        truth.wait_until(ready, timeout=90, what=f"the {phase} kill point")
        time.sleep(self.rng.uniform(0, jitter))
        seen = self.phase()
        self.server.kill9()
        self.kills.append(seen)
        assert seen == phase, f"meant to crash during {phase}, crashed during {seen}"
        self.server.restart()

    def phase(self) -> str:
        row = self.row()
        if row["status"] == "cleaning":
            return "cleanup"
        return "activity" if (row.get("progress") or {}).get("seeded") else "seeding"


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path


@pytest.mark.parametrize("trial", range(TRIALS))
def test_crash_trial_asana(trial: int, folder: Path) -> None:
    rng = random.Random(f"crash-trial-{trial}")
    emulator = Emulator("asana", folder, users=4, seed=ASANA_SEED)
    url = f"sqlite:///{(folder / 'tenantsim.db').as_posix()}"
    server = Server(folder, url)
    with children(emulator, server):
        server.start()
        engine = make_engine(url)
        job_id = server.ok("POST", "/api/jobs/start", asana_job(emulator, 1000 + trial))["job_id"]
        t = Trial(server, engine, job_id, rng)

        # 1. During seeding: once a random number of objects is in the ledger (the seed makes ~60).
        target = rng.randint(1, 40)
        t.crash_when(lambda: t.count("intent", "created") >= target, "seeding", jitter=0.2)
        truth.wait_until(lambda: t.phase() == "activity", timeout=90, what="the resumed seed to finish")

        # 2. During activity: a random number of events in.
        events = int((t.row().get("progress") or {}).get("events_total", 0)) + rng.randint(1, 5)
        t.crash_when(lambda: int((t.row().get("progress") or {}).get("events_total", 0)) >= events,
                     "activity", jitter=0.3)
        resumed = int((t.row().get("progress") or {}).get("events_total", 0))
        truth.wait_until(lambda: int((t.row().get("progress") or {}).get("events_total", 0)) >= resumed + 2,
                         what="events after the restart")
        server.ok("POST", f"/api/jobs/{job_id}/stop")
        entries = truth.ledger(engine, job_id)
        truth.assert_ledger_matches(entries, truth.asana_objects(emulator), truth.ASANA_KINDS)
        made = sum(1 for e in entries if e.status == "created")

        # 3. During cleanup: after a random number of deletions.
        assert server.call("POST", f"/api/jobs/{job_id}/cleanup?wait=false").status_code == 200
        deletions = rng.randint(1, max(1, made // 2))
        t.crash_when(lambda: t.count("deleted") >= deletions, "cleanup", jitter=0.1)
        truth.wait_until(lambda: t.row()["status"] == "cleaned", timeout=90, what="the resumed cleanup")
        truth.assert_clean(truth.ledger(engine, job_id), truth.asana_objects(emulator))

        # The job ran on one server at a time: each run ended (or its server died) before the next began.
        runs = jobs_repo.list_runs(engine, job_id)
        assert len(runs) >= 4 and t.kills == ["seeding", "activity", "cleanup"]
        engine.dispose()
