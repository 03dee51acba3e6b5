"""A five-person media team's Asana workspace through a simulated month, read back through the Asana API
as a customer would see it and scored by the realism report: conversations that do not repeat and
mention only members, due dates after creation, open and completed work side by side, every work kind
at a per-person pace — and the company's own tasks (the work model) plausible and exactly what Asana
shows: due after creation, subtasks steps of a task in the same project, each task in its section,
assigned, completed and due as the company says.

The director decides in simulated time, so driving it as fast as the emulator answers gives the month a
job shows at any ``time_scale`` (20,000 makes it about two real minutes). With Claude's provider (a fake
Messages API), the same month costs at most 0.05 model calls per object it creates."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tenantsim.connectors.asana.connector import AsanaConnector
from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.content.factory import make_provider
from tenantsim.content.pool import InMemoryContentPool
from tenantsim.jobs.simulation import Simulation
from tenantsim.sandbox.asana import create_app
from tenantsim.scenario.invariants import task_problems
from tests.connectors.asana_support import asana_api, company_task_mismatches
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.jobctx import make_context
from tests.support.servers import serve_asgi

DAYS = 30
PEOPLE = 5


@contextlib.contextmanager
def workspace() -> Iterator[tuple[str, dict[str, Any]]]:
    sandbox = create_app(users=PEOPLE, seed=7, rate_limit=100_000, window_seconds=1.0)
    with serve_asgi(sandbox) as url:
        base = f"{url}/api/1.0"
        yield base, sandbox.describe(base)


def job_config(base: str, described: dict[str, Any], content_provider: str) -> dict[str, Any]:
    users = described["users"]
    org = next(w["gid"] for w in described["workspaces"] if w["is_organization"])
    return {
        "connection_type": "asana",
        "industry": "media",
        "workspace_gid": org,
        "base_url": base,
        "initial_projects": 4,
        "content_provider": content_provider,
        "time_scale": 20000,
        "activity_level": "medium",
        "user_tokens": [{"name": f"user{i}", "token": u["token"]} for i, u in enumerate(users)],
    }


async def test_a_media_team_month_reads_like_real_work(tmp_path: Path) -> None:
    with workspace() as (base, described):
        config = job_config(base, described, "offline")
        ctx = make_context(tmp_path, config, seed=23)
        connector = AsanaConnector(
            ConnectorRuntime(budgets=BudgetRegistry(window_seconds=1.0), sandbox_mode=True)
        )
        sim = await Simulation.open(ctx, [await connector.open_adapter(ctx)])
        assert len(sim.company.people) == PEOPLE
        await sim.build()
        kinds = await sim.fast_forward(DAYS)
        await sim.aclose()
        measures = await connector.realism(config, ctx.ledger.entries(), sim.company)
        async with asana_api(base, described["users"][0]["token"]) as api:
            shown = await company_task_mismatches(api, ctx.ledger, sim.company, config["workspace_gid"])
    company = sim.company
    assert task_problems(company) == []
    assert shown == []
    tasks = [t for t in company.tasks.values() if t.parent is None]
    done = sum(t.done for t in tasks)
    assert 0.2 * len(tasks) <= done <= 0.8 * len(tasks), (done, len(tasks))  # open and done side by side
    assert any(t.parent for t in company.tasks.values()) and any(t.slips for t in tasks)

    # Every work kind happened, at a per-person pace (six actions a business day at "medium").
    work = {"create_task", "comment", "move_task", "complete_task", "add_subtask", "reassign_task",
            "tag_task", "update_priority", "block_task", "reschedule_task"}
    assert work <= set(kinds) <= work | {"project_wrapping_up", "project_completed"}
    business_days = DAYS * 5 / 7
    done = sum(kinds[k] for k in work)
    assert 0.6 * 6 * PEOPLE * business_days <= done <= 1.4 * 6 * PEOPLE * business_days
    # What a person would notice, read back through the Asana API.
    failing = [m for m in measures if not m["ok"]]
    assert failing == [], failing


async def test_claudes_month_costs_at_most_one_call_per_twenty_objects(tmp_path: Path) -> None:
    """Threads and task sets are written in batches for what the job is about to need, so the month's
    model calls stay at or under 0.05 per created object, each answer sized for a real max_tokens, and
    the workspace still reads like real work."""
    key = "sk-ant-month-test-key"
    api = FakeAnthropic(key, models=("claude-test-1",))
    with serve_asgi(api.app()) as api_url, workspace() as (base, described):
        config = job_config(base, described, "anthropic")
        content = make_provider(kind="anthropic", seed=23, api_key=key, model="claude-test-1",
                                base_url=api_url, pool=InMemoryContentPool(), on_usage=None, on_notice=None)
        ctx = make_context(tmp_path, config, seed=23, content=content)
        connector = AsanaConnector(
            ConnectorRuntime(budgets=BudgetRegistry(window_seconds=1.0), sandbox_mode=True)
        )
        sim = await Simulation.open(ctx, [await connector.open_adapter(ctx)])
        await sim.build()
        await sim.fast_forward(DAYS)
        await sim.aclose()
        await content.aclose()
        measures = await connector.realism(config, ctx.ledger.entries(), sim.company)

    made = sum(1 for e in ctx.ledger.entries() if e.platform_id)
    assert api.problems == [] and made > 300
    assert len(api.requests) <= 0.05 * made, (len(api.requests), made)
    assert all(r["max_tokens"] <= 8192 for r in api.requests)
    failing = [m for m in measures if not m["ok"]]
    assert failing == [], failing
