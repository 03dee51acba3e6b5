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
from tenantsim.store import activity_repo, jobs_repo
from tenantsim.store.ledger_repo import SqlLedger
from tenantsim.store.ledger_types import Ledger


class RunningJobContext:
    def __init__(self, *, engine: Engine, job_id: str, config: dict[str, Any], seed: int,
                 progress: dict[str, Any], content: ContentProvider, control: JobControl,
                 publish: Callable[[str, dict[str, Any]], None],
                 on_activity: Callable[[str, str], None] | None = None) -> None:
        self.engine = engine
        self.job_id = job_id
        self.config = config
        self.seed = seed
        self.ledger: Ledger = SqlLedger(engine, job_id, str(config.get("connection_type") or "asana"))
        self.content = content
        self.http_stats = HttpStats()
        self.control = control
        self._progress = dict(progress)
        self._publish = publish
        self._on_activity = on_activity
        self.events_total = int(progress.get("events_total", 0))

    def rng(self, *names: object) -> random.Random:
        return random.Random(derive_seed(self.seed, *names))

    def activity(self, event_type: str, message: str, objects: list[dict[str, Any]] | None = None) -> None:
        message = scrub(message)  # last line of defence: a secret never reaches the activity log
        entry = activity_repo.append(self.engine, self.job_id, event_type, message, objects)
        self._publish(self.job_id, {"type": "activity", "entry": entry})
        if self._on_activity is not None:
            self._on_activity(self.job_id, event_type)

    def checkpoint(self, **progress: Any) -> None:
        self._progress.update(progress)
        jobs_repo.update_job(self.engine, self.job_id, progress=dict(self._progress))

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
