"""One company on several platforms at once: an Okta org and an Asana workspace play the same company.

Read back through each platform's own API: Okta holds every person as the company says; the Asana token
owners are people of the company, with the same name and address in Okta; work in Asana is assigned only
to them; after hires, departures, leave, transfers and promotions both platforms still agree with the
company (and so with each other), the people the job acts as are never made to leave, and cleanup
leaves both tenants as they were."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from tenantsim.jobs.platforms import PlatformView, open_adapters
from tenantsim.jobs.simulation import Simulation
from tenantsim.scenario import invariants
from tenantsim.scenario.company import DEPARTED, Company
from tenantsim.scenario.events import HR_KINDS
from tests.conformance.asana_case import AsanaCase
from tests.conformance.google_case import GoogleCase
from tests.conformance.okta_case import OktaCase, _all, _api
from tests.conformance.test_conformance import LedgerIds, drive
from tests.connectors.asana_support import asana_api, collect, ledger_mismatches
from tests.support.jobctx import make_context

SHARED = ("industry", "time_scale")


def multi_config(okta: dict[str, Any], asana: dict[str, Any], people: int) -> dict[str, Any]:
    return {
        "connection_type": "okta",
        "industry": "technology",
        "initial_users": people,
        "time_scale": 1e6,
        "platforms": [
            {k: v for k, v in okta.items() if k not in (*SHARED, "initial_users")},
            {k: v for k, v in asana.items() if k not in SHARED},
        ],
    }


async def agreement(okta_base: str, asana: AsanaCase, asana_base: str, sim: Simulation) -> list[str]:
    """Where the two tenants disagree with the company, or with each other, on the people who act."""
    company = sim.company
    okta_view, asana_view = (a.ctx for a in sim.adapters)  # type: ignore[attr-defined]
    assert isinstance(okta_view, PlatformView) and isinstance(asana_view, PlatformView)
    problems = await OktaCase().mismatches(okta_base, company, LedgerIds(okta_view.ledger))
    async with _api(okta_base) as api:
        okta_users = {u["profile"]["login"]: u for u in await _all(api, "/api/v1/users", {})}
    workspace = asana._workspace(asana_base)
    async with asana_api(asana_base, asana._tenants[asana_base].tokens[0]) as api:
        problems += await ledger_mismatches(api, asana_view.ledger)
        members = {u["gid"]: u for u in await collect(api, f"/workspaces/{workspace}/users",
                                                         opt_fields="name,email")}
        for key in sim.director.actors:
            person = company.people[key]
            user = okta_users.get(company.email(person))
            member = next((m for m in members.values() if m.get("email") == company.email(person)), None)
            if member is None or user is None:
                problems.append(f"{person.name}: in Asana {member is not None}, in Okta {user is not None}")
            elif member["name"] != f"{user['profile']['firstName']} {user['profile']['lastName']}":
                problems.append(f"{person.name}: {member['name']!r} in Asana, {user['profile']} in Okta")
        assignees = set()
        for entry in asana_view.ledger.entries("task", ["created"]):
            task = (await api.get(f"/tasks/{entry.platform_id}", params={"opt_fields": "assignee"})).json()
            if task["data"].get("assignee"):
                assignees.add(task["data"]["assignee"]["gid"])
        strangers = assignees - set(members)
        if strangers:
            problems.append(f"tasks assigned outside the workspace: {sorted(strangers)}")
    return problems


async def test_okta_and_asana_play_one_company(tmp_path: Path) -> None:
    okta, asana = OktaCase(), AsanaCase()
    with okta.tenant() as okta_base, asana.tenant() as asana_base:
        before = (await okta.snapshot(okta_base), await asana.snapshot(asana_base))
        config = multi_config(okta.config(okta_base, 30), asana.config(asana_base, 4), people=30)
        ctx = make_context(tmp_path, config, seed=5)
        connectors = {"okta": okta.connector(), "asana": asana.connector()}
        sim = await Simulation.open(ctx, await open_adapters(connectors, ctx))
        company = sim.company
        assert len(company.people) == 30  # the configured size, not the four token owners
        assert len(sim.director.actors) == 4 and company.domain == "sandbox-corp.example.com"
        await sim.build()
        assert invariants.problems(company) == []
        assert await agreement(okta_base, asana, asana_base, sim) == []

        for kind in (*HR_KINDS, "create_task", "comment", "reassign_task"):
            assert await drive(sim, kind), f"no {kind} event could happen"
        await sim.fast_forward(days=10)
        assert invariants.problems(company) == []
        assert all(company.people[k].status != DEPARTED for k in sim.director.actors)
        assert any(p.status == DEPARTED for p in company.people.values())
        assert await agreement(okta_base, asana, asana_base, sim) == []

        result = await sim.cleanup()
        assert result["errors"] == [] and set(result["platforms"]) == {"okta", "asana"}
        assert result["users_deleted"] == result["platforms"]["okta"]["users_deleted"] >= 30
        assert (await okta.snapshot(okta_base), await asana.snapshot(asana_base)) == before
        await sim.aclose()


async def test_a_stored_company_reopens_with_the_same_actors(tmp_path: Path) -> None:
    """A restart finds the company and the people it acts as again, and the build resumes, not repeats."""
    okta, asana = OktaCase(), AsanaCase()
    with okta.tenant() as okta_base, asana.tenant() as asana_base:
        config = multi_config(okta.config(okta_base, 12), asana.config(asana_base, 3), people=12)
        connectors = {"okta": okta.connector(), "asana": asana.connector()}
        ctx = make_context(tmp_path, config, seed=9)
        sim = await Simulation.open(ctx, await open_adapters(connectors, ctx))
        await sim.build()
        people, actors = dict(sim.company.people), list(sim.director.actors)
        await sim.step("hire", sim.company.clock() + timedelta(hours=2))
        await sim.aclose()

        ctx = make_context(tmp_path, config, seed=9)
        again = await Simulation.open(ctx, await open_adapters(connectors, ctx))
        assert set(people) < set(again.company.people) and again.director.actors == actors
        assert await agreement(okta_base, asana, asana_base, again) == []
        await again.cleanup()
        await again.aclose()


async def test_okta_google_and_asana_agree_on_everyone(tmp_path: Path) -> None:
    """Three tenants, one company: after the build and through every kind of people change, the people
    active in Okta and in Google Workspace are the same people — same addresses, departments, titles
    and managers — read through each platform's own API; cleanup leaves all three as they were."""
    okta, google, asana = OktaCase(), GoogleCase(), AsanaCase()
    with okta.tenant() as okta_base, google.tenant() as google_base, asana.tenant() as asana_base:
        before = (await okta.snapshot(okta_base), await google.snapshot(google_base),
                  await asana.snapshot(asana_base))
        google_config = {k: v for k, v in google.config(google_base, 24).items()
                         if k not in (*SHARED, "initial_users", "content_provider")}
        config = multi_config(okta.config(okta_base, 24), asana.config(asana_base, 3), people=24)
        config["platforms"].insert(1, google_config)
        ctx = make_context(tmp_path, config, seed=13)
        connectors = {"okta": okta.connector(), "google_workspace": google.connector(),
                      "asana": asana.connector()}
        sim = await Simulation.open(ctx, await open_adapters(connectors, ctx))
        company = sim.company
        assert company.domain == google_config["domain"]  # Google fixes the addresses everyone uses
        await sim.build()
        for kind in HR_KINDS:
            assert await drive(sim, kind), f"no {kind} event could happen"
        await sim.fast_forward(days=5)
        okta_view, google_view, _ = (a.ctx for a in sim.adapters)  # type: ignore[attr-defined]
        assert await okta.mismatches(okta_base, company, LedgerIds(okta_view.ledger)) == []
        assert await google.mismatches(google_base, company, LedgerIds(google_view.ledger)) == []
        assert await agreement_of_people(okta_base, google, google_base, company) == []
        assert sum(p.status == "active" for p in company.people.values()) >= 20

        result = await sim.cleanup()
        assert result["errors"] == [] and set(result["platforms"]) == {"okta", "google_workspace", "asana"}
        after = (await okta.snapshot(okta_base), await google.snapshot(google_base),
                 await asana.snapshot(asana_base))
        assert after == before
        await sim.aclose()


