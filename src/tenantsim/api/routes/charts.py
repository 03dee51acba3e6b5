"""Data for the dashboard's charts: events over time by type, and rate-limit use per tenant bucket."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import Engine, select

from tenantsim.metrics import Metrics
from tenantsim.store import jobs_repo
from tenantsim.store.tables import activity
from tenantsim.store.types import utcnow

router = APIRouter(prefix="/api", tags=["charts"])
MAX_ROWS = 50_000  # a chart needs shape, not every row: the newest rows win past this
MAX_JOBS = 1000  # the newest jobs whose tenants the rate-limit panel shows


def bucket_events(rows: list[tuple[datetime, str]], start: datetime, bucket_seconds: float,
                  buckets: int) -> tuple[list[str], list[dict[str, int]]]:
    """Counts per bucket and event type; types ordered busiest first."""
    series: list[dict[str, int]] = [{} for _ in range(buckets)]
    totals: dict[str, int] = {}
    for ts, event_type in rows:
        index = int((ts - start).total_seconds() // bucket_seconds)
        if 0 <= index < buckets:
            series[index][event_type] = series[index].get(event_type, 0) + 1
            totals[event_type] = totals.get(event_type, 0) + 1
    types = sorted(totals, key=lambda t: (-totals[t], t))
    return types, series


def _read_rows(engine: Engine, job_id: str | None, since: datetime) -> list[tuple[datetime, str]]:
    query = select(activity.c.ts, activity.c.event_type).where(activity.c.ts >= since)
    if job_id:
        query = query.where(activity.c.job_id == job_id)
    query = query.order_by(activity.c.id.desc()).limit(MAX_ROWS)
    with engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.execute(query).all()]


@router.get("/timeline")
async def timeline(request: Request, job_id: str | None = Query(default=None, max_length=40),
                   window_seconds: int = Query(default=3600, ge=60, le=30 * 86400),
                   buckets: int = Query(default=60, ge=1, le=500)) -> dict[str, Any]:
    """Events per time bucket and type over the last ``window_seconds`` (one job, or all)."""
    state = request.app.state
    if job_id:
        await asyncio.to_thread(state.manager.get, job_id)  # 404 for an unknown job
    now = utcnow()
    bucket_seconds = window_seconds / buckets
    start = now - timedelta(seconds=window_seconds)
    rows = await asyncio.to_thread(_read_rows, state.engine, job_id, start)
    types, series = bucket_events(rows, start, bucket_seconds, buckets)
    return {"success": True, "job_id": job_id, "start": start.isoformat(), "end": now.isoformat(),
            "bucket_seconds": bucket_seconds, "types": types,
            "buckets": [{"start": (start + timedelta(seconds=i * bucket_seconds)).isoformat(), "counts": c}
                        for i, c in enumerate(series)]}


def _bucket_names(http: dict[str, Any] | None) -> set[str]:
    return set(((http or {}).get("buckets") or {}).keys())


def _job_buckets(engine: Engine, job_id: str | None) -> set[str]:
    """The "tenant bucket" names jobs have called, as their stored figures say (one job, or all)."""
    if job_id:
        row = jobs_repo.get_job(engine, job_id)
        rows = [row] if row is not None else []
    else:
        rows = jobs_repo.list_jobs(engine, include_deleted=True, limit=MAX_JOBS,
                                   columns=("id", "progress", "stats"))
    names: set[str] = set()
    for row in rows:
        names |= _bucket_names((row.get("progress") or {}).get("http"))
        names |= _bucket_names((row.get("stats") or {}).get("http"))
    return names


def _tenant(name: str) -> str:
    return name.rpartition(" ")[0]


@router.get("/ratelimits")
async def ratelimits(request: Request,
                     job_id: str | None = Query(default=None, max_length=40)) -> dict[str, Any]:
    """Rate-limit use of the tenants jobs work in (one job's, with ``job_id``): limit and remaining as
    the tenant's budget knows them, share used, recent history. Tenants only a token check or a
    listing called (a mistyped org, a refused host) are not shown."""
    state = request.app.state
    metrics: Metrics = state.metrics
    manager = state.manager
    if job_id:
        await asyncio.to_thread(manager.get, job_id)  # 404 for an unknown job
    names = await asyncio.to_thread(_job_buckets, state.engine, job_id)
    for worker_id in ([job_id] if job_id else list(manager.workers)):
        names |= _bucket_names(manager.live_http_stats(worker_id))
    tenants = {_tenant(name) for name in names}
    budgets = {name: figures for name, figures in metrics.budget_snapshot().items()
               if (name in names if job_id else _tenant(name) in tenants)}
    rows = metrics.rates.report(budgets)
    return {"success": True, "window_seconds": metrics.rates.window_seconds, "tenants": rows}
