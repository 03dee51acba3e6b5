"""Reading utilisation from the emulators' own counts, and the Asana HTTP-layer run shared by benches."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from bench.common import Process

FULL = 0.999  # a window whose count reaches the limit (rounding aside)


def runs(rows: list[list[float]], window: float) -> list[list[list[float]]]:
    """Busy windows (any call) grouped into runs of consecutive windows."""
    busy = [row for row in sorted(rows) if row[1] + row[2] > 0]
    grouped: list[list[list[float]]] = []
    for row in busy:
        if grouped and abs(row[0] - grouped[-1][-1][0] - window) < window / 2:
            grouped[-1].append(row)
        else:
            grouped.append([row])
    return grouped


def utilisation(rows: list[list[float]], limit: int, window: float) -> dict[str, Any]:
    """Calls served ÷ allowed in each whole busy window. The first and last window of each busy run are
    left out: the work began or ended inside them, so they say nothing about pacing."""
    inner = [row for run in runs(rows, window) for row in run[1:-1]]
    shares = [row[1] / limit for row in inner]
    served = sum(int(row[1]) for row in rows)
    refused = sum(int(row[2]) for row in rows)
    return {"limit_per_window": limit, "whole_windows": len(inner),
            "utilisation_mean": round(sum(shares) / len(shares), 4) if shares else None,
            "utilisation_min": round(min(shares), 4) if shares else None,
            "calls_per_window": [int(row[1]) for row in inner],
            "served": served, "refused_429": refused}


def okta_limits(org_url: str) -> dict[str, int]:
    body = httpx.get(org_url + "/_sandbox/stats", timeout=30).json()
    return {str(k): int(v) for k, v in body["rate_limits"].items()}


def okta_totals(org_url: str) -> dict[str, int]:
    body = httpx.get(org_url + "/_sandbox/stats", timeout=30).json()
    totals = body["stats"]["totals"]
    return {"requests": int(totals["requests"]), "throttled": int(totals["throttled"])}


def per_bucket(emulator_windows: dict[str, Any], limits: dict[str, int],
               prefix: str = "o0/") -> dict[str, Any]:
    window = float(emulator_windows["window_seconds"])
    out = {}
    for key, rows in emulator_windows["keys"].items():
        if not key.startswith(prefix):
            continue
        bucket = key[len(prefix):]
        out[bucket] = utilisation(rows, limits.get(bucket, limits["default"]), window)
    return out


def weighted_mean(figures: list[dict[str, Any]]) -> float | None:
    """Utilisation over the whole windows of several keys together."""
    counts = [(n, f["limit_per_window"]) for f in figures for n in f["calls_per_window"]]
    if not counts:
        return None
    return round(sum(n for n, _ in counts) / sum(limit for _, limit in counts), 4)


async def asana_layer_run(asana: Process, tokens: list[str], *, limit: int, window: float, windows: int,
                          callers: int = 4) -> dict[str, Any]:
    """The HTTP layer alone: per token, ``callers`` concurrent loops of GET /users/me for ``windows``."""
    from tenantsim.connectors.asana.client import AsanaClient, tenant_for
    from tenantsim.connectors.ratelimit import BudgetRegistry

    base = asana.url + "/api/1.0"
    budgets = BudgetRegistry(window_seconds=window)
    budgets.set_limit(tenant_for(base), limit)
    clients = [AsanaClient(token, name=f"t{i}", budgets=budgets, base_url=base)
               for i, token in enumerate(tokens)]
    deadline = asyncio.get_running_loop().time() + windows * window

    async def caller(client: AsanaClient) -> None:
        while asyncio.get_running_loop().time() < deadline:
            await client.me()

    await asyncio.gather(*(caller(c) for c in clients for _ in range(callers)))
    for client in clients:
        await client.aclose()
    return {"tokens": len(tokens), "callers_per_token": callers}


def binding_utilisation(rows_by_key: dict[str, list[list[float]]], limits: dict[str, int],
                        window: float) -> dict[str, Any]:
    """Window by window, the share of its limit that the busiest key used: how close the constraint that
    bound progress came to its ceiling. Whole windows only (each busy run's first and last left out)."""
    merged: dict[float, list[float]] = {}
    for key, rows in rows_by_key.items():
        limit = limits.get(key, limits.get("default", 1))
        for end, served, refused in rows:
            cell = merged.setdefault(round(end, 3), [end, 0.0, 0.0])
            cell[1] = max(cell[1], served / limit)
            cell[2] += refused
    inner = [row for run in runs(list(merged.values()), window) for row in run[1:-1]]
    shares = [row[1] for row in inner]
    return {"whole_windows": len(inner),
            "mean": round(sum(shares) / len(shares), 4) if shares else None,
            "min": round(min(shares), 4) if shares else None,
            "per_window": [round(s, 3) for s in shares]}


async def okta_layer_run(org: str, *, window: float, windows: int, callers: int = 8) -> None:
    """The HTTP layer alone on Okta's users bucket: ``callers`` concurrent loops of GET /api/v1/users."""
    from bench.common import OKTA_TOKEN
    from tenantsim.connectors.http import ResilientClient
    from tenantsim.connectors.okta.client import OktaProfile
    from tenantsim.connectors.ratelimit import BudgetRegistry

    budgets = BudgetRegistry(window_seconds=window)
    client = ResilientClient(org, headers={"Authorization": f"SSWS {OKTA_TOKEN}"}, tenant="okta:bench-layer",
                             token_id="org", profile=OktaProfile(), budgets=budgets)
    deadline = asyncio.get_running_loop().time() + windows * window

    async def caller() -> None:
        while asyncio.get_running_loop().time() < deadline:
            await client.request("GET", "/api/v1/users", params={"limit": 1})

    await asyncio.gather(*(caller() for _ in range(callers)))
    await client.aclose()
