"""duration_days and cleanup_after: a job stops by itself once duration_days have passed since its
first start, and is stopped and cleaned up when cleanup_after comes — whether it is running or paused,
and across a kill -9 and restart of the server in between."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from tenantsim.store import activity_repo
from tenantsim.store.engine import make_engine
from tests.reliability import truth
from tests.reliability.jobs import asana_emulator, asana_job
from tests.reliability.procs import Server, children

DAYS = 0.0001  # 8.64 seconds


def test_duration_and_cleanup_after_survive_a_crash(tmp_path: Path) -> None:
    emulator = asana_emulator(tmp_path)
    url = f"sqlite:///{(tmp_path / 'tenantsim.db').as_posix()}"
    server = Server(tmp_path, url)
    with children(emulator, server):
        server.start()
        engine = make_engine(url)

        def start(seed: int, **extra: Any) -> str:
            body = asana_job(emulator, seed, tokens=1, first_token=seed % 4, initial_projects=1, **extra)
            job_id: str = server.ok("POST", "/api/jobs/start", body)["job_id"]
            return job_id

        ids = {"timed": start(1, duration_days=DAYS), "scheduled": start(2, cleanup_after="6s"),
               "paused_scheduled": start(3, cleanup_after="7s"), "paused_timed": start(4, duration_days=DAYS)}

        def events(job_id: str) -> int:
            return int((truth.job(engine, job_id).get("progress") or {}).get("events_total", 0))

        for job_id in ids.values():
            truth.wait_until(lambda job_id=job_id: events(job_id) >= 1, timeout=60, what="a running job")
        for key in ("paused_scheduled", "paused_timed"):
            server.ok("POST", f"/api/jobs/{ids[key]}/pause")
        first_started = truth.job(engine, ids["timed"])["first_started_at"]
        server.kill9()
        server.restart()

        for key in ("scheduled", "paused_scheduled"):
            truth.wait_until(lambda key=key: truth.job(engine, ids[key])["status"] == "cleaned", timeout=60,
                             what=f"{key} cleaned up by itself")
        for key in ("timed", "paused_timed"):
            truth.wait_until(lambda key=key: truth.job(engine, ids[key])["status"] == "stopped", timeout=60,
                             what=f"{key} stopped by itself")

        timed = truth.job(engine, ids["timed"])
        assert timed["first_started_at"] == first_started, "counted from the first start, not the restart"
        assert timed["stop_at"] == first_started + timedelta(days=DAYS)
        assert timed["stopped_at"] >= timed["stop_at"]
        for key in ("timed", "paused_timed"):
            kinds = [e["event_type"] for e in activity_repo.page(engine, ids[key], limit=500)]
            assert "job_stopped" in kinds
        live = truth.asana_objects(emulator)
        for key in ("scheduled", "paused_scheduled"):
            entries = truth.ledger(engine, ids[key])
            assert entries and not [e for e in entries if e.status == "created"]
            assert not {(e.kind, str(e.platform_id)) for e in entries if e.platform_id} & live
        kept = {(e.kind, str(e.platform_id)) for key in ("timed", "paused_timed")
                for e in truth.ledger(engine, ids[key])
                if e.status == "created" and e.kind in truth.ASANA_KINDS}
        assert live == kept, "a stopped job keeps its objects until cleanup; nothing else is left"
        engine.dispose()
