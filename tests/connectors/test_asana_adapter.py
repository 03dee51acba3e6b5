"""End to end over real loopback HTTP against the Asana sandbox, with three user tokens: found the company
from the tokens' owners, build it, apply one event of each work kind as a company person, and check
Asana's own state (read back through its API) against the desired state the ledger records; then clean
up, and only the pre-existing objects remain."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from tenantsim.connectors.asana.adapter import AsanaAdapter, known_person
from tenantsim.connectors.asana.connector import AsanaConnector
from tenantsim.connectors.asana.pool import Member
from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.jobs.context import RunningJobContext
from tenantsim.sandbox.asana import create_app
from tenantsim.scenario import task_steps
from tenantsim.scenario.company import Company
from tenantsim.scenario.events import PROJECT_KINDS, WORK_KINDS, Event
from tenantsim.scenario.founding import KnownPerson
from tests.connectors.asana_support import (
    asana_api,
    company_task_mismatches,
    content_provider,
    found,
    ledger_mismatches,
    snapshot,
)
from tests.support.jobctx import activity_types, make_context
from tests.support.servers import serve_asgi


async def _data(base: str, token: str, path: str) -> Any:
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}) as http:
        response = await http.get(path)
        response.raise_for_status()
        return response.json()["data"]


def _connector() -> AsanaConnector:
    return AsanaConnector(ConnectorRuntime(budgets=BudgetRegistry(window_seconds=2), sandbox_mode=True))


async def _event(ctx: RunningJobContext, company: Company, seq: int, kind: str, person: str) -> Event:
    """What the director would decide: ``person`` does ``kind`` of work now, applied to the company."""
    company.event_seq = seq - 1
    event = await task_steps.step(company, ctx.content, ctx.seed, random.Random(seq), datetime.now(UTC), kind,
                                  person, list(company.people))
    assert event is not None, kind
    event.seq = company.event_seq = seq
    return event


def _gid(ctx: RunningJobContext, task_key: str | None) -> str:
    entry = ctx.ledger.get("task", str(task_key))
    assert entry is not None
    return str(entry.platform_id)


def _tasks(ctx: RunningJobContext) -> dict[str, dict[str, Any]]:
    rows = [*ctx.ledger.entries("task", ("created",)), *ctx.ledger.entries("subtask", ("created",))]
    return {e.key: {"section": 0, "completed": False, **e.attrs, "gid": e.platform_id} for e in rows}


async def _asana_vs_ledger(ctx: RunningJobContext, base: str, token: str) -> list[str]:
    """Where Asana differs from what the ledger says the job set on every task, subtask and comment."""
    async with asana_api(base, token) as api:
        return await ledger_mismatches(api, ctx.ledger)


def test_known_people_come_from_the_token_owners() -> None:
    def member(name: str, email: str | None) -> Member:
        return Member("label", "1", name, email, client=None)  # type: ignore[arg-type]

    assert known_person(member("Ana María López", "ana.lopez@example.com")) == KnownPerson(
        "Ana", "María López", "ana.lopez", "example.com")
    assert known_person(member("Cher", None)) == KnownPerson("Cher", "", "cher")
    assert known_person(member("Zoë O'Brien", None)) == KnownPerson("Zoë", "O'Brien", "zoe.obrien")


async def test_three_users_build_apply_every_work_kind_and_clean_up(tmp_path: Path) -> None:
    sandbox = create_app(users=5, seed=21, window_seconds=2)
    described = sandbox.describe("http://unused/api/1.0")
    org = next(w["gid"] for w in described["workspaces"] if w["is_organization"])
    users = described["users"][:3]
    with serve_asgi(sandbox) as url:
        base = f"{url}/api/1.0"
        before = snapshot(sandbox, base)
        config = {
            "connection_type": "asana",
            "industry": "technology",
            "workspace_gid": org,
            "seed": 7,
            "initial_projects": 2,
            "base_url": base,
            "activity_level": "high",
            "user_tokens": [{"name": f"user{i}", "token": u["token"]} for i, u in enumerate(users)],
        }
        ctx = make_context(tmp_path, config, content=content_provider(7))
        adapter = await _connector().open_adapter(ctx)
        try:
            assert adapter.platform == "asana" and adapter.handles == frozenset((*WORK_KINDS, *PROJECT_KINDS))
            assert list(adapter.catalogue()) == []
            await adapter.prepare()
            known = adapter.known_people() or []
            assert [f"{k.first_name} {k.last_name}" for k in known] == [u["name"] for u in users]
            assert [k.login for k in known] == [u["email"].split("@")[0] for u in users]
            company = await found(ctx, adapter)
            assert [p.name for p in company.people.values()] == [u["name"] for u in users]
            gid_of = {p.key: u["gid"] for p, u in zip(company.people.values(), users, strict=True)}
            assert adapter.build_total(company) > 0

            await adapter.build(company)
            counts = ctx.ledger.counts()
            assert counts["project"] == 2 and counts["task"] >= 10 and counts["subtask"] >= 5
            assert counts["custom_field"] == 3 and counts["tag"] == 5 and counts["portfolio"] == 1
            during = snapshot(sandbox, base)
            assert len(during["projects"] - before["projects"]) == 2
            token = users[0]["token"]
            tasks = [e.platform_id for e in ctx.ledger.entries("task", ("created",))]
            authors: set[str] = set()
            for gid in tasks:
                authors |= {
                    s["created_by"]["gid"]
                    for s in await _data(base, token, f"/tasks/{gid}/stories")
                    if s["resource_subtype"] == "comment_added"
                }
            assert authors == {u["gid"] for u in users}, "comments come from all three people"
            full = [await _data(base, token, f"/tasks/{gid}") for gid in tasks]
            assert sum(1 for t in full if t["assignee"]) >= len(full) // 2
            assert len({t["due_on"] for t in full if t["due_on"]}) >= 3, "due dates are spread out"
            assert any(t["tags"] for t in full)
            assert all(any(f["display_value"] for f in t["custom_fields"]) for t in full)
            portfolio = ctx.ledger.entries("portfolio")[0]
            owner_token = next(u["token"] for i, u in enumerate(users) if f"user{i}" == portfolio.actor)
            items = await _data(base, owner_token, f"/portfolios/{portfolio.platform_id}/items")
            assert {i["gid"] for i in items} == {e.platform_id for e in ctx.ledger.entries("project")}
            assert await _asana_vs_ledger(ctx, base, token) == []

            people = list(company.people)
            events = []
            for seq, kind in enumerate(WORK_KINDS, start=1):
                person = people[seq % len(people)]
                actor = gid_of[person]
                was = _tasks(ctx)
                events.append(await _event(ctx, company, seq, kind, person))
                await adapter.apply(events[-1], company)
                now = _tasks(ctx)
                changed = {k: a for k, a in now.items() if k in was and a != was[k]}
                if kind == "create_task":
                    made = now[f"task:ev{seq}"]
                    task = await _data(base, token, f"/tasks/{made['gid']}")
                    assert task["created_by"]["gid"] == actor
                elif kind == "comment":
                    entry = ctx.ledger.get("comment", f"comment:e{seq}")
                    assert entry is not None and entry.status == "created"
                    stories = await _data(base, token, f"/tasks/{_gid(ctx, entry.parent_key)}/stories")
                    story = next(s for s in stories if s["gid"] == entry.platform_id)
                    assert story["created_by"]["gid"] == actor and story["text"] == entry.attrs["text"]
                elif kind == "move_task":
                    moved = [k for k, a in changed.items() if a["section"] == was[k]["section"] + 1]
                    assert len(moved) == 1
                elif kind == "complete_task":
                    done = [k for k, a in changed.items() if a["completed"] and not was[k]["completed"]]
                    assert len(done) == 1
                    task = await _data(base, token, f"/tasks/{now[done[0]]['gid']}")
                    assert task["completed"] and task["completed_by"]["gid"] == actor
                elif kind == "add_subtask":
                    entry = ctx.ledger.get("subtask", f"task:ev{seq}")
                    assert entry is not None and entry.status == "created"
                    subtasks = await _data(base, token, f"/tasks/{_gid(ctx, entry.parent_key)}/subtasks")
                    assert entry.platform_id in {s["gid"] for s in subtasks}
                elif kind == "reassign_task":
                    handed = [k for k, a in changed.items() if a["assignee"] != was[k]["assignee"]]
                    assert len(handed) == 1
                    colleagues = {gid_of[k] for k, p in company.people.items() if p.active} - {
                        actor, was[handed[0]]["assignee"]}
                    assert now[handed[0]]["assignee"] in colleagues or not colleagues, "to a colleague"
                elif kind == "tag_task":
                    tagged = [k for k, a in changed.items() if a.get("tags") != was[k].get("tags")]
                    assert len(tagged) == 1
                elif kind == "update_priority":
                    set_to = [k for k, a in changed.items() if a.get("priority") != was[k].get("priority")]
                    assert len(set_to) == 1 and now[set_to[0]]["priority"] in {"Low", "Medium", "High",
                                                                               "Urgent"}
                elif kind == "block_task":
                    blocked = [k for k, a in changed.items() if a.get("status") != was[k].get("status")]
                    assert len(blocked) == 1 and now[blocked[0]]["status"] in {"Blocked", "Not started",
                                                                               "In progress"}
                elif kind == "reschedule_task":
                    slipped = [k for k, a in {**changed}.items() if a.get("due_on") != was[k].get("due_on")]
                    assert len(slipped) <= 1  # a subtask's date is the subtask's row
                    task = company.tasks[events[-1].details["task"]]
                    assert task.slips == 1 and task.due_on > task.created_at[:10]
                assert ctx.progress["asana_last_event"] == seq
                # Asana shows exactly what the ledger says the job set, and what the company says, after
                # every event.
                assert await _asana_vs_ledger(ctx, base, token) == [], kind
                async with asana_api(base, token) as api:
                    assert await company_task_mismatches(api, ctx.ledger, company, org) == [], kind
            sentences = {"task_created", "comment_added", "task_moved", "task_completed", "subtask_created",
                         "task_reassigned", "task_tagged", "priority_changed"}
            assert sentences <= set(activity_types(ctx, limit=5000))

            # After a restart the same events come again: nothing is made or changed twice.
            after_events = snapshot(sandbox, base)
            ledger_rows = [(e.kind, e.key, e.status, e.attrs) for e in ctx.ledger.entries()]
            await adapter.aclose()
            adapter = await _connector().open_adapter(ctx)
            await adapter.prepare()
            for event in events:
                await adapter.apply(event, company)
            # ... even when the progress of the creating events was lost: they are keyed by the event.
            for seq in (1, 2, 5):
                ctx.checkpoint(asana_last_event=None)
                await adapter.apply(events[seq - 1], company)
            assert snapshot(sandbox, base) == after_events
            assert [(e.kind, e.key, e.status, e.attrs) for e in ctx.ledger.entries()] == ledger_rows
            comment = ctx.ledger.get("comment", "comment:e2")
            assert comment is not None
            stories = await _data(base, token, f"/tasks/{_gid(ctx, comment.parent_key)}/stories")
            assert sum(1 for s in stories if s.get("text") == comment.attrs["text"]) == 1

            result = await adapter.cleanup()
            assert result["deleted_projects"] == result["total_projects"] == 2
            assert result["failed_projects"] == [] and result["errors"] == []
            assert result["deleted_tasks"] == len(ctx.ledger.entries("task", ("deleted",))) >= 11
            assert result["deleted_subtasks"] >= 6
            assert (
                result["deleted_custom_fields"],
                result["deleted_tags"],
                result["deleted_portfolios"],
            ) == (3, 5, 1)
            assert snapshot(sandbox, base) == before, "only the pre-existing objects remain"
            again = await adapter.cleanup()
            assert again == result, "cleanup is idempotent"
            assert ctx.ledger.counts().get("task", 0) == 0 and ctx.ledger.counts().get("comment", 0) == 0
        finally:
            await adapter.aclose()


async def test_free_plan_job_skips_paid_features(tmp_path: Path) -> None:
    sandbox = create_app(users=3, plan="free", seed=4, window_seconds=2)
    described = sandbox.describe("http://unused/api/1.0")
    org = next(w["gid"] for w in described["workspaces"] if w["is_organization"])
    with serve_asgi(sandbox) as url:
        base = f"{url}/api/1.0"
        before = snapshot(sandbox, base)
        config = {
            "connection_type": "asana",
            "industry": "technology",
            "workspace_gid": org,
            "seed": 3,
            "initial_projects": 1,
            "base_url": base,
            "user_tokens": [
                {"name": "a", "token": sandbox.tokens[0]},
                {"name": "bad", "token": "2/1/1:" + "0" * 32},
            ],
        }
        ctx = make_context(tmp_path, config, content=content_provider(3))
        adapter = await _connector().open_adapter(ctx)
        try:
            await adapter.prepare()
            assert len(adapter.known_people() or []) == 1, "the rejected token plays nobody"
            company = await found(ctx, adapter)
            await adapter.build(company)
            counts = ctx.ledger.counts()
            assert counts["project"] == 1 and "custom_field" not in counts and "portfolio" not in counts
            assert "notice" in activity_types(ctx)
            # No Priority field on this plan: the company's priority is not shown, and nothing fails.
            event = await _event(ctx, company, 1, "update_priority", next(iter(company.people)))
            await adapter.apply(event, company)
            assert ctx.progress["asana_last_event"] == 1
            assert all("priority" not in a for a in _tasks(ctx).values())
            result = await adapter.cleanup()
            assert result["deleted_projects"] == 1 and result["errors"] == []
            assert snapshot(sandbox, base) == before
        finally:
            await adapter.aclose()


async def test_build_resumes_without_duplicates(tmp_path: Path) -> None:
    sandbox = create_app(users=3, seed=8, window_seconds=2)
    org = sandbox.store.organization["gid"]
    with serve_asgi(sandbox) as url:
        base = f"{url}/api/1.0"
        config = {
            "connection_type": "asana",
            "industry": "technology",
            "workspace_gid": org,
            "initial_projects": 1,
            "base_url": base,
            "user_tokens": [{"name": f"u{i}", "token": t} for i, t in enumerate(sandbox.tokens)],
        }
        ctx = make_context(tmp_path, config, content=content_provider(5))
        first: AsanaAdapter = await _connector().open_adapter(ctx)
        await first.prepare()
        company = await found(ctx, first)
        await first.build(company)
        await first.aclose()
        after_first = snapshot(sandbox, base)
        counts = ctx.ledger.counts()
        again = await _connector().open_adapter(ctx)  # a restarted job rebuilds its state from the ledger
        try:
            await again.prepare()
            await again.build(company)
            assert snapshot(sandbox, base) == after_first and ctx.ledger.counts() == counts
            open_before = {k for k, a in _tasks(ctx).items() if not a["completed"]}
            event = await _event(ctx, company, 1, "complete_task", next(iter(company.people)))
            await again.apply(event, company)
            completed = [k for k in open_before if _tasks(ctx)[k]["completed"]]
            assert len(completed) == 1
            task = await _data(base, sandbox.tokens[0], f"/tasks/{_tasks(ctx)[completed[0]]['gid']}")
            assert task["completed"] is True
            await again.cleanup()
        finally:
            await again.aclose()
