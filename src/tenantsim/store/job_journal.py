"""A running job's writes that the database does not hold yet: ledger rows, progress, company, activity.

The job is the only writer of these rows, so it keeps them in memory (``ledger_repo.SqlLedger``) and
writes them here. Every write of the journal commits one consistent snapshot — all the rows, the
progress and the company as the job holds them at that moment — in one transaction, so a restart sees
a state the job really passed through and never an object without the progress that made it.

Two modes. Without a writer, each change commits at once on the caller's thread (tests and one-off
tools read the tables right after). With the store's writer (``store/writer.py``, what running jobs
use) changes are write-behind: committed off the event loop within ``WRITE_BEHIND_SECONDS``, and
``flush()`` makes everything written so far durable, and ``flush_ahead()`` every change a platform call
may depend on — the job awaits the latter before every platform call that changes something
(``connectors/write_ahead.py``), so an intent is always durable before its call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tenantsim.store.ledger_types import LedgerEntry
from tenantsim.store.tables import activity, companies, jobs, ledger
from tenantsim.store.types import utcnow
from tenantsim.store.writer import StoreWriter

log = logging.getLogger("tenantsim.store")

WRITE_BEHIND_SECONDS = 0.25  # the longest a change waits before it is written (unless flushed sooner)

RowKey = tuple[str, str, str]  # platform, kind, key

_UPDATE_ROW = (
    update(ledger)
    .where(and_(ledger.c.job_id == bindparam("w_job"), ledger.c.platform == bindparam("w_platform"),
                ledger.c.kind == bindparam("w_kind"), ledger.c.key == bindparam("w_key")))
    .values(platform_id=bindparam("platform_id"), status=bindparam("status"), attrs=bindparam("attrs"),
            error=bindparam("error"), updated_at=bindparam("updated_at"))
)


@dataclass
class Snapshot:
    """What one write commits."""

    inserts: list[dict[str, Any]] = field(default_factory=list)  # ledger rows new to the database
    updates: list[dict[str, Any]] = field(default_factory=list)  # ledger rows it holds already
    inserted: list[tuple[RowKey, LedgerEntry]] = field(default_factory=list)
    updated: list[tuple[RowKey, LedgerEntry]] = field(default_factory=list)
    progress: dict[str, Any] | None = None
    company: dict[str, Any] | None = None
    activity: list[dict[str, Any]] = field(default_factory=list)
    upto: int = 0  # the journal's change count this snapshot covers


class JobJournal:
    def __init__(self, engine: Engine, job_id: str, *, writer: StoreWriter | None = None,
                 on_logged: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.engine = engine
        self.job_id = job_id
        self.writer = writer
        self._on_logged = on_logged  # an activity entry is in the log (with its id): publish it
        self._rows: dict[RowKey, tuple[LedgerEntry, bool]] = {}  # changed rows -> (entry, new to the db)
        self._progress: dict[str, Any] | None = None
        self._company: dict[str, Any] | None = None
        self._activity: list[dict[str, Any]] = []
        self._changes = 0  # changes made so far
        self._ahead = 0  # the last change a platform call may depend on
        self._durable = 0  # changes the database holds
        self._inflight: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        dialect = engine.dialect.name
        self._insert = (pg_insert if dialect == "postgresql" else sqlite_insert)(ledger)

    # -- changes -------------------------------------------------------------------------------------
    def row(self, platform: str, entry: LedgerEntry, *, new: bool = False) -> None:
        """A ledger row changed (``new``: not in the database yet). Call ``changed()`` after."""
        key = (platform, entry.kind, entry.key)
        held = self._rows.get(key)
        self._rows[key] = (entry, new or (held is not None and held[1]))

    def progress(self, progress: dict[str, Any]) -> None:
        self._progress = progress

    def company(self, state: dict[str, Any], progress: dict[str, Any]) -> None:
        self._company, self._progress = state, progress

    def activity(self, entry: dict[str, Any]) -> None:
        self._activity.append(entry)

    def changed(self, *, ahead: bool = True) -> None:
        """One change is complete: written now (no writer) or soon (write-behind). ``ahead``: the next
        platform call may depend on it (an intent, a mark), so ``flush_ahead`` waits for it; a record of
        what a call already did (an object gone) need not hold the next call back: a crash before it is
        written only repeats a call that is safe to repeat."""
        self._changes += 1
        if ahead:
            self._ahead = self._changes
        if self.writer is None:
            snapshot = self._take()
            with self.engine.begin() as conn:
                ids = self._write(conn, snapshot)
            self._written(snapshot, ids)
        elif self._timer is None and self._inflight is None:
            self._timer = asyncio.get_running_loop().call_later(WRITE_BEHIND_SECONDS, self._write_behind)

    @property
    def pending(self) -> int:
        return self._changes - self._durable

    # -- writing -------------------------------------------------------------------------------------
    async def flush(self) -> None:
        """Everything changed so far is in the database when this returns (group commit: concurrent
        callers share the write in flight)."""
        await self._durable_upto(self._changes)

    async def flush_ahead(self) -> None:
        """Every change a platform call may depend on is in the database (and whatever came before it)."""
        await self._durable_upto(self._ahead)

    async def _durable_upto(self, target: int) -> None:
        while self._durable < target:
            if self._inflight is None or self._inflight.done():  # done: it wrote less than we need
                self._start()
            assert self._inflight is not None
            await asyncio.shield(self._inflight)

    def _write_behind(self) -> None:
        self._timer = None
        if self._inflight is None and self.pending:
            self._start()

    def _start(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._inflight = asyncio.get_running_loop().create_task(self._write_once(),
                                                                name=f"tenantsim-journal-{self.job_id}")
        self._inflight.add_done_callback(self._after_write)

    async def _write_once(self) -> None:
        assert self.writer is not None
        snapshot = self._take()
        try:
            ids = await self.writer.submit(lambda conn: self._write(conn, snapshot))
        except BaseException:
            self._restore(snapshot)
            raise
        self._written(snapshot, ids)

    def _after_write(self, task: asyncio.Task[None]) -> None:
        if self._inflight is task:
            self._inflight = None
        if not task.cancelled() and task.exception() is not None:
            log.warning("job %s: writing the journal failed: %r", self.job_id, task.exception())
        if self.pending and self._timer is None:  # changed meanwhile (or failed): written soon
            self._timer = asyncio.get_running_loop().call_later(WRITE_BEHIND_SECONDS, self._write_behind)

    def _take(self) -> Snapshot:
        now = utcnow()
        snapshot = Snapshot(progress=self._progress, company=self._company, activity=self._activity,
                            upto=self._changes)
        for key, (entry, new) in self._rows.items():
            values = {"platform_id": entry.platform_id, "status": entry.status, "attrs": entry.attrs,
                      "error": entry.error, "updated_at": now}
            if new:
                snapshot.inserts.append({**values, "job_id": self.job_id, "platform": key[0],
                                         "kind": entry.kind, "key": entry.key, "parent_key": entry.parent_key,
                                         "actor": entry.actor, "created_at": entry.recorded_at or now})
                snapshot.inserted.append((key, entry))
            else:
                snapshot.updates.append({**values, "w_job": self.job_id, "w_platform": key[0],
                                         "w_kind": entry.kind, "w_key": entry.key})
                snapshot.updated.append((key, entry))
        self._rows, self._progress, self._company, self._activity = {}, None, None, []
        return snapshot

    def _restore(self, snapshot: Snapshot) -> None:
        """A write failed: its changes are pending again (newer ones kept where they exist)."""
        for key, entry in snapshot.updated:
            self._rows.setdefault(key, (entry, False))
        for key, entry in snapshot.inserted:
            self._rows[key] = (self._rows.get(key, (entry, True))[0], True)
        if self._progress is None:
            self._progress = snapshot.progress
        if self._company is None:
            self._company = snapshot.company
        self._activity = snapshot.activity + self._activity

    def _write(self, conn: Connection, snapshot: Snapshot) -> list[int]:
        """The snapshot, in the caller's transaction; the new activity entries' ids."""
        now = utcnow()
        if snapshot.inserts:  # a row already there was written by an earlier run: keep that one
            conn.execute(self._insert.on_conflict_do_nothing(), snapshot.inserts)
        if snapshot.updates:
            conn.execute(_UPDATE_ROW, snapshot.updates)
        if snapshot.company is not None:
            insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            statement = insert(companies).values(job_id=self.job_id, state=snapshot.company, updated_at=now)
            conn.execute(statement.on_conflict_do_update(index_elements=[companies.c.job_id],
                                                         set_={"state": snapshot.company, "updated_at": now}))
        ids: list[int] = []
        job_values: dict[str, Any] = {}
        if snapshot.activity:
            rows = [{"job_id": self.job_id, **{k: e[k] for k in ("ts", "event_type", "message", "objects")}}
                    for e in snapshot.activity]
            result = conn.execute(activity.insert().returning(activity.c.id, sort_by_parameter_order=True),
                                  rows)
            ids = [int(r[0]) for r in result]
            job_values["last_activity_at"] = snapshot.activity[-1]["ts"]
        if snapshot.progress is not None:
            job_values["progress"] = snapshot.progress
        if job_values:
            conn.execute(update(jobs).where(jobs.c.id == self.job_id).values(**job_values, updated_at=now))
        return ids

    def _written(self, snapshot: Snapshot, ids: list[int]) -> None:
        self._durable = max(self._durable, snapshot.upto)
        if self._on_logged is None:
            return
        for entry, entry_id in zip(snapshot.activity, ids, strict=False):
            ts: datetime = entry["ts"]
            self._on_logged({"id": entry_id, "timestamp": ts.isoformat(), "event_type": entry["event_type"],
                             "message": entry["message"], "objects": entry["objects"]})

    async def aclose(self) -> None:
        """The job ends: write what is left."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        await self.flush()
