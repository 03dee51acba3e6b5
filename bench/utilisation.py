"""Utilisation: how much of the rate budget a job uses, and how often it is refused, read from the
emulators' own counts. Okta: seeding 1,000 users. Asana: a job with 3 tokens (and the HTTP layer alone
with 3 tokens). Capacity: the same Okta seed with max_api_capacity 50.

Windows are compressed to 6 s with limits scaled to match (a minute's behaviour in seconds); see
the README's Performance section for what Okta's whole-second X-Rate-Limit-Reset costs at that scale.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from bench.common import api, okta_job, stack, start_job, wait_for, windows, write_result
from bench.pacing import (
    asana_layer_run,
    binding_utilisation,
    okta_limits,
    okta_totals,
    per_bucket,
    utilisation,
    weighted_mean,
)
from tenantsim.connectors.ratelimit import RATE_MODE_SAFETY

WINDOW = 6.0
OKTA_RATE = 150  # users bucket per 6 s window (25/s); apps gets 25 per window, in Okta's ratio
ASANA_RATE = 30  # per token per 6 s window (5/s)


def okta_seed(users: int, *, capacity: int, rate: int = OKTA_RATE, name: str) -> dict[str, Any]:
    with stack(name) as running:
        okta = running.okta(rate_limit=rate, window=WINDOW)
        server = running.server(window=WINDOW)
        org = okta.url + "/o0"
        with api(server.url) as client:
            started = time.monotonic()
            job_id = start_job(client, okta_job(org, users, capacity=capacity))
            found = wait_for(client, job_id, seeded=True)
            elapsed = time.monotonic() - started
        limits = okta_limits(org)
        counted = windows(okta)
        buckets = per_bucket(counted, limits)
        binding = binding_utilisation({k.removeprefix("o0/"): v for k, v in counted["keys"].items()}, limits,
                                      WINDOW)
        totals = okta_totals(org)
    paced = {b: f for b, f in buckets.items() if f["whole_windows"]}
    return {
        "users": users, "max_api_capacity": capacity, "window_seconds": WINDOW,
        "elapsed_seconds": round(elapsed, 1),
        "utilisation_users_bucket": buckets.get("users", {}).get("utilisation_mean"),
        "utilisation_binding_bucket": binding,
        "utilisation_all_paced_buckets": weighted_mean(list(paced.values())),
        "emulator_requests": totals["requests"], "emulator_429": totals["throttled"],
        "share_429": round(totals["throttled"] / max(1, totals["requests"]), 5),
        "job_rate_limits": {k: found["rate_limits"].get(k) for k in ("calls", "throttled", "waited_seconds")},
        "buckets": buckets,
    }


def asana_job(tokens: int = 3, projects: int = 12) -> dict[str, Any]:
    with stack("asana") as running:
        # twice the tokens: the job's three, and three the HTTP-layer run has to itself afterwards
        asana = running.asana(users=2 * tokens, rate_limit=ASANA_RATE, window=WINDOW)
        described = httpx.get(asana.url + "/_bench/describe", timeout=30).json()["asana"]
        server = running.server(window=WINDOW, limits={f"asana:127.0.0.1:{asana.port}": ASANA_RATE})
        people = described["users"][:tokens]
        body = {"connection_type": "asana", "industry": "technology",
                "workspace_gid": described["workspaces"][0]["gid"], "base_url": described["base_url"],
                "user_tokens": [{"name": u["name"], "token": u["token"]} for u in people],
                "content_provider": "offline", "initial_projects": projects, "seed": 3}
        with api(server.url) as client:
            started = time.monotonic()
            job_id = start_job(client, body)
            found = wait_for(client, job_id, seeded=True)
            elapsed = time.monotonic() - started
        job_windows = windows(asana)
        stats = httpx.get(asana.url + "/_sandbox/stats", timeout=30).json()
        layer_tokens = [u["token"] for u in described["users"][tokens:]]
        asyncio.run(asana_layer_run(asana, layer_tokens, limit=ASANA_RATE, window=WINDOW, windows=7))
        layer_windows = windows(asana)
    per_token = {key: utilisation(rows, ASANA_RATE, WINDOW) for key, rows in job_windows["keys"].items()}
    layer = {key: utilisation(rows, ASANA_RATE, WINDOW)
             for key, rows in layer_windows["keys"].items() if key not in job_windows["keys"]}
    totals = stats["totals"]
    # The bound: the busiest token's calls at the rate its budget allows (99 % of the limit); each token
    # is its own person, so nobody else's budget can take their work.
    rate = ASANA_RATE * RATE_MODE_SAFETY / WINDOW
    busiest = max(f["served"] for f in per_token.values())
    return {
        "job": {"tokens": tokens, "initial_projects": projects, "elapsed_seconds": round(elapsed, 1),
                "utilisation": weighted_mean(list(per_token.values())),
                "bound_seconds": round(busiest / rate, 1),
                "elapsed_over_bound": round(elapsed / (busiest / rate), 3),
                "calls_per_token": sorted(f["served"] for f in per_token.values()),
                "budget_share": round(sum(f["served"] for f in per_token.values())
                                      / (tokens * rate * elapsed), 3),
                "emulator_requests": totals["requests"], "emulator_429": totals["throttled"],
                "share_429": round(totals["throttled"] / max(1, totals["requests"]), 5),
                "job_rate_limits": {k: found["rate_limits"].get(k) for k in ("calls", "throttled")},
                "per_token": per_token},
        "http_layer": {"utilisation": weighted_mean(list(layer.values())),
                       "refused_429": sum(f["refused_429"] for f in layer.values()),
                       "served": sum(f["served"] for f in layer.values()), "per_token": layer},
    }


def run() -> dict[str, Any]:
    okta = okta_seed(1000, capacity=100, name="okta-1000")
    asana = asana_job()
    write_result("utilisation", {
        "okta_seed_1000_users": okta, "asana_3_tokens": asana,
        "limits": {"window_seconds": WINDOW, "okta_users_bucket_per_window": OKTA_RATE,
                   "asana_per_token_per_window": ASANA_RATE}})
    capacity = okta_seed(600, capacity=50, rate=300, name="okta-capacity-50")
    write_result("capacity", {"okta_seed_600_users_capacity_50": capacity,
                              "limits": {"window_seconds": WINDOW, "okta_users_bucket_per_window": 300}})
    return {"utilisation": {"okta": okta, "asana": asana}, "capacity": capacity}


if __name__ == "__main__":
    run()
