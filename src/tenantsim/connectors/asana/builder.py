"""Creating things in Asana with the ledger discipline: intent before the call, id after, one token per
object (its creator, who cleanup deletes it with). Shared by the seed and the ongoing events."""

from __future__ import annotations

import asyncio
import random
import re
from typing import Any

from tenantsim.connectors.asana.pool import AsanaClientPool, Member
from tenantsim.connectors.asana.reconcile import AsanaReconciler
from tenantsim.connectors.asana.state import (
    EFFORT_POINTS,
    FIELD_SPECS,
    AsanaState,
    FieldState,
    ProjectState,
    TaskState,
    status_of,
)
from tenantsim.connectors.base import JobContext
from tenantsim.connectors.kit.intents import UNKNOWN_OUTCOME_TRIES
from tenantsim.content.base import CommentIdea, ContentContext
from tenantsim.errors import OutcomeUnknown, PlatformError, Skippable
from tenantsim.scenario.company import ProjectPlan
from tenantsim.scenario.worktask import WorkTask


class Builder:
    def __init__(self, ctx: JobContext, pool: AsanaClientPool, state: AsanaState, company: str) -> None:
        self.ctx = ctx
        self.pool = pool
        self.state = state
        self.company = company
        self.industry = str(ctx.config.get("industry", "technology"))
        self.seed = int(getattr(ctx, "seed", None) or ctx.config.get("seed") or 0)
        self._reconciler = AsanaReconciler(ctx, pool, state.workspace_gid)
        self._unanswered: set[tuple[str, str]] = set()  # creates that got no answer, not yet settled

    def content_ctx(self, **about: Any) -> ContentContext:
        return ContentContext(industry=self.industry, seed=self.seed, company_name=self.company, **about)

    def actor(self, label: str | None, rng: random.Random) -> Member:
        return self.pool.by_label(label) or self.pool.least_busy(rng)

    async def post_create(self, kind: str, key: str, member: Member, path: str, body: dict[str, Any]) -> Any:
        """The create call behind an intent: when Asana refuses (after the HTTP layer's retries), the
        ledger says so with the reason, so no intended object is ever left unexplained. A create that
        got no answer is looked up the way a crash's intent is, and made again only when Asana lacks it."""
        entry, attempt = self.ctx.ledger.get(kind, key), 0
        while True:
            attempt += 1
            if entry is not None and (kind, key) in self._unanswered:  # an earlier try may have made it
                found = await self._reconciler.find(entry, member)
                if found is not None:
                    self._unanswered.discard((kind, key))
                    return found
            try:
                made = await member.client.post(path, body, once=True)
            except OutcomeUnknown:
                self._unanswered.add((kind, key))  # the intent stays open until it is settled
                if attempt == UNKNOWN_OUTCOME_TRIES:
                    raise
                continue
            except PlatformError as exc:
                self.ctx.ledger.failed(kind, key, exc.message)
                raise
            self._unanswered.discard((kind, key))
            return made

    # -- custom fields and tags -------------------------------------------------------------------
    async def ensure_field(self, role: str, member: Member) -> FieldState | None:
        if role in self.state.fields:
            return self.state.fields[role]
        name, subtype, options = FIELD_SPECS[role]
        existing = self.ctx.ledger.get("custom_field", role)
        if existing is None and await self._field_named(name, member) is not None:
            self.ctx.ledger.intent("custom_field", role, actor=member.label,
                                   attrs={"role": role, "subtype": subtype, "name": name})
            exc = Skippable(f"A custom field named {name} already exists in this workspace", 400)
            return await self._reuse_field(role, name, subtype, role, exc)
        entry = self.ctx.ledger.intent(
            "custom_field", role, actor=member.label,
            attrs={"role": role, "subtype": subtype, "name": name, "absent_at_intent": existing is None},
        )
        body: dict[str, Any] = {
            "workspace": self.state.workspace_gid,
            "name": name,
            "resource_subtype": subtype,
            "description": f"Set by the {self.company} team.",
        }
        if subtype == "enum":
            body["enum_options"] = [{"name": n, "color": c} for n, c in options]
        if subtype == "number":
            body["precision"] = 1
        try:
            made = await self.post_create("custom_field", role, member, "/custom_fields", body)
        except Skippable as exc:
            if exc.status == 402:
                self.ctx.ledger.failed("custom_field", role, "needs a paid Asana plan")
                return None
            return await self._reuse_field(role, name, subtype, entry.key, exc)
        found = FieldState(
            str(made["gid"]), subtype, {o["name"]: str(o["gid"]) for o in made.get("enum_options", [])}
        )
        self.ctx.ledger.created("custom_field", role, found.gid, {"options": found.options})
        self.state.fields[role] = found
        return found

    async def _field_named(self, name: str, member: Member) -> dict[str, Any] | None:
        fields = await member.client.collect(
            f"/workspaces/{self.state.workspace_gid}/custom_fields", opt_fields="name")
        return next((f for f in fields if str(f.get("name", "")).lower() == name.lower()), None)

    async def _reuse_field(
        self, role: str, name: str, subtype: str, key: str, exc: Skippable
    ) -> FieldState | None:
        """A same-named field already exists in the workspace: use it, never own it (cleanup leaves it)."""
        member = self.pool.members[0]
        fields = await member.client.collect(
            f"/workspaces/{self.state.workspace_gid}/custom_fields",
            opt_fields="name,resource_subtype,enum_options.name",
        )
        existing = next(
            (
                f
                for f in fields
                if f.get("name", "").lower() == name.lower() and f.get("resource_subtype") == subtype
            ),
            None,
        )
        self.ctx.ledger.failed("custom_field", key, exc.message)
        if existing is None:
            return None
        found = FieldState(
            str(existing["gid"]),
            subtype,
            {o["name"]: str(o["gid"]) for o in existing.get("enum_options") or []},
            owned=False,
        )
        self.state.fields[role] = found
        reused = dict(self.ctx.progress.get("asana_reused_fields") or {})
        reused[role] = {"gid": found.gid, "subtype": subtype, "options": found.options}
        self.ctx.checkpoint(asana_reused_fields=reused)
        return found

    async def create_tag(self, index: int, name: str, color: str, member: Member) -> None:
        key = f"tag:{index}"
        entry = self.ctx.ledger.intent("tag", key, actor=member.label, attrs={"name": name})
        if entry.platform_id:
            return
        made = await self.post_create(
            "tag", key, member, "/tags", {"workspace": self.state.workspace_gid, "name": name, "color": color}
        )
        self.ctx.ledger.created("tag", key, str(made["gid"]))
        self.state.tags.append((str(made["gid"]), name))
        self.ctx.activity(
            "tag_created",
            f"{member.user_name} created the tag “{name}”.",
            [{"type": "tag", "id": str(made["gid"]), "name": name}],
        )

    # -- projects ---------------------------------------------------------------------------------
    async def create_project(self, plan: ProjectPlan, rng: random.Random, member: Member | None = None) -> \
            ProjectState:
        """The company's project in Asana, created by its owner when the job holds their token."""
        key, department = plan.key, plan.department
        existing = self.state.projects.get(key)
        if existing is not None:
            entry = self.ctx.ledger.get("project", key)
            if entry is not None and not entry.attrs.get("set_up"):  # stopped while setting it up
                await self._finish_setup(existing)
            return existing
        member = member or self.pool.least_busy(rng)
        entry = self.ctx.ledger.intent(
            "project", key, actor=member.label, attrs={"name": plan.name, "department": department}
        )
        if entry.platform_id and entry.status == "created":  # made, its setup cut short: finish that
            project = ProjectState(key, entry.platform_id, plan.name, department, [],
                                   entry.actor or member.label)
            await self._finish_setup(project)
            self.state.projects[key] = project
            return project
        body: dict[str, Any] = {
            "name": plan.name,
            "notes": plan.notes,
            "workspace": self.state.workspace_gid,
            "default_view": rng.choice(("list", "board", "board")),
            "color": rng.choice(
                ("dark-blue", "dark-green", "dark-purple", "light-orange", "dark-teal", "light-pink")
            ),
        }
        if self.state.is_organization and self.state.teams:
            body["team"] = self._team_for(department)[0]
        made = await self.post_create("project", key, member, "/projects", body)
        gid = str(made["gid"])
        self.ctx.ledger.created("project", entry.key, gid)

        async def board() -> list[tuple[str, str]]:  # one after another: Asana shows them in that order
            made: list[tuple[str, str]] = []
            for name in plan.sections:
                await self.ctx.checkpoint_now()
                section = await member.client.post(f"/projects/{gid}/sections", {"name": name})
                made.append((str(section["gid"]), name))
            return made

        # The board's sections and the fields alongside them: the project is ready for work sooner.
        sections, _ = await asyncio.gather(board(), self._attach_fields(gid, member, attached=set()))
        self.ctx.ledger.update_attrs("project", key, {"sections": [list(s) for s in sections],
                                                      "set_up": True})
        project = ProjectState(key, gid, plan.name, department, sections, member.label)
        self.state.projects[key] = project
        where = f" for the {self._team_for(department)[1]} team" if "team" in body else ""
        self.ctx.activity(
            "project_created",
            f"{member.user_name} created the project “{plan.name}”{where} with {len(sections)} sections.",
            [{"type": "project", "id": gid, "name": plan.name}],
        )
        return project

    async def _attach_fields(self, project_gid: str, member: Member, attached: set[str]) -> None:
        """Put the job's custom fields on the project (a task may only carry values of those)."""
        for role in ("priority", "effort", "status"):
            found = self.state.fields.get(role)
            if found is not None and found.gid not in attached:
                await member.client.post(
                    f"/projects/{project_gid}/addCustomFieldSetting",
                    {"custom_field": found.gid, "is_important": role != "effort"},
                )

    async def _finish_setup(self, project: ProjectState) -> None:
        """The job stopped after creating the project but before its sections and fields were all
        there: read what exists and add the rest."""
        member = self.pool.by_label(project.actor) or self.pool.members[0]
        found = await member.client.collect(f"/projects/{project.gid}/sections", opt_fields="name")
        if not found:
            for name in ("To do", "In progress", "Done"):
                found.append(await member.client.post(f"/projects/{project.gid}/sections", {"name": name}))
        project.sections = [(str(s["gid"]), str(s.get("name", ""))) for s in found]
        sections = [list(s) for s in project.sections]
        self.ctx.ledger.update_attrs("project", project.key, {"sections": sections})
        settings = await member.client.collect(f"/projects/{project.gid}/custom_field_settings",
                                               opt_fields="custom_field")
        attached = {str((s.get("custom_field") or {}).get("gid")) for s in settings}
        await self._attach_fields(project.gid, member, attached)
        self.ctx.ledger.update_attrs("project", project.key, {"set_up": True})  # a restart finds all there

    def _team_for(self, department: str) -> tuple[str, str]:
        named = next((t for t in self.state.teams if t[1].lower() == department.lower()), None)
        if named is not None:
            return named
        return self.state.teams[sum(map(ord, department)) % len(self.state.teams)]

    # -- tasks ------------------------------------------------------------------------------------
    def field_values(self, task: WorkTask, sections: int, rng: random.Random) -> dict[str, Any]:
        """Custom field values of a company task, by field gid (option gids for enums): its Priority and
        Status as the company says, an Effort estimate of the team's own."""
        values: dict[str, Any] = {}
        priority, effort, status = (self.state.fields.get(r) for r in ("priority", "effort", "status"))
        if priority and task.priority in priority.options:
            values[priority.gid] = priority.options[str(task.priority)]
        if effort:
            values[effort.gid] = rng.choice(EFFORT_POINTS)
        if status and status_of(task, sections) in status.options:
            values[status.gid] = status.options[status_of(task, sections)]
        return values

    def tag_gids(self, task: WorkTask) -> list[str]:
        return [gid for gid, name in self.state.tags if name in task.labels]

    async def create_task(self, task: WorkTask, project: ProjectState, assignee: str | None, member: Member,
                          progress: dict[str, Any] | None = None) -> TaskState | None:
        """The company's task in Asana as ``member``, in its section, with its assignee (an Asana user
        gid), due date, fields and tags; None when the ledger says it was made already but the state does
        not hold it (deleted since). Keyed by the company's task key, so it is made once."""
        if task.key in self.state.tasks:
            return self.state.tasks[task.key]
        entry = self.ctx.ledger.intent("task", task.key, parent_key=project.key, actor=member.label,
                                       attrs={"name": task.name, "project_key": project.key})
        if entry.platform_id:
            return None
        rng = self.ctx.rng("asana", "effort", task.key)
        section = min(task.section, max(0, len(project.sections) - 1))
        body: dict[str, Any] = {"name": task.name, "notes": task.notes, "projects": [project.gid],
                                "assignee": assignee, "due_on": task.due_on}
        if project.sections:
            body["memberships"] = [{"project": project.gid, "section": project.sections[section][0]}]
        if task.done:
            body["completed"] = True
        values = self.field_values(task, len(project.sections), rng)
        if values:
            body["custom_fields"] = values
        made = await self.post_create("task", task.key, member, "/tasks", body)
        state = TaskState(task.key, str(made["gid"]), task.name, project.key, section, task.done, assignee,
                          member.label)
        attrs: dict[str, Any] = {"section": section, "assignee": assignee, "completed": task.done,
                                 "due_on": task.due_on, "comments": 0, "seed_done": False}
        if self.state.fields.get("priority") and task.priority:
            attrs["priority"] = task.priority
        if self.state.fields.get("status"):
            attrs["status"] = status_of(task, len(project.sections))
        tags = self.tag_gids(task)
        if tags:  # its gid first: a tag call that fails must not leave the task to be made again
            self.ctx.ledger.created("task", task.key, state.gid)
        for tag in tags:
            await member.client.post(f"/tasks/{state.gid}/addTag", {"tag": tag})
            attrs.setdefault("tags", []).append(tag)
        self.ctx.record_created("task", task.key, state.gid, attrs, **(progress or {}))
        self.state.tasks[task.key] = state
        who = f", assigned to {self.state.user_name(assignee)}" if assignee else ""
        due = f", due {task.due_on}" if task.due_on else ""
        self.ctx.activity(
            "task_created",
            f"{member.user_name} added “{task.name}” to {project.name}{who}{due}.",
            [{"type": "task", "id": state.gid, "name": task.name},
             {"type": "project", "id": project.gid, "name": project.name}],
        )
        return state

    async def add_subtask(self, task: WorkTask, parent: TaskState, assignee: str | None, member: Member,
                          progress: dict[str, Any] | None = None) -> TaskState | None:
        """A step of ``parent``, keyed by the company's task key (re-applying it never makes two)."""
        if task.key in self.state.subtasks:
            return self.state.subtasks[task.key]
        entry = self.ctx.ledger.intent("subtask", task.key, parent_key=parent.key, actor=member.label,
                                       attrs={"name": task.name})
        if entry.platform_id:
            return None
        made = await self.post_create("subtask", task.key, member, f"/tasks/{parent.gid}/subtasks",
                                      {"name": task.name, "assignee": assignee, "due_on": task.due_on})
        state = TaskState(task.key, str(made["gid"]), task.name, parent.project_key, 0, False, assignee,
                          member.label, 0, parent.key)
        self.ctx.record_created("subtask", task.key, state.gid,
                                {"assignee": assignee, "due_on": task.due_on, "completed": False},
                                **(progress or {}))
        self.state.subtasks[task.key] = state
        self.ctx.activity(
            "subtask_created",
            f"{member.user_name} broke out “{task.name}” as a subtask of “{parent.name}”.",
            [{"type": "subtask", "id": state.gid, "name": task.name}],
        )
        return state

    # -- comment threads --------------------------------------------------------------------------
    _threads: dict[str, list[CommentIdea]] | None = None  # task key -> its comments so far (from the ledger)

    def thread_of(self, task: TaskState) -> list[CommentIdea]:
        """The comments the job posted on ``task``, oldest first, each with its author's first name."""
        if self._threads is None:
            self._threads = {}
            for entry in self.ctx.ledger.entries("comment", ("created",)):
                author = self.pool.by_label(entry.actor)
                name = _first_name(author.user_name if author else "")
                self._threads.setdefault(str(entry.parent_key), []).append(
                    CommentIdea(str(entry.attrs.get("text", "")), name))
        return self._threads.setdefault(task.key, [])

    def remember_comment(self, task: TaskState, text: str, member: Member) -> None:
        self.thread_of(task).append(CommentIdea(text, _first_name(member.user_name)))

    def comment_context(self, task: TaskState, author: Member | None) -> ContentContext:
        """What content needs to write the next comment on ``task``: who is on the thread (the task's
        assignee and the people the job acts as: the only names a comment may mention), who writes it,
        whose task it is, whether it is done, and the thread so far."""
        project = self.state.projects.get(task.project_key)
        owner = _first_name(self.state.user_name(task.assignee)) if task.assignee else ""
        names = dict.fromkeys(n for n in (owner, *(_first_name(m.user_name) for m in self.pool.members)) if n)
        extra = {"mentions": ",".join(names)}
        if owner:
            extra["owner"] = owner
        if author is not None and _first_name(author.user_name):
            extra["author"] = _first_name(author.user_name)
        if task.completed:
            extra["task_done"] = "yes"
        return self.content_ctx(department=project.department if project else None,
                                project=project.name if project else None, task=task.name, extra=extra,
                                thread=tuple(self.thread_of(task)))

    def _replier(self, task: TaskState, rng: random.Random, last_author: str | None) -> Member:
        """Whoever the last comment asked answers it (when the job holds their token); else someone
        other than its author."""
        thread = self.thread_of(task)
        if thread:
            asked = _MENTION.search(thread[-1].text)
            member = next((m for m in self.pool.members if asked and m.label != last_author
                           and _first_name(m.user_name) == asked.group(1)), None)
            if member is not None:
                return member
        return self.pool.least_busy(rng, other_than=last_author)

    async def comment_thread(
        self, task: TaskState, count: int, rng: random.Random, last_author: str | None = None
    ) -> int:
        """Different people reply to each other, each with their own token, each comment written for the
        thread so far. Returns comments posted."""
        posted = 0
        for _ in range(count):
            await self.ctx.checkpoint_now()
            member = self._replier(task, rng, last_author)
            idea = (await self.ctx.content.comments(self.comment_context(task, member), 1,
                                                    start_index=task.comments))[0]
            key = f"{task.key}:c{task.comments}"
            entry = self.ctx.ledger.intent("comment", key, parent_key=task.key, actor=member.label,
                                           attrs={"text": idea.text})
            if entry.status != "intent":  # this comment slot was used before a restart: take the next
                task.comments += 1
                self.ctx.ledger.update_attrs("task", task.key, {"comments": task.comments})
                continue
            text = str(entry.attrs.get("text") or idea.text)  # what the intent recorded, if it was earlier
            made = await self.post_create("comment", key, member, f"/tasks/{task.gid}/stories",
                                          {"text": text})
            self.ctx.ledger.created("comment", key, str(made["gid"]))
            self.remember_comment(task, text, member)
            verb = "replied on" if task.comments else "commented on"
            task.comments += 1
            self.ctx.ledger.update_attrs("task", task.key, {"comments": task.comments})
            self.ctx.activity(
                "comment_added",
                f"{member.user_name} {verb} “{task.name}”: “{text}”",
                [
                    {"type": "task", "id": task.gid, "name": task.name},
                    {"type": "comment", "id": str(made["gid"])},
                ],
            )
            last_author = member.label
            posted += 1
        return posted


_MENTION = re.compile(r"@([^\s,.:;!?]+)")
LONGEST_THREAD = 6  # comments after which a task's conversation is over (real threads: two to six)


def _first_name(name: str) -> str:
    """A person's first name as a comment addresses them ("Ava Chen" -> "Ava")."""
    first = name.strip().split(" ", 1)[0] if name and name.strip() != "someone" else ""
    return first.replace(",", "")
