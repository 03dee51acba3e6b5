"""An Asana job and an Okta job run by one server against emulators that inject faults: what the fault
suites share (start under faults, wait for events, compare each ledger with its platform, clean up)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tenantsim.store.engine import make_engine
from tests.reliability import truth
from tests.reliability.jobs import asana_emulator, asana_job, okta_job
from tests.reliability.procs import Emulator, Server, children

CALM = {"fault_rate": 0.0, "storm_seconds": 0}


def progress(engine: Any, job_id: str) -> dict[str, Any]:
    return dict(truth.job(engine, job_id).get("progress") or {})


@dataclass
class FaultedJobs:
    server: Server
    engine: Any
    asana: Emulator
    okta: Emulator
    okta_before: set[tuple[str, str]]
    ids: dict[str, str]  # "asana" | "okta" -> job id

    def faults(self, **settings: Any) -> None:
        for emulator in (self.asana, self.okta):
            emulator.faults(**settings)

    def events(self, job_id: str) -> int:
        return int(progress(self.engine, job_id).get("events_total", 0))

    def wait_for_events(self, count: int, what: str) -> None:
        for job_id in self.ids.values():
            truth.wait_until(lambda job_id=job_id: self.events(job_id) >= count, timeout=150, what=what)

    def assert_ledgers_match(self) -> None:
        """With the faults off: each job's ledger holds exactly what its platform has."""
        self.faults(**CALM)
        truth.assert_ledger_matches(truth.ledger(self.engine, self.ids["asana"]),
                                    truth.asana_objects(self.asana), truth.ASANA_KINDS)
        truth.assert_ledger_matches(truth.ledger(self.engine, self.ids["okta"]),
                                    truth.okta_objects(self.okta, self.okta_before), truth.OKTA_KINDS)

    def clean_up_under(self, faults: dict[str, Any]) -> None:
        """Cleanup under ``faults`` removes everything the jobs made (checked with the faults off)."""
        self.faults(**faults)
        for job_id in self.ids.values():
            result = self.server.call("POST", f"/api/jobs/{job_id}/cleanup", timeout=300).json()
            assert result["success"] is True and not result.get("errors"), result
        self.faults(**CALM)
        truth.assert_clean(truth.ledger(self.engine, self.ids["asana"]), truth.asana_objects(self.asana))
        truth.assert_clean(truth.ledger(self.engine, self.ids["okta"]),
                           truth.okta_objects(self.okta, self.okta_before))


@contextmanager
def faulted_jobs(tmp_path: Path, faults: dict[str, Any], *, asana_seed: int, okta_seed: int) -> \
        Iterator[FaultedJobs]:
    """Both jobs started with ``faults`` already on (their builds run under them)."""
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
        jobs = FaultedJobs(server, engine, asana, okta, okta_before, {})
        jobs.faults(**faults)
        bodies = {"asana": asana_job(asana, asana_seed, initial_projects=1),
                  "okta": okta_job(okta, okta_seed, initial_users=20)}
        jobs.ids = {name: server.ok("POST", "/api/jobs/start", body)["job_id"]
                    for name, body in bodies.items()}
        try:
            yield jobs
        finally:
            engine.dispose()
