"""How jobs look in responses: secrets masked, counts, progress, rate-limit figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tenantsim.connectors.registry import DEFAULT_CONNECTION_TYPE
from tenantsim.jobs.platforms import connection_types, is_multi
from tenantsim.store.ledger_repo import counts_by_status
from tenantsim.store.types import utcnow

# How far (in real seconds) the simulated clock of a running job is shown past its last checkpoint:
# one poll interval of a live job (its server's heartbeat). A worker keeps ``progress.sim_now``
# current; if it stops doing so (a dead server), the clock shown stops too instead of running on.
SIM_POLL_SECONDS = 5.0


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


SUMMARY_COLUMNS = ("id", "name", "connection_type", "industry", "status", "created_at", "updated_at",
                   "started_at", "first_started_at", "last_activity_at", "progress", "stats",
                   "llm_input_tokens", "llm_output_tokens", "last_error")


def summary(row: dict[str, Any]) -> dict[str, Any]:
    """The list view: cheap, from the job row alone."""
    progress = row.get("progress") or {}
    stats = row.get("stats") or {}
    http = progress.get("http") or stats.get("http") or {}
    created = row.get("created_at")
    hours = None
    if row.get("first_started_at") and row.get("last_activity_at"):
        hours = max((row["last_activity_at"] - row["first_started_at"]).total_seconds() / 3600.0, 1 / 60)
    events = int(progress.get("events_total", 0))
    view: dict[str, Any] = {
        "job_id": row["id"],
        "job_name": row.get("name") or "",
        "connection_type": row.get("connection_type") or DEFAULT_CONNECTION_TYPE,
        "industry": row.get("industry") or "",
        "status": row["status"],
        "created_at": _iso(created),
        "updated_at": _iso(row.get("updated_at")),
        "started_at": _iso(row.get("started_at")),
        "last_activity_at": _iso(row.get("last_activity_at")),
        "events_total": events,
        "events_per_hour": round(events / hours, 1) if hours else 0.0,
        "seeded": bool(progress.get("seeded")),
        "rate_limit": {"calls": http.get("calls", 0), "throttled": http.get("throttled", 0),
                       "headroom": _headroom(http)},
        "llm_tokens": {"input": int(row.get("llm_input_tokens") or 0),
                       "output": int(row.get("llm_output_tokens") or 0)},
        "last_error": row.get("last_error"),
    }
    if "config" in row:  # read whole (the dashboard's overview): the job's platforms, several or one
        config = row["config"] or {}
        view["platforms"] = connection_types(config) if is_multi(config) else [view["connection_type"]]
    return view


def _headroom(http: dict[str, Any]) -> float | None:
    """The smallest remaining/limit share across the job's buckets (1.0 = untouched)."""
    shares = [b["remaining"] / b["limit"] for b in (http.get("buckets") or {}).values()
              if b.get("limit") and b.get("remaining") is not None]
    return round(min(shares), 3) if shares else None


def detail(row: dict[str, Any], engine: Any, live_http: dict[str, Any] | None) -> dict[str, Any]:
    """The job view: everything in the summary plus config (masked), counts, progress and ETA."""
    view = summary(row)
    progress = row.get("progress") or {}
    by_status = counts_by_status(engine, row["id"])
    created_now = dict(by_status.get("created", {}))
    ever = dict(created_now)
    for kind, n in by_status.get("deleted", {}).items():
        ever[kind] = ever.get(kind, 0) + n
    failed = dict(by_status.get("failed", {}))
    http = live_http or progress.get("http") or (row.get("stats") or {}).get("http") or {}
    view.update({
        "config": {k: v for k, v in (row.get("config") or {}).items() if not k.startswith("_")},
        "platforms": connection_types(row.get("config") or {"connection_type": view["connection_type"]}),
        "seed": row.get("seed"),
        "created_objects": created_now,
        "created_objects_total": ever,
        "failed_objects": failed,
        "progress": _build_progress(progress, sum(ever.values()) + sum(failed.values())),
        "rate_limits": http,
        "cleanup_result": row.get("cleanup_result"),
        "first_started_at": _iso(row.get("first_started_at")),
        "stopped_at": _iso(row.get("stopped_at")),
        "stop_at": _iso(row.get("stop_at")),
        "cleanup_at": _iso(row.get("cleanup_at")),
    })
    view.update(sim_clock(row))
    return view


def _parse_sim(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def sim_clock(row: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The job's simulated clock: ``sim_time`` (ISO 8601, null before the job has one) and
    ``sim_clock`` (its zone, scale, whether it runs and how far it may run before the next checkpoint).

    A running job's clock is its last checkpoint (``progress.sim_now``) advanced by the real time since
    the row was last written, times ``time_scale``, at most one poll interval's worth. Any other job's
    clock stands still at its checkpoint.
    """
    progress = row.get("progress") or {}
    checkpoint = _parse_sim(progress.get("sim_now"))
    zone = progress.get("sim_zone") if isinstance(progress.get("sim_zone"), str) else None
    raw = (row.get("config") or {}).get("time_scale")
    scale = float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) and raw > 0 else 1.0
    running = row.get("status") == "running" and checkpoint is not None
    if not running or checkpoint is None:  # standing still: exactly the checkpoint
        stored = progress.get("sim_now") if checkpoint is not None else None
        return {"sim_time": stored, "sim_clock": {"zone": zone, "time_scale": scale, "running": False,
                                                  "limit": stored}}
    written = row.get("updated_at")
    elapsed = ((now or utcnow()) - written).total_seconds() if isinstance(written, datetime) else 0.0
    lead = min(max(elapsed, 0.0), SIM_POLL_SECONDS)
    try:
        shown, limit = (checkpoint + timedelta(seconds=lead * scale),
                        checkpoint + timedelta(seconds=SIM_POLL_SECONDS * scale))
    except OverflowError:  # a checkpoint at the end of the calendar
        shown = limit = checkpoint
    return {"sim_time": shown.isoformat(),
            "sim_clock": {"zone": zone, "time_scale": scale, "running": True, "limit": limit.isoformat()}}


def _build_progress(progress: dict[str, Any], done: int) -> dict[str, Any]:
    total = int(progress.get("seed_total") or 0)
    seeded = bool(progress.get("seeded"))
    out: dict[str, Any] = {"phase": "activity" if seeded else ("seeding" if total else "starting"),
                           "initial_total": total, "initial_done": min(done, total) if total else done,
                           "percent": 100.0 if seeded else (round(100.0 * min(done, total) / total, 1)
                                                             if total else 0.0),
                           "eta_seconds": None}
    started = progress.get("seed_started_at")
    if not seeded and started and total and done:
        elapsed = (datetime.now(datetime.fromisoformat(started).tzinfo)
                   - datetime.fromisoformat(started)).total_seconds()
        rate = done / max(elapsed, 1e-3)
        out["eta_seconds"] = round(max(0.0, (total - done) / rate), 1) if rate > 0 else None
    return out
