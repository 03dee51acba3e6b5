"""Helpers for the Asana connector tests: a content provider, a sandbox snapshot, the job's company."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import httpx

from tenantsim.connectors.asana.adapter import AsanaAdapter
from tenantsim.content.base import (
    CommentIdea,
    ContentContext,
    ContentProvider,
    Department,
    OrgPlan,
    Person,
    ProjectIdea,
    TaskIdea,
)
from tenantsim.jobs.context import RunningJobContext
from tenantsim.sandbox.asana import AsanaSandbox
from tenantsim.scenario.company import Company
from tenantsim.scenario.founding import found_company


class StubContent:
    """Deterministic, tiny content for when the offline provider is not importable."""

    name = "offline"

    async def org_plan(self, industry: str, headcount: int) -> OrgPlan:
        departments = (Department("Engineering", 0.6, "2000"), Department("Marketing", 0.4, "3000"))
        return OrgPlan("Stub Co", industry, departments, ("Remote",), (), ())

    async def hires(
        self, industry: str, department: str, count: int, taken_logins: Iterable[str], start_index: int
    ) -> list[Person]:
        return []

    async def title_for(self, industry: str, department: str, level: int, index: int) -> str:
        return "Engineer"

    async def projects(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[ProjectIdea]:
        return [
            ProjectIdea(
                f"p{start_index + n}",
                f"{ctx.department} initiative {start_index + n}",
                "Why we are doing this.",
                ctx.department or "Engineering",
                ("Backlog", "Doing", "Review", "Done"),
            )
            for n in range(count)
        ]

    async def tasks(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[TaskIdea]:
        return [
            TaskIdea(f"Task {start_index + n} for {ctx.project}", "Details.", ("Draft", "Review"))
            for n in range(count)
        ]

    async def comments(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[CommentIdea]:
        return [CommentIdea(f"Comment {start_index + n} on {ctx.task}") for n in range(count)]

    async def aclose(self) -> None:
        return None


def content_provider(seed: int) -> ContentProvider:
    try:
        from tenantsim.content.offline import OfflineContentProvider
    except ImportError:
        return StubContent()
    provider: ContentProvider = OfflineContentProvider(seed)
    return provider


def snapshot(sandbox: AsanaSandbox, base: str) -> dict[str, set[str]]:
    """Every project, task, subtask, tag, custom field and portfolio the sandbox's users can see."""
    seen: dict[str, set[str]] = {
        k: set() for k in ("projects", "tasks", "tags", "custom_fields", "portfolios")
    }
    tokens = sandbox.tokens
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {tokens[0]}"}, timeout=10) as http:

        def data(path: str, **params: Any) -> list[dict[str, Any]]:
            response = http.get(path, params=params)
            response.raise_for_status()
            result: list[dict[str, Any]] = response.json()["data"]
            return result

        for workspace in data("/workspaces"):
            gid = workspace["gid"]
            for project in data("/projects", workspace=gid):
                seen["projects"].add(project["gid"])
                pending = [t["gid"] for t in data(f"/projects/{project['gid']}/tasks")]
                while pending:
                    task = pending.pop()
                    seen["tasks"].add(task)
                    pending += [s["gid"] for s in data(f"/tasks/{task}/subtasks")]
            seen["tags"] |= {t["gid"] for t in data("/tags", workspace=gid)}
            seen["custom_fields"] |= {f["gid"] for f in data(f"/workspaces/{gid}/custom_fields")}
            for token in tokens:
                owned = http.get(
                    "/portfolios",
                    params={"workspace": gid, "owner": "me"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                seen["portfolios"] |= {p["gid"] for p in owned.json().get("data", [])}
    return seen


async def found(ctx: RunningJobContext, adapter: AsanaAdapter) -> Company:
    """The company an Asana-only job plays: founded with exactly the people its tokens belong to."""
    known = adapter.known_people() or []
    plan = await ctx.content.org_plan(str(ctx.config.get("industry", "technology")), len(known))
    return found_company(plan, ctx.seed, datetime.now(UTC), known=known)
