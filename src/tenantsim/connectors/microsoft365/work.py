"""The company's work in Microsoft 365: each project is a Planner plan in its department's group (buckets
are the project's sections, tasks assigned among the people the job acts as, with due dates, progress
and priority) and a channel in the department's Team, where each task's discussion is one thread: the
first comment starts it (its subject is the task), the others reply to it, each written by its author
with their own delegated token.

Graph posts channel messages only as a signed-in person (outside migration), so without delegated
tokens the job makes the plans and tasks (as the app) and skips the discussions, and says so.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tenantsim.connectors.microsoft365.build import now_iso, ours
from tenantsim.connectors.microsoft365.client import GraphClient
from tenantsim.connectors.microsoft365.state import Actor, Tenant, department_key
from tenantsim.content.base import CommentIdea, ContentContext, TaskIdea
from tenantsim.errors import PlatformError, Skippable
from tenantsim.scenario.company import ProjectPlan

TASKS_PER_PROJECT = 5
LONGEST_THREAD = 8
PRIORITIES = {"Urgent": 1, "Important": 3, "Medium": 5, "Low": 9}  # Planner's priority values
ASSIGNMENT = "#microsoft.graph.plannerAssignment"
_MENTION = re.compile(r"@([^\s,.:;!?]+)")


def first_name(name: str) -> str:
    return name.strip().split(" ", 1)[0] if name.strip() else ""


def percent_for(section: int, sections: int) -> int:
    """Planner's progress: not started in the first bucket, done in the last, in progress between."""
    if section >= sections - 1:
        return 100
    return 0 if section == 0 else 50


def assignment(user_id: str) -> dict[str, Any]:
    return {user_id: {"@odata.type": ASSIGNMENT, "orderHint": " !"}}


@dataclass
class Project:
    key: str
    name: str
    department: str
    sections: list[str]
    group_id: str
    plan_id: str
    buckets: list[str]
    channel_id: str | None


