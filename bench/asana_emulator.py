"""Asana emulator cost: the emulator's own CPU time per call as its workspace fills up, for the calls the
scale bench's Asana jobs make. One workspace of 500 people; real Asana jobs (one token, one project
each, as in ``scale.py``) are built one after another in this process against the emulator's ASGI app
(no network: what is timed is the emulator alone, from the request's scope to its last body chunk).

The figures are per route (gids folded to ``{gid}``), for the first jobs (a nearly empty workspace) and
for the last ones (the workspace the earlier jobs filled); then, in the full workspace, the calls a
running job's events make (a task moved to another section, tagged, completed, commented on, read back)
on tasks of the last jobs' projects. ``--profile FILE`` also writes a cProfile of the emulator's calls
alone (the job's own code is not profiled).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import random
import re
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from tests.support.jobctx import make_context

from bench.common import percentile, write_result
from tenantsim.connectors.asana.connector import AsanaConnector
from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.jobs.simulation import Simulation
from tenantsim.sandbox.asana import create_app

USERS = 500
JOBS = 500
SAMPLE = 25  # jobs whose calls make each end's figures (the first ones, the last ones)
EVENT_ROUNDS = 200  # event-like calls of each kind in the full workspace
STEADY = -1  # the job number the event-like calls are counted under
UNLIMITED = 1_000_000_000
BASE = "http://127.0.0.1/api/1.0"  # loopback, as sandbox mode requires; served in-process
GID = re.compile(r"/\d{6,}")


def route_of(method: str, path: str) -> str:
    return f"{method} {GID.sub('/{gid}', path.removeprefix('/api/1.0'))}"


class TimedApp:
    """Wraps the emulator: CPU seconds per call, by route and by the job that made it."""

    def __init__(self, app: Any, profile: cProfile.Profile | None) -> None:
        self.app = app
        self.profile = profile
        self.job = 0
        self.calls: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.process_time()
        if self.profile is not None:
            self.profile.enable()
        try:
            await self.app(scope, receive, send)
        finally:
            if self.profile is not None:
                self.profile.disable()
            self.calls[self.job][route_of(scope["method"], scope["path"])].append(
                time.process_time() - started)


async def build_jobs(jobs: int, profile: cProfile.Profile | None) -> tuple[TimedApp, Any, float]:
    sandbox = create_app(users=USERS, rate_limit=UNLIMITED)
    timed = TimedApp(sandbox, profile)
    described = sandbox.describe(BASE)
    workspace = described["workspaces"][0]["gid"]
    runtime = ConnectorRuntime(budgets=BudgetRegistry(window_seconds=60.0), sandbox_mode=True,
                               transport=httpx.ASGITransport(app=timed))
    connector = AsanaConnector(runtime)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tenantsim-bench-asana-") as folder:
        for index, person in enumerate(described["users"][:jobs]):
            timed.job = index
            config = {"connection_type": "asana", "industry": "technology", "workspace_gid": workspace,
                      "base_url": BASE, "content_provider": "offline",
                      "user_tokens": [{"name": person["name"], "token": person["token"]}],
                      "initial_projects": 1, "seed": index, "activity_level": "high",
                      "working_hours": "always", "time_scale": 120}
            ctx = make_context(Path(folder), config, seed=index, job_id=f"job_{index:04d}")
            sim = await Simulation.open(ctx, [await connector.open_adapter(ctx)])
            await sim.build()
            await sim.aclose()
            ctx.engine.dispose()
        seconds = time.monotonic() - started
        timed.job = STEADY
        await events(sandbox, timed, described["users"][jobs - 1]["token"])
    return timed, sandbox, seconds


async def events(sandbox: Any, timed: TimedApp, token: str) -> None:
    """What a running job's events call, on the tasks of the newest projects: move a task to another
    section (to its top, as Asana does), tag it, complete it, comment on it, read it back."""
    store = sandbox.store
    rng = random.Random(1)
    projects = [p for p in store.records.values() if p["resource_type"] == "project"][-SAMPLE:]
    sections = {p["gid"]: [s["gid"] for s in store.records.values()
                           if s["resource_type"] == "section" and s["project"] == p["gid"]] for p in projects}
    sections = {project: found for project, found in sections.items() if found}
    tasks = [t for t in store.records.values() if t["resource_type"] == "task" and t["parent"] is None
             and t["memberships"] and t["memberships"][0]["project"] in sections]
    tags = [t["gid"] for t in store.records.values() if t["resource_type"] == "tag"][-SAMPLE:]
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=timed), base_url=BASE,
                                 headers=headers) as client:
        for _ in range(EVENT_ROUNDS):
            task = rng.choice(tasks)
            gid, project = task["gid"], task["memberships"][0]["project"]
            section = rng.choice(sections[project])
            await client.post(f"/sections/{section}/addTask", json={"data": {"task": gid}})
            await client.post(f"/tasks/{gid}/addTag", json={"data": {"tag": rng.choice(tags)}})
            await client.put(f"/tasks/{gid}", json={"data": {"completed": rng.random() < 0.5}})
            await client.post(f"/tasks/{gid}/stories", json={"data": {"text": "Done on my side."}})
            await client.get(f"/tasks/{gid}")


def summarise(calls: dict[int, dict[str, list[float]]], jobs: range, label: str) -> dict[str, Any]:
    by_route: dict[str, list[float]] = defaultdict(list)
    for job in jobs:
        for route, seconds in calls.get(job, {}).items():
            by_route[route] += seconds
    every = [s for seconds in by_route.values() for s in seconds]
    routes = {route: {"calls": len(seconds), "cpu_ms_mean": round(sum(seconds) / len(seconds) * 1000, 3),
                      "cpu_ms_p50": round(percentile(seconds, 0.5) * 1000, 3),
                      "cpu_ms_max": round(max(seconds) * 1000, 3)}
              for route, seconds in sorted(by_route.items(), key=lambda item: -sum(item[1]))}
    return {"what": label, "calls": len(every),
            "cpu_ms_per_call": round(sum(every) / max(1, len(every)) * 1000, 3), "routes": routes}


def run(jobs: int = JOBS, profile_path: Path | None = None, write: bool = True) -> dict[str, Any]:
    profile = cProfile.Profile() if profile_path is not None else None
    timed, sandbox, seconds = asyncio.run(build_jobs(jobs, profile))
    if profile is not None and profile_path is not None:
        profile.dump_stats(str(profile_path))
    sample = min(SAMPLE, jobs)
    last = range(jobs - sample, jobs)
    counts: dict[str, int] = defaultdict(int)
    for record in sandbox.store.records.values():
        counts[record["resource_type"]] += 1
    steady = f"{EVENT_ROUNDS} rounds of event calls after {jobs} jobs"
    figures = {"users": USERS, "jobs": jobs, "build_seconds": round(seconds, 1),
               "workspace_at_end": dict(sorted(counts.items())),
               "first_jobs": summarise(timed.calls, range(0, sample), f"jobs 1-{sample}"),
               "last_jobs": summarise(timed.calls, last, f"jobs {last.start + 1}-{jobs}"),
               "events_in_full_workspace": summarise(timed.calls, range(STEADY, STEADY + 1), steady)}
    if write:
        write_result("asana_emulator", figures)
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=JOBS)
    parser.add_argument("--profile", type=Path, default=None, help="write a cProfile of the emulator's calls")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results alone")
    arguments = parser.parse_args()
    result = run(arguments.jobs, arguments.profile, write=not arguments.no_write)
    for end in ("first_jobs", "last_jobs", "events_in_full_workspace"):
        part = result[end]
        print(f"{part['what']}: {part['calls']} calls, {part['cpu_ms_per_call']} ms CPU per call")
        for route, row in list(part["routes"].items())[:15]:
            print(f"  {row['cpu_ms_mean']:8.3f} ms (p50 {row['cpu_ms_p50']:.3f}, max {row['cpu_ms_max']:.1f})"
                  f" x {row['calls']:5d}  {route}")
    print("workspace at end:", result["workspace_at_end"], f"({result['build_seconds']} s)")
