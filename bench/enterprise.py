"""Enterprise seed and its cleanup: 5,000 Okta users against a 6 s window with Okta's limits scaled to it.

Seed: elapsed ÷ the rate-limit bound (the busiest bucket's calls ÷ its allowed rate). Cleanup: whole-window
utilisation per bucket, 429s, and residue — what the job created that is still in the org afterwards,
counted through the Okta API against a count taken before the job started.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from bench.common import OKTA_TOKEN, api, okta_job, stack, start_job, wait_for, windows, write_result
from bench.pacing import (
    binding_utilisation,
    okta_layer_run,
    okta_limits,
    okta_totals,
    runs,
    utilisation,
    weighted_mean,
)

WINDOW = 6.0
OKTA_RATE = 600  # users bucket per 6 s window: Okta's per-minute 600 at ten times the speed
USERS = 5000


def org_counts(org: str) -> dict[str, int]:
    """Users (any status), groups and app assignments, as the Okta API lists them."""
    headers = {"Authorization": f"SSWS {OKTA_TOKEN}"}
    with httpx.Client(headers=headers, timeout=60) as http:
        def get(url: str, params: dict[str, Any]) -> httpx.Response:
            while True:  # a plain client: wait out a 429 until the reset, then ask again
                response = http.get(url, params=params)
                if response.status_code != 429:
                    response.raise_for_status()
                    return response
                time.sleep(max(0.1, float(response.headers["X-Rate-Limit-Reset"]) - time.time()))

        def count(path: str, **params: Any) -> int:
            total, url, query = 0, org + path, {"limit": 200, **params}
            while url:
                response = get(url, query)
                total += len(response.json())
                url, query = response.links.get("next", {}).get("url"), {}
            return total

        apps = [a["id"] for a in get(org + "/api/v1/apps", {"limit": 200}).json()]
        return {"users": count("/api/v1/users") + count("/api/v1/users", search='status eq "DEPROVISIONED"'),
                "groups": count("/api/v1/groups"),
                "app_user_assignments": sum(count(f"/api/v1/apps/{a}/users") for a in apps),
                "app_group_assignments": sum(count(f"/api/v1/apps/{a}/groups") for a in apps)}


def seed_bound(rows_by_bucket: dict[str, list[list[float]]], limits: dict[str, int]) -> dict[str, Any]:
    """The least time Okta's limits allow for these calls: the busiest bucket's calls at its rate. Also
    the same bound window by window (the job's own order of work kept), which isolates pacing."""
    calls = {b: sum(int(r[1]) for r in rows) for b, rows in rows_by_bucket.items()}
    per_bucket = {b: n / (limits.get(b, limits["default"]) / WINDOW) for b, n in calls.items()}
    busiest = max(per_bucket, key=lambda b: per_bucket[b])
    by_window: dict[float, float] = {}
    for bucket, rows in rows_by_bucket.items():
        limit = limits.get(bucket, limits["default"])
        for end, served, _refused in rows:
            by_window[end] = max(by_window.get(end, 0.0), served / limit)
    return {"calls_per_bucket": calls, "busiest_bucket": busiest,
            "bound_seconds": round(per_bucket[busiest], 2),
            "windowed_bound_seconds": round(sum(by_window.values()) * WINDOW, 2)}


def subtract(after: dict[str, Any], before: dict[str, Any]) -> dict[str, list[list[float]]]:
    """Window rows of ``after`` minus those already counted in ``before`` (the seed's)."""
    out: dict[str, list[list[float]]] = {}
    for key, rows in after["keys"].items():
        seen = {row[0]: row for row in before["keys"].get(key, [])}
        kept = []
        for end, served, refused in rows:
            old = seen.get(end, [end, 0, 0])
            if served - old[1] or refused - old[2]:
                kept.append([end, served - old[1], refused - old[2]])
        out[key] = kept
    return out


def run() -> dict[str, Any]:
    with stack("enterprise") as running:
        okta = running.okta(orgs=2, rate_limit=OKTA_RATE, window=WINDOW, users=25)  # o1: the layer alone
        server = running.server(window=WINDOW)
        org = okta.url + "/o0"
        limits = okta_limits(org)
        before = org_counts(org)
        time.sleep(2 * WINDOW)  # our own counting calls stay in windows of their own
        before_totals = okta_totals(org)
        job_start = time.time()
        with api(server.url) as client:
            started = time.monotonic()
            job_id = start_job(client, okta_job(org, USERS))
            seeded = wait_for(client, job_id, seeded=True, timeout=1200)
            seed_seconds = time.monotonic() - started
            after_seed_totals = okta_totals(org)
            seed_windows = windows(okta)
            created = sum((seeded.get("created_objects") or {}).values())
            started = time.monotonic()
            response = client.post(f"/api/jobs/{job_id}/cleanup", params={"wait": "false"})
            response.raise_for_status()
            cleaned = wait_for(client, job_id, statuses=("cleaned", "failed"), timeout=1200)
            cleanup_seconds = time.monotonic() - started
        cleanup_windows = windows(okta)
        totals = okta_totals(org)
        after = org_counts(org)
        asyncio.run(okta_layer_run(okta.url + "/o1", window=WINDOW, windows=6))
        layer_rows = windows(okta)["keys"].get("o1/users", [])
    layer = utilisation(layer_rows, limits["users"], WINDOW)
    seed_rows = {k.removeprefix("o0/"): [row for row in v if row[0] > job_start]
                 for k, v in seed_windows["keys"].items()}
    bound = seed_bound(seed_rows, limits)
    cleanup_rows = {k.removeprefix("o0/"): v for k, v in subtract(cleanup_windows, seed_windows).items()}
    cleanup_buckets = {b: utilisation(rows, limits.get(b, limits["default"]), WINDOW)
                       for b, rows in cleanup_rows.items() if rows}
    residue = {k: after[k] - before[k] for k in before}
    seed_buckets = {b: utilisation(rows, limits.get(b, limits["default"]), WINDOW)
                    for b, rows in seed_rows.items()}
    seed = {"users": USERS, "elapsed_seconds": round(seed_seconds, 1), **bound,
            "elapsed_over_bound": round(seed_seconds / bound["bound_seconds"], 3),
            "elapsed_over_windowed_bound": round(seed_seconds / bound["windowed_bound_seconds"], 3),
            "apps_bucket_runs": len(runs(seed_rows.get("apps", []), WINDOW)),
            "emulator_requests": after_seed_totals["requests"] - before_totals["requests"],
            "emulator_429": after_seed_totals["throttled"] - before_totals["throttled"],
            "utilisation_binding_bucket": binding_utilisation(seed_rows, limits, WINDOW),
            "created_objects": created, "buckets": seed_buckets}
    cleanup_requests = totals["requests"] - after_seed_totals["requests"]
    cleanup_429 = totals["throttled"] - after_seed_totals["throttled"]
    paced = [f for f in cleanup_buckets.values() if f["whole_windows"]]
    clean = {"objects": created, "elapsed_seconds": round(cleanup_seconds, 1), "status": cleaned["status"],
             "cleanup_result": cleaned.get("cleanup_result"),
             "utilisation_paced_buckets": weighted_mean(paced),
             "utilisation_binding_bucket": binding_utilisation(cleanup_rows, limits, WINDOW),
             "emulator_requests": cleanup_requests, "emulator_429": cleanup_429,
             "share_429": round(cleanup_429 / max(1, cleanup_requests), 5),
             "residue": residue, "residue_total": sum(residue.values()),
             "org_before": before, "org_after": after, "buckets": cleanup_buckets}
    figures = {"window_seconds": WINDOW, "okta_users_bucket_per_window": OKTA_RATE, "limits": limits}
    write_result("enterprise_seed", {**figures, "seed": seed, "http_layer_alone_users_bucket": layer})
    write_result("cleanup", {**figures, "cleanup": clean})
    return {"seed": seed, "cleanup": clean, "http_layer_alone_users_bucket": layer}


if __name__ == "__main__":
    run()
