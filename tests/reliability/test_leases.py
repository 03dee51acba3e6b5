"""The lease rules every server follows, on SQLite and PostgreSQL: one owner per job, a live lease is
never taken, a deadline is acted on by exactly one server, and a worker whose lease may have lapsed
stops itself before its next platform call."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from tenantsim.errors import JobStopping
from tenantsim.jobs.control import JobControl
from tenantsim.jobs.models import CLEANABLE, LIVE
from tenantsim.store import jobs_repo
from tenantsim.store.engine import make_engine, upgrade
from tenantsim.store.types import utcnow


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    upgrade(database_url)
    made = make_engine(database_url)
    yield made
    made.dispose()


def add_job(engine: Engine, job_id: str, status: str, owner: str | None, lease_left: float | None,
            **values: object) -> None:
    lease = utcnow() + timedelta(seconds=lease_left) if lease_left is not None else None
    jobs_repo.insert_job(engine, {"id": job_id, "connection_type": "asana", "status": status, "config": {},
                                  "seed": 1, "owner": owner, "lease_expires_at": lease, **values})


def test_a_live_lease_is_never_taken_and_a_lapsed_one_once(engine: Engine) -> None:
    add_job(engine, "live", "running", "a", 30)
    add_job(engine, "lapsed", "running", "a", -1)
    add_job(engine, "stopped", "stopped", "a", -1)
    assert jobs_repo.claim_jobs(engine, "b", list(LIVE), 30) == ["lapsed"]
    assert jobs_repo.claim_jobs(engine, "c", list(LIVE), 30) == []
    assert jobs_repo.get_job(engine, "live")["owner"] == "a"  # type: ignore[index]
    assert jobs_repo.renew_leases(engine, "a", ["live", "lapsed"], 30) == {"live"}  # a lost "lapsed"


def test_a_due_deadline_is_acted_on_by_exactly_one_server(engine: Engine) -> None:
    past = utcnow() - timedelta(seconds=1)
    add_job(engine, "mine_paused", "paused", "a", 30, cleanup_at=past)
    add_job(engine, "theirs_paused", "paused", "other", 30, cleanup_at=past)
    add_job(engine, "orphan_stopped", "stopped", "dead", -5, cleanup_at=past)
    add_job(engine, "not_yet", "stopped", None, None, cleanup_at=utcnow() + timedelta(hours=1))
    statuses = ["paused", "stopped", "failed"]
    won_a = jobs_repo.claim_due(engine, "a", "cleanup_at", statuses, "cleaning", 30)
    won_b = jobs_repo.claim_due(engine, "b", "cleanup_at", statuses, "cleaning", 30)
    assert sorted(won_a) == ["mine_paused", "orphan_stopped"] and won_b == []
    assert jobs_repo.get_job(engine, "theirs_paused")["status"] == "paused"  # type: ignore[index]
    assert jobs_repo.get_job(engine, "orphan_stopped")["owner"] == "a"  # type: ignore[index]


def test_cleanup_of_a_job_another_server_runs_is_left_to_that_server(engine: Engine) -> None:
    add_job(engine, "busy", "running", "a", 30)
    add_job(engine, "idle", "stopped", "a", 30)
    busy = list(CLEANABLE)
    assert jobs_repo.take_for_cleanup(engine, "busy", "b", 30, keep_status=False, busy=busy[:3]) is False
    row = jobs_repo.get_job(engine, "busy")
    assert row is not None and row["status"] == "cleaning" and row["owner"] == "a"
    assert jobs_repo.take_for_cleanup(engine, "idle", "b", 30, keep_status=False, busy=busy[:3]) is True
    assert jobs_repo.get_job(engine, "idle")["owner"] == "b"  # type: ignore[index]


async def test_a_worker_stops_itself_when_its_lease_may_have_lapsed() -> None:
    control = JobControl()
    control.fence(time.monotonic() + 60)
    await control.checkpoint()  # within the lease: carries on
    control.fence(time.monotonic() - 0.01)
    with pytest.raises(JobStopping) as stopped:
        await control.checkpoint()
    assert stopped.value.args[0] == "lease_expired"


def test_the_run_audit_records_each_worker(engine: Engine) -> None:
    add_job(engine, "j", "running", "a", 30)
    first = jobs_repo.open_run(engine, "j", "a", "run")
    jobs_repo.close_run(engine, first, "stop")
    second = jobs_repo.open_run(engine, "j", "b", "cleanup")
    runs = jobs_repo.list_runs(engine, "j")
    assert [(r["server_id"], r["mode"], r["end_reason"]) for r in runs] == [("a", "run", "stop"),
                                                                           ("b", "cleanup", None)]
    assert runs[0]["ended_at"] <= runs[1]["started_at"] and second != first
