"""A real JobContext for connector tests: SQLite ledger and activity log in a temp folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from tenantsim.content.base import ContentProvider
from tenantsim.jobs.context import RunningJobContext
from tenantsim.jobs.control import JobControl
from tenantsim.store import activity_repo, jobs_repo
from tenantsim.store.engine import make_engine, upgrade
from tenantsim.store.types import utcnow


def make_engine_at(folder: Path) -> Engine:
    url = f"sqlite:///{(folder / 'test.db').as_posix()}"
    upgrade(url)
    return make_engine(url)


def make_context(folder: Path, config: dict[str, Any], *, seed: int = 7,
                 content: ContentProvider | None = None, job_id: str = "job_test") -> RunningJobContext:
    """A context whose ledger and activity log are real tables; content defaults to offline."""
    engine = make_engine_at(folder)
    if jobs_repo.get_job(engine, job_id) is None:
        jobs_repo.insert_job(engine, {"id": job_id, "connection_type": config.get("connection_type"),
                                      "status": "running", "config": {}, "seed": seed,
                                      "created_at": utcnow()})
    if content is None:
        from tenantsim.content.offline import OfflineContentProvider

        content = OfflineContentProvider(seed)
    published: list[dict[str, Any]] = []
    ctx = RunningJobContext(engine=engine, job_id=job_id, config=config, seed=seed, progress={},
                            content=content, control=JobControl(),
                            publish=lambda _job, message: published.append(message))
    return ctx


def activity_types(ctx: RunningJobContext, limit: int = 1000) -> list[str]:
    return [e["event_type"] for e in activity_repo.page(ctx.engine, ctx.job_id, limit=limit)]
