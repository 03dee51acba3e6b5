"""Read models for the dashboard: the jobs overview in one request, and the new-job form's choices."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import Engine, and_, func, select

from tenantsim.api import views
from tenantsim.api.validation import ACTIVITY_LEVELS, CONTENT_PROVIDERS
from tenantsim.connectors.registry import PLATFORMS
from tenantsim.content.packs import display_names
from tenantsim.scenario.activity import EVENTS_PER_HOUR, WORKING_HOURS
from tenantsim.store import jobs_repo
from tenantsim.store.tables import ledger

router = APIRouter(prefix="/api", tags=["dashboard"])
FINISHED = ("cleaned", "deleted")
CALLING = ("pending", "running", "paused", "cleaning")  # a job in these still calls its tenant


def ledger_figures(engine: Engine, job_ids: Sequence[str]) -> dict[str, dict[str, dict[str, int]]]:
    """job id -> ledger status -> kind -> count, for many jobs in one query."""
    out: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    if not job_ids:
        return out
    query = (select(ledger.c.job_id, ledger.c.status, ledger.c.kind, func.count())
             .where(and_(ledger.c.job_id.in_(list(job_ids)), ledger.c.status != "intent"))
             .group_by(ledger.c.job_id, ledger.c.status, ledger.c.kind))
    with engine.connect() as conn:
        for job_id, status, kind, count in conn.execute(query).all():
            out[job_id][status][kind] = int(count)
    return out


def budget_headroom(http: dict[str, Any], budgets: dict[str, dict[str, Any]]) -> float | None:
    """The smallest remaining/limit share of the job's buckets, as the tenant's budget knows them:
    for platforms that report no limit in their headers (Asana)."""
    shares = []
    for name in (http.get("buckets") or {}):
        budget = budgets.get(name) or {}
        if budget.get("limit") and budget.get("remaining") is not None:
            shares.append(budget["remaining"] / budget["limit"])
    return round(min(shares), 3) if shares else None


def overview_row(row: dict[str, Any], figures: dict[str, dict[str, int]],
                 budgets: dict[str, dict[str, Any]] | None = None,
                 live_http: dict[str, Any] | None = None) -> dict[str, Any]:
    view = views.summary(row)
    if row["status"] in CALLING and view["rate_limit"]["headroom"] is None and budgets:
        stored = (row.get("progress") or {}).get("http") or (row.get("stats") or {}).get("http")
        http = live_http or stored or {}
        view["rate_limit"]["headroom"] = budget_headroom(http, budgets)
    created = figures.get("created", {})
    done = sum(sum(figures.get(s, {}).values()) for s in ("created", "deleted", "failed"))
    total = int((row.get("progress") or {}).get("seed_total") or 0)
    view["created_objects"] = dict(sorted(created.items()))
    view["created_objects_count"] = sum(created.values())
    view["deleted_objects_count"] = sum(figures.get("deleted", {}).values())
    view["failed_objects_count"] = sum(figures.get("failed", {}).values())
    view["build_percent"] = 100.0 if view["seeded"] else (round(100.0 * min(done, total) / total, 1)
                                                           if total else 0.0)
    return view


def read_overview(engine: Engine, include_finished: bool, limit: int,
                  budgets: dict[str, dict[str, Any]] | None = None,
                  live_http: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    rows = jobs_repo.list_jobs(engine, limit=limit)
    if not include_finished:
        rows = [r for r in rows if r["status"] not in FINISHED]
    figures = ledger_figures(engine, [r["id"] for r in rows])
    live_http = live_http or {}
    return {"jobs": [overview_row(r, figures.get(r["id"], {}), budgets, live_http.get(r["id"]))
                     for r in rows],
            "status_counts": jobs_repo.status_counts(engine)}


@router.get("/overview")
async def overview(request: Request, include_finished: bool = Query(default=True),
                   limit: int = Query(default=200, ge=1, le=1000)) -> dict[str, Any]:
    """Every job with its live figures (created objects, build progress, head-room: for a platform that
    reports no limit, as the tenant's budget knows it) and the count by status."""
    state = request.app.state
    manager = state.manager
    budgets = state.metrics.budget_snapshot()  # in-memory figures: read on the loop
    live = {job_id: http for job_id in list(manager.workers)
            if (http := manager.live_http_stats(job_id)) is not None}
    data = await asyncio.to_thread(read_overview, state.engine, include_finished, limit, budgets, live)
    data["active_jobs"] = manager.active_count
    return {"success": True, **data}


@router.get("/options")
async def options(request: Request) -> dict[str, Any]:
    """The choices the new-job form offers, so it never hard-codes a list the server does not know."""
    settings = request.app.state.settings
    platform_choices: dict[str, Any] = {}  # each platform's own lists: Okta's org_sizes, org_size_people
    for spec in PLATFORMS.values():
        platform_choices.update(spec.options())
    return {
        "success": True,
        "industries": [{"key": k, "label": v} for k, v in display_names().items()],
        **platform_choices,
        "activity_levels": [{"key": k, "events_per_hour": EVENTS_PER_HOUR[k]} for k in ACTIVITY_LEVELS],
        "working_hours": [{"key": k, "start": v[0], "end": v[1], "weekends": v[2]}
                          for k, v in WORKING_HOURS.items()],
        "content_providers": list(CONTENT_PROVIDERS),
        "server_has_anthropic_key": settings.anthropic_api_key is not None,
        "sandbox": bool(settings.sandbox and request.app.state.sandbox_descriptions),
    }