async def agreement_of_people(okta_base: str, google: GoogleCase, google_base: str,
                              company: Company) -> list[str]:
    """The company's active people on each identity platform, side by side, each read through its own
    API: address -> (department, title, manager's address)."""
    ours = {company.email(p).lower() for p in company.people.values()}
    async with _api(okta_base) as api:
        everyone = {u["id"]: u for u in await _all(api, "/api/v1/users", {})}
    login = {uid: u["profile"]["login"].lower() for uid, u in everyone.items()}
    in_okta = {login[uid]: (u["profile"].get("department"), u["profile"].get("title"),
                            login.get(u["profile"].get("managerId") or ""))
               for uid, u in everyone.items() if u["status"] == "ACTIVE" and login[uid] in ours}
    state = await asyncio.to_thread(google._reader(google_base).state)
    in_google = {}
    for email, user in state["users"].items():
        if user["suspended"] or email not in ours:
            continue
        org = (user.get("organizations") or [{}])[0]
        manager = next((r["value"].lower() for r in user.get("relations") or [] if r["type"] == "manager"),
                       None)
        in_google[email] = (org.get("department"), org.get("title"), manager)
    return [f"{email}: Okta {in_okta.get(email)}, Google {in_google.get(email)}"
            for email in sorted(set(in_okta) | set(in_google)) if in_okta.get(email) != in_google.get(email)]
