"""The activity log: what each job did, newest first, paged with a ``before`` cursor."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select, update

from tenantsim.store.tables import activity, jobs
from tenantsim.store.types import utcnow


def append(engine: Engine, job_id: str, event_type: str, message: str,
           objects: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    ts = utcnow()
    with engine.begin() as conn:
        result = conn.execute(activity.insert().values(job_id=job_id, ts=ts, event_type=event_type,
                                                       message=message, objects=objects or []))
        entry_id = result.inserted_primary_key[0] if result.inserted_primary_key else None
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(last_activity_at=ts, updated_at=ts))
    return {"id": entry_id, "timestamp": ts.isoformat(), "event_type": event_type, "message": message,
            "objects": objects or []}


def page(engine: Engine, job_id: str, *, limit: int = 50, before: int | None = None,
         after: int | None = None) -> list[dict[str, Any]]:
    query = select(activity).where(activity.c.job_id == job_id)
    if before is not None:
        query = query.where(activity.c.id < before)
    if after is not None:
        query = query.where(activity.c.id > after)
    query = query.order_by(activity.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [{"id": r.id, "timestamp": r.ts.isoformat(), "event_type": r.event_type, "message": r.message,
             "objects": r.objects or []} for r in rows]
