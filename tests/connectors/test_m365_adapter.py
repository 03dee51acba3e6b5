"""Microsoft 365: a job's adapter end to end over real loopback HTTP against the Microsoft 365 emulator —
build a 40-person company (people, managers, security groups, department Teams, Planner plans and tasks,
channel threads written with the people's delegated tokens), reflect hires, transfers, promotions, leave,
returns, departures and work events, read the tenant back through Microsoft Graph, and clean up to exactly
the tenant it was."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tenantsim.connectors.microsoft365.adapter import M365Adapter
from tenantsim.jobs.simulation import Simulation
from tenantsim.scenario import invariants
from tenantsim.scenario.company import DEPARTED, ON_LEAVE
from tenantsim.scenario.events import HR_KINDS
from tenantsim.store import activity_repo
from tests.conformance.m365_case import (
    USER_FIELDS,
    Graph,
    M365Case,
    connector,
    job_config,
    residue,
    sdk_users,
)
from tests.conformance.test_conformance import drive, ledger_ids
from tests.support.jobctx import activity_types, make_context


@pytest.fixture
def case() -> Iterator[tuple[M365Case, str]]:
    case = M365Case()
    with case.tenant() as base:
        yield case, base


async def open_job(case: M365Case, base: str, tmp_path: Path, config: dict[str, Any] | None = None,
                   ) -> tuple[Any, Simulation, M365Adapter]:
    ctx = make_context(tmp_path, config or case.config(base, 40), seed=5)
    adapter = await connector().open_adapter(ctx)
    assert isinstance(adapter, M365Adapter)
    return ctx, await Simulation.open(ctx, [adapter]), adapter


async def test_a_company_is_built_lives_and_is_cleaned_up(case: tuple[M365Case, str], tmp_path: Path) -> None:
    m365, base = case
    before = await m365.snapshot(base)
    ctx, sim, adapter = await open_job(m365, base, tmp_path)
    try:
        company = sim.company
        assert len(company.people) == 40  # the configured size, the token owners among them
        assert company.domain == ctx.config["domain"]
        actors = {a.login for a in adapter.actors}
        assert len(actors) == 3 and actors <= {p.login for p in company.people.values()}
        await sim.build()
        assert invariants.problems(company) == []
        assert await m365.mismatches(base, company, ledger_ids(ctx)) == []
        ids = ledger_ids(ctx)
        assert ids["plan"] and ids["task"] and ids["team"] and ids["channel"]
        assert ids["message"], "the token owners discuss tasks in their project's channel"
        for kind in (*HR_KINDS, "create_task", "move_task", "complete_task", "reassign_task",
                     "update_priority", "comment"):
            await drive(sim, kind)
        assert any(p.status == DEPARTED for p in company.people.values())
        assert invariants.problems(company) == []
        assert await m365.mismatches(base, company, ledger_ids(ctx)) == []
        # Microsoft's own SDK reads the same people: sign-in, title, department and manager.
        seen = await sdk_users(base, ctx.config)
        ids = ledger_ids(ctx)
        for person in company.people.values():
            user = seen[f"{person.login}@{company.domain}"]
            if person.login in actors:
                continue
            assert user["accountEnabled"] == (person.status not in (ON_LEAVE, DEPARTED)), person.name
            if person.status != DEPARTED:
                assert (user["jobTitle"], user["department"]) == (person.title, person.department)
                assert user["manager"] == (ids["user"].get(person.manager or "") or adapter.tenant(
                    company).user_id(person.manager)), person.name
        kinds = set(activity_types(ctx))
        assert {"task_created", "comment_added"} <= kinds
        measured = await connector().realism(ctx.config, ctx.ledger.entries(), company)
        measures = {m["name"]: m for m in measured}
        assert measures["managers outside the department"]["value"] == 0
        secrets = [ctx.config["client_secret"], *(t["token"] for t in ctx.config["user_tokens"])]
        said = [e["message"] for e in activity_repo.page(ctx.engine, ctx.job_id, limit=1000)]
        recorded = [str(e.attrs) for e in ctx.ledger.entries()]
        assert not [s for s in secrets for text in said + recorded if s in text]  # never logged or recorded
        result = await sim.cleanup()
    finally:
        await sim.aclose()
    assert result["errors"] == [] and result["users_deleted"] >= 37 and result["groups_deleted"] > 0
    assert result["tasks_deleted"] > 0 and result["messages_deleted"] > 0
    assert await m365.snapshot(base) == before  # zero residue; the token owners are still there


async def test_without_delegated_tokens_channel_messages_are_skipped_and_said(
        case: tuple[M365Case, str], tmp_path: Path) -> None:
    m365, base = case
    config = job_config(base, m365._tenants[base], 12, tokens=0)
    m365._configs[base] = config
    ctx, sim, _adapter = await open_job(m365, base, tmp_path, config)
    try:
        assert len(sim.company.people) == 12
        await sim.build()
        await drive(sim, "transfer")
        await drive(sim, "leave")
        assert await m365.mismatches(base, sim.company, ledger_ids(ctx)) == []
        ids = ledger_ids(ctx)
        assert ids["task"] and not ids["message"]
        messages = [e["message"] for e in activity_repo.page(ctx.engine, ctx.job_id, limit=1000)]
        assert any("channel messages are skipped" in m for m in messages)
        await sim.cleanup()
    finally:
        await sim.aclose()


async def test_the_tenant_reads_back_with_people_on_leave_disabled(case: tuple[M365Case, str],
                                                                  tmp_path: Path) -> None:
    m365, base = case
    ctx, sim, _adapter = await open_job(m365, base, tmp_path, job_config(base, m365._tenants[base], 20))
    graph = Graph(base, ctx.config)
    try:
        await sim.build()
        state = await graph.state()
        for person in sim.company.people.values():
            user = state["users"][f"{person.login}@{ctx.config['domain']}"]
            if person.status == ON_LEAVE:
                assert user["accountEnabled"] is False
        await sim.cleanup()
        assert residue(await graph.state())["users"].keys() == {
            u for u in residue(state)["users"] if not any(
                u == f"{p.login}@{ctx.config['domain']}" for p in sim.company.people.values())} | {
            f"{a.login}@{ctx.config['domain']}" for a in _adapter.actors}
    finally:
        await graph.aclose()
        await sim.aclose()


async def test_after_a_crash_a_user_the_job_made_is_adopted_and_an_older_one_never(
        case: tuple[M365Case, str], tmp_path: Path) -> None:
    m365, base = case
    config = job_config(base, m365._tenants[base], 12, tokens=0)
    ctx = make_context(tmp_path, config, seed=5)
    adapter = await connector().open_adapter(ctx)
    client, domain = adapter.client, config["domain"]

    def body(login: str) -> dict[str, Any]:
        return {"accountEnabled": True, "displayName": login, "mailNickname": login,
                "userPrincipalName": f"{login}@{domain}",
                "passwordProfile": {"password": "Xy7-" + login + "-Qz9!",
                                    "forceChangePasswordNextSignIn": False}}

    try:
        older = await client.create_user(body("someone.else"))  # not the job's: it predates the intent
        later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
        ctx.ledger.intent("user", "p900", attrs={"upn": f"someone.else@{domain}", "requested_at": later})
        ctx.ledger.intent("user", "p901", attrs={"upn": f"crash.made@{domain}",
                                                 "requested_at": datetime.now(UTC).isoformat()})
        made = await client.create_user(body("crash.made"))  # the create answered, the id was never recorded
        ctx.checkpoint(seeded=True)
        await adapter.prepare()
        adopted, refused = ctx.ledger.get("user", "p901"), ctx.ledger.get("user", "p900")
        assert adopted is not None and (adopted.status, adopted.platform_id) == ("created", made["id"])
        assert refused is not None and refused.status == "failed"
        result = await adapter.cleanup()
        assert result["users_deleted"] == 1 and result["errors"] == []
        assert await client.find_user(f"someone.else@{domain}") is not None  # never deleted
        assert await client.find_user(f"crash.made@{domain}") is None
        await client.delete_user(older["id"])
    finally:
        await adapter.aclose()


async def test_a_persons_refused_token_skips_their_work_and_the_job_goes_on(
        case: tuple[M365Case, str], tmp_path: Path) -> None:
    m365, base = case
    config = job_config(base, m365._tenants[base], 12, tokens=2)
    ctx, sim, adapter = await open_job(m365, base, tmp_path, config)
    try:
        await sim.build()
        for actor in adapter.actors:  # their delegated tokens expire (a job cannot renew them)
            actor.token = "eyJ0eXAiOiJKV1QifQ.eyJleHAiOjF9.expired"
        assert await drive(sim, "comment")
        assert await drive(sim, "hire")  # the app's own work goes on
        messages = [e["message"] for e in activity_repo.page(ctx.engine, ctx.job_id, limit=1000)]
        assert any(m.startswith("Skipped a comment in Microsoft 365") for m in messages)
        assert await m365.mismatches(base, sim.company, ledger_ids(ctx)) == []
        await sim.cleanup()
    finally:
        await sim.aclose()


def made_by(ctx: Any) -> dict[str, dict[str, str]]:
    """Kind -> name (userPrincipalName, mailNickname) -> Graph id, for what the job's ledger says it made."""
    names = {"user": "upn", "group": "nickname"}
    return {kind: {str(e.attrs[field]).lower(): str(e.platform_id)
                   for e in ctx.ledger.entries(kind, statuses=["created"])}
            for kind, field in names.items()}


