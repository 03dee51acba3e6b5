"""The company's work in Microsoft 365: each project is a Planner plan in its department's group (buckets
are the project's sections; the company's tasks with their bucket, assignee, due date, progress and
priority, converged from the company's state of them) and a channel in the department's Team, where each
task's discussion is one thread: the first comment starts it (its subject is the task), the others reply
to it, each written by its author with their own delegated token.

Graph posts channel messages only as a signed-in person (outside migration), so without delegated
tokens the job makes the plans and tasks (as the app) and skips the discussions, and says so.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from tenantsim.connectors.microsoft365.build import now_iso, ours
from tenantsim.connectors.microsoft365.client import GraphClient
from tenantsim.connectors.microsoft365.state import Actor, Tenant, department_key
from tenantsim.content.base import CommentIdea, ContentContext
from tenantsim.errors import PlatformError, Skippable
from tenantsim.scenario.company import ProjectPlan
from tenantsim.scenario.worktask import DONE, OPEN, WorkTask
from tenantsim.store.ledger_types import Ledger

PRIORITIES = {"Urgent": 1, "Important": 3, "Medium": 5, "Low": 9}  # Planner's priority values
# The company's priorities as Planner names them.
PLANNER_PRIORITY = {"Urgent": "Urgent", "High": "Important", "Medium": "Medium", "Low": "Low"}
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


def due_time(due_on: str | None) -> str | None:
    """A company due date as Planner's dueDateTime: the end of that working day."""
    return f"{due_on}T17:00:00Z" if due_on else None


def desired(task: WorkTask, project: Project, assignee: str | None) -> dict[str, Any]:
    """What Planner should show of a company task, as the ledger records it."""
    section = min(task.section, len(project.buckets) - 1)
    percent = 100 if task.done else min(percent_for(section, len(project.buckets)), 50)
    return {"section": section, "percent": percent, "assignee": assignee,
            "priority": PLANNER_PRIORITY.get(str(task.priority), "Medium"), "due": due_time(task.due_on)}


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

    async def create_task(self, task: WorkTask, project: Project, assignee: str | None,
                          actor: Actor | None) -> str | None:
        """The company's task in its bucket, assigned, due and prioritised as the company says."""
        want = desired(task, project, assignee)
        body: dict[str, Any] = {"planId": project.plan_id, "bucketId": project.buckets[want["section"]],
                                "title": task.name[:255], "percentComplete": want["percent"],
                                "priority": PRIORITIES[want["priority"]]}
        if want["due"]:
            body["dueDateTime"] = want["due"]
        if assignee is not None:
            body["assignments"] = assignment(assignee)
        attrs = {"project": project.key, "name": body["title"], **want}
        client = self.tenant.client
        return await self._ensure_in(
            "task", task.key, project.key, attrs, lambda: client.plan_tasks(project.plan_id),
            lambda t: t.get("title") == body["title"] and t.get("planId") == project.plan_id,
            lambda: client.create_task(body, token=actor.token if actor else None,
                                       token_id=actor.label if actor else None))

    async def converge_task(self, task: WorkTask, actor: Actor | None, **progress: Any) -> bool:
        """The company's task as Planner should show it: made when missing, else only what differs is
        set (the same task converged twice makes the same calls once). False when it cannot be shown
        (a subtask, or its plan is not there)."""
        project = self.project(task.project) if task.parent is None else None
        if project is None:
            return False
        assignee = self.tenant.user_id(task.assignee)
        entry = self.ctx.ledger.get("task", task.key)
        if entry is None or entry.status != "created":
            return await self.create_task(task, project, assignee, actor) is not None
        want = desired(task, project, assignee)
        have = entry.attrs
        changes: dict[str, Any] = {}
        if want["section"] != have.get("section"):
            changes["bucketId"] = project.buckets[want["section"]]
        if want["percent"] != have.get("percent"):
            changes["percentComplete"] = want["percent"]
        if want["priority"] != have.get("priority"):
            changes["priority"] = PRIORITIES[want["priority"]]
        if want["due"] != have.get("due") and (want["due"] or have.get("due")):
            changes["dueDateTime"] = want["due"]
        if assignee != have.get("assignee"):
            current = have.get("assignee")
            changes["assignments"] = {**({str(current): None} if current else {}),
                                      **(assignment(assignee) if assignee else {})}
        if changes:
            await self.update_task(task.key, changes, {k: v for k, v in want.items() if have.get(k) != v},
                                   actor, **progress)
        return True

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


def recorded_tasks(ledger: Ledger, people: dict[str, str], now: str) -> list[WorkTask]:
    """A job saved by an earlier version kept its tasks only in the ledger (the company had none): those
    rows as the company's tasks, keyed as there, with what they recorded (``people``: directory id ->
    person key); created ``now``, since the rows do not say when."""
    company_priority = {planner: ours for ours, planner in PLANNER_PRIORITY.items()}
    found = []
    for entry in ledger.entries("task", statuses=["created"]):
        attrs = entry.attrs
        done = int(attrs.get("percent") or 0) >= 100
        due = str(attrs.get("due") or "")[:10] or None
        found.append(WorkTask(
            key=entry.key, project=str(attrs.get("project") or entry.parent_key or ""),
            name=str(attrs.get("name") or ""), section=int(attrs.get("section") or 0),
            assignee=people.get(str(attrs.get("assignee"))), status=DONE if done else OPEN, created_at=now,
            due_on=due if due and due > now[:10] else None,
            priority=company_priority.get(str(attrs.get("priority")), "Medium"),
            completed_at=now if done else None))
    return found
