"""Throughput: the most platform calls per second one server process sustains against emulators without
limits, and the server's CPU time per platform call. Four Okta jobs seed at once (each its own org, so
budgets never hold them back); the rate is read from the emulator's counters and the CPU time from the
server process, over the stretch where all four are busy.

Also the HTTP layer alone (ResilientClient in this process, no job, no database), which separates what
pacing, retries and httpx cost from what a job's own work (ledger, activity log, content) costs.
"""

from __future__ import annotations

import asyncio
import resource
import time
from typing import Any

import httpx

from bench.common import OKTA_TOKEN, api, okta_job, stack, start_job, write_result

UNLIMITED = 1_000_000_000
JOBS = 4
USERS_PER_JOB = 3000
WARMUP = 6.0
MEASURE = 20.0


def emulator_requests(okta_url: str, orgs: int) -> int:
    total = 0
    for index in range(orgs):
        body = httpx.get(f"{okta_url}/o{index}/_sandbox/stats", timeout=30).json()
        total += int(body["stats"]["totals"]["requests"])
    return total


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def layer_alone(org: str, calls: int = 4000, callers: int = 8) -> dict[str, Any]:
    from tenantsim.connectors.http import ResilientClient
    from tenantsim.connectors.okta.client import OktaProfile
    from tenantsim.connectors.ratelimit import BudgetRegistry

    client = ResilientClient(org, headers={"Authorization": f"SSWS {OKTA_TOKEN}"}, tenant="okta:bench",
                             token_id="org", profile=OktaProfile(), budgets=BudgetRegistry())
    await client.request("GET", "/api/v1/groups", params={"limit": 1})  # connections warm

    async def caller() -> None:
        for _ in range(calls // callers):
            await client.request("GET", "/api/v1/groups", params={"limit": 1})

    started, cpu = time.monotonic(), own_cpu()
    await asyncio.gather(*(caller() for _ in range(callers)))
    elapsed, used = time.monotonic() - started, own_cpu() - cpu
    await client.aclose()
    return {"calls": calls, "callers": callers, "calls_per_second": round(calls / elapsed, 1),
            "client_cpu_ms_per_call": round(1000 * used / calls, 3)}


def run() -> dict[str, Any]:
    with stack("throughput") as running:
        okta = running.okta(orgs=JOBS + 1, rate_limit=UNLIMITED, users=5)
        server = running.server()
        with api(server.url) as client:
            jobs = [start_job(client, okta_job(f"{okta.url}/o{i}", USERS_PER_JOB, seed=i))
                    for i in range(JOBS)]
            time.sleep(WARMUP)

            def sample() -> tuple[int, float, float, float]:
                return (emulator_requests(okta.url, JOBS), server.cpu_seconds(), okta.cpu_seconds(),
                        time.monotonic())

            calls0, cpu0, emu0, t0 = sample()
            time.sleep(MEASURE)
            calls1, cpu1, emu1, t1 = sample()
            statuses = [client.get(f"/api/jobs/{j}").json() for j in jobs]
            for job_id in jobs:
                client.delete(f"/api/jobs/{job_id}/delete")
        layer = asyncio.run(layer_alone(f"{okta.url}/o{JOBS}"))
    calls = calls1 - calls0
    still_seeding = sum(1 for s in statuses if not s.get("seeded"))
    figures = {
        "jobs": JOBS, "users_per_job": USERS_PER_JOB, "measured_seconds": round(t1 - t0, 1),
        "jobs_still_seeding_at_end": still_seeding,
        "calls": calls, "calls_per_second": round(calls / (t1 - t0), 1),
        "server_cpu_share": round((cpu1 - cpu0) / (t1 - t0), 3),
        "server_cpu_ms_per_call": round(1000 * (cpu1 - cpu0) / max(1, calls), 3),
        "emulator_cpu_ms_per_call": round(1000 * (emu1 - emu0) / max(1, calls), 3),
        "http_layer_alone": layer,
    }
    write_result("throughput", figures)
    return figures


if __name__ == "__main__":
    run()
