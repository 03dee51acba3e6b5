"""Scale: 1,000 concurrent jobs at their real-time pace in one server process, their tenants emulated in
separate processes (two Okta emulators of 250 orgs each, one Asana workspace with 500 people).

500 Okta jobs (3 people each) and 500 Asana jobs (1 project each), activity "high" around the clock at
time_scale 120: the company's own pace (a one-person Asana team does about a dozen things a working day,
a three-person org sees an HR change or password reset only now and then), compressed so the Asana jobs
make about one call-bearing event a minute each. Once every job is seeded: event-loop
lag over a minute (how late a 20 ms timer on the server's loop fires) and resident memory per job
(the server's RSS with the jobs running, minus its RSS before the first job, over the job count). Jobs
are started two and a half a second; the lag "while seeding" is over those 400 s and until the last is
seeded.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from bench.common import api, okta_job, percentile, stack, start_job, write_result

OKTA_JOBS = 500
ASANA_JOBS = 500
ORGS_PER_EMULATOR = 250
STEADY_SECONDS = 60.0
# Jobs are started at this rate so that the emulators keep up: on this 2-core machine the one process
# that plays the Asana jobs' workspace serves a few hundred calls a second, and starting jobs faster than
# it can build them makes it answer slower than any timeout.
STARTS_PER_SECOND = 2.5
LIVE = {"activity_level": "high", "working_hours": "always", "time_scale": 120}


def lag_summary(samples: list[float]) -> dict[str, Any]:
    ms = [s * 1000 for s in samples]
    return {"samples": len(ms), "p50_ms": round(percentile(ms, 0.5), 2),
            "p99_ms": round(percentile(ms, 0.99), 2), "max_ms": round(max(ms), 2) if ms else 0.0}


def take_lag(server_url: str) -> list[float]:
    samples: list[float] = httpx.get(server_url + "/_bench/lag", timeout=60).json()["samples"]
    return samples


def take_gc(server_url: str) -> dict[str, Any]:
    """The server's garbage-collection pauses since the last look, per generation."""
    pauses: dict[str, list[float]] = httpx.get(server_url + "/_bench/gc", timeout=60).json()["pauses"]
    summary: dict[str, Any] = {}
    for generation, seconds in pauses.items():
        ms = [s * 1000 for s in seconds]
        summary[f"gen{generation}"] = {
            "collections": len(ms), "total_ms": round(sum(ms), 1),
            "p99_ms": round(percentile(ms, 0.99), 2), "max_ms": round(max(ms, default=0.0), 2)}
    return summary


def all_jobs(client: httpx.Client) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = client.get("/api/jobs", params={"limit": 1000}).json()["jobs"]
    offset = len(rows)
    while True:
        page = client.get("/api/jobs", params={"limit": 1000, "offset": offset}).json()["jobs"]
        if not page:
            return rows
        rows += page
        offset += len(page)


def run() -> dict[str, Any]:
    with stack("scale") as running:
        oktas = [running.okta(orgs=ORGS_PER_EMULATOR, users=2, name=f"okta{i}")
                 for i in range(OKTA_JOBS // ORGS_PER_EMULATOR)]
        asana = running.asana(users=ASANA_JOBS)
        described = httpx.get(asana.url + "/_bench/describe", timeout=30).json()["asana"]
        server = running.server()
        time.sleep(3)
        idle_rss = server.rss_bytes()
        take_lag(server.url)
        take_gc(server.url)
        bodies: list[dict[str, Any]] = []
        for index in range(OKTA_JOBS):
            org = f"{oktas[index // ORGS_PER_EMULATOR].url}/o{index % ORGS_PER_EMULATOR}"
            bodies.append(okta_job(org, 3, seed=index, org_size="startup", **LIVE))
        workspace = described["workspaces"][0]["gid"]
        for index, person in enumerate(described["users"][:ASANA_JOBS]):
            bodies.append({"connection_type": "asana", "industry": "technology", "workspace_gid": workspace,
                           "base_url": described["base_url"], "content_provider": "offline",
                           "user_tokens": [{"name": person["name"], "token": person["token"]}],
                           "initial_projects": 1, "seed": index, **LIVE})
        # Okta and Asana jobs in turn: each platform's emulator sees its jobs arrive at half the rate
        bodies = [body for pair in zip(bodies[:OKTA_JOBS], bodies[OKTA_JOBS:], strict=True) for body in pair]
        started = time.monotonic()

        def start(numbered: tuple[int, dict[str, Any]]) -> str:
            index, body = numbered
            time.sleep(max(0.0, started + index / STARTS_PER_SECOND - time.monotonic()))
            with api(server.url) as client:
                return start_job(client, body)

        with ThreadPoolExecutor(8) as pool:
            job_ids = list(pool.map(start, enumerate(bodies)))
        start_seconds = time.monotonic() - started
        with api(server.url) as client:
            deadline = time.monotonic() + 900
            while True:
                rows = all_jobs(client)
                seeded = sum(1 for r in rows if r.get("seeded"))
                failed = [r for r in rows if r["status"] == "failed"]
                if seeded + len(failed) >= len(job_ids) or time.monotonic() > deadline:
                    break
                time.sleep(5)
            seed_seconds = time.monotonic() - started
            seeding_lag = lag_summary(take_lag(server.url))
            seeding_gc = take_gc(server.url)
            events_before = sum(int(r.get("events_total") or 0) for r in rows)
            cpu0, t0 = server.cpu_seconds(), time.monotonic()
            time.sleep(STEADY_SECONDS)
            steady_lag = lag_summary(take_lag(server.url))
            steady_gc = take_gc(server.url)
            cpu1, t1 = server.cpu_seconds(), time.monotonic()
            steady_rss = server.rss_bytes()
            rows = all_jobs(client)
            events_after = sum(int(r.get("events_total") or 0) for r in rows)
            running_jobs = sum(1 for r in rows if r["status"] == "running")
    figures = {
        "jobs": len(job_ids), "okta_jobs": OKTA_JOBS, "asana_jobs": ASANA_JOBS,
        "emulator_processes": len(oktas) + 1, "start_seconds": round(start_seconds, 1),
        "all_seeded_after_seconds": round(seed_seconds, 1), "seeded": seeded, "failed": len(failed),
        "failed_errors": sorted({str(r.get("last_error"))[:200] for r in failed})[:5],
        "running_at_end": running_jobs,
        "steady_seconds": round(t1 - t0, 1),
        "events_in_steady_stretch": events_after - events_before,
        "event_loop_lag_steady": steady_lag, "event_loop_lag_while_seeding": seeding_lag,
        "gc_pauses_steady": steady_gc, "gc_pauses_while_seeding": seeding_gc,
        "server_cpu_share_steady": round((cpu1 - cpu0) / (t1 - t0), 3),
        "rss_idle_mib": round(idle_rss / 2**20, 1), "rss_with_jobs_mib": round(steady_rss / 2**20, 1),
        "rss_per_job_kib": round((steady_rss - idle_rss) / len(job_ids) / 1024, 1),
    }
    write_result("scale", figures)
    return figures


if __name__ == "__main__":
    run()