async def test_nothing_the_customer_sees_names_the_job(case: tuple[M365Case, str], tmp_path: Path) -> None:
    m365, base = case
    config = job_config(base, m365._tenants[base], 12)
    ctx = make_context(tmp_path, config, seed=5, job_id="job_5f2c9e71")
    sim = await Simulation.open(ctx, [await connector().open_adapter(ctx)])
    graph = Graph(base, ctx.config)
    try:
        await sim.build()
        made = made_by(ctx)
        teams = [e.platform_id for e in ctx.ledger.entries("team", statuses=["created"])]
        assert made["group"] and made["user"] and teams
        shown = [*await graph.listing("/groups"), *(await graph.listing("/users", {"$select": USER_FIELDS})),
                 *[await graph.get(f"/teams/{team}") for team in teams]]
        for team in teams:
            shown += await graph.listing(f"/teams/{team}/channels")
        assert {g["id"] for g in shown} >= set(made["group"].values()) | set(made["user"].values())
        marked = [item for item in shown if "tenantsim" in str(item).lower() or ctx.job_id in str(item)]
        assert marked == []
        await sim.cleanup()
    finally:
        await graph.aclose()
        await sim.aclose()


async def test_two_jobs_on_one_tenant_make_each_object_once_and_clean_only_their_own(
        case: tuple[M365Case, str], tmp_path: Path) -> None:
    m365, base = case
    config = job_config(base, m365._tenants[base], 12, tokens=0)
    m365._configs[base] = config
    before = await m365.snapshot(base)
    contexts = [make_context(tmp_path, config, seed=5, job_id=job) for job in ("job_first", "job_second")]
    first, second = [await Simulation.open(c, [await connector().open_adapter(c)]) for c in contexts]
    graph = Graph(base, config)
    try:
        await asyncio.gather(first.build(), second.build())  # the same company, at the same time
        mine, theirs = made_by(contexts[0]), made_by(contexts[1])
        for kind in ("user", "group"):
            assert not set(mine[kind]) & set(theirs[kind]), kind  # each name made by one job only
            assert not set(mine[kind].values()) & set(theirs[kind].values()), kind
        assert mine["user"] or theirs["user"]
        state = await graph.state()
        for made in (mine, theirs):
            assert {u: state["users"][u]["id"] for u in made["user"]} == made["user"]
            assert set(made["group"].values()) <= set(state["groups"])

        await first.cleanup()  # the second job's objects stay as they are
        state = await graph.state()
        assert {u: state["users"][u]["id"] for u in theirs["user"]} == theirs["user"]
        assert not set(mine["user"]) & set(state["users"])
        assert set(theirs["group"].values()) <= set(state["groups"])
        assert not set(mine["group"].values()) & set(state["groups"])
        await second.cleanup()
        assert await m365.snapshot(base) == before
    finally:
        await graph.aclose()
        await first.aclose()
        await second.aclose()


