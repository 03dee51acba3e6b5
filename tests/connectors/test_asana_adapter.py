"""End to end over real loopback HTTP against the Asana sandbox, with three user tokens: seed the
company, run activity, clean up, and only the pre-existing objects remain."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from tenantsim.connectors.asana.connector import AsanaConnector
from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.sandbox.asana import create_app
from tests.connectors.asana_support import content_provider, snapshot
from tests.support.jobctx import activity_types, make_context
from tests.support.servers import serve_asgi


async def _data(base: str, token: str, path: str) -> Any:
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}) as http:
        return (await http.get(path)).json()["data"]


async def test_three_users_seed_live_and_clean_up(tmp_path: Path) -> None:
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
        connector = AsanaConnector(
            ConnectorRuntime(budgets=BudgetRegistry(window_seconds=2), sandbox_mode=True)
        )
        service = await connector.open_service(ctx)
        try:
            await service.seed()
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

            project_gid = ctx.ledger.entries("project")[0].platform_id
            sections = await _data(base, token, f"/projects/{project_gid}/sections")
            assert len(sections) >= 3
            full = [await _data(base, token, f"/tasks/{gid}") for gid in tasks]
            assert sum(1 for t in full if t["assignee"]) >= len(full) // 2
            assert len({t["due_on"] for t in full if t["due_on"]}) >= 3, "due dates are spread out"
            assert any(t["tags"] for t in full)
            with_values = [t for t in full if any(f["display_value"] for f in t["custom_fields"])]
            assert len(with_values) == len(full)
            portfolio = ctx.ledger.entries("portfolio")[0].platform_id
            owner_token = next(
                u["token"]
                for u in users
                if f"user{users.index(u)}" == ctx.ledger.entries("portfolio")[0].actor
            )
            items = await _data(base, owner_token, f"/portfolios/{portfolio}/items")
            assert {i["gid"] for i in items} == {e.platform_id for e in ctx.ledger.entries("project")}

            for _ in range(60):
                await service.run_event()
            kinds = Counter(activity_types(ctx, limit=5000))
            assert kinds["task_completed"] >= 1 and kinds["comment_added"] >= 1 and kinds["task_moved"] >= 1
            done = [
                t
                for e in ctx.ledger.entries("task", ("created",))
                if (t := await _data(base, token, f"/tasks/{e.platform_id}"))["completed"]
            ]
            assert done, "activity completed tasks on the platform"

            result = await service.cleanup()
            assert result["deleted_projects"] == result["total_projects"] == 2
            assert result["failed_projects"] == [] and result["errors"] == []
            assert result["deleted_tasks"] == len(ctx.ledger.entries("task", ("deleted",))) >= 10
            assert result["deleted_subtasks"] >= 5
            assert (
                result["deleted_custom_fields"],
                result["deleted_tags"],
                result["deleted_portfolios"],
            ) == (3, 5, 1)
            assert snapshot(sandbox, base) == before, "only the pre-existing objects remain"
            again = await service.cleanup()
            assert again == result, "cleanup is idempotent"
            assert ctx.ledger.counts().get("task", 0) == 0 and ctx.ledger.counts().get("comment", 0) == 0
        finally:
            await service.aclose()


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
        connector = AsanaConnector(
            ConnectorRuntime(budgets=BudgetRegistry(window_seconds=2), sandbox_mode=True)
        )
        service = await connector.open_service(ctx)
        try:
            await service.seed()
            counts = ctx.ledger.counts()
            assert counts["project"] == 1 and "custom_field" not in counts and "portfolio" not in counts
            assert "notice" in activity_types(ctx)
            result = await service.cleanup()
            assert result["deleted_projects"] == 1 and result["errors"] == []
            assert snapshot(sandbox, base) == before
        finally:
            await service.aclose()


async def test_seed_resumes_without_duplicates(tmp_path: Path) -> None:
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
        connector = AsanaConnector(
            ConnectorRuntime(budgets=BudgetRegistry(window_seconds=2), sandbox_mode=True)
        )
        first = await connector.open_service(ctx)
        await first.seed()
        await first.aclose()
        after_first = snapshot(sandbox, base)
        counts = ctx.ledger.counts()
        again = await connector.open_service(ctx)  # a restarted job rebuilds its state from the ledger
        try:
            await again.seed()
            assert snapshot(sandbox, base) == after_first and ctx.ledger.counts() == counts
            assert await again.run_event("complete_task") == "complete_task"
            await again.cleanup()
        finally:
            await again.aclose()
