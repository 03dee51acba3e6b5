"""Two `tenantsim serve` processes on one PostgreSQL database share the jobs. Each job is run by exactly
one of them at a time (the job_runs audit and owners sampled from the database all through prove it);
a status change made through either server's API reaches the owner; and when one server is killed with
kill -9, the other takes its running jobs over within the lease — but never resumes a paused or stopped
job, and carries out a cleanup_after that falls due after the takeover.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tenantsim.store import jobs_repo
from tenantsim.store.engine import make_engine
from tenantsim.store.tables import jobs
from tests.reliability import truth
from tests.reliability.jobs import asana_emulator, asana_job
from tests.reliability.procs import Server, children
from tests.support import pg
from tests.support.quiet import stays_quiet

LEASE = 4.0  # seconds; production default 30 (TENANTSIM_LEASE_SECONDS)
HEARTBEAT = 0.5
# A takeover happens once the dead server's lease lapses, at the survivor's next heartbeat; the rest is
# room for a busy test machine.
TAKEOVER_BOUND = LEASE + 2 * HEARTBEAT + 6.0


class OwnerSampler:
    """Reads every job's owner from the database ten times a second, in the background."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.samples: list[tuple[float, dict[str, str | None]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with self.engine.connect() as conn:
                owners = {r.id: r.owner for r in conn.execute(select(jobs.c.id, jobs.c.owner))}
            self.samples.append((time.time(), owners))
            self._stop.wait(0.1)

    @contextlib.contextmanager
    def running(self) -> Iterator[OwnerSampler]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join(timeout=5)


def events(engine: Engine, job_id: str) -> int:
    return int((truth.job(engine, job_id).get("progress") or {}).get("events_total", 0))


def assert_never_two_at_once(engine: Engine, job_id: str, killed: str, killed_at: datetime) -> None:
    """Each run of the job ended before the next began. A run of the killed server that never ended
    ended at the kill."""
    runs = jobs_repo.list_runs(engine, job_id)
    open_runs = [r for r in runs if r["ended_at"] is None and r["server_id"] != killed]
    assert len(open_runs) <= 1, f"{job_id} is running on two servers: {open_runs}"
    for before, after in itertools.pairwise(runs):
        ended = before["ended_at"] or (killed_at if before["server_id"] == killed else None)
        assert ended is not None and ended <= after["started_at"], f"{job_id} runs overlap: {before} {after}"


@pytest.mark.postgres
def test_two_servers_share_jobs_and_take_over_after_kill(tmp_path: Path) -> None:
    if not pg.available():
        pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432 (make test starts it)")
    with pg.temp_database() as url:
        emulator = asana_emulator(tmp_path)
        a = Server(tmp_path, url, name="a", lease_seconds=LEASE, heartbeat_seconds=HEARTBEAT)
        b = Server(tmp_path, url, name="b", lease_seconds=LEASE, heartbeat_seconds=HEARTBEAT)
        with children(emulator, a, b):
            a.start(wait=False)  # both at once on a fresh database: one migrates, the other waits
            b.start(wait=False)
            a.wait_ready()
            b.wait_ready()
            engine = make_engine(url)
            _run_scenario(engine, emulator, a, b)
            engine.dispose()


def _start(server: Server, emulator: Any, seed: int, **extra: Any) -> str:
    body = asana_job(emulator, seed, tokens=1, first_token=seed % 4, initial_projects=1,
                     activity_level="high", time_scale=20_000.0, **extra)
    job_id: str = server.ok("POST", "/api/jobs/start", body)["job_id"]
    return job_id


