"""The JobContext a running job hands to its platform service (see connectors/base.py)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from tenantsim.connectors.http import HttpStats
from tenantsim.content.base import ContentProvider, derive_seed
from tenantsim.jobs.control import JobControl
from tenantsim.secretbox import scrub
from tenantsim.store.claims_repo import SqlClaims
from tenantsim.store.job_journal import JobJournal
from tenantsim.store.ledger_repo import SqlLedger
from tenantsim.store.ledger_types import Claims, Ledger
from tenantsim.store.types import utcnow
from tenantsim.store.writer import StoreWriter


class RunningJobContext:
    """A job's ledger, progress and activity log. Their writes go through one journal
    (``store/job_journal.py``): at once, or — given the store's ``writer``, as the manager does —
    in batches off the event loop, each entry published once it is in the log."""

    def __init__(self, *, engine: Engine, job_id: str, config: dict[str, Any], seed: int,
                 progress: dict[str, Any], content: ContentProvider, control: JobControl,
                 publish: Callable[[str, dict[str, Any]], None],
                 on_activity: Callable[[str, str], None] | None = None,
                 writer: StoreWriter | None = None) -> None:
        self.engine = engine
        self.job_id = job_id
        self.config = config
        self.seed = seed
        self.journal = JobJournal(engine, job_id, writer=writer, on_logged=lambda entry: publish(
            job_id, {"type": "activity", "entry": entry}))
        self._ledgers: dict[str, SqlLedger] = {}
        self.ledger: Ledger = self.ledger_for(str(config.get("connection_type") or "asana"))
        self.claims: Claims = SqlClaims(engine, job_id)
        self.content = content
        self.http_stats = HttpStats()
        self.control = control
        self._progress = dict(progress)
        self._on_activity = on_activity
        self.events_total = int(progress.get("events_total", 0))

    def rng(self, *names: object) -> random.Random:
        return random.Random(derive_seed(self.seed, *names))

    def ledger_for(self, platform: str) -> SqlLedger:
        """The job's one ledger for ``platform`` (its rows live in memory: one copy per job)."""
        if platform not in self._ledgers:
            self._ledgers[platform] = SqlLedger(self.engine, self.job_id, platform, self.journal)
        return self._ledgers[platform]

    def activity(self, event_type: str, message: str, objects: list[dict[str, Any]] | None = None) -> None:
        message = scrub(message)  # last line of defence: a secret never reaches the activity log
        self.journal.activity({"ts": utcnow(), "event_type": event_type, "message": message,
                               "objects": objects or []})
        self.journal.changed()
        if self._on_activity is not None:
            self._on_activity(self.job_id, event_type)

    def checkpoint(self, **progress: Any) -> None:
        self._progress.update(progress)
        self.journal.progress(dict(self._progress))
        self.journal.changed()

    def save_company(self, state: dict[str, Any]) -> None:
        """The company and the job's progress, in one transaction."""
        self.journal.company(state, dict(self._progress))
        self.journal.changed()

    async def flush(self) -> None:
        """Everything the job wrote so far is in the database."""
        await self.journal.flush()

    async def flush_ahead(self) -> None:
        """What the job's next platform call may depend on is in the database."""
        await self.journal.flush_ahead()

    def created_counts(self) -> dict[str, int]:
        """Objects the job holds on its platforms now, by kind."""
        out: dict[str, int] = {}
        for ledger in self._ledgers.values():
            for kind, n in ledger.counts().items():
                out[kind] = out.get(kind, 0) + n
        return out

    def record_created(self, kind: str, key: str, platform_id: str, attrs: dict[str, Any] | None = None,
                       **progress: Any) -> None:
        """The platform id and the progress that made it, in one transaction."""
        self._progress.update(progress)
        self.ledger.created(kind, key, platform_id, attrs, progress=dict(self._progress))

    @property
    def progress(self) -> dict[str, Any]:
        return self._progress

    async def checkpoint_now(self) -> None:
        await self.control.checkpoint()
