"""ContinuousService: what an Asana job does. ``seed`` builds the company's projects (sections, assigned
tasks with due dates, descriptions, subtasks, comment threads, tags, custom field values, a portfolio);
``run_event`` then keeps the workspace alive: new tasks, replies, tasks moving across sections and
getting completed. Every event is a readable sentence in the activity log."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from tenantsim.connectors.asana import cleanup as cleanup_module
from tenantsim.connectors.asana.builder import Builder
from tenantsim.connectors.asana.pool import AsanaClientPool, Member
from tenantsim.connectors.asana.state import (
    FIELD_SPECS,
    PRIORITY_WEIGHTS,
    TAG_COLORS,
    TAG_NAMES,
    AsanaState,
    TaskState,
    status_for_section,
    weighted,
)
from tenantsim.connectors.base import JobContext
from tenantsim.errors import NotFoundOnPlatform, Skippable

DEFAULT_PROJECTS = 3
TASKS_PER_PROJECT = 6
FALLBACK_DEPARTMENTS = ("Engineering", "Marketing", "Operations", "Sales", "Finance")
EVENT_WEIGHTS: dict[str, int] = {
    "create_task": 20,
    "comment": 26,
    "move_task": 16,
    "complete_task": 14,
    "add_subtask": 8,
    "reassign_task": 5,
    "tag_task": 5,
    "update_priority": 6,
}


class ContinuousService:
    def __init__(self, ctx: JobContext, pool: AsanaClientPool) -> None:
        self.ctx = ctx
        self.pool = pool
        self.state = AsanaState(workspace_gid=str(ctx.config["workspace_gid"]))
        self.state.rebuild(ctx.ledger, ctx.progress)
        self._builder: Builder | None = None
        self._events: dict[str, Callable[[random.Random], Awaitable[bool]]] = {
            "create_task": self._create_task,
            "comment": self._comment,
            "move_task": self._move_task,
            "complete_task": self._complete_task,
            "add_subtask": self._add_subtask,
            "reassign_task": self._reassign_task,
            "tag_task": self._tag_task,
            "update_priority": self._update_priority,
        }

    # -- set-up -----------------------------------------------------------------------------------
    async def builder(self) -> Builder:
        if self._builder is not None:
            return self._builder
        client = self.pool.members[0].client
        gid = self.state.workspace_gid
        try:
            workspace = await client.get(f"/workspaces/{gid}", opt_fields="name,is_organization")
        except NotFoundOnPlatform:
            raise NotFoundOnPlatform(
                f"Asana workspace not found: {gid}", 404, "workspace_not_found"
            ) from None
        self.state.workspace_name = str(workspace.get("name", ""))
        self.state.is_organization = bool(workspace.get("is_organization"))
        if self.state.is_organization:
            teams = await client.collect(f"/workspaces/{gid}/teams", opt_fields="name")
            self.state.teams = [(str(t["gid"]), str(t.get("name", ""))) for t in teams]
        users = await client.collect(f"/workspaces/{gid}/users", opt_fields="name")
        self.state.users = [(str(u["gid"]), str(u.get("name", ""))) for u in users]
        for member in self.pool.members:  # the job's own people are always assignable
            if all(g != member.user_gid for g, _ in self.state.users):
                self.state.users.append((member.user_gid, member.user_name))
        self._builder = Builder(self.ctx, self.pool, self.state, self.state.workspace_name or "the company")
        return self._builder

    def project_count(self) -> int:
        return int(self.ctx.config.get("initial_projects") or DEFAULT_PROJECTS)

    def seed_total(self) -> int:
        return len(FIELD_SPECS) + len(TAG_NAMES) + 1 + self.project_count() * (1 + TASKS_PER_PROJECT * 4)

    async def _departments(self, builder: Builder) -> list[str]:
        try:
            plan = await self.ctx.content.org_plan(builder.industry, 12)
            names = [d.name for d in sorted(plan.departments, key=lambda d: -d.share)]
        except Exception:  # content is best effort here: department names only steer project ideas
            names = []
        return names or list(FALLBACK_DEPARTMENTS)

    # -- the initial company ----------------------------------------------------------------------
    async def seed(self) -> None:
        builder = await self.builder()
        rng = self.ctx.rng("asana", "seed")
        for role in FIELD_SPECS:
            await self.ctx.checkpoint_now()
            if await builder.ensure_field(role, self.pool.pick(rng)) is None and role == "priority":
                self.ctx.activity(
                    "notice",
                    "Custom fields are not available in this workspace; tasks get "
                    "no Priority, Effort or Status values.",
                    [],
                )
        for index, (name, color) in enumerate(zip(TAG_NAMES, TAG_COLORS, strict=True)):
            await self.ctx.checkpoint_now()
            await builder.create_tag(index, name, color, self.pool.pick(rng))
        departments = await self._departments(builder)
        today = datetime.now(UTC).date()
        for index in range(self.project_count()):
            await self.ctx.checkpoint_now()
            department = departments[index % len(departments)]
            project = await builder.create_project(
                f"project:{index}", department, index, self.ctx.rng("asana", "project", index)
            )
            ideas = await self.ctx.content.tasks(
                builder.content_ctx(department=department, project=project.name), TASKS_PER_PROJECT
            )
            for number, idea in enumerate(ideas):
                await self.ctx.checkpoint_now()
                task_rng = self.ctx.rng("asana", "task", index, number)
                task = await builder.create_task(f"task:{index}:{number}", project, idea, task_rng, today)
                if task is None or self._seed_done(task.key):  # a resumed seed: this one is complete
                    continue
                for sub_index, name in enumerate(idea.subtasks[:3]):
                    await builder.add_subtask(task, sub_index, name, task_rng)
                if self.state.tags and task_rng.random() < 0.35:
                    await self._tag(task, task_rng)
                if task.comments == 0 and task_rng.random() < 0.6:
                    await builder.comment_thread(
                        task, task_rng.randint(2, 4), task_rng, last_author=task.actor
                    )
                self.ctx.ledger.update_attrs("task", task.key, {"seed_done": True})
            self.ctx.checkpoint(seeded_projects=index + 1)
        await self._portfolio(builder, rng)

    def _seed_done(self, task_key: str) -> bool:
        entry = self.ctx.ledger.get("task", task_key)
        return entry is not None and bool(entry.attrs.get("seed_done"))

    async def _portfolio(self, builder: Builder, rng: random.Random) -> None:
        if self.state.portfolio_gid is not None or not self.state.is_organization:
            return
        member = self.pool.pick(rng)
        name = f"{builder.company} {date.today().year} Initiatives"
        self.ctx.ledger.intent("portfolio", "portfolio:0", actor=member.label, attrs={"name": name})
        try:
            made = await builder.post_create(
                "portfolio",
                "portfolio:0",
                member,
                "/portfolios",
                {"workspace": self.state.workspace_gid, "name": name, "color": "dark-blue", "public": True},
            )
        except Skippable as exc:
            self.ctx.ledger.failed("portfolio", "portfolio:0", exc.message)
            self.ctx.activity("notice", "Portfolios need a paid Asana plan; projects were not grouped.", [])
            return
        self.state.portfolio_gid = str(made["gid"])
        self.ctx.ledger.created("portfolio", "portfolio:0", self.state.portfolio_gid)
        for project in self.state.projects.values():
            await member.client.post(f"/portfolios/{self.state.portfolio_gid}/addItem", {"item": project.gid})
        self.ctx.activity(
            "portfolio_created",
            f"{member.user_name} grouped {_plural(len(self.state.projects), 'project')} into the portfolio "
            f"“{name}”.",
            [{"type": "portfolio", "id": self.state.portfolio_gid, "name": name}],
        )

    # -- ongoing activity -------------------------------------------------------------------------
    def event_types(self) -> Sequence[str]:
        return list(EVENT_WEIGHTS)

    async def run_event(self, event_type: str | None = None) -> str | None:
        await self.builder()
        count = int(self.ctx.progress.get("asana_events", 0))
        rng = self.ctx.rng("asana", "event", count)
        self.ctx.checkpoint(asana_events=count + 1)
        if event_type is None:
            event_type = rng.choices(list(EVENT_WEIGHTS), weights=list(EVENT_WEIGHTS.values()))[0]
        order = [event_type] + [e for e in ("comment", "create_task") if e != event_type]
        for kind in order:  # fall back to something always possible when the first choice is not
            try:
                if await self._events[kind](rng):
                    return kind
            except (Skippable, NotFoundOnPlatform) as exc:
                self.ctx.activity("skipped", f"Skipped a {kind.replace('_', ' ')}: {exc.message}", [])
                return None
        return None

    def _open_tasks(self) -> list[TaskState]:
        return [
            t for t in self.state.tasks.values() if not t.completed and t.project_key in self.state.projects
        ]

    def _doer(self, task: TaskState, rng: random.Random) -> Member:
        """The assignee acts on their own task when we hold their token; otherwise anyone."""
        return next((m for m in self.pool.members if m.user_gid == task.assignee), None) or self.pool.pick(
            rng
        )

    async def _create_task(self, rng: random.Random) -> bool:
        if not self.state.projects:
            return False
        builder = await self.builder()
        project = rng.choice(list(self.state.projects.values()))
        seq = self._next_seq("task", lambda n: f"task:e{n}", "asana_task_seq")
        ideas = await self.ctx.content.tasks(
            builder.content_ctx(department=project.department, project=project.name),
            1,
            start_index=TASKS_PER_PROJECT + seq,
        )
        task = await builder.create_task(
            f"task:e{seq}", project, ideas[0], rng, datetime.now(UTC).date(), progress={"asana_task_seq": seq}
        )
        return task is not None

    def _next_seq(self, kind: str, key_for: Callable[[int], str], counter: str) -> int:
        """The next unused number for an event's object. The counter advances in the same transaction
        as the ledger row (record_created); a number the ledger already holds (made just before a
        crash, or a try that failed) is never reused."""
        seq = int(self.ctx.progress.get(counter, 0)) + 1
        while self.ctx.ledger.get(kind, key_for(seq)) is not None:
            seq += 1
        return seq

    async def _comment(self, rng: random.Random) -> bool:
        candidates = self._open_tasks() or list(self.state.tasks.values())
        if not candidates:
            return False
        threads = [t for t in candidates if t.comments] if rng.random() < 0.6 else []
        task = rng.choice(threads or candidates)
        builder = await self.builder()
        return await builder.comment_thread(task, rng.randint(1, 2), rng, last_author=task.actor) > 0

    async def _move_task(self, rng: random.Random) -> bool:
        movable = [
            t for t in self._open_tasks() if t.section < len(self.state.projects[t.project_key].sections) - 1
        ]
        if not movable:
            return False
        task = rng.choice(movable)
        project = self.state.projects[task.project_key]
        member = self._doer(task, rng)
        task.section += 1
        section_gid, section_name = project.sections[task.section]
        await member.client.post(f"/sections/{section_gid}/addTask", {"task": task.gid})
        self.ctx.ledger.update_attrs("task", task.key, {"section": task.section})
        await self._set_status(member, task, project)
        self.ctx.activity(
            "task_moved",
            f"{member.user_name} moved “{task.name}” to {section_name} in {project.name}.",
            [{"type": "task", "id": task.gid, "name": task.name}],
        )
        if task.section == len(project.sections) - 1:
            await self._complete(member, task)
        return True

    async def _complete_task(self, rng: random.Random) -> bool:
        open_tasks = self._open_tasks()
        if not open_tasks:
            return False
        task = max(rng.sample(open_tasks, min(3, len(open_tasks))), key=lambda t: t.section)
        await self._complete(self._doer(task, rng), task)
        return True

    async def _complete(self, member: Member, task: TaskState) -> None:
        await member.client.put(f"/tasks/{task.gid}", {"completed": True})
        task.completed = True
        self.ctx.ledger.update_attrs("task", task.key, {"completed": True})
        project = self.state.projects.get(task.project_key)
        if project is not None:
            await self._set_status(member, task, project)
        self.ctx.activity(
            "task_completed",
            f"{member.user_name} completed “{task.name}”.",
            [{"type": "task", "id": task.gid, "name": task.name}],
        )

    async def _set_status(self, member: Member, task: TaskState, project: Any) -> None:
        status = self.state.fields.get("status")
        if status is None:
            return
        name = status_for_section(task.section, len(project.sections), task.completed)
        if name in status.options:
            await member.client.put(
                f"/tasks/{task.gid}", {"custom_fields": {status.gid: status.options[name]}}
            )

    async def _add_subtask(self, rng: random.Random) -> bool:
        open_tasks = self._open_tasks()
        if not open_tasks:
            return False
        task = rng.choice(open_tasks)
        builder = await self.builder()
        seq = self._next_seq("subtask", lambda n: f"{task.key}:sub{100 + n}", "asana_subtask_seq")
        project = self.state.projects.get(task.project_key)
        # Subtask names come from the project's own task vocabulary (a batch the provider already has).
        ideas = await self.ctx.content.tasks(
            builder.content_ctx(department=project.department if project else None,
                                project=project.name if project else None), 1, start_index=100 + seq)
        name = ideas[0].subtasks[0] if ideas and ideas[0].subtasks else ideas[0].name
        await builder.add_subtask(task, 100 + seq, name, rng, progress={"asana_subtask_seq": seq})
        return True

    async def _reassign_task(self, rng: random.Random) -> bool:
        open_tasks = self._open_tasks()
        if not open_tasks or len(self.state.users) < 2:
            return False
        task = rng.choice(open_tasks)
        member = self._doer(task, rng)
        new = rng.choice([u for u in self.state.users if u[0] != task.assignee])
        await member.client.put(f"/tasks/{task.gid}", {"assignee": new[0]})
        task.assignee = new[0]
        self.ctx.ledger.update_attrs("task", task.key, {"assignee": new[0]})
        self.ctx.activity(
            "task_reassigned",
            f"{member.user_name} handed “{task.name}” over to {new[1]}.",
            [{"type": "task", "id": task.gid, "name": task.name}],
        )
        return True

    async def _tag(self, task: TaskState, rng: random.Random) -> None:
        tag_gid, tag_name = rng.choice(self.state.tags)
        member = self._doer(task, rng)
        await member.client.post(f"/tasks/{task.gid}/addTag", {"tag": tag_gid})
        self.ctx.activity(
            "task_tagged",
            f"{member.user_name} tagged “{task.name}” as {tag_name}.",
            [
                {"type": "task", "id": task.gid, "name": task.name},
                {"type": "tag", "id": tag_gid, "name": tag_name},
            ],
        )

    async def _tag_task(self, rng: random.Random) -> bool:
        open_tasks = self._open_tasks()
        if not open_tasks or not self.state.tags:
            return False
        await self._tag(rng.choice(open_tasks), rng)
        return True

    async def _update_priority(self, rng: random.Random) -> bool:
        priority = self.state.fields.get("priority")
        open_tasks = self._open_tasks()
        if priority is None or not open_tasks:
            return False
        task = rng.choice(open_tasks)
        level = weighted(rng, PRIORITY_WEIGHTS)
        if level not in priority.options:
            return False
        member = self._doer(task, rng)
        await member.client.put(
            f"/tasks/{task.gid}", {"custom_fields": {priority.gid: priority.options[level]}}
        )
        self.ctx.activity(
            "priority_changed",
            f"{member.user_name} set the priority of “{task.name}” to {level}.",
            [{"type": "task", "id": task.gid, "name": task.name}],
        )
        return True

    # -- the end ----------------------------------------------------------------------------------
    async def cleanup(self) -> dict[str, Any]:
        return await cleanup_module.cleanup(self.ctx, self.pool)

    async def aclose(self) -> None:
        await self.pool.aclose()


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
