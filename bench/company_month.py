"""A simulated month of a company, read back through the Okta emulator's API: what a customer would count.

Writes bench/results/company_month.json: for a startup (50) and a midsize (200) technology company, hires
and departures per 100 staff, mean share on leave, transfers and promotions, password resets, the most
moves of one person within 90 days, managers outside the department, and events per simulated day.
The director works in simulated time, so this month is the one a job shows at any time_scale.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.conformance.okta_case import OktaCase, _all, _api
from tests.support.jobctx import make_context

from tenantsim.jobs.simulation import Simulation
from tenantsim.scenario import invariants

RESULTS = Path(__file__).resolve().parent / "results"
DAYS = 30


async def month(people: int, seed: int) -> dict[str, Any]:
    case = OktaCase()
    with case.tenant() as base, tempfile.TemporaryDirectory() as folder:
        ctx = make_context(Path(folder), {**case.config(base, people), "time_scale": 20000}, seed=seed)
        sim = await Simulation.open(ctx, [await case.connector().open_adapter(ctx)])
        await sim.build()
        company, start = sim.company, sim.company.clock()
        kinds: Counter[str] = Counter()
        leave, broken = [], 0
        next_day = start + timedelta(days=1)
        while company.clock() < start + timedelta(days=DAYS):
            due, kind, item = sim.director.next_due()
            if kind is None:
                company.sim_now = due.isoformat()
                continue
            event = await sim.step(kind, due, item)
            if event is not None:
                kinds[event.kind] += 1
            broken += bool(invariants.problems(company))
            while company.clock() >= next_day:
                async with _api(base) as api:
                    users = [u for u in await _all(api, "/api/v1/users", {})
                             if u["profile"]["login"].endswith(company.domain)]
                leave.append(sum(u["status"] == "SUSPENDED" for u in users) / len(users))
                next_day += timedelta(days=1)
        async with _api(base) as api:
            users = await _all(api, "/api/v1/users", {})
        by_id = {u["id"]: u for u in users}
        outside = sum(1 for u in users if u["profile"]["login"].endswith(company.domain)
                      and (m := by_id.get(u["profile"].get("managerId") or "")) is not None
                      and m["profile"].get("managerId")
                      and m["profile"]["department"] != u["profile"]["department"])
        await sim.aclose()
    per100 = 100 / people
    return {"people": people, "industry": "technology", "days": DAYS,
            "hires_per_100": round(kinds["hire"] * per100, 2),
            "departures_per_100": round(kinds["departure"] * per100, 2),
            "mean_share_on_leave": round(sum(leave) / max(1, len(leave)), 4),
            "transfers": kinds["transfer"], "promotions": kinds["promotion"],
            "password_resets": kinds["password_reset"], "events": sum(kinds.values()),
            "events_per_day": round(sum(kinds.values()) / DAYS, 1), "by_kind": dict(kinds),
            "managers_outside_department_read_from_okta": outside, "events_breaking_an_invariant": broken}


def main() -> None:
    results = {"startup": asyncio.run(month(50, 1)), "midsize": asyncio.run(month(200, 2))}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "company_month.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
