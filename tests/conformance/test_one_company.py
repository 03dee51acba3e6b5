"""One company on several platforms at once: an Okta org and an Asana workspace play the same company.

Read back through each platform's own API: Okta holds every person as the company says; the Asana token
owners are people of the company, with the same name and address in Okta; work in Asana is assigned only
to them; after hires, departures, leave, transfers and promotions both platforms still agree with the
company (and so with each other), the people the job acts as are never made to leave, and cleanup
leaves both tenants as they were. A Microsoft 365 tenant and an Asana workspace in one job show the same
work: every task in both, done, due and on the board as the company says."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from tenantsim.connectors.base import Connector
from tenantsim.jobs.platforms import PlatformView, open_adapters
from tenantsim.jobs.simulation import Simulation
from tenantsim.scenario import invariants
from tenantsim.scenario.company import DEPARTED, Company
from tenantsim.scenario.events import HR_KINDS, WORK_KINDS
from tenantsim.scenario.worktask import WorkTask
from tests.conformance.asana_case import AsanaCase
from tests.conformance.google_case import GoogleCase
from tests.conformance.m365_case import Graph, M365Case
from tests.conformance.okta_case import OktaCase, _all, _api
from tests.conformance.test_conformance import LedgerIds, drive
from tests.connectors.asana_support import asana_api, collect, ledger_mismatches
from tests.support.jobctx import make_context

SHARED = ("industry", "time_scale")


def multi_config(identity: dict[str, Any], asana: dict[str, Any], people: int) -> dict[str, Any]:
    """An identity platform (it makes the people) and Asana in one job."""
    own = (*SHARED, "initial_users", "org_size", "content_provider")
    return {
        "connection_type": identity["connection_type"],
        "industry": "technology",
        "initial_users": people,
        "time_scale": 1e6,
        "platforms": [
            {k: v for k, v in identity.items() if k not in own},
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
        connectors: dict[str, Connector] = {"okta": okta.connector(), "asana": asana.connector()}
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
        connectors: dict[str, Connector] = {"okta": okta.connector(), "asana": asana.connector()}
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
        connectors: dict[str, Connector] = {"okta": okta.connector(), "google_workspace": google.connector(),
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


async def test_microsoft365_and_asana_show_the_same_work(tmp_path: Path) -> None:
    """One job, one company, two work platforms: Microsoft 365 makes the people (its delegated-token
    owners and Asana's token owners among them) and both record the company's tasks. Through every kind
    of work event and some simulated days, each task the company has is in Asana and in Planner, read
    through each platform's own API, with the same name, done as the company says, due on the same date
    and in the section of the company's board (Asana's section, Planner's bucket); each step of a task is
    a subtask of it in Asana (Planner has none). Cleanup leaves both tenants as they were."""
    m365, asana = M365Case(), AsanaCase()
    with m365.tenant() as m365_base, asana.tenant() as asana_base:
        before = (await m365.snapshot(m365_base), await asana.snapshot(asana_base))
        config = multi_config(m365.config(m365_base, 20), asana.config(asana_base, 4), people=20)
        ctx = make_context(tmp_path, config, seed=17)
        connectors: dict[str, Connector] = {"microsoft365": m365.connector(), "asana": asana.connector()}
        sim = await Simulation.open(ctx, await open_adapters(connectors, ctx))
        company = sim.company
        assert [a.platform for a in sim.adapters] == ["microsoft365", "asana"]
        assert len(company.people) == 20 and len(sim.director.actors) == 3 + 4  # every token's owner acts
        await sim.build()
        assert await same_work(m365, m365_base, asana, asana_base, sim) == []

        for kind in (*WORK_KINDS, "complete_task", "move_task", "reschedule_task", "complete_task"):
            assert await drive(sim, kind), f"no {kind} event could happen"
        assert await same_work(m365, m365_base, asana, asana_base, sim) == []
        kinds = await sim.fast_forward(days=5)
        assert {"create_task", "move_task", "complete_task"} <= set(kinds), kinds
        assert invariants.problems(company) == []
        assert await same_work(m365, m365_base, asana, asana_base, sim) == []

        tops = [t for t in company.tasks.values() if t.parent is None]
        assert any(t.done for t in tops) and any(not t.done for t in tops)
        assert any(t.parent for t in company.tasks.values()) and any(t.slips for t in tops)

        result = await sim.cleanup()
        assert result["errors"] == [] and set(result["platforms"]) == {"microsoft365", "asana"}
        assert (await m365.snapshot(m365_base), await asana.snapshot(asana_base)) == before
        await sim.aclose()


async def same_work(m365: M365Case, m365_base: str, asana: AsanaCase, asana_base: str,
                    sim: Simulation) -> list[str]:
    """Where Planner and Asana, each read through its own API, differ from each other or from the
    company on the company's tasks: project by project, the same task names on both; each task (found by
    the company's task key) named, done, due and on the board as the company says, assigned to the same
    person where that person is in both; each step a subtask of its task in Asana."""
    company = sim.company
    m365_view, asana_view = (a.ctx for a in sim.adapters)  # type: ignore[attr-defined]
    assert isinstance(m365_view, PlatformView) and isinstance(asana_view, PlatformView)
    m365_ids, asana_ids = LedgerIds(m365_view.ledger), LedgerIds(asana_view.ledger)
    problems: list[str] = []
    shown: dict[str, dict[str, dict[str, Any]]] = {"Planner": {}, "Asana": {}}  # -> task key -> task
    graph = m365._reader(m365_base)
    try:
        async with asana_api(asana_base, asana._tenants[asana_base].tokens[0]) as api:
            users = f"/workspaces/{asana._workspace(asana_base)}/users"
            emails = {u["gid"]: str(u.get("email") or "").lower()
                      for u in await collect(api, users, opt_fields="email")}
            upns = {u["id"]: u["userPrincipalName"].lower() for u in await graph.listing("/users")}
            for plan in company.projects:
                plan_id, project_gid = m365_ids["plan"].get(plan.key), asana_ids["project"].get(plan.key)
                if plan_id is None or project_gid is None:  # every project is on both boards
                    problems.append(f"project {plan.name}: plan {plan_id}, Asana project {project_gid}")
                    continue
                in_planner = await planner_tasks(graph, plan_id, upns)
                in_asana = await asana_tasks(api, project_gid, emails)
                ours = sorted(t.name for t in company.tasks.values()
                              if t.project == plan.key and t.parent is None)
                names = (sorted(t["name"] for t in in_planner.values()),
                         sorted(t["name"] for t in in_asana.values()))
                if names != (ours, ours):
                    problems.append(f"project {plan.name}: Planner has {names[0]}, Asana {names[1]}, "
                                    f"the company {ours}")
                for where, tasks, ids in (("Planner", in_planner, m365_ids), ("Asana", in_asana, asana_ids)):
                    shown[where].update((key, tasks[i]) for key, i in ids["task"].items() if i in tasks)
            for task in company.tasks.values():
                board = company.project(task.project)
                if board is None or not (board.key in m365_ids["plan"] and board.key in asana_ids["project"]):
                    continue  # said above
                if task.parent is not None:  # Planner has no subtasks
                    problems += await step_in_asana(api, asana_ids, task)
                    continue
                want = {"name": task.name, "done": task.done, "due": task.due_on,
                        "section": board.sections[task.section]}
                found = {where: tasks.get(task.key) for where, tasks in shown.items()}
                for where, have in found.items():
                    if have is None:
                        problems.append(f"{task.key} ({task.name}) is not in {where}")
                        continue
                    problems += [f"{task.key}: {field} {have[field]!r} in {where}, the company says {value!r}"
                                 for field, value in want.items() if have[field] != value]
                person = company.people.get(task.assignee or "")
                email = company.email(person).lower() if person else None
                if email in emails.values() and all(found.values()):  # a person both platforms have
                    assigned = {where: have["assignee"] for where, have in found.items() if have}
                    if any(a != [email] for a in assigned.values()):
                        problems.append(f"{task.key}: assigned {assigned}, the company says {email}")
    finally:
        await graph.aclose()
    return problems


async def planner_tasks(graph: Graph, plan_id: str, upns: dict[str, str]) -> dict[str, dict[str, Any]]:
    """A plan's tasks as Planner shows them: id -> name, done (100 %), due date, bucket name, assignees'
    addresses."""
    buckets = {b["id"]: b["name"] for b in await graph.listing(f"/planner/plans/{plan_id}/buckets")}
    return {task["id"]: {"name": task["title"], "done": task["percentComplete"] == 100,
                         "due": (task.get("dueDateTime") or "")[:10] or None,
                         "section": buckets.get(task["bucketId"]),
                         "assignee": [upns.get(u) for u in task.get("assignments") or {}]}
            for task in await graph.listing(f"/planner/plans/{plan_id}/tasks")}


async def asana_tasks(api: httpx.AsyncClient, project_gid: str,
                      emails: dict[str, str]) -> dict[str, dict[str, Any]]:
    """A project's tasks as Asana shows them: gid -> name, done, due date, section name, assignee's
    address."""
    sections = {s["gid"]: s["name"]
                for s in await collect(api, f"/projects/{project_gid}/sections", opt_fields="name")}
    found = {}
    for task in await collect(api, f"/projects/{project_gid}/tasks",
                              opt_fields="name,completed,due_on,assignee,memberships.section"):
        assignee = (task.get("assignee") or {}).get("gid")
        found[task["gid"]] = {
            "name": task["name"], "done": task["completed"], "due": task.get("due_on"),
            "section": next((sections.get((m.get("section") or {}).get("gid"))
                             for m in task.get("memberships") or []), None),
            "assignee": [emails.get(assignee)] if assignee else []}
    return found


async def step_in_asana(api: httpx.AsyncClient, asana_ids: LedgerIds, step: WorkTask) -> list[str]:
    """A step of a task: a subtask of that task in Asana, named and done as the company says."""
    above = asana_ids["task"].get(str(step.parent))
    if above is None:
        return [f"{step.key} ({step.name}): its task {step.parent} is not in Asana"]
    steps = await collect(api, f"/tasks/{above}/subtasks", opt_fields="name,completed")
    found = next((s for s in steps if s["gid"] == asana_ids["subtask"].get(step.key)), None)
    if found is None or (found["name"], found["completed"]) != (step.name, step.done):
        return [f"{step.key} ({step.name}, done {step.done}): under {step.parent} in Asana {steps}"]
    return []