async def test_creates_whose_answer_was_lost_are_made_once_and_recorded(
        case: tuple[M365Case, str], tmp_path: Path) -> None:
    """Graph does what a fifth of the calls ask and drops the connection before answering. Nothing is
    sent again blindly: every user, group, channel and Planner task the job made exists once and is in the
    ledger, and cleanup under the same faults leaves the tenant as it was."""
    m365, base = case
    sandbox = m365._tenants[base]
    config = job_config(base, sandbox, 12)
    m365._configs[base] = config
    before = await m365.snapshot(base)
    ctx = make_context(tmp_path, config, seed=9)
    sim = await Simulation.open(ctx, [await connector().open_adapter(ctx)])
    graph = Graph(base, config)
    lost = {"fault_rate": 0.2, "kinds": ["lost"], "seed": 8}
    try:
        sandbox.faults.update(lost)
        await sim.build()
        await sim.fast_forward(2)
        sandbox.faults.update({"fault_rate": 0.0})
        assert sandbox.stats.as_dict()["totals"]["faults"] > 10

        state = await graph.state()
        made = made_by(ctx)
        assert set(state["users"]) - set(before["users"]) == set(made["user"])
        assert set(state["groups"]) - set(before["groups"]) == set(made["group"].values())
        held = {kind: {str(e.platform_id) for e in ctx.ledger.entries(kind, statuses=["created"])}
                for kind in ("plan", "task", "channel", "team")}
        assert held["task"] and held["plan"] <= set(state["plans"])
        assert {t["id"] for p in held["plan"] for t in state["plans"][p]} == held["task"]
        channels = {c["id"] for team in held["team"] for c in await graph.listing(f"/teams/{team}/channels")
                    if c["displayName"] != "General"}
        assert channels == held["channel"]
        assert [e.key for e in ctx.ledger.entries(statuses=["intent"])] == []

        sandbox.faults.update(lost)
        result = await sim.cleanup()
        sandbox.faults.update({"fault_rate": 0.0})
        assert result["errors"] == []
        assert await m365.snapshot(base) == before
    finally:
        await graph.aclose()
        await sim.aclose()
