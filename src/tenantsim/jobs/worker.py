"""One job's asyncio task: build the company, then a stream of events; or run its cleanup.

Only this module decides what an error means for the job (DESIGN.md example 1): connectors raise,
the worker retries, records and goes on, or fails the job.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tenantsim.errors import AuthError, JobStopping, PlatformError
from tenantsim.jobs.context import RunningJobContext
from tenantsim.jobs.control import JobControl
from tenantsim.jobs.models import JobStatus
from tenantsim.scenario.activity import ActivityModel, SimClock, parse_timezone, parse_working_hours
from tenantsim.secretbox import scrub
from tenantsim.store import jobs_repo
from tenantsim.store.types import utcnow

if TYPE_CHECKING:
    from tenantsim.connectors.base import PlatformService

log = logging.getLogger("tenantsim.jobs")

# After this many events in a row fail, the platform is not usable: fail the job with the last error.
MAX_CONSECUTIVE_FAILURES = 25
# The longest a worker sleeps before it re-checks deadlines (duration_days / cleanup_after).
DEADLINE_CHECK_SECONDS = 1.0


@dataclass
class Worker:
    job_id: str
    mode: str  # "run" | "cleanup"
    control: JobControl
    task: asyncio.Task[Any] | None = None
    ctx: RunningJobContext | None = None
    result: asyncio.Future[dict[str, Any]] | None = None
    started: float = field(default_factory=time.monotonic)


class CleanupRequested(Exception):
    """cleanup_after came due while running: the manager switches the job to cleanup."""


async def run_events(ctx: RunningJobContext, service: PlatformService, control: JobControl,
                     stop_at: Any, cleanup_at: Any, on_stop: Callable[[str], Awaitable[None]]) -> None:
    """The continuous stream: events at times drawn from the activity model, until told otherwise."""
    config = ctx.config
    model = ActivityModel(level=config.get("activity_level", "medium"),
                          working_hours=parse_working_hours(config.get("working_hours")),
                          zone=parse_timezone(config.get("timezone")))
    sim_origin = ctx.progress.get("sim_now")
    clock = SimClock(origin_real=time.time(),
                     origin_sim=datetime.fromisoformat(sim_origin) if sim_origin else utcnow(),
                     time_scale=float(config.get("time_scale") or 1.0))
    rng = ctx.rng("events", ctx.events_total)
    failures = 0
    while True:
        sim_delay = model.next_delay(clock.sim_now(time.time()), rng)
        target = time.monotonic() + clock.real_seconds(sim_delay)
        poked = False
        while True:
            now = utcnow()
            if cleanup_at is not None and now >= cleanup_at:
                raise CleanupRequested()
            if stop_at is not None and now >= stop_at:
                await on_stop("duration_days reached")
                return
            remaining = target - time.monotonic()
            if remaining <= 0:
                break
            poked = await control.sleep(min(remaining, DEADLINE_CHECK_SECONDS))
            if poked:
                break
        try:
            done = await service.run_event()
            failures = 0
        except PlatformError as exc:
            failures += 1
            ctx.activity("error", f"An event could not be completed: {exc.message}",
                         [{"status": exc.status, "code": exc.code}])
            revoked = isinstance(exc, AuthError) and exc.status == 401  # 403 is one object, not the token
            if revoked or failures >= MAX_CONSECUTIVE_FAILURES:
                raise
            await control.sleep(min(30.0, 0.5 * failures))
            continue
        if done is not None:
            ctx.events_total += 1
        ctx.checkpoint(events_total=ctx.events_total,
                       sim_now=clock.sim_now(time.time()).isoformat(),
                       http=ctx.http_stats.as_dict())
        if poked:
            ctx.activity("generate_now", "Generated one event on request.", [])


def compute_stop_at(config: dict[str, Any], first_started_at: Any) -> Any:
    days = config.get("duration_days")
    if days in (None, "", 0) or first_started_at is None:
        return None
    return first_started_at + timedelta(days=float(days))


def mark_failed(engine: Any, job_id: str, exc: BaseException) -> None:
    message = exc.message if isinstance(exc, PlatformError) else f"{type(exc).__name__}: {exc}"
    message = scrub(message)  # an arbitrary exception's text may quote a token
    jobs_repo.set_status(engine, job_id, JobStatus.FAILED, last_error=message[:2000], stopped_at=utcnow())


async def persist(coro: Awaitable[Any]) -> None:
    """A final status write survives the task being cancelled (DESIGN.md example 6)."""
    await asyncio.shield(coro)


def stop_reason(signal: JobStopping) -> str:
    return str(signal.args[0]) if signal.args else "stop"
