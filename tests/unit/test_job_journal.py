"""A running job's ledger in memory, its writes batched through the journal and the store's writer."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from tenantsim.connectors import write_ahead
from tenantsim.store import activity_repo, jobs_repo
from tenantsim.store.job_journal import JobJournal
from tenantsim.store.ledger_repo import SqlLedger, kind_counts
from tenantsim.store.types import utcnow
from tenantsim.store.writer import writer_for
from tests.support.jobctx import make_engine_at


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = make_engine_at(tmp_path)
    jobs_repo.insert_job(engine, {"id": "job_1", "connection_type": "okta", "status": "running", "config": {},
                                  "seed": 1, "created_at": utcnow()})
    return engine


def commits(engine: Engine) -> list[int]:
    counted = [0]

    @event.listens_for(engine, "commit")
    def _count(_conn: Any) -> None:
        counted[0] += 1

    return counted


async def test_writes_wait_in_memory_until_flushed_and_reads_never_need_the_database(engine: Engine) -> None:
    published: list[dict[str, Any]] = []
    journal = JobJournal(engine, "job_1", writer=writer_for(engine), on_logged=published.append)
    ledger = SqlLedger(engine, "job_1", "okta", journal)
    ledger.intent("user", "u1", attrs={"groups": ["g1"]})
    ledger.created("user", "u1", "00u1", {"status": "ACTIVE"})
    journal.activity({"ts": utcnow(), "event_type": "hired", "message": "Ann joins.", "objects": []})
    journal.changed()
    found = ledger.get("user", "u1")
    assert found is not None and found.platform_id == "00u1" and found.attrs["groups"] == ["g1"]
    assert kind_counts(engine, "job_1", ("intent", "created")) == {}  # not written yet
    assert published == []  # an entry is published once it has its id
    await ledger.flush()
    assert kind_counts(engine, "job_1", ("created",)) == {"user": 1}
    assert [e["event_type"] for e in activity_repo.page(engine, "job_1")] == ["hired"]
    assert published and published[0]["id"] is not None
    fresh = SqlLedger(engine, "job_1", "okta").get("user", "u1")
    assert fresh is not None and fresh.attrs == {"groups": ["g1"], "status": "ACTIVE"}


async def test_write_behind_reaches_the_database_without_a_flush(engine: Engine) -> None:
    journal = JobJournal(engine, "job_1", writer=writer_for(engine))
    ledger = SqlLedger(engine, "job_1", "okta", journal)
    ledger.intent("group", "g1")
    for _ in range(40):
        if kind_counts(engine, "job_1", ("intent",)):
            break
        await asyncio.sleep(0.05)
    assert kind_counts(engine, "job_1", ("intent",)) == {"group": 1}


async def test_concurrent_changes_share_transactions(engine: Engine) -> None:
    journal = JobJournal(engine, "job_1", writer=writer_for(engine))
    ledger = SqlLedger(engine, "job_1", "okta", journal)
    counted = commits(engine)

    async def one(index: int) -> None:
        ledger.intent("user", f"u{index}")
        await ledger.flush()  # before the platform call
        ledger.created("user", f"u{index}", f"id{index}", progress={"seed_done": index})

    await asyncio.gather(*(one(i) for i in range(50)))
    await journal.aclose()
    assert kind_counts(engine, "job_1", ("created",)) == {"user": 50}
    assert counted[0] <= 5  # group commit: 100 changes in a handful of transactions


async def test_the_id_and_its_progress_are_written_together(engine: Engine) -> None:
    journal = JobJournal(engine, "job_1", writer=writer_for(engine))
    ledger = SqlLedger(engine, "job_1", "okta", journal)
    ledger.intent("user", "u1")
    ledger.created("user", "u1", "00u1", progress={"seed_done": 1})
    await journal.flush()
    row = jobs_repo.get_job(engine, "job_1")
    assert row is not None and row["progress"] == {"seed_done": 1}
    assert kind_counts(engine, "job_1", ("created",)) == {"user": 1}


async def test_a_failed_write_is_kept_and_written_later(engine: Engine) -> None:
    journal = JobJournal(engine, "job_1", writer=writer_for(engine))
    ledger = SqlLedger(engine, "job_1", "okta", journal)
    ledger.intent("user", "u1")
    failing = [True]

    @event.listens_for(engine, "before_cursor_execute")
    def _fail_once(*_args: Any) -> None:
        if failing[0]:
            failing[0] = False
            raise RuntimeError("database went away")

    with pytest.raises(Exception, match="database went away"):
        await journal.flush()
    await journal.flush()
    assert kind_counts(engine, "job_1", ("intent",)) == {"user": 1}


async def test_a_change_is_durable_before_a_call_that_changes_the_platform(engine: Engine) -> None:
    journal = JobJournal(engine, "job_1", writer=writer_for(engine))
    ledger = SqlLedger(engine, "job_1", "okta", journal)
    seen: list[dict[str, int]] = []

    async def job() -> None:
        write_ahead.bind(journal.flush_ahead)  # what a running job binds
        ledger.intent("user", "u1")
        await write_ahead.before_change()  # what the HTTP layer does before a POST
        seen.append(kind_counts(engine, "job_1", ("intent",)))

    await asyncio.create_task(job())
    assert seen == [{"user": 1}]


async def test_a_record_of_what_a_call_did_does_not_hold_the_next_call_back(engine: Engine) -> None:
    """Deleting many objects: each one's "deleted" is written behind; the next delete need not wait for
    it (a crash before it is written repeats a delete that finds nothing). An intent still waits."""
    journal = JobJournal(engine, "job_1", writer=writer_for(engine))
    ledger = SqlLedger(engine, "job_1", "okta", journal)
    ledger.intent("user", "u1")
    ledger.created("user", "u1", "00u1")
    await journal.flush()
    written = commits(engine)
    ledger.deleted("user", "u1")
    await journal.flush_ahead()
    assert written == [0] and journal.pending == 1  # nothing waited for the database
    ledger.intent("user", "u2")
    await journal.flush_ahead()
    assert written == [1] and journal.pending == 0  # the intent, and the deletion before it
    assert kind_counts(engine, "job_1", ("deleted", "intent")) == {"user": 2}


def test_without_a_writer_every_change_is_written_at_once(engine: Engine) -> None:
    ledger = SqlLedger(engine, "job_1", "okta")
    ledger.intent("user", "u1")
    ledger.update_attrs("user", "u1", {"x": 1})
    ledger.failed("user", "u1", "refused")
    fresh = SqlLedger(engine, "job_1", "okta").get("user", "u1")
    assert fresh is not None and fresh.status == "failed" and fresh.attrs == {"x": 1}
    assert ledger.entries("user", statuses=["failed"]) and ledger.counts() == {}


async def test_rows_under_a_parent_are_found_the_same_in_memory_and_in_the_database(engine: Engine) -> None:
    journal = JobJournal(engine, "job_1", writer=writer_for(engine))
    ledger = SqlLedger(engine, "job_1", "okta", journal)
    for person, apps in (("p1", ("a1", "a2")), ("p2", ("a1",))):
        ledger.intent("user", person)
        for app in apps:
            ledger.intent("app_assignment", f"{person}>{app}", parent_key=person)
            ledger.created("app_assignment", f"{person}>{app}", person)
    ledger.failed("app_assignment", "p1>a2", "refused")
    await ledger.flush()
    restarted = SqlLedger(engine, "job_1", "okta", JobJournal(engine, "job_1", writer=writer_for(engine)))
    for view in (ledger, restarted, SqlLedger(engine, "job_1", "okta")):  # memory, reloaded, no cache
        assert [e.key for e in view.entries("app_assignment", parent_key="p1")] == ["p1>a1", "p1>a2"]
        assert [e.key for e in view.entries("app_assignment", ["created"], parent_key="p1")] == ["p1>a1"]
        assert [e.key for e in view.entries("app_assignment", parent_key="p2")] == ["p2>a1"]
        assert view.entries("user", parent_key="p1") == []
