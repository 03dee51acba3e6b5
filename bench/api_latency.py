"""API latency with a large history: 10,000 jobs and 1,000,000 activity rows in the server's SQLite
database. p50 / p99 of GET /api/jobs (the default page of 200) and of GET /api/jobs/<id>/activity_log
(the default 50 entries; random jobs, and deep pages of the job with the longest log).

Rows are written straight into a fresh database through the product's schema (migrations, tables), then
the server is started on it; requests go over loopback HTTP one at a time, as a dashboard makes them.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench.common import api, percentile, stack, write_result
from tenantsim.store.engine import make_engine, upgrade
from tenantsim.store.tables import activity, jobs

JOBS = 10_000
ACTIVITY_ROWS = 1_000_000
BIG_JOB_ROWS = 200_000  # one job with a long history; the rest share the remainder
REQUESTS = 400
CHUNK = 20_000
STATUSES = ("stopped", "cleaned", "failed", "stopped", "cleaned")
EVENTS = ("user_created", "group_membership_added", "task_completed", "comment_added", "password_reset")


def populate(url: str) -> dict[str, Any]:
    upgrade(url)
    engine = make_engine(url)
    rng = random.Random(1)
    now = datetime.now(UTC)
    started = time.monotonic()
    job_ids = [f"job_{index:012x}" for index in range(JOBS)]
    with engine.begin() as conn:
        rows = []
        for index, job_id in enumerate(job_ids):
            created = now - timedelta(minutes=JOBS - index)
            platform = "okta" if index % 2 else "asana"
            rows.append({"id": job_id, "connection_type": platform, "status": STATUSES[index % len(STATUSES)],
                         "name": f"Bench job {index}", "industry": "technology",
                         "config": {"connection_type": platform, "industry": "technology",
                                    "user_tokens": [{"name": "admin", "token": "****"}]},
                         "secrets": None, "seed": index, "progress": {"seeded": True, "events_total": 100},
                         "stats": {}, "llm_input_tokens": 0, "llm_output_tokens": 0, "created_at": created,
                         "updated_at": created, "first_started_at": created, "last_activity_at": now})
        conn.execute(insert(jobs), rows)
    big = job_ids[-1]
    written = 0
    while written < ACTIVITY_ROWS:
        batch = []
        for _ in range(min(CHUNK, ACTIVITY_ROWS - written)):
            job_id = big if written < BIG_JOB_ROWS else job_ids[rng.randrange(JOBS)]
            kind = EVENTS[written % len(EVENTS)]
            batch.append({"job_id": job_id, "ts": now - timedelta(seconds=ACTIVITY_ROWS - written),
                          "event_type": kind, "message": f"Someone did {kind.replace('_', ' ')} #{written}.",
                          "objects": [{"type": "user", "id": f"00u{written:010d}"}]})
            written += 1
        with engine.begin() as conn:
            conn.execute(insert(activity), batch)
    engine.dispose()
    return {"job_ids": job_ids, "big_job": big, "populate_seconds": round(time.monotonic() - started, 1)}


def timed(client: Any, path: str, params: dict[str, Any] | None = None) -> tuple[float, Any]:
    started = time.perf_counter()
    response = client.get(path, params=params)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed * 1000, response.json()


def summary(samples: list[float]) -> dict[str, Any]:
    return {"requests": len(samples), "p50_ms": round(percentile(samples, 0.5), 2),
            "p99_ms": round(percentile(samples, 0.99), 2), "max_ms": round(max(samples), 2)}


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tenantsim-bench-api-") as tmp:
        url = f"sqlite:///{(Path(tmp) / 'tenantsim.db').as_posix()}"
        data = populate(url)
        rng = random.Random(2)
        with stack("api") as running:
            server = running.server(database_url=url)
            with api(server.url) as client:
                for _ in range(20):  # warm caches and connections
                    client.get("/api/jobs")
                listing, body = [], {}
                for _ in range(REQUESTS):
                    elapsed, body = timed(client, "/api/jobs")
                    listing.append(elapsed)
                random_logs = [timed(client, f"/api/jobs/{rng.choice(data['job_ids'])}/activity_log")[0]
                               for _ in range(REQUESTS)]
                deep_logs = []
                before = None
                for _ in range(REQUESTS):
                    params = {"before": before} if before else None
                    elapsed, page = timed(client, f"/api/jobs/{data['big_job']}/activity_log", params)
                    deep_logs.append(elapsed)
                    before = page.get("next_before") or rng.randrange(1, BIG_JOB_ROWS)
    figures = {"jobs": JOBS, "activity_rows": ACTIVITY_ROWS, "largest_job_activity_rows": BIG_JOB_ROWS,
               "database": "sqlite", "populate_seconds": data["populate_seconds"],
               "jobs_total_reported": body.get("total"),
               "get_jobs": summary(listing), "activity_log_random_jobs": summary(random_logs),
               "activity_log_largest_job_paging": summary(deep_logs)}
    write_result("api", figures)
    return figures


if __name__ == "__main__":
    run()
