"""Helpers for the Asana tests (the adapter's and the conformance suite's): a content provider, a sandbox
snapshot, the job's company, and where Asana — read back through its API — differs from what the job's
ledger says it set."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any

import httpx

from tenantsim.connectors.asana.adapter import AsanaAdapter
from tenantsim.connectors.asana.state import FIELD_SPECS, status_for_section
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
from tenantsim.scenario.work import DEFAULT_PROJECTS, plan_projects
from tenantsim.store.ledger_types import Ledger, LedgerEntry

LIVE = ("created",)
PRIORITY, STATUS = FIELD_SPECS["priority"][0], FIELD_SPECS["status"][0]
TASK_FIELDS = "name,completed,assignee,memberships.project,memberships.section,custom_fields,tags,parent"


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
    company = found_company(plan, ctx.seed, datetime.now(UTC), known=known)
    projects = int(ctx.config.get("initial_projects") or DEFAULT_PROJECTS)
    await plan_projects(company, ctx.content, ctx.seed, projects, list(company.people))
    return company


@contextlib.asynccontextmanager
async def asana_api(base: str, token: str) -> AsyncIterator[httpx.AsyncClient]:
    """Asana as one of its users sees it (``base`` ends in /api/1.0)."""
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        yield client


async def collect(api: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every record of a list, page by page (following next_page.offset)."""
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {**params, "limit": 100}
    while True:
        response = await api.get(path, params=query)
        response.raise_for_status()
        body = response.json()
        items.extend(body["data"])
        offset = (body.get("next_page") or {}).get("offset")
        if not offset:
            return items
        query = {**query, "offset": offset}


def _expected(entry: LedgerEntry, ledger: Ledger, status_field: bool) -> dict[str, Any]:
    """What a task or subtask should show, from what the ledger recorded the job set on it."""
    attrs = entry.attrs
    want: dict[str, Any] = {
        "name": attrs.get("name"),
        "completed": bool(attrs.get("completed", False)),
        "assignee": attrs.get("assignee"),
        PRIORITY: attrs.get("priority"),
        "tags": sorted(attrs.get("tags") or []),
        "memberships": [],
        "parent": None,
    }
    if entry.kind == "subtask":
        parent = ledger.get("task", str(entry.parent_key))
        want["parent"] = parent.platform_id if parent is not None else f"(task {entry.parent_key})"
        return want
    project = ledger.get("project", str(attrs.get("project_key")))
    sections = [s[0] for s in (project.attrs.get("sections", []) if project is not None else [])]
    section = int(attrs.get("section", 0))
    where = sections[section] if section < len(sections) else f"(section {section})"
    want["memberships"] = [(project.platform_id if project is not None else None, where)]
    if "status" in attrs:
        want[STATUS] = attrs["status"]
    elif status_field:  # set at creation to follow the board; every later change records it
        want[STATUS] = status_for_section(section, len(sections), want["completed"])
    return want


def _shown(task: dict[str, Any]) -> dict[str, Any]:
    values = {f.get("name"): (f.get("enum_value") or {}).get("name") for f in task.get("custom_fields") or []}
    return {
        "name": task.get("name"),
        "completed": task.get("completed"),
        "assignee": (task.get("assignee") or {}).get("gid"),
        PRIORITY: values.get(PRIORITY),
        STATUS: values.get(STATUS),
        "tags": sorted(t["gid"] for t in task.get("tags") or []),
        "memberships": [
            ((m.get("project") or {}).get("gid"), (m.get("section") or {}).get("gid"))
            for m in task.get("memberships") or []
        ],
        "parent": (task.get("parent") or {}).get("gid"),
    }


