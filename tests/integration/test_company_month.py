"""A midsize Okta company through a simulated month, read back through the Okta API as a customer would
see it: hires and departures per head at the industry's rates, a few percent on leave, nobody moved
twice within months, and an org chart that holds together.

The director decides in simulated time, so driving it as fast as the emulator answers gives the same
month the job shows at any ``time_scale`` (20,000 makes it about two real minutes)."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tenantsim.jobs.simulation import Simulation
from tenantsim.scenario import invariants
from tests.conformance.okta_case import OktaCase, _all, _api
from tests.support.jobctx import make_context

DAYS = 30


async def users_by_login(api: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    found = await _all(api, "/api/v1/users", {"filter": 'status eq "DEPROVISIONED"'})
    found += await _all(api, "/api/v1/users", {})
    return {u["profile"]["login"]: u for u in found}


async def test_a_midsize_month_reads_like_a_real_company(tmp_path: Path) -> None:
    case = OktaCase()
    with case.tenant() as base:
        ctx = make_context(
            tmp_path, {**case.config(base, 200), "org_size": "midsize", "time_scale": 20000}, seed=17
        )
        sim = await Simulation.open(ctx, [await case.connector().open_adapter(ctx)])
        await sim.build()
        company = sim.company
        domain = company.domain
        start = company.clock()
        history: dict[str, list[tuple[datetime, str, str]]] = {}  # login -> (day, department, title)
        leave_share: list[float] = []
        async with _api(base) as api:

            async def look(day: datetime) -> None:
                users = [u for login, u in (await users_by_login(api)).items() if login.endswith(domain)]
                employed = [u for u in users if u["status"] in ("ACTIVE", "SUSPENDED")]
                leave_share.append(sum(u["status"] == "SUSPENDED" for u in employed) / len(employed))
                for u in employed:
                    seen = history.setdefault(u["profile"]["login"], [])
                    state = (u["profile"]["department"], u["profile"]["title"])
                    if not seen or seen[-1][1:] != state:
                        seen.append((day, *state))

            initial = {
                u["profile"]["login"]
                for u in (await users_by_login(api)).values()
                if u["profile"]["login"].endswith(domain)
            }
            await look(start)
            next_look = start + timedelta(days=1)
            while company.clock() < start + timedelta(days=DAYS):
                due, kind, item = sim.director.next_due()
                if kind is None:
                    company.sim_now = due.isoformat()
                else:
                    await sim.step(kind, due, item)
                    assert invariants.problems(company) == [], kind
                while company.clock() >= next_look:
                    await look(next_look)
                    next_look += timedelta(days=1)
            final = await users_by_login(api)
        await sim.aclose()

    ours = {login: u for login, u in final.items() if login.endswith(domain)}
    staff = len(initial)
    hires = len(set(ours) - initial)
    departures = sum(u["status"] == "DEPROVISIONED" for u in ours.values())
    # JOLTS, Information: ~2.7 separations and ~3.3 hires (with a midsize firm's growth) per 100 a month.
    assert 1 <= hires <= 15, hires
    assert 1 <= departures <= 13, departures
    assert len(ours) < staff * 1.15  # the org does not balloon
    mean_leave = sum(leave_share) / len(leave_share)
    assert 0.003 <= mean_leave <= 0.06, mean_leave
    for login, seen in history.items():  # nobody moved (department or title) twice within 90 days
        changes = [day for day, *_ in seen[1:]]
        assert all((b - a).days >= 90 for a, b in itertools.pairwise(changes)), (login, seen)
    # The org chart through Okta: one chief executive; every active person's manager is active and in
    # their department, or is the chief executive (for department heads).
    by_id = {u["id"]: u for u in ours.values()}
    active = [u for u in ours.values() if u["status"] == "ACTIVE"]
    roots = [u for u in active if not u["profile"].get("managerId")]
    assert len(roots) == 1
    for user in active:
        manager = by_id.get(user["profile"].get("managerId") or "")
        if user in roots:
            continue
        assert manager is not None and manager["status"] == "ACTIVE", user["profile"]["login"]
        assert manager["profile"]["department"] == user["profile"]["department"] or manager in roots
    departments = Counter(u["profile"]["department"] for u in active)
    assert len(departments) >= 6  # a midsize company, not a handful of people
