"""One job's asyncio task: build the company, then its stream of events; or run its cleanup.

Only this module decides what an error means for the job (DESIGN.md example 1): connectors raise,
the worker retries, records and goes on, or fails the job.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from tenantsim.errors import AuthError, JobStopping, PlatformError, QuotaExhausted
from tenantsim.jobs.context import RunningJobContext
from tenantsim.jobs.control import JobControl
from tenantsim.jobs.models import JobStatus
from tenantsim.jobs.simulation import Simulation
from tenantsim.scenario.activity import SimClock
from tenantsim.secretbox import scrub
from tenantsim.store import jobs_repo
from tenantsim.store.types import utcnow

log = logging.getLogger("tenantsim.jobs")

# After this many events in a row fail, the platform is not usable: fail the job with the last error.
MAX_CONSECUTIVE_FAILURES = 25
# The longest a worker sleeps before it re-checks deadlines (duration_days / cleanup_after).
DEADLINE_CHECK_SECONDS = 1.0
GENERATE_NOW_DRAWS = 10  # kinds drawn, at most, until one finds something to do now (a hand-over needs two)


@dataclass
class Worker:
    job_id: str
    mode: str  # "run" | "cleanup"
    control: JobControl
    task: asyncio.Task[Any] | None = None
    ctx: RunningJobContext | None = None
    sim: Simulation | None = None  # the job's company and platforms, once opened
    result: asyncio.Future[dict[str, Any]] | None = None
    started: float = field(default_factory=time.monotonic)


class CleanupRequested(Exception):
    """cleanup_after came due while running: the manager switches the job to cleanup."""


async def run_events(ctx: RunningJobContext, sim: Simulation, control: JobControl,
                     stop_at: Any, cleanup_at: Any, on_stop: Callable[[str], Awaitable[None]]) -> None:
    """The continuous stream: the director says what happens next and when (in simulated time); the
    worker waits for that moment on the job's clock and has every platform reflect it."""
    clock = SimClock(origin_real=time.time(), origin_sim=sim.company.clock(),
                     time_scale=float(ctx.config.get("time_scale") or 1.0))
    failures = 0
    sim.save()  # the clock the API shows starts now, not at the first event
    while True:
        await control.checkpoint()  # pause and stop take effect here even when events are overdue
        try:
            await sim.finish_pending()  # an event a crash or a failed call left half-reflected
            failures = 0
        except QuotaExhausted as exc:  # the tenant's allowance is spent: stop, do not fail
            await on_stop(exc.message)
            return
        except PlatformError as exc:
            failures = await _failed(ctx, control, exc, failures)
            continue
        due, kind, item = sim.director.next_due()
        target = time.monotonic() + clock.real_seconds((due - clock.sim_now(time.time())).total_seconds())
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
        if poked:  # generate-now: one event of a kind drawn now, at the present simulated moment
            due, item = max(sim.company.clock(), clock.sim_now(time.time())), None
            kind = sim.director.draw_kind()
        if kind is None:  # nothing due within the director's horizon: time passes
            sim.company.sim_now = due.isoformat()
            sim.save()
            continue
        try:
            event = await sim.step(kind, due, item)  # counted and saved with the company once reflected
            tried = {kind}
            for _ in range(GENERATE_NOW_DRAWS if poked else 0):  # asked for an event: one that happens
                if event is not None or (kind := sim.director.draw_kind(tried=tried)) is None:
                    break
                tried.add(kind)
                event = await sim.step(kind, due, None)
            failures = 0
        except QuotaExhausted as exc:
            await on_stop(exc.message)
            return
        except PlatformError as exc:
            failures = await _failed(ctx, control, exc, failures)
            continue
        if poked:
            ctx.activity("generate_now", "Generated one event on request.", [])


async def _failed(ctx: RunningJobContext, control: JobControl, exc: PlatformError, failures: int) -> int:
    """An event's platform call failed: record it, and fail the job only when the platform is unusable.
    The event stays applied to the company (pending), so the next turn converges it again."""
    failures += 1
    ctx.activity("error", f"An event could not be completed: {exc.message}", [{"status": exc.status,
                                                                               "code": exc.code}])
    revoked = isinstance(exc, AuthError) and exc.status == 401  # 403 is one object, not the token
    if revoked or failures >= MAX_CONSECUTIVE_FAILURES:
        raise exc
    await control.sleep(min(30.0, 0.5 * failures))
    return failures


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
