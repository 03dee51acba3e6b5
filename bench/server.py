"""The tenantsim server as the benchmarks run it: ``python -m bench.server --port N --var DIR ...``.

The product's own app (``create_app``) in one process, with the rate-limit window of the emulators it
talks to (benchmarks compress a minute into seconds) and their per-tenant limits. Adds ``/_bench/*``:
event-loop lag samples (a 20 ms ticker on the server's own loop), garbage-collection pauses and the budgets.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import signal
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

import uvicorn
from starlette.responses import JSONResponse, PlainTextResponse

from tenantsim.api.app import create_app
from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.heap import settle_for_serving
from tenantsim.settings import Settings

TICK = 0.02


class LagSampler:
    """How late the loop wakes a 20 ms sleeper: the delay every job's timer also sees."""

    def __init__(self) -> None:
        self.samples: deque[float] = deque(maxlen=200_000)

    async def run(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(TICK)
            self.samples.append(max(0.0, time.perf_counter() - started - TICK))

    def take(self) -> list[float]:
        taken = list(self.samples)
        self.samples.clear()
        return taken


class GcWatch:
    """How long each garbage collection stopped the process, by generation: the loop's stalls that are
    not our own code."""

    def __init__(self) -> None:
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._began = 0.0
        gc.callbacks.append(self._observe)

    def _observe(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.pauses[int(info["generation"])].append(time.perf_counter() - self._began)

    def take(self) -> dict[str, list[float]]:
        taken = {str(generation): list(pauses) for generation, pauses in self.pauses.items()}
        for pauses in self.pauses.values():
            pauses.clear()
        return taken


def build(args: argparse.Namespace, sampler: LagSampler, collections: GcWatch) -> Any:
    settings = Settings(host="127.0.0.1", port=args.port, var_dir=Path(args.var), sandbox=True,
                        database_url=args.database_url or "", resume_on_start=False, log_level="warning")
    budgets = BudgetRegistry(window_seconds=args.window)
    for item in args.limit:
        tenant, _, limit = item.rpartition("=")
        budgets.set_limit(tenant, int(limit))
    runtime = ConnectorRuntime(budgets=budgets, sandbox_mode=True)
    app = create_app(settings, sandbox_apps={}, runtime=runtime)

    async def bench_route(scope: Any, receive: Any, send: Any) -> None:
        path = str(scope["path"])
        response: Any
        if path == "/_bench/ping":
            response = PlainTextResponse("ok")
        elif path == "/_bench/lag":
            response = JSONResponse({"tick_seconds": TICK, "samples": sampler.take()})
        elif path == "/_bench/gc":
            response = JSONResponse({"pauses": collections.take()})
        elif path == "/_bench/budgets":
            response = JSONResponse(budgets.snapshot())
        else:
            response = PlainTextResponse("not found", status_code=404)
        await response(scope, receive, send)

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and str(scope["path"]).startswith("/_bench/"):
            await bench_route(scope, receive, send)
        else:
            await app(scope, receive, send)

    return wrapped


async def serve(config: uvicorn.Config, sampler: LagSampler) -> None:
    ticker = asyncio.create_task(sampler.run())
    try:
        await uvicorn.Server(config).serve()
    finally:
        ticker.cancel()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--var", required=True)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--limit", action="append", default=[], help="tenant=calls per window (repeatable)")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    sampler = LagSampler()
    config = uvicorn.Config(build(args, sampler, GcWatch()), host="127.0.0.1", port=args.port,
                            log_level="warning", access_log=False, log_config=None)
    settle_for_serving()  # as `tenantsim serve` does
    # the loop `tenantsim serve` runs on (uvloop when installed)
    profile = os.environ.get("TENANTSIM_BENCH_PROFILE")  # a path: write cProfile stats there at exit
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        # uvicorn re-raises the SIGTERM it stopped on once it has shut down; by default that ends the
        # process before the stats are written, so make it an exit that runs the ``finally`` below.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        profiler.enable()
    try:
        with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
            runner.run(serve(config, sampler))
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(str(profile))


if __name__ == "__main__":
    main()