class Work:
    """Plans, tasks and threads: what the job made is in the ledger; this reads and extends it."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.ctx = tenant.ctx
        self.seed = int(getattr(self.ctx, "seed", None) or self.ctx.config.get("seed") or 0)
        self.threads: dict[str, list[CommentIdea]] = {}
        for entry in sorted(self.ctx.ledger.entries("message", statuses=["created"]),
                            key=lambda e: int(e.attrs.get("n") or 0)):
            self.threads.setdefault(str(entry.parent_key), []).append(
                CommentIdea(str(entry.attrs.get("text") or ""), str(entry.attrs.get("author") or "")))

    def content_ctx(self, **about: Any) -> ContentContext:
        company = self.tenant.company
        return ContentContext(industry=company.industry, seed=self.seed, company_name=company.name, **about)

    # -- making --------------------------------------------------------------------------------------
    async def _ensure_in(self, kind: str, key: str, parent_key: str | None, attrs: dict[str, Any],
                         listing: Any, match: Any, create: Any) -> str | None:
        """An object inside one of the job's own containers, made once (found there after a crash)."""
        async def find(client: GraphClient) -> dict[str, Any] | None:
            return ours(next((item for item in await listing() if match(item)), None))

        async def made(client: GraphClient) -> dict[str, Any]:
            return await create()

        try:
            return await self.tenant.intents().ensure(kind, key, attrs=attrs, parent_key=parent_key,
                                                      find=find, create=made)
        except Skippable as exc:
            self.ctx.ledger.failed(kind, key, exc.message)
            self.ctx.activity("notice", f"A Microsoft 365 {kind} was not made ({attrs.get('name') or key}): "
                              f"{exc.message}", [])
            return None

    async def ensure_project(self, plan: ProjectPlan) -> Project | None:
        """The project's channel, plan and buckets (one per section)."""
        tenant, client = self.tenant, self.tenant.client
        group_id = tenant.groups.get(department_key(plan.department))
        if group_id is None:
            return None
        channel_id = None
        if tenant.created_id("team", department_key(plan.department)):
            channel_id = await self._ensure_in(
                "channel", f"channel:{plan.key}", department_key(plan.department),
                {"name": plan.name, "team_id": group_id},
                lambda: client.channels(group_id), lambda c: c.get("displayName") == plan.name[:50],
                lambda: client.create_channel(group_id, plan.name[:50], plan.notes[:1024]))
        plan_id = await self._ensure_in(
            "plan", plan.key, department_key(plan.department), {"name": plan.name, "group_id": group_id},
            lambda: client.plans(group_id), lambda p: p.get("title") == plan.name,
            lambda: client.create_plan(group_id, plan.name))
        if plan_id is None:
            return None
        buckets: list[str] = []
        hint = " !"
        for index, section in enumerate(plan.sections):
            bucket = await self._ensure_in(
                "bucket", f"{plan.key}#{index}", plan.key, {"name": section, "plan_id": plan_id},
                lambda: client.buckets(plan_id), lambda b, name=section: b.get("name") == name,
                lambda name=section, order=hint: client.create_bucket(plan_id, name, order))
            if bucket is None:
                return None
            buckets.append(bucket)
            hint = f"{hint}!"
        return Project(plan.key, plan.name, plan.department, list(plan.sections), group_id, plan_id, buckets,
                       channel_id)

    def project(self, key: str) -> Project | None:
        """A project the job has made (from the ledger)."""
        plan = next((p for p in self.tenant.company.projects if p.key == key), None)
        plan_id = self.tenant.created_id("plan", key)
        group_id = self.tenant.groups.get(department_key(plan.department)) if plan is not None else None
        if plan is None or plan_id is None or group_id is None:
            return None
        buckets = [self.tenant.created_id("bucket", f"{key}#{i}") for i in range(len(plan.sections))]
        if any(b is None for b in buckets):
            return None
        return Project(key, plan.name, plan.department, list(plan.sections), group_id, plan_id,
                       [str(b) for b in buckets], self.tenant.created_id("channel", f"channel:{key}"))

    async def create_task(self, key: str, project: Project, idea: TaskIdea, rng: random.Random,
                          actor: Actor | None, *, building: bool = False) -> str | None:
        """A task in the project's first bucket (or a later one while building), assigned to one of the
        people the job acts as, due in the weeks ahead."""
        tenant = self.tenant
        section = rng.randrange(max(1, len(project.buckets) - 1)) if building else 0
        assignee = rng.choice(tenant.actors) if tenant.actors else None
        due = (datetime.now(UTC) + timedelta(days=rng.randint(3, 40))).replace(hour=17, minute=0, second=0,
                                                                               microsecond=0)
        percent = percent_for(section, len(project.buckets))
        priority = rng.choice(list(PRIORITIES))
        body: dict[str, Any] = {"planId": project.plan_id, "bucketId": project.buckets[section],
                                "title": idea.name[:255],
                                "dueDateTime": due.isoformat().replace("+00:00", "Z"),
                                "percentComplete": percent, "priority": PRIORITIES[priority]}
        if assignee is not None:
            body["assignments"] = assignment(assignee.user_id)
        attrs = {"project": project.key, "name": body["title"], "section": section, "percent": percent,
                 "assignee": assignee.user_id if assignee else None, "priority": priority,
                 "due": body["dueDateTime"]}
        client = tenant.client
        return await self._ensure_in(
            "task", key, project.key, attrs, lambda: client.plan_tasks(project.plan_id),
            lambda t: t.get("title") == body["title"] and t.get("planId") == project.plan_id,
            lambda: client.create_task(body, token=actor.token if actor else None,
                                       token_id=actor.label if actor else None))

    async def update_task(self, key: str, changes: dict[str, Any], attrs: dict[str, Any],
                          actor: Actor | None, **progress: Any) -> None:
        entry = self.ctx.ledger.get("task", key)
        if entry is None or not entry.platform_id:
            return
        await self.ctx.checkpoint_now()
        etag = await self.tenant.client.update_task(
            entry.platform_id, changes, etag=entry.attrs.get("etag"), token=actor.token if actor else None,
            token_id=actor.label if actor else None)
        self.ctx.record_created("task", key, entry.platform_id, {**attrs, "etag": etag}, **progress)

    # -- threads -------------------------------------------------------------------------------------
    def comment_context(self, task_key: str, author: Actor) -> ContentContext:
        entry = self.ctx.ledger.get("task", task_key)
        attrs = entry.attrs if entry is not None else {}
        owner = next((first_name(a.display_name) for a in self.tenant.actors
                      if a.user_id == attrs.get("assignee")), "")
        everyone = (owner, *(first_name(a.display_name) for a in self.tenant.actors))
        names = dict.fromkeys(n for n in everyone if n)
        extra = {"mentions": ",".join(names), "author": first_name(author.display_name)}
        if owner:
            extra["owner"] = owner
        if int(attrs.get("percent") or 0) == 100:
            extra["task_done"] = "yes"
        project = next((p for p in self.tenant.company.projects if p.key == attrs.get("project")), None)
        return self.content_ctx(department=project.department if project else None,
                                project=project.name if project else None, task=str(attrs.get("name") or ""),
                                extra=extra, thread=tuple(self.threads.get(task_key, [])))

    def replier(self, task_key: str, rng: random.Random, last: str | None) -> Actor:
        """Whoever the last comment asked answers it; else someone other than its author."""
        thread = self.threads.get(task_key) or []
        if thread:
            asked = _MENTION.search(thread[-1].text)
            found = next((a for a in self.tenant.actors if asked and a.label != last
                          and first_name(a.display_name) == asked.group(1)), None)
            if found is not None:
                return found
        others = [a for a in self.tenant.actors if a.label != last] or self.tenant.actors
        return rng.choice(others)

    async def comment(self, key: str, task_key: str, author: Actor, **progress: Any) -> str | None:
        """One comment on a task, in its project's channel: a new thread, or a reply to it."""
        ledger = self.ctx.ledger
        task = ledger.get("task", task_key)
        if task is None or not task.platform_id:
            return None
        project = self.project(str(task.attrs.get("project")))
        if project is None or project.channel_id is None:
            return None
        earlier = ledger.get("message", key)
        if earlier is not None:  # posted before a restart, or interrupted (never posted twice)
            return earlier.platform_id
        thread = self.threads.setdefault(task_key, [])
        ideas = await self.ctx.content.comments(self.comment_context(task_key, author), 1,
                                                start_index=len(thread))
        text = ideas[0].text
        root = task.attrs.get("thread")
        ledger.intent("message", key, parent_key=task_key, actor=author.label,
                      attrs={"text": text, "author": first_name(author.display_name), "n": len(thread),
                             "reply_to": root, "channel_id": project.channel_id, "team_id": project.group_id,
                             "requested_at": now_iso()})
        await self.ctx.checkpoint_now()
        try:
            made = await self.tenant.client.post_message(
                project.group_id, project.channel_id, text if root else f"{task.attrs.get('name')}: {text}",
                token=author.token, token_id=author.label, reply_to=str(root) if root else None)
        except PlatformError as exc:
            ledger.failed("message", key, exc.message)
            raise
        message_id = str(made["id"])
        self.ctx.record_created("message", key, message_id, None, **progress)
        if not root:
            ledger.update_attrs("task", task_key, {"thread": message_id})
        thread.append(CommentIdea(text, first_name(author.display_name)))
        verb = "replied on" if root else "started a thread on"
        self.ctx.activity("comment_added", f"{author.display_name} {verb} “{task.attrs.get('name')}” in the "
                          f"{project.name} channel: “{text}”",
                          [{"type": "task", "id": task.platform_id, "name": task.attrs.get("name")},
                           {"type": "message", "id": message_id}])
        return message_id

    async def thread(self, task_key: str, count: int, rng: random.Random) -> None:
        last: str | None = None
        for n in range(count):
            author = self.replier(task_key, rng, last)
            await self.comment(f"message:{task_key}:{n}", task_key, author)
            last = author.label