async def ledger_mismatches(api: httpx.AsyncClient, ledger: Ledger) -> list[str]:
    """Where Asana differs from what the ledger says the job set: every task and subtask the job made
    (name, section, completed, assignee, Priority, Status, tags, parent) and every comment it posted
    (a story on its task, with its text)."""
    problems: list[str] = []
    status_field = any(e.key == "status" for e in ledger.entries("custom_field", LIVE))
    gids: dict[str, str] = {}
    for entry in (*ledger.entries("task", LIVE), *ledger.entries("subtask", LIVE)):
        label = f"{entry.kind} {entry.key}"
        response = await api.get(f"/tasks/{entry.platform_id}", params={"opt_fields": TASK_FIELDS})
        if response.status_code != 200:
            problems.append(f"{label}: not in Asana ({response.status_code})")
            continue
        gids[entry.key] = str(entry.platform_id)
        shown = _shown(response.json()["data"])
        for field, want in _expected(entry, ledger, status_field).items():
            if shown[field] != want:
                problems.append(f"{label}: {field} {shown[field]!r}, the job set {want!r}")
    stories: dict[str, dict[str, str]] = {}
    for entry in ledger.entries("comment", LIVE):
        task = str(entry.parent_key)
        if task not in gids:
            problems.append(f"comment {entry.key}: its task {task} is not in Asana")
            continue
        if task not in stories:
            found = await collect(api, f"/tasks/{gids[task]}/stories", opt_fields="text,resource_subtype")
            comments = [s for s in found if s.get("resource_subtype") == "comment_added"]
            stories[task] = {str(s["gid"]): str(s.get("text")) for s in comments}
        text = stories[task].get(str(entry.platform_id))
        if text is None:
            problems.append(f"comment {entry.key}: not a story on task {task}")
        elif text != entry.attrs.get("text"):
            problems.append(f"comment {entry.key}: text {text!r}, the job posted {entry.attrs.get('text')!r}")
    return problems


async def people_mismatches(api: httpx.AsyncClient, workspace_gid: str, company: Company) -> list[str]:
    """Every company person who acts is a user of the workspace with that name (found by email local
    part, else by name)."""
    users = await collect(api, f"/workspaces/{workspace_gid}/users", opt_fields="name,email")
    by_login = {str(u.get("email") or "").split("@", 1)[0].lower(): u for u in users if u.get("email")}
    names = {str(u.get("name", "")).strip().casefold() for u in users}
    problems: list[str] = []
    for person in company.people.values():
        user = by_login.get(person.login.lower())
        if user is not None and str(user.get("name", "")).strip() != person.name.strip():
            problems.append(f"{person.name}: the workspace user {person.login} is named {user.get('name')!r}")
        elif user is None and person.name.strip().casefold() not in names:
            problems.append(f"{person.name} is not a user of the workspace")
    return problems


async def company_task_mismatches(api: httpx.AsyncClient, ledger: Ledger, company: Company,
                                  workspace_gid: str) -> list[str]:
    """Where Asana, read through its API, differs from the company's tasks: every task of a project the
    job made (and not archived) is there, by the company's task key, in its section, completed as the
    company says, assigned to the company's person (the workspace user with their login or name), due
    on its date, and a subtask under its parent."""
    users = await collect(api, f"/workspaces/{workspace_gid}/users", opt_fields="name,email")
    by_login = {str(u.get("email") or "").split("@", 1)[0].lower(): str(u["gid"]) for u in users}
    by_name = {str(u.get("name", "")).strip().casefold(): str(u["gid"]) for u in users}
    live = {p.key for p in company.projects if p.phase != "done"}
    problems: list[str] = []
    for task in company.tasks.values():
        project = ledger.get("project", task.project)
        if task.project not in live or project is None or project.status != "created":
            continue
        entry = ledger.get("subtask" if task.parent else "task", task.key)
        if entry is None or not entry.platform_id:
            problems.append(f"{task.key} ({task.name}) is not in Asana")
            continue
        response = await api.get(f"/tasks/{entry.platform_id}",
                                 params={"opt_fields": f"{TASK_FIELDS},due_on,created_at"})
        shown = response.json()["data"]
        person = company.people.get(task.assignee or "")
        assignee = (by_login.get(person.login.lower()) or by_name.get(person.name.strip().casefold())
                    if person else None)
        want: dict[str, Any] = {"name": task.name, "completed": task.done, "assignee": assignee,
                                "due_on": task.due_on}
        have: dict[str, Any] = {"name": shown["name"], "completed": shown["completed"],
                                "assignee": (shown.get("assignee") or {}).get("gid"),
                                "due_on": shown["due_on"]}
        if task.parent is None:
            sections = [s[0] for s in project.attrs.get("sections", [])]
            want["section"] = sections[task.section] if task.section < len(sections) else None
            have["section"] = next(((m.get("section") or {}).get("gid") for m in shown["memberships"]), None)
            if task.priority and ledger.get("custom_field", "priority") is not None:
                want[PRIORITY], have[PRIORITY] = task.priority, _shown(shown)[PRIORITY]
        else:
            parent = ledger.get("task", task.parent)
            want["parent"] = parent.platform_id if parent is not None else None
            have["parent"] = (shown.get("parent") or {}).get("gid")
        for field, value in want.items():
            if have[field] != value:
                problems.append(f"{task.key}: {field} {have[field]!r} in Asana, the company says {value!r}")
    return problems
