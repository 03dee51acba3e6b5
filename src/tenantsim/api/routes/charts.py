"""Data for the dashboard's charts: events over time by type, and rate-limit use per tenant bucket."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import Engine, select

from tenantsim.metrics import Metrics
from tenantsim.store.tables import activity
from tenantsim.store.types import utcnow

router = APIRouter(prefix="/api", tags=["charts"])
MAX_ROWS = 50_000  # a chart needs shape, not every row: the newest rows win past this


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
        state.manager.get(job_id)  # 404 for an unknown job
    now = utcnow()
    bucket_seconds = window_seconds / buckets
    start = now - timedelta(seconds=window_seconds)
    rows = await asyncio.to_thread(_read_rows, state.engine, job_id, start)
    types, series = bucket_events(rows, start, bucket_seconds, buckets)
    return {"success": True, "job_id": job_id, "start": start.isoformat(), "end": now.isoformat(),
            "bucket_seconds": bucket_seconds, "types": types,
            "buckets": [{"start": (start + timedelta(seconds=i * bucket_seconds)).isoformat(), "counts": c}
                        for i, c in enumerate(series)]}


@router.get("/ratelimits")
async def ratelimits(request: Request) -> dict[str, Any]:
    """Every tenant bucket this server has called: limit, remaining, share used, recent history."""
    metrics: Metrics = request.app.state.metrics
    rows = metrics.rates.report(metrics.budget_snapshot())
    return {"success": True, "window_seconds": metrics.rates.window_seconds, "tenants": rows}
