"""Prometheus metrics for one server (its own registry, so tests can build several apps).

Fed three ways:

* events: ``on_activity`` (every activity entry a job writes) and ``observe_call`` (every platform HTTP
  call, through ``ConnectorRuntime.observer``) bump counters as things happen;
* scrape time: job counts by status, LLM tokens and rate-limit budgets are read when /metrics is asked;
* a sampler task measures how late the event loop wakes up (loop lag), the first sign of overload.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from tenantsim.jobs.models import JobStatus
from tenantsim.ratewatch import SAMPLE_SECONDS, RateWatch
from tenantsim.store.tables import jobs

LOOP_LAG_INTERVAL = 0.25
LAG_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
PLATFORM_CACHE = 10_000  # job id -> platform, for labelling activity without a database read


def outcome_of(event_type: str) -> str:
    return "failure" if event_type == "error" or event_type.endswith("_failed") else "success"


def status_class(status: int) -> str:
    """HTTP status as a label: the code itself, or "network_error" when no response came."""
    return str(status) if status else "network_error"


@dataclass
class ScrapeSnapshot:
    """What the collector reports, gathered just before rendering (database reads happen in a thread)."""

    statuses: dict[str, int] = field(default_factory=dict)
    llm_tokens: list[tuple[str, int, int]] = field(default_factory=list)  # (platform, input, output)
    budgets: dict[str, dict[str, Any]] = field(default_factory=dict)
    active_jobs: int = 0


class _ScrapeCollector(Collector):
    def __init__(self) -> None:
        self.snapshot = ScrapeSnapshot()

    def describe(self) -> Iterable[Metric]:
        return []  # values only exist at scrape time

    def collect(self) -> Iterable[Metric]:
        snap = self.snapshot
        by_status = GaugeMetricFamily("tenantsim_jobs", "Jobs by status.", labels=["status"])
        for status in JobStatus:
            by_status.add_metric([status.value], snap.statuses.get(status.value, 0))
        yield by_status
        active = GaugeMetricFamily("tenantsim_active_jobs", "Jobs running (not paused) on this server.")
        active.add_metric([], snap.active_jobs)
        yield active
        tokens = CounterMetricFamily("tenantsim_llm_tokens", "LLM tokens used by jobs.",
                                     labels=["platform", "direction"])
        for platform, used_in, used_out in snap.llm_tokens:
            tokens.add_metric([platform, "input"], used_in)
            tokens.add_metric([platform, "output"], used_out)
        yield tokens
        remaining = GaugeMetricFamily("tenantsim_ratelimit_remaining",
                                      "Calls left in the current rate-limit window, per tenant bucket.",
                                      labels=["tenant", "bucket"])
        limit = GaugeMetricFamily("tenantsim_ratelimit_limit", "Calls allowed per rate-limit window.",
                                  labels=["tenant", "bucket"])
        for name, figures in sorted(snap.budgets.items()):
            tenant, _, bucket = name.rpartition(" ")
            remaining.add_metric([tenant, bucket], float(figures.get("remaining") or 0))
            limit.add_metric([tenant, bucket], float(figures.get("limit") or 0))
        yield remaining
        yield limit


class Metrics:
    """Counters, gauges and the scrape of one tenantsim app. ``state`` is the app's ``app.state``."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self.registry = CollectorRegistry(auto_describe=True)
        self.operations = Counter("tenantsim_operations", "Job operations by platform, kind and outcome.",
                                  ["platform", "kind", "outcome"], registry=self.registry)
        self.http_calls = Counter("tenantsim_platform_http_calls", "Platform HTTP calls by status.",
                                  ["platform", "status"], registry=self.registry)
        self.throttled = Counter("tenantsim_platform_throttled",
                                 "429 Too Many Requests answers, per tenant bucket.",
                                 ["platform", "tenant", "bucket"], registry=self.registry)
        self.stream_clients = Gauge("tenantsim_stream_clients", "Live stream connections open.",
                                    ["transport"], registry=self.registry)
        self.loop_lag = Gauge("tenantsim_event_loop_lag_seconds",
                              "How late the event loop woke up at the last sample.", registry=self.registry)
        self.loop_lag_histogram = Histogram("tenantsim_event_loop_lag_observed_seconds",
                                            "Event loop lag samples.", buckets=LAG_BUCKETS,
                                            registry=self.registry)
        self._scrape = _ScrapeCollector()
        self.registry.register(self._scrape)
        self._platforms: OrderedDict[str, str] = OrderedDict()
        self._calls_by_status: dict[tuple[str, int], Any] = {}
        self._sampler: asyncio.Task[None] | None = None
        runtime = getattr(state, "runtime", None)
        self.rates = RateWatch(runtime.budgets.window_seconds if runtime is not None else 60.0)

    # -- event hooks (called on the event loop; cheap, never raise) ------------------------------
    def on_activity(self, job_id: str, event_type: str) -> None:
        with contextlib.suppress(Exception):
            self.operations.labels(self._platform_of(job_id), event_type, outcome_of(event_type)).inc()

    def observe_call(self, platform: str, tenant: str, bucket: str, method: str, status: int) -> None:
        with contextlib.suppress(Exception):
            counter = self._calls_by_status.get((platform, status))
            if counter is None:  # prometheus checks and locks for each labels(): once per status here
                counter = self._calls_by_status[platform, status] = self.http_calls.labels(
                    platform, status_class(status))
            counter.inc()
            self.rates.record_call(platform, tenant, bucket)
            if status == 429:
                self.throttled.labels(platform, tenant, bucket).inc()

    def _platform_of(self, job_id: str) -> str:
        found = self._platforms.get(job_id)
        if found is not None:
            return found
        manager = getattr(self.state, "manager", None)
        worker = manager.workers.get(job_id) if manager is not None else None
        if worker is None or worker.ctx is None:
            return "unknown"
        platform = str(worker.ctx.config.get("connection_type") or "asana")
        self._platforms[job_id] = platform
        while len(self._platforms) > PLATFORM_CACHE:
            self._platforms.popitem(last=False)
        return platform

    # -- scrape -----------------------------------------------------------------------------------
    async def render(self, accept: str | None) -> tuple[bytes, str]:
        """The exposition text (OpenMetrics when the scraper asks for it) and its content type."""
        engine = getattr(self.state, "engine", None)
        statuses, tokens = await asyncio.to_thread(_read_database, engine)
        manager = getattr(self.state, "manager", None)
        snapshot = ScrapeSnapshot(statuses=statuses, llm_tokens=tokens,
                                  budgets=self.budget_snapshot(),
                                  active_jobs=manager.active_count if manager is not None else 0)
        encoder, content_type = choose_encoder(accept or "")
        self._scrape.snapshot = snapshot  # no await between here and encoding: scrapes cannot interleave
        return encoder(self.registry), content_type

    # -- loop lag ---------------------------------------------------------------------------------
    def start(self) -> None:
        if self._sampler is None:
            self._sampler = asyncio.create_task(self._sample_loop_lag(), name="tenantsim-loop-lag")

    async def stop(self) -> None:
        if self._sampler is not None:
            self._sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sampler
            self._sampler = None

    async def _sample_loop_lag(self) -> None:
        """Loop lag every 0.25 s; rate-limit use every 5 s (the dashboard's history)."""
        loop = asyncio.get_running_loop()
        next_rate_sample = loop.time()
        while True:
            before = loop.time()
            await asyncio.sleep(LOOP_LAG_INTERVAL)
            now = loop.time()
            lag = max(0.0, now - before - LOOP_LAG_INTERVAL)
            self.loop_lag.set(lag)
            self.loop_lag_histogram.observe(lag)
            if now >= next_rate_sample:
                next_rate_sample = now + SAMPLE_SECONDS
                runtime = getattr(self.state, "runtime", None)
                with contextlib.suppress(Exception):
                    budgets = await runtime.budgets.snapshot_in_steps() if runtime is not None else {}
                    self.rates.sample(budgets)

    def budget_snapshot(self) -> dict[str, dict[str, Any]]:
        runtime = getattr(self.state, "runtime", None)
        return runtime.budgets.snapshot() if runtime is not None else {}


def _read_database(engine: Any) -> tuple[dict[str, int], list[tuple[str, int, int]]]:
    if engine is None:
        return {}, []
    platform = func.coalesce(jobs.c.connection_type, "asana")
    with engine.connect() as conn:
        statuses = {s: int(n) for s, n in conn.execute(select(jobs.c.status, func.count())
                                                       .group_by(jobs.c.status)).all()}
        rows = conn.execute(select(platform, func.sum(jobs.c.llm_input_tokens),
                                   func.sum(jobs.c.llm_output_tokens)).group_by(platform)).all()
    return statuses, [(str(p), int(i or 0), int(o or 0)) for p, i, o in rows]
