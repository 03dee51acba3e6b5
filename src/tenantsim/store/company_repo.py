"""The company each job plays, stored as one JSON document per job (``scenario/company.py``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tenantsim.store.tables import companies, jobs
from tenantsim.store.types import utcnow


def load(engine: Engine, job_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(companies.c.state).where(companies.c.job_id == job_id)).first()
    return dict(row[0]) if row else None


def save(engine: Engine, job_id: str, state: dict[str, Any], progress: dict[str, Any] | None = None) -> None:
    """Write the company; ``progress`` (the job's whole progress dict) goes in the same transaction, so a
    restart never sees an event applied to the company without the progress that counted it."""
    now = utcnow()
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(companies).values(job_id=job_id, state=state, updated_at=now)
    statement = statement.on_conflict_do_update(index_elements=[companies.c.job_id],
                                                set_={"state": state, "updated_at": now})
    with engine.begin() as conn:
        conn.execute(statement)
        if progress is not None:
            conn.execute(update(jobs).where(jobs.c.id == job_id).values(progress=progress, updated_at=now))