def _run_scenario(engine: Engine, emulator: Any, a: Server, b: Server) -> None:
    names = ("run1", "run2", "paused", "stopped", "cleaned_by_b", "cleaned_elsewhere")
    on_a = {name: _start(a, emulator, seed) for seed, name in enumerate(names)}
    on_b = _start(b, emulator, 8)
    everyone = [*on_a.values(), on_b]
    sampler = OwnerSampler(engine)
    with sampler.running():
        for job_id in everyone:
            truth.wait_until(lambda job_id=job_id: events(engine, job_id) >= 1, timeout=120,
                             what="every job seeded and running")
        assert {truth.job(engine, j)["owner"] for j in on_a.values()} == {"server-a"}
        assert truth.job(engine, on_b)["owner"] == "server-b"

        # Control through the other server's API reaches the owner.
        b.ok("POST", f"/api/jobs/{on_a['paused']}/pause")
        b.ok("POST", f"/api/jobs/{on_a['stopped']}/stop")
        result = b.call("POST", f"/api/jobs/{on_a['cleaned_elsewhere']}/cleanup", timeout=120).json()
        assert result["success"] is True and result["deleted_projects"] == 1, result
        servers = {r["server_id"] for r in jobs_repo.list_runs(engine, on_a["cleaned_elsewhere"])}
        assert servers == {"server-a"}, "the owner cleaned up; the asking server only waited"
        # The owner's poll has applied the pause and the stop: of its jobs, only run1, run2 and
        # cleaned_by_b still run ...
        truth.wait_until(lambda: a.ok("GET", "/api/health")["active_jobs"] == 3, timeout=30,
                         what="server-a applying the pause and the stop")
        # ... and the paused job makes nothing while run1 goes on (an event in flight may land).
        frozen = stays_quiet(lambda: events(engine, on_a["paused"]), lambda: events(engine, on_a["run1"]),
                             in_flight=1, timeout=60, what="the paused job")
        # Due a few seconds after server-a dies: the surviving server must carry it out.
        on_a["scheduled"] = _start(a, emulator, 7, cleanup_after="9s")
        everyone.append(on_a["scheduled"])
        truth.wait_until(lambda: events(engine, on_a["scheduled"]) >= 1, timeout=60, what="the scheduled job")

        running_at_kill = {j: events(engine, j) for j in (on_a["run1"], on_a["run2"], on_b)}
        killed_at = datetime.now(UTC)
        a.kill9()

        for job_id in (on_a["run1"], on_a["run2"]):
            def b_runs(job_id: str = job_id) -> list[datetime]:
                runs = jobs_repo.list_runs(engine, job_id)
                return [r["started_at"] for r in runs if r["server_id"] == "server-b"]

            taken = truth.wait_until(b_runs, timeout=60, what="the takeover")
            assert truth.job(engine, job_id)["owner"] == "server-b"
            assert (min(taken) - killed_at).total_seconds() <= TAKEOVER_BOUND
        for job_id, before in running_at_kill.items():  # every running job keeps running
            truth.wait_until(lambda job_id=job_id, before=before: events(engine, job_id) >= before + 2,
                             timeout=60, what="events after the takeover")
            assert truth.job(engine, job_id)["status"] == "running"
        truth.wait_until(lambda: truth.job(engine, on_a["scheduled"])["status"] == "cleaned", timeout=90,
                         what="cleanup_after carried out by the surviving server")
        cleanups = [r for r in jobs_repo.list_runs(engine, on_a["scheduled"]) if r["mode"] == "cleanup"]
        assert cleanups and {r["server_id"] for r in cleanups} == {"server-b"}
        b.ok("POST", f"/api/jobs/{on_a['cleaned_by_b']}/cleanup")
        truth.wait_until(lambda: truth.job(engine, on_a["cleaned_by_b"])["status"] == "cleaned", timeout=60,
                         what="the cleanup through server-b")

    # A paused job stays paused and a stopped one stopped: taking over never resumes them.
    assert truth.job(engine, on_a["paused"])["status"] == "paused"
    assert events(engine, on_a["paused"]) == frozen
    assert truth.job(engine, on_a["stopped"])["status"] == "stopped"
    assert not [r for r in jobs_repo.list_runs(engine, on_a["stopped"]) if r["server_id"] == "server-b"]
    for key in ("scheduled", "cleaned_by_b", "cleaned_elsewhere"):
        entries = truth.ledger(engine, on_a[key])
        assert truth.job(engine, on_a[key])["status"] == "cleaned"
        assert not [e for e in entries if e.status == "created"], f"{key} left ledger objects"
    live = truth.asana_objects(emulator)
    for key in ("scheduled", "cleaned_by_b", "cleaned_elsewhere"):
        ids = {(e.kind, str(e.platform_id)) for e in truth.ledger(engine, on_a[key]) if e.platform_id}
        assert not ids & live, f"{key} left objects on Asana"

    # Never on two servers at once: the run audit, and the owners sampled all along.
    for job_id in everyone:
        assert_never_two_at_once(engine, job_id, "server-a", killed_at)
    kill_time = killed_at.timestamp()
    for at, owners in sampler.samples:
        for job_id in on_a.values():
            if owners.get(job_id) == "server-b":
                assert at >= kill_time, f"{job_id} moved to server-b while server-a was alive"
    assert len(sampler.samples) > 20
