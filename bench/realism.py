"""A simulated month of two companies, measured the way a customer would see them: read back through the
platforms' own APIs by the realism report (``GET /api/jobs/<id>/realism``'s measures).

* Okta: a 200-person technology company (midsize) — hires and departures per 100 staff, share on leave,
  managers outside their department; plus the events of the month by kind.
* Asana: a five-person media team — distinct comments, repeated text in a thread, mentions of non-members,
  due dates before creation, completed share.

The director works in simulated time, so this is the month a job shows at any ``time_scale`` (20,000 makes it
about two real minutes). Writes bench/results/realism.json.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from tests.conformance.okta_case import OktaCase
from tests.support.jobctx import make_context
from tests.support.servers import serve_asgi

from bench.common import RESULTS
from tenantsim.connectors.asana.connector import AsanaConnector
from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.jobs.simulation import Simulation
from tenantsim.sandbox.asana import create_app as asana_sandbox
from tenantsim.scenario import invariants

DAYS = 30


async def a_month(sim: Simulation) -> tuple[Counter[str], int]:
    """A simulated month; and on how many of its days an invariant was broken (checked at each day's end)."""
    kinds: Counter[str] = Counter()
    broken = 0
    for _ in range(DAYS):
        kinds += await sim.fast_forward(1)
        broken += bool(invariants.problems(sim.company))
    return kinds, broken


async def okta_month(folder: Path) -> dict[str, Any]:
    case = OktaCase()
    with case.tenant() as base:
        config = {**case.config(base, 200), "org_size": "midsize", "time_scale": 20000}
        ctx = make_context(folder, config, seed=2)
        connector = case.connector()
        sim = await Simulation.open(ctx, [await connector.open_adapter(ctx)])
        await sim.build()
        kinds, broken = await a_month(sim)
        await sim.aclose()
        measures = await connector.realism(config, ctx.ledger.entries(), sim.company)
    return {
        "company": "technology, 200 people",
        "events": dict(kinds),
        "days_with_a_broken_invariant": broken,
        "measures": measures,
    }


async def asana_month(folder: Path) -> dict[str, Any]:
    sandbox = asana_sandbox(users=5, seed=7, rate_limit=100_000, window_seconds=1.0)
    with serve_asgi(sandbox) as url:
        base = f"{url}/api/1.0"
        described = sandbox.describe(base)
        org = next(w["gid"] for w in described["workspaces"] if w["is_organization"])
        config = {
            "connection_type": "asana",
            "industry": "media",
            "workspace_gid": org,
            "base_url": base,
            "initial_projects": 4,
            "content_provider": "offline",
            "time_scale": 20000,
            "user_tokens": [
                {"name": f"user{i}", "token": u["token"]} for i, u in enumerate(described["users"])
            ],
        }
        ctx = make_context(folder, config, seed=23)
        connector = AsanaConnector(
            ConnectorRuntime(budgets=BudgetRegistry(window_seconds=1.0), sandbox_mode=True)
        )
        sim = await Simulation.open(ctx, [await connector.open_adapter(ctx)])
        await sim.build()
        kinds, broken = await a_month(sim)
        await sim.aclose()
        measures = await connector.realism(config, ctx.ledger.entries(), sim.company)
    return {
        "company": "media, 5 people",
        "events": dict(kinds),
        "days_with_a_broken_invariant": broken,
        "measures": measures,
    }


async def one_company_month(folder: Path) -> dict[str, Any]:
    """One 60-person company on Okta, Google Workspace and Asana (three of the Asana members act),
    each tenant measured through its own API, and the people both identity platforms hold compared."""
    from tests.conformance.asana_case import AsanaCase
    from tests.conformance.google_case import GoogleCase
    from tests.conformance.test_one_company import agreement_of_people, multi_config

    from tenantsim.jobs.platforms import open_adapters, platform_configs

    okta, google, asana = OktaCase(), GoogleCase(), AsanaCase()
    with okta.tenant() as okta_base, google.tenant() as google_base, asana.tenant() as asana_base:
        google_config = {k: v for k, v in google.config(google_base, 60).items()
                         if k not in ("industry", "time_scale", "initial_users", "content_provider")}
        config = multi_config(okta.config(okta_base, 60), asana.config(asana_base, 3), people=60)
        config["platforms"].insert(1, google_config)
        ctx = make_context(folder, config, seed=31)
        connectors = {"okta": okta.connector(), "google_workspace": google.connector(),
                      "asana": asana.connector()}
        sim = await Simulation.open(ctx, await open_adapters(connectors, ctx))
        await sim.build()
        kinds, broken = await a_month(sim)
        disagreements = await agreement_of_people(okta_base, google, google_base, sim.company)
        measures = {}
        for platform_config, adapter in zip(platform_configs(config), sim.adapters, strict=True):
            view = adapter.ctx  # type: ignore[attr-defined]
            measures[adapter.platform] = await connectors[adapter.platform].realism(  # type: ignore[attr-defined]
                platform_config, view.ledger.entries(), sim.company)
        await sim.aclose()
    return {
        "company": "technology, 60 people on Okta + Google Workspace + Asana",
        "events": dict(kinds),
        "days_with_a_broken_invariant": broken,
        "people_okta_and_google_disagree_on": len(disagreements),
        "measures": measures,
    }


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as okta_dir, tempfile.TemporaryDirectory() as asana_dir, \
            tempfile.TemporaryDirectory() as multi_dir:
        results = {
            "days": DAYS,
            "okta": asyncio.run(okta_month(Path(okta_dir))),
            "asana": asyncio.run(asana_month(Path(asana_dir))),
            "okta_google_asana": asyncio.run(one_company_month(Path(multi_dir))),
        }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "realism.json").write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
