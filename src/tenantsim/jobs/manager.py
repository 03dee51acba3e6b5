"""The job manager: creates jobs, runs each as an asyncio task, and owns their lifecycle.

Many jobs share one event loop. Each live job is owned by one server through a lease renewed by
heartbeat; the poll loop also applies status changes made through another server's API and takes over
jobs whose owner died.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets as random_tokens
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from tenantsim.connectors import write_ahead
from tenantsim.connectors.base import Connector, PlatformAdapter
from tenantsim.content.base import ContentProvider
from tenantsim.errors import ConflictError, InputError, JobStopping, NotFoundError, Retriable
from tenantsim.jobs.bus import EventBus
from tenantsim.jobs.context import RunningJobContext
from tenantsim.jobs.control import JobControl
from tenantsim.jobs.models import CLEANABLE, LIVE, JobStatus
from tenantsim.jobs.platforms import (
    connection_types,
    is_multi,
    merge_results,
    open_adapters,
    platform_configs,
)
from tenantsim.jobs.simulation import Simulation
from tenantsim.jobs.worker import (
    CleanupRequested,
    Worker,
    compute_stop_at,
    mark_failed,
    persist,
    run_events,
    stop_reason,
)
from tenantsim.scenario.company import Company
from tenantsim.secretbox import SecretBox, join_secrets, split_secrets
from tenantsim.store import activity_repo, claims_repo, company_repo, jobs_repo
from tenantsim.store.ledger_repo import SqlLedger
from tenantsim.store.types import utcnow
from tenantsim.store.writer import writer_for

log = logging.getLogger("tenantsim.jobs")

ContentFactory = Callable[[dict[str, Any], int, str], ContentProvider]  # (config, seed, job_id)
CLAIMABLE = (*LIVE, JobStatus.CLEANING)
SEED_ATTEMPTS = 8
SETTLE_SECONDS = 15.0  # the most a stopping job spends settling what a crash left


class JobManager:
    def __init__(self, *, engine: Engine, connectors: dict[str, Connector], box: SecretBox,
                 content_factory: ContentFactory, server_id: str, lease_seconds: float = 30.0,
                 heartbeat_seconds: float = 5.0, poll_seconds: float = 0.5, bus: EventBus | None = None,
                 on_activity: Callable[[str, str], None] | None = None) -> None:
        self.engine = engine
        self.connectors = connectors
        self.box = box
        self.content_factory = content_factory
        self.server_id = server_id
        self.lease_seconds = lease_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self.poll_seconds = poll_seconds
        self.bus = bus or EventBus()
        self.on_activity = on_activity
        self.workers: dict[str, Worker] = {}
        self._poller: asyncio.Task[None] | None = None
        self._closing = False
        self._last_heartbeat = 0.0
        self._held_at_shutdown: set[str] = set()

    # -- start-up and shut-down -----------------------------------------------------------------
    async def start(self, resume: bool = True) -> None:
        if resume:
            self._spawn_claimed(await asyncio.to_thread(self._claim))
        self._poller = asyncio.create_task(self._poll_loop(resume), name="tenantsim-job-poller")

    async def shutdown(self, timeout: float = 10.0) -> None:
        """SIGTERM: stop every worker, keep their statuses so the next start resumes them."""
        self._closing = True
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        # Workers remove themselves as they stop (begin_shutdown may have stopped them already):
        # remember whose leases to free.
        held = set(self.workers) | self._held_at_shutdown
        for worker in list(self.workers.values()):
            worker.control.stop("shutdown")
        tasks = [w.task for w in self.workers.values() if w.task is not None]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                task.cancel()

        def release_leases() -> None:  # another server (or this one restarted) takes them over at once
            for job_id in held:
                jobs_repo.release_lease(self.engine, self.server_id, job_id)

        await asyncio.to_thread(release_leases)
        self.workers.clear()

    # -- lifecycle requested through the API --------------------------------------------------------
    async def create_job(self, config: dict[str, Any],
                         company: dict[str, Any] | None = None) -> dict[str, Any]:
        """Store a new job (and the company it plays, when it takes one over) and start it here. The
        writes run off the event loop: a thousand jobs may be started at once."""
        job_id = await asyncio.to_thread(self._store_new_job, config, company)
        self._spawn(job_id, "run", paused=False)
        return await asyncio.to_thread(self.get, job_id)

    def _store_new_job(self, config: dict[str, Any], company: dict[str, Any] | None) -> str:
        job_id = f"job_{random_tokens.token_hex(6)}"
        given = config.get("seed")
        seed = int(given) if given is not None else random_tokens.randbits(31)
        config = {**config, "seed": seed}
        cleanup_at = config.pop("_cleanup_at", None)
        public, secret = split_secrets(config)
        jobs_repo.insert_job(self.engine, {
            "id": job_id, "connection_type": config.get("connection_type", "asana"),
            "status": JobStatus.PENDING, "name": config.get("job_name") or "",
            "industry": config.get("industry") or "", "config": public, "secrets": self.box.seal(secret),
            "seed": seed, "cleanup_at": cleanup_at, "owner": self.server_id,
            # Born leased: another server's poll must not see it as free before this one spawns it.
            "lease_expires_at": utcnow() + timedelta(seconds=self.lease_seconds),
        })
        if company is not None:
            company_repo.save(self.engine, job_id, {**company, "pending": None})
        return job_id

    def get(self, job_id: str) -> dict[str, Any]:
        row = jobs_repo.get_job(self.engine, job_id)
        if row is None:
            raise NotFoundError(f"Job not found: {job_id}")
        return row

    def full_config(self, row: dict[str, Any]) -> dict[str, Any]:
        secret = self.box.open(row["secrets"]) if row.get("secrets") else {}
        return join_secrets(dict(row["config"]), secret)

    def _move(self, job_id: str, status: str, allowed: Sequence[str], refusal: str,
              **values: Any) -> dict[str, Any]:
        """(From a thread.) Move the job to ``status`` when it is in one of ``allowed``; ConflictError
        saying ``refusal`` otherwise. Returns the job's row as committed."""
        row = self.get(job_id)
        if row["status"] not in allowed:
            raise ConflictError(f"Job {job_id} is {row['status']}; {refusal}")
        jobs_repo.set_status(self.engine, job_id, status, expect=list(allowed), **values)
        return self.get(job_id)

    async def pause(self, job_id: str) -> dict[str, Any]:
        # The worker holds still at once, not only once the status is written: no event starts meanwhile.
        worker = self.workers.get(job_id)
        held = worker.control if worker is not None and not worker.control.paused else None
        if held is not None:
            held.pause()
        pausable = (JobStatus.RUNNING, JobStatus.PENDING)
        try:
            row = await asyncio.to_thread(self._move, job_id, JobStatus.PAUSED, pausable,
                                          "only a running job can be paused")
        except BaseException:
            if held is not None:  # not paused after all
                held.resume()
            raise
        self._status_event(job_id, JobStatus.PAUSED)
        return row

    async def resume(self, job_id: str) -> dict[str, Any]:
        row = await asyncio.to_thread(self._move, job_id, JobStatus.RUNNING, (JobStatus.PAUSED,),
                                      "only a paused job can be resumed")
        worker = self.workers.get(job_id)
        if worker is not None:
            worker.control.resume()
        self._status_event(job_id, JobStatus.RUNNING)
        return row

    async def stop(self, job_id: str) -> dict[str, Any]:
        await asyncio.to_thread(self._move, job_id, JobStatus.STOPPED, LIVE, "it is not running",
                                stopped_at=utcnow())
        await self._stop_worker(job_id, "stop")
        self._status_event(job_id, JobStatus.STOPPED)
        return await asyncio.to_thread(self.get, job_id)

    async def delete(self, job_id: str) -> dict[str, Any]:
        def mark_deleted() -> None:
            if self.get(job_id)["status"] == JobStatus.DELETED:
                raise NotFoundError(f"Job not found: {job_id}")
            jobs_repo.set_status(self.engine, job_id, JobStatus.DELETED, stopped_at=utcnow())

        await asyncio.to_thread(mark_deleted)
        await self._stop_worker(job_id, "delete")
        self._status_event(job_id, JobStatus.DELETED)
        return await asyncio.to_thread(self.get, job_id)

    async def generate_now(self, job_id: str) -> dict[str, Any]:
        """Poke the job's worker; returns the job's row."""
        row = await asyncio.to_thread(self.get, job_id)
        worker = self.workers.get(job_id)
        if row["status"] != JobStatus.RUNNING or worker is None or worker.mode != "run":
            raise ConflictError(f"Job {job_id} is {row['status']}; events are generated for running jobs")
        if not row.get("progress", {}).get("seeded"):
            raise ConflictError(f"Job {job_id} is still building its initial data")
        worker.control.poke()
        return row

    async def cleanup(self, job_id: str, wait: bool = True, timeout: float = 3600.0) -> dict[str, Any]:
        """Stop the job if it runs, then delete what its ledger holds. Returns the result fields."""
        row = await asyncio.to_thread(self.get, job_id)
        if row["status"] not in CLEANABLE and row["status"] != JobStatus.DELETED:
            raise InputError(f"Job {job_id} cannot be cleaned up while {row['status']}")
        existing = self._cleanup_worker(job_id)
        if existing is not None:
            return await self._cleanup_result(existing, wait, timeout)
        keep_deleted = row["status"] == JobStatus.DELETED
        here = await asyncio.to_thread(jobs_repo.take_for_cleanup, self.engine, job_id, self.server_id,
                                       self.lease_seconds, keep_status=keep_deleted, busy=CLAIMABLE)
        existing = self._cleanup_worker(job_id)  # started meanwhile, by another request or the poll loop
        if existing is not None:
            return await self._cleanup_result(existing, wait, timeout)
        if not keep_deleted:
            self._status_event(job_id, JobStatus.CLEANING)
        if not here:  # a live server runs this job: its poll loop turns the worker into the cleanup
            return await self._await_cleanup_elsewhere(job_id, timeout) if wait else {}
        await self._stop_worker(job_id, "cleanup")
        worker = self._spawn(job_id, "cleanup", paused=False, keep_status=keep_deleted)
        return await self._cleanup_result(worker, wait, timeout)

    def _cleanup_worker(self, job_id: str) -> Worker | None:
        """The job's cleanup under way here, which a new request joins (one that has its result is
        only closing its records: a request now starts a new cleanup)."""
        worker = self.workers.get(job_id)
        if worker is None or worker.mode != "cleanup" or worker.result is None or worker.result.done():
            return None
        return worker

    @staticmethod
    async def _cleanup_result(worker: Worker, wait: bool, timeout: float) -> dict[str, Any]:
        assert worker.result is not None
        if not wait:
            return {}
        return await asyncio.wait_for(asyncio.shield(worker.result), timeout)

    async def _await_cleanup_elsewhere(self, job_id: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = await asyncio.to_thread(self.get, job_id)
            if row["status"] in (JobStatus.CLEANED, JobStatus.DELETED) and row.get("cleanup_result"):
                return dict(row["cleanup_result"])
            if row["status"] == JobStatus.FAILED:
                raise InputError(f"Cleanup of {job_id} failed: {row.get('last_error')}", 502)
            await asyncio.sleep(self.poll_seconds)
        raise TimeoutError(f"cleanup of {job_id} did not finish within {timeout:.0f}s")

    # -- workers -------------------------------------------------------------------------------------
    def _spawn(self, job_id: str, mode: str, paused: bool, keep_status: bool = False) -> Worker:
        worker = Worker(job_id=job_id, mode=mode, control=JobControl(paused=paused))
        worker.control.fence(time.monotonic() + self._fence_seconds())
        if mode == "cleanup":
            worker.result = asyncio.get_running_loop().create_future()
        self.workers[job_id] = worker
        coro = self._run(worker) if mode == "run" else self._cleanup(worker, keep_status)
        worker.task = asyncio.create_task(coro, name=f"tenantsim-{mode}-{job_id}")
        return worker

    async def _stop_worker(self, job_id: str, reason: str, timeout: float = 10.0,
                           mode: str | None = None) -> None:
        """Stop the job's worker here (only one in ``mode`` when given) and wait for it to end."""
        worker = self.workers.get(job_id)
        if worker is None or worker.task is None or (mode is not None and worker.mode != mode):
            return
        worker.control.stop(reason)
        if worker.task is not asyncio.current_task():
            done, _ = await asyncio.wait([worker.task], timeout=timeout)
            if not done:
                worker.task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await worker.task
        if self.workers.get(job_id) is worker:
            self.workers.pop(job_id, None)

    def _open_run(self, job_id: str, mode: str) -> tuple[dict[str, Any], int]:
        """The job's row and a new run record (from a thread: many jobs start at once)."""
        return self.get(job_id), jobs_repo.open_run(self.engine, job_id, self.server_id, mode)

    @staticmethod
    def _preload(ctx: RunningJobContext) -> None:
        """The job's ledgers, read from a thread: a thousand jobs start without reading on the loop."""
        for platform in connection_types(ctx.config):
            ctx.ledger_for(platform).preload()

    def _context(self, row: dict[str, Any], control: JobControl) -> RunningJobContext:
        config = self.full_config(row)
        content = self.content_factory(config, int(row["seed"]), row["id"])
        ctx = RunningJobContext(engine=self.engine, job_id=row["id"], config=config, seed=int(row["seed"]),
                                progress=dict(row.get("progress") or {}), content=content, control=control,
                                publish=self.bus.publish, on_activity=self.on_activity,
                                writer=writer_for(self.engine))
        write_ahead.bind(ctx.flush_ahead)  # called in the job's task: its platform calls wait for its records
        return ctx

    async def _run(self, worker: Worker) -> None:
        job_id = worker.job_id
        row, run_id = await asyncio.to_thread(self._open_run, job_id, "run")
        sim: Simulation | None = None
        adapters: list[PlatformAdapter] = []
        ctx: RunningJobContext | None = None
        ended = "finished"
        try:
            ctx = self._context(row, worker.control)
            worker.ctx = ctx
            await worker.control.checkpoint()
            await asyncio.to_thread(self._preload, ctx)
            adapters = await open_adapters(self.connectors, ctx)
            sim = await Simulation.open(ctx, adapters)
            worker.sim = sim
            now = utcnow()
            first = row.get("first_started_at") or now
            stop_at = row.get("stop_at") or compute_stop_at(ctx.config, first)
            if row["status"] == JobStatus.PENDING:
                await asyncio.to_thread(jobs_repo.set_status, self.engine, job_id, JobStatus.RUNNING,
                                        expect=[JobStatus.PENDING])
                self._status_event(job_id, JobStatus.RUNNING)
            await asyncio.to_thread(jobs_repo.update_job, self.engine, job_id, started_at=now,
                                    first_started_at=first, stop_at=stop_at)
            if not ctx.progress.get("seeded"):
                total = sim.build_total()
                ctx.checkpoint(seed_total=total, seed_started_at=now.isoformat())
                name, people = sim.company.name, len(sim.company.people)
                ctx.activity("seed_started", f"Building {name}: {people} people, {total} objects.", [])
                await self._seed_with_retries(ctx, sim, worker.control)
                ctx.checkpoint(seeded=True, seed_finished_at=utcnow().isoformat())
                ctx.activity("seed_completed", "Initial company built; continuous activity begins.",
                             [{"kind": k, "count": n} for k, n in sorted(ctx.created_counts().items())])
                await ctx.flush()  # the build's end is durable at once, not a moment later
            await run_events(ctx, sim, worker.control, stop_at, row.get("cleanup_at"),
                             lambda why: self._finish(job_id, why))
        except CleanupRequested:
            ended = "cleanup_after"
            if ctx is not None:
                ctx.activity("cleanup_scheduled", "cleanup_after reached: cleaning up.", [])
                await ctx.flush()  # the cleanup reads this job's ledger from the database

            def hand_over() -> None:  # the cleanup run starts right after
                jobs_repo.close_run(self.engine, run_id, ended)
                jobs_repo.set_status(self.engine, job_id, JobStatus.CLEANING)

            await persist(asyncio.to_thread(hand_over))
            self.workers.pop(job_id, None)
            self._spawn(job_id, "cleanup", paused=False)
        except JobStopping as signal:
            ended = stop_reason(signal)
            log.info("job %s stopping: %s", job_id, ended)
            if ctx is not None:
                await asyncio.shield(self._settle_after_stop(ctx, adapters))
        except asyncio.CancelledError:
            ended = "cancelled"
            raise
        except Exception as exc:
            if worker.control.stop_reason is not None:
                # A call cut short by a stop or shutdown is not the job failing: it resumes from the ledger.
                ended = "stopped"
                log.info("job %s stopped mid-call (%s)", job_id, worker.control.stop_reason)
                return
            ended = "failed"
            log.warning("job %s failed: %s", job_id, type(exc).__name__)
            await persist(asyncio.to_thread(mark_failed, self.engine, job_id, exc))
            if ctx is not None:
                failed = await asyncio.to_thread(self.get, job_id)
                ctx.activity("job_failed", f"The job failed: {failed.get('last_error')}", [])
            self._status_event(job_id, JobStatus.FAILED)
        finally:
            await self._release(worker, ctx, sim.adapters if sim else adapters, run_id, ended)

    async def _settle_after_stop(self, ctx: RunningJobContext, adapters: list[PlatformAdapter]) -> None:
        """A job stopped before it could settle what a crash left (an intent without an id) settles it now,
        so a stopped job's ledger names exactly what the platform holds. Best effort, bounded in time: the
        next start or the cleanup settles whatever this could not."""
        if not any(ctx.ledger_for(name).entries(statuses=["intent"])
                   for name in connection_types(ctx.config)):
            return
        try:
            async with asyncio.timeout(SETTLE_SECONDS):
                opened = adapters or await open_adapters(self.connectors, ctx)
                try:
                    for adapter in opened:
                        await adapter.prepare()
                finally:
                    if not adapters:
                        for adapter in opened:
                            await adapter.aclose()
        except Exception as exc:  # the platform is down or slow: the ledger keeps the intent for later
            log.info("job %s: intents left to settle at the next start (%s)", ctx.job_id, type(exc).__name__)

    async def _seed_with_retries(self, ctx: RunningJobContext, sim: Simulation, control: JobControl) -> None:
        """The initial build is resumable from the ledger, so a platform outage only delays it."""
        for attempt in range(1, SEED_ATTEMPTS + 1):
            try:
                await sim.build()
                return
            except Retriable as exc:
                if attempt == SEED_ATTEMPTS:
                    raise
                wait = min(60.0, 2.0 ** attempt)
                ctx.activity("seed_retry", f"The platform is not answering ({exc.message}); the initial "
                             f"build goes on in {wait:.0f} s from where it stopped.", [])
                await control.sleep(wait)

    def begin_shutdown(self) -> None:
        """The server is about to stop listening: tell every worker now, so none fails on a closed socket."""
        self._closing = True
        self._held_at_shutdown |= set(self.workers)
        for worker in self.workers.values():
            worker.control.stop("shutdown")

    async def _finish(self, job_id: str, why: str) -> None:
        if not await asyncio.to_thread(jobs_repo.set_status, self.engine, job_id, JobStatus.STOPPED,
                                       expect=list(LIVE), stopped_at=utcnow()):
            return  # the poll loop stopped it already (and said so)
        ctx = self.workers[job_id].ctx if job_id in self.workers else None
        if ctx is not None:
            ctx.activity("job_stopped", f"Stopped by itself: {why}.", [])
        self._status_event(job_id, JobStatus.STOPPED)

    async def _cleanup(self, worker: Worker, keep_status: bool) -> None:
        job_id = worker.job_id
        assert worker.result is not None
        row, run_id = await asyncio.to_thread(self._open_run, job_id, "cleanup")
        adapters: list[PlatformAdapter] = []
        ctx: RunningJobContext | None = None
        ended = "finished"
        try:
            ctx = self._context(row, worker.control)
            worker.ctx = ctx
            adapters = await open_adapters(self.connectors, ctx)
            ctx.activity("cleanup_started", "Cleanup started: deleting what this job created.", [])
            result = merge_results([(a.platform, await a.cleanup()) for a in adapters])
            await ctx.flush()  # every deletion is recorded before the job says it is cleaned
            final = JobStatus.DELETED if keep_status else JobStatus.CLEANED

            def record_result() -> None:
                jobs_repo.add_cleanup_result(self.engine, job_id, result, status=final, stopped_at=utcnow())
                if not result.get("errors"):  # all it made is gone: its names are free for other jobs
                    claims_repo.release_job(self.engine, job_id)

            await persist(asyncio.to_thread(record_result))
            ctx.activity("cleanup_completed", _cleanup_sentence(result), [])
            await ctx.flush()  # nothing left to write once the result is out: the next cleanup starts afresh
            self._status_event(job_id, final)
            worker.result.set_result(result)
        except JobStopping as signal:
            ended = stop_reason(signal)
            worker.result.set_exception(InputError(f"Cleanup of {job_id} was interrupted "
                                                   f"({stop_reason(signal)}); it resumes on restart", 503))
        except Exception as exc:
            if worker.control.stop_reason is not None:
                ended = "stopped"
                worker.result.set_exception(InputError(f"Cleanup of {job_id} was interrupted; it resumes on "
                                                       "restart", 503))
                return
            ended = "failed"
            await persist(asyncio.to_thread(mark_failed, self.engine, job_id, exc))
            if ctx is not None:
                failed = await asyncio.to_thread(self.get, job_id)
                ctx.activity("cleanup_failed", f"Cleanup failed: {failed.get('last_error')}", [])
            self._status_event(job_id, JobStatus.FAILED)
            worker.result.set_exception(exc)
        finally:
            await self._release(worker, ctx, adapters, run_id, ended)

    async def _release(self, worker: Worker, ctx: RunningJobContext | None, adapters: list[PlatformAdapter],
                       run_id: int, ended: str) -> None:
        """Whatever way a worker ends: keep its figures, close its clients, close its run record."""
        job_id = worker.job_id
        if ctx is not None:
            try:  # what the job wrote last (its ledger, progress, activity) reaches the database
                await asyncio.shield(ctx.journal.aclose())
            except Exception:
                log.exception("job %s: its last records could not be written", job_id)
            await ctx.content.aclose()
        for adapter in adapters:
            with contextlib.suppress(Exception):
                await adapter.aclose()
        stats = {"http": ctx.http_stats.as_dict()} if ctx is not None else None

        def close_run() -> None:
            if stats is not None:
                jobs_repo.update_job(self.engine, job_id, stats=stats)
            jobs_repo.close_run(self.engine, run_id, ended)

        try:
            await persist(asyncio.to_thread(close_run))
        finally:  # even when cancelled meanwhile: a worker that ended never stays listed
            if self.workers.get(job_id) is worker:
                self.workers.pop(job_id, None)

    def _status_event(self, job_id: str, status: str) -> None:
        self.bus.publish(job_id, {"type": "status", "status": str(status), "timestamp": utcnow().isoformat()})

    # -- leases, takeover and cross-server control ---------------------------------------------------
    def _spawn_claimed(self, claimed: dict[str, str]) -> None:
        for job_id, status in claimed.items():
            if job_id in self.workers:
                continue
            if status == JobStatus.CLEANING:
                self._spawn(job_id, "cleanup", paused=False)
            else:
                self._spawn(job_id, "run", paused=status == JobStatus.PAUSED)

    async def _poll_loop(self, takeover: bool) -> None:
        while not self._closing:
            await asyncio.sleep(self.poll_seconds)
            try:
                await self._poll_once(takeover)
            except Exception:
                log.exception("job poll failed")

    async def _poll_once(self, takeover: bool) -> None:
        """Database work in a thread; every change to workers back on the event loop."""
        started = time.monotonic()
        heartbeat_due = started - self._last_heartbeat >= self.heartbeat_seconds
        local = list(self.workers)

        def read() -> tuple[set[str] | None, dict[str, str]]:
            kept = None
            if heartbeat_due:
                kept = jobs_repo.renew_leases(self.engine, self.server_id, local, self.lease_seconds)
            return kept, jobs_repo.owned_statuses(self.engine, self.server_id)

        # a pause or resume asked for while the statuses are read is newer than what they say
        changes = {job_id: worker.control.changes for job_id, worker in self.workers.items()}
        kept, statuses = await asyncio.to_thread(read)
        if kept is not None:
            self._last_heartbeat = started
            for job_id in local:
                worker = self.workers.get(job_id)
                if worker is None:
                    continue
                if job_id in kept:
                    worker.control.fence(started + self._fence_seconds())
                else:  # another server took it over
                    await self._stop_worker(job_id, "lease_lost")
            await self._idle_deadlines()
            if takeover:
                self._spawn_claimed(await asyncio.to_thread(self._claim))
        for job_id, worker in list(self.workers.items()):
            status = statuses.get(job_id)
            if status is None or worker.mode != "run" or worker.control.changes != changes.get(job_id):
                continue
            if status == JobStatus.PAUSED and not worker.control.paused:
                worker.control.pause()
            elif status == JobStatus.RUNNING and worker.control.paused:
                worker.control.resume()
            elif status in (JobStatus.STOPPED, JobStatus.DELETED, JobStatus.CLEANED):
                worker.control.stop(status)
            elif status == JobStatus.CLEANING:
                await self._stop_worker(job_id, "cleanup", mode="run")
                if job_id not in self.workers:  # the worker may have started the cleanup itself
                    self._spawn(job_id, "cleanup", paused=False)

    async def _idle_deadlines(self) -> None:
        """cleanup_after and duration_days, for jobs this server holds or nobody does: paused, stopped
        or failed jobs have no event loop to notice them, and a job still seeding has not reached its
        event loop yet (which checks them every second once it runs)."""
        def claim() -> tuple[list[str], list[str]]:
            stopping = jobs_repo.claim_due(self.engine, self.server_id, "stop_at", list(LIVE),
                                           JobStatus.STOPPED, self.lease_seconds, stopped_at=utcnow())
            cleaning = jobs_repo.claim_due(self.engine, self.server_id, "cleanup_at",
                                           [*LIVE, JobStatus.STOPPED, JobStatus.FAILED],
                                           JobStatus.CLEANING, self.lease_seconds)
            return stopping, cleaning

        stopping, cleaning = await asyncio.to_thread(claim)
        for job_id in stopping:
            await self._stop_worker(job_id, "duration_days", mode="run")
            await self._note(job_id, "job_stopped", "Stopped by itself: duration_days reached.")
            self._status_event(job_id, JobStatus.STOPPED)
        for job_id in cleaning:
            await self._stop_worker(job_id, "cleanup", mode="run")
            if job_id in self.workers:  # the worker noticed first and started the cleanup itself
                continue
            await self._note(job_id, "cleanup_scheduled", "cleanup_after reached: cleaning up.")
            self._status_event(job_id, JobStatus.CLEANING)
            self._spawn(job_id, "cleanup", paused=False)

    async def _note(self, job_id: str, event_type: str, sentence: str) -> None:
        """An activity entry for a job that has no running context to write it."""
        entry = await asyncio.to_thread(activity_repo.append, self.engine, job_id, event_type, sentence, [])
        self.bus.publish(job_id, {"type": "activity", "entry": entry})

    def _fence_seconds(self) -> float:
        """How long a worker may act after a lease renewal: the lease, less a safety margin."""
        return max(self.lease_seconds * 0.8, self.lease_seconds - 5.0)

    def _claim(self) -> dict[str, str]:
        """(From a thread.) Take the jobs no live server holds: job id -> status."""
        claimed: dict[str, str] = {}
        for job_id in jobs_repo.claim_jobs(self.engine, self.server_id, CLAIMABLE, self.lease_seconds):
            row = jobs_repo.get_job(self.engine, job_id)
            if row is not None:
                claimed[job_id] = row["status"]
        return claimed

    # -- read models ---------------------------------------------------------------------------------
    async def realism(self, job_id: str) -> list[dict[str, Any]]:
        """The job's platform measures its tenant (``connectors/<platform>/realism.py``): 409 until the
        company is built there, and once cleanup has begun taking it away."""
        row = await asyncio.to_thread(self.get, job_id)
        state = await asyncio.to_thread(company_repo.load, self.engine, job_id)
        if state is None or not (row.get("progress") or {}).get("seeded"):
            raise ConflictError(f"Job {job_id} has not built its company yet; realism is measured once "
                                "it has")
        if row["status"] in (JobStatus.CLEANING, JobStatus.CLEANED):
            raise ConflictError(f"Job {job_id} is {row['status']}; its company is no longer in the tenant")
        company = Company.from_dict(state)
        config = self.full_config(row)
        measures: list[dict[str, Any]] = []
        for platform_config in platform_configs(config):
            platform = str(platform_config.get("connection_type") or row["connection_type"])
            measure = getattr(self.connectors.get(platform), "realism", None)
            if measure is None:
                raise ConflictError(f"No realism measures for {platform} jobs")
            entries = await asyncio.to_thread(SqlLedger(self.engine, job_id, platform).entries)
            found = await measure(platform_config, entries, company)
            measures += [{**m, "platform": platform} for m in found] if is_multi(config) else found
        return measures

    def live_http_stats(self, job_id: str) -> dict[str, Any] | None:
        worker = self.workers.get(job_id)
        if worker is not None and worker.ctx is not None:
            return worker.ctx.http_stats.as_dict()
        return None

    @property
    def active_count(self) -> int:
        return sum(1 for w in self.workers.values() if w.mode == "run" and not w.control.paused)


def _cleanup_sentence(result: dict[str, Any]) -> str:
    parts = [f"{v} {k.replace('_', ' ')}" for k, v in result.items() if isinstance(v, int) and v]
    errors = result.get("errors") or result.get("failed_projects") or []
    tail = f"; {len(errors)} errors" if errors else ""
    return "Cleanup finished: " + (", ".join(parts) if parts else "nothing left to delete") + tail + "."
