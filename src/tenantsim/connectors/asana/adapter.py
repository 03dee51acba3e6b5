"""AsanaAdapter: the company's work in an Asana workspace. ``build`` makes its projects (sections,
assigned tasks with due dates, descriptions, subtasks, comment threads, tags, custom field values, a
portfolio); ``apply`` then reflects each work event the director draws — a new task, a comment, a task
moving across sections or getting completed… — acting as the company person the event names (whose
token the job holds). Every change is a readable sentence in the activity log, and every value the job
sets is recorded in the ledger (the desired state a test compares Asana with)."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from tenantsim.connectors.asana import cleanup as cleanup_module
from tenantsim.connectors.asana.builder import Builder
from tenantsim.connectors.asana.pool import AsanaClientPool, Member
from tenantsim.connectors.asana.reconcile import reconcile
from tenantsim.connectors.asana.state import (
    FIELD_SPECS,
    PRIORITY_WEIGHTS,
    TAG_COLORS,
    TAG_NAMES,
    AsanaState,
    ProjectState,
    TaskState,
    status_for_section,
    weighted,
)
from tenantsim.connectors.base import JobContext
from tenantsim.connectors.kit.concurrency import bounded, in_flight
from tenantsim.content.base import TaskIdea
from tenantsim.content.names import login_part
from tenantsim.errors import NotFoundOnPlatform, Skippable
from tenantsim.scenario.company import Company, Employee
from tenantsim.scenario.events import PROJECT_KINDS, WORK_KINDS, Event
from tenantsim.scenario.founding import KnownPerson

TASKS_PER_PROJECT = 6
FALLBACK_KINDS = ("comment", "create_task")  # always possible once the company has tasks
LAST_EVENT = "asana_last_event"  # progress: the seq of the last event applied here

Handler = Callable[[int, Member, random.Random], Awaitable[bool]]


def known_person(member: Member) -> KnownPerson:
    """A token's owner as a company person: the name split on its first space, the email's local part
    as login (a slug of the name when Asana shows no email)."""
    first, _, last = member.user_name.strip().partition(" ")
    domain = None
    if member.email and "@" in member.email:
        login, domain = member.email.lower().split("@", 1)
    else:
        login = ".".join(login_part(word) for word in member.user_name.split()) or "user"
    return KnownPerson(first, last.strip(), login, domain)


def _same_name(person: Employee, name: str) -> bool:
    return person.name.strip().casefold() == name.strip().casefold()


class AsanaAdapter:
    platform = "asana"
    handles = frozenset((*WORK_KINDS, *PROJECT_KINDS))

    def __init__(self, ctx: JobContext, pool: AsanaClientPool) -> None:
        self.ctx = ctx
        self.pool = pool
        self.state = AsanaState(workspace_gid=str(ctx.config["workspace_gid"]))
        self.state.rebuild(ctx.ledger, ctx.progress)
        self._builder: Builder | None = None
        self._emails: dict[str, str] = {}  # user gid -> email, for the workspace's people
        self._user_index: dict[str, str] = {}  # "login:<local part>" / "name:<name>" -> user gid
        self._known: list[tuple[KnownPerson, Member]] | None = None
        self._actors: dict[str, Member] = {}  # company person key -> the pool member who is them
        self._actors_of: tuple[int, int] | None = None  # (id(company), headcount) _actors was built for
        self._company: Company | None = None  # the company of the build or event under way
        self._handlers: dict[str, Handler] = {
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
    async def prepare(self) -> None:
        """Settle intents a crash left without a gid, rebuild what the job made from the ledger, then
        read the workspace: its kind, teams and people (with emails)."""
        await reconcile(self.ctx, self.pool, self.state.workspace_gid)
        self.state = AsanaState(workspace_gid=self.state.workspace_gid)
        self.state.rebuild(self.ctx.ledger, self.ctx.progress)
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
        users = await client.collect(f"/workspaces/{gid}/users", opt_fields="name,email")
        self.state.users = [(str(u["gid"]), str(u.get("name", ""))) for u in users]
        self._emails = {str(u["gid"]): str(u["email"]) for u in users if u.get("email")}
        self._user_index = {}
        for member in self.pool.members:  # the job's own people are always assignable
            if all(g != member.user_id for g, _ in self.state.users):
                self.state.users.append((member.user_id, member.user_name))
            if member.email:
                self._emails.setdefault(member.user_id, member.email)
        self._builder = Builder(self.ctx, self.pool, self.state, self.state.workspace_name or "the company")

    @property
    def builder(self) -> Builder:
        if self._builder is None:
            raise RuntimeError("AsanaAdapter.prepare() has not run")
        return self._builder

    async def _ready(self, company: Company) -> Builder:
        if self._builder is None:
            await self.prepare()
        builder = self.builder
        builder.company = company.name  # content and names speak of the job's company
        self._company = company
        return builder

    def catalogue(self) -> Sequence[str]:
        return []

    def email_domain(self) -> str | None:
        return None  # any address will do

    def known_people(self) -> Sequence[KnownPerson] | None:
        """One person per Asana user the job holds a token for, in token order (a user with two tokens
        is one person); logins are made unique within the job."""
        return [known for known, _ in self._known_members()]

    def _known_members(self) -> list[tuple[KnownPerson, Member]]:
        if self._known is None:
            self._known = []
            users: set[str] = set()
            logins: set[str] = set()
            for member in self.pool.members:
                if member.user_id in users:
                    continue
                users.add(member.user_id)
                known = known_person(member)
                login, number = known.login, 2
                while login in logins:
                    login, number = f"{known.login}{number}", number + 1
                logins.add(login)
                self._known.append((dataclasses.replace(known, login=login), member))
        return self._known

    def _actor(self, company: Company, key: str | None) -> Member | None:
        """The pool member who is company person ``key``: matched by login, else by name."""
        if self._actors_of != (id(company), len(company.people)):
            self._actors = {}
            people = list(company.people.values())
            for known, member in self._known_members():
                person = next((p for p in people if p.login == known.login), None) or next(
                    (p for p in people if _same_name(p, member.user_name)), None)
                if person is not None and person.key not in self._actors:
                    self._actors[person.key] = member
            self._actors_of = (id(company), len(company.people))
        return self._actors.get(key or "")

    def _user_of(self, person: Employee) -> str | None:
        """The Asana user gid of a company person: by email local part, else by name."""
        if not self._user_index:
            for gid, name in reversed(self.state.users):  # the first of a name wins
                self._user_index[f"name:{name.strip().casefold()}"] = gid
            for gid, email in reversed(list(self._emails.items())):
                self._user_index[f"login:{email.split('@', 1)[0].lower()}"] = gid
        return self._user_index.get(f"login:{person.login.lower()}") or self._user_index.get(
            f"name:{person.name.strip().casefold()}")

    def build_total(self, company: Company) -> int:
        return len(FIELD_SPECS) + len(TAG_NAMES) + 1 + len(company.projects) * (1 + TASKS_PER_PROJECT * 4)

    # -- the initial company ----------------------------------------------------------------------
    async def build(self, company: Company) -> None:
        builder = await self._ready(company)
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
        for index, plan in enumerate(company.projects):
            if plan.phase != "done":
                await self._build_project(builder, company, index)
            self.ctx.checkpoint(seeded_projects=index + 1)
        await self._portfolio(builder, rng)

    async def _build_project(self, builder: Builder, company: Company, index: int) -> ProjectState:
        """One of the company's projects in Asana, with its first tasks, steps, tags and threads."""
        await self.ctx.checkpoint_now()
        plan = company.projects[index]
        today = datetime.now(UTC).date()
        owner = self._actor(company, plan.owner)
        project = await builder.create_project(plan, self.ctx.rng("asana", "project", index), owner)
        ideas = await self.ctx.content.tasks(
            builder.content_ctx(department=plan.department, project=project.name), TASKS_PER_PROJECT
        )

        async def one(item: tuple[int, TaskIdea]) -> None:
            number, idea = item
            await self.ctx.checkpoint_now()
            task_rng = self.ctx.rng("asana", "task", index, number)
            task = await builder.create_task(f"task:{index}:{number}", project, idea, task_rng, today)
            if task is None or self._seed_done(task.key):  # a resumed seed: this one is complete
                return
            for sub_index, name in enumerate(idea.subtasks[:3]):
                await builder.add_subtask(task, sub_index, name, task_rng)
            if self.state.tags and task_rng.random() < 0.35:
                await self._tag(task, task_rng.choice(self.state.tags), self._doer(task, task_rng))
            if task.comments == 0 and task_rng.random() < 0.6:
                await builder.comment_thread(task, task_rng.randint(2, 4), task_rng, last_author=task.actor)
            self.ctx.ledger.update_attrs("task", task.key, {"seed_done": True})

        # Tasks are built side by side, each as its own sequence of calls, so every token has a call
        # waiting: each is paced by its own budget (a token alone would leave the others idle).
        await bounded(list(enumerate(ideas)), one, parallel=in_flight(self.pool))
        return project

    def _seed_done(self, task_key: str) -> bool:
        entry = self.ctx.ledger.get("task", task_key)
        return entry is not None and bool(entry.attrs.get("seed_done"))

    def _doer(self, task: TaskState, rng: random.Random) -> Member:
        """While building: the assignee tags their own task when we hold their token; otherwise anyone."""
        return next((m for m in self.pool.members if m.user_id == task.assignee), None) or self.pool.pick(
            rng
        )

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

    # -- the company's work -----------------------------------------------------------------------
    async def apply(self, event: Event, company: Company) -> None:
        """Reflect one work event, acting as the event's person. Applied at most once: creations are
        keyed by the event (the ledger and reconcile make them exactly-once), and every change is
        recorded together with the event's seq, so a re-applied event after a crash is skipped or, when
        nothing was recorded yet, repeats the same idempotent calls (the same draws from the same state)."""
        last = self.ctx.progress.get(LAST_EVENT)
        if last is not None and event.seq <= int(last):
            return
        if event.kind in PROJECT_KINDS:
            await self._project_event(event, company)
            self.ctx.checkpoint(**{LAST_EVENT: event.seq})
            return
        if event.kind not in self._handlers:
            return
        await self._ready(company)
        member = self._actor(company, event.person)
        if member is None:  # someone whose token the job does not hold: a stand-in from the pool
            member = self.pool.pick(self.ctx.rng("asana", "actor", event.seq))
        rng = self.ctx.rng("asana", "event", event.seq)
        order = [event.kind] + [k for k in FALLBACK_KINDS if k != event.kind]
        for kind in order:  # fall back to something always possible when the first choice is not
            try:
                if await self._handlers[kind](event.seq, member, rng):
                    break
            except (Skippable, NotFoundOnPlatform) as exc:
                self.ctx.activity("skipped", f"Skipped a {kind.replace('_', ' ')}: {exc.message}", [])
                break
        self.ctx.checkpoint(**{LAST_EVENT: event.seq})

    async def _project_event(self, event: Event, company: Company) -> None:
        """A project that is done is archived (its work stays readable); the one that starts is built like
        the first ones were. Both are idempotent, so a re-applied event converges."""
        builder = await self._ready(company)
        if event.kind != "project_completed":
            return  # wrapping up changes what people do next, not what Asana holds
        done = self.state.projects.get(str(event.details.get("project")))
        if done is not None and not done.archived:
            member = self._actor(company, event.person) or self.pool.acting_as(done.actor)
            await member.client.put(f"/projects/{done.gid}", {"archived": True})
            done.archived = True
            self.ctx.ledger.update_attrs("project", done.key, {"archived": True})
            self.ctx.activity("project_archived",
                              f"{member.user_name} archived “{done.name}”: the work is done.",
                              [{"type": "project", "id": done.gid, "name": done.name}])
        started = str(event.details.get("started") or "")
        index = next((i for i, p in enumerate(company.projects) if p.key == started), None)
        if index is not None:
            await self._build_project(builder, company, index)

    def _record(self, task: TaskState, attrs: dict[str, Any], seq: int) -> None:
        """What an event changed on a task, and that the event is applied, in one transaction
        (``record_created`` on a row that exists already only merges its attrs)."""
        self.ctx.record_created("task", task.key, task.gid, attrs, **{LAST_EVENT: seq})

    def _open_tasks(self) -> list[TaskState]:
        projects = self.state.projects
        return [t for t in self.state.tasks.values()
                if not t.completed and t.project_key in projects and not projects[t.project_key].archived]

    def _open_projects(self) -> list[ProjectState]:
        """Projects new work goes into: not archived, and not wrapping up in the company's plan."""
        phases = {p.key: p.phase for p in (self._company.projects if self._company else [])}
        return [p for p in self.state.projects.values()
                if not p.archived and phases.get(p.key, "active") == "active"]

    @staticmethod
    def _own_first(tasks: list[TaskState], member: Member) -> list[TaskState]:
        """People mostly work on what is assigned to them."""
        return [t for t in tasks if t.assignee == member.user_id] or tasks

    async def _create_task(self, seq: int, member: Member, rng: random.Random) -> bool:
        projects = self._open_projects()
        if not projects:
            return False
        key = f"task:ev{seq}"
        earlier = self.ctx.ledger.get("task", key)
        if earlier is not None and earlier.platform_id:
            return True  # made before a restart
        project = rng.choice(projects)
        ideas = await self.ctx.content.tasks(
            self.builder.content_ctx(department=project.department, project=project.name),
            1,
            start_index=TASKS_PER_PROJECT + seq,
        )
        await self.builder.create_task(key, project, ideas[0], rng, datetime.now(UTC).date(),
                                       progress={LAST_EVENT: seq}, member=member)
        return True

    async def _comment(self, seq: int, member: Member, rng: random.Random) -> bool:
        key = f"comment:e{seq}"
        earlier = self.ctx.ledger.get("comment", key)
        if earlier is not None and earlier.platform_id:
            return True  # posted before a restart
        task = self.state.tasks.get(earlier.parent_key or "") if earlier is not None else None
        text = earlier.attrs.get("text") if earlier is not None else None
        if task is None:
            candidates = self._open_tasks() or list(self.state.tasks.values())
            if not candidates:
                return False
            # Mostly a reply: on a thread that asked this person something, else one they did not
            # write the last comment of.
            threads = self.builder.threads_for(candidates, member) if rng.random() < 0.6 else []
            task = rng.choice(threads or candidates)
        if text is None:  # written for this thread: its people, the thread so far, and who writes it
            ideas = await self.ctx.content.comments(self.builder.comment_context(task, member), 1,
                                                    start_index=task.comments)
            text = ideas[0].text
        self.ctx.ledger.intent("comment", key, parent_key=task.key, actor=member.label, attrs={"text": text})
        made = await self.builder.post_create("comment", key, member, f"/tasks/{task.gid}/stories",
                                              {"text": text})
        self.ctx.record_created("comment", key, str(made["gid"]), None, **{LAST_EVENT: seq})
        self.builder.remember_comment(task, text, member)
        verb = "replied on" if task.comments else "commented on"
        task.comments += 1
        self.ctx.ledger.update_attrs("task", task.key, {"comments": task.comments})
        self.ctx.activity(
            "comment_added",
            f"{member.user_name} {verb} “{task.name}”: “{text}”",
            [{"type": "task", "id": task.gid, "name": task.name},
             {"type": "comment", "id": str(made["gid"])}],
        )
        return True

    async def _move_task(self, seq: int, member: Member, rng: random.Random) -> bool:
        movable = [
            t for t in self._open_tasks() if t.section < len(self.state.projects[t.project_key].sections) - 1
        ]
        if not movable:
            return False
        task = rng.choice(self._own_first(movable, member))
        project = self.state.projects[task.project_key]
        target = task.section + 1
        done = target == len(project.sections) - 1  # reaching the last section finishes it
        section_gid, section_name = project.sections[target]
        await member.client.post(f"/sections/{section_gid}/addTask", {"task": task.gid})
        if done:
            await member.client.put(f"/tasks/{task.gid}", {"completed": True})
        attrs: dict[str, Any] = {"section": target, "completed": done}
        attrs.update(await self._set_status(member, task, project, target, done))
        self._record(task, attrs, seq)
        task.section, task.completed = target, done
        objects = [{"type": "task", "id": task.gid, "name": task.name}]
        self.ctx.activity("task_moved", f"{member.user_name} moved “{task.name}” to {section_name} in "
                          f"{project.name}.", objects)
        if done:
            self.ctx.activity("task_completed", f"{member.user_name} completed “{task.name}”.", objects)
        return True

    async def _complete_task(self, seq: int, member: Member, rng: random.Random) -> bool:
        open_tasks = self._own_first(self._open_tasks(), member)
        if not open_tasks:
            return False
        task = max(rng.sample(open_tasks, min(3, len(open_tasks))), key=lambda t: t.section)
        await member.client.put(f"/tasks/{task.gid}", {"completed": True})
        attrs: dict[str, Any] = {"completed": True}
        project = self.state.projects.get(task.project_key)
        if project is not None:
            attrs.update(await self._set_status(member, task, project, task.section, True))
        self._record(task, attrs, seq)
        task.completed = True
        self.ctx.activity(
            "task_completed",
            f"{member.user_name} completed “{task.name}”.",
            [{"type": "task", "id": task.gid, "name": task.name}],
        )
        return True

    async def _set_status(self, member: Member, task: TaskState, project: ProjectState, section: int,
                          completed: bool) -> dict[str, Any]:
        """Set the Status field to follow the board; returns the ledger attrs for it."""
        status = self.state.fields.get("status")
        if status is None:
            return {}
        name = status_for_section(section, len(project.sections), completed)
        if name not in status.options:
            return {}
        await member.client.put(f"/tasks/{task.gid}", {"custom_fields": {status.gid: status.options[name]}})
        return {"status": name}

    async def _add_subtask(self, seq: int, member: Member, rng: random.Random) -> bool:
        key = f"subtask:ev{seq}"
        earlier = self.ctx.ledger.get("subtask", key)
        if earlier is not None and earlier.platform_id:
            return True  # made before a restart
        task = self.state.tasks.get(earlier.parent_key or "") if earlier is not None else None
        if task is None:
            open_tasks = self._open_tasks()
            if not open_tasks:
                return False
            task = rng.choice(self._own_first(open_tasks, member))
        project = self.state.projects.get(task.project_key)
        # A subtask is a step of its parent: content derives the steps from the parent's own name.
        ideas = await self.ctx.content.tasks(
            self.builder.content_ctx(department=project.department if project else None,
                                     project=project.name if project else None, task=task.name),
            1, start_index=100 + seq)
        steps = list(ideas[0].subtasks) if ideas and ideas[0].subtasks else [ideas[0].name]
        done = sum(1 for e in self.ctx.ledger.entries("subtask") if e.parent_key == task.key)
        name = steps[done % len(steps)]
        await self.builder.add_subtask(task, 100 + seq, name, rng, progress={LAST_EVENT: seq}, key=key,
                                       member=member)
        return True

    async def _reassign_task(self, seq: int, member: Member, rng: random.Random) -> bool:
        open_tasks = self._own_first(self._open_tasks(), member)
        if not open_tasks or len(self.state.users) < 2:
            return False
        task = rng.choice(open_tasks)
        colleagues = self._colleagues({task.assignee, member.user_id})
        if not colleagues:
            colleagues = [u for u in self.state.users if u[0] != task.assignee]
        new_gid, new_name = rng.choice(colleagues)
        await member.client.put(f"/tasks/{task.gid}", {"assignee": new_gid})
        self._record(task, {"assignee": new_gid}, seq)
        task.assignee = new_gid
        self.ctx.activity(
            "task_reassigned",
            f"{member.user_name} handed “{task.name}” over to {new_name}.",
            [{"type": "task", "id": task.gid, "name": task.name}],
        )
        return True

    def _colleagues(self, other_than: set[str | None]) -> list[tuple[str, str]]:
        """(gid, name) of the Asana users who are the company's active people: work goes to colleagues."""
        company = self._company
        if company is None:
            return []
        out: list[tuple[str, str]] = []
        seen = set(other_than)
        for person in company.active_people():
            gid = self._user_of(person)
            if gid is not None and gid not in seen:
                seen.add(gid)
                out.append((gid, person.name.strip()))
        return out

    async def _tag(self, task: TaskState, tag: tuple[str, str], member: Member,
                   seq: int | None = None) -> None:
        tag_gid, tag_name = tag
        await member.client.post(f"/tasks/{task.gid}/addTag", {"tag": tag_gid})
        entry = self.ctx.ledger.get("task", task.key)
        tags = list((entry.attrs.get("tags") if entry is not None else None) or [])
        attrs = {"tags": tags if tag_gid in tags else [*tags, tag_gid]}
        if seq is None:
            self.ctx.ledger.update_attrs("task", task.key, attrs)
        else:
            self._record(task, attrs, seq)
        self.ctx.activity(
            "task_tagged",
            f"{member.user_name} tagged “{task.name}” as {tag_name}.",
            [
                {"type": "task", "id": task.gid, "name": task.name},
                {"type": "tag", "id": tag_gid, "name": tag_name},
            ],
        )

    async def _tag_task(self, seq: int, member: Member, rng: random.Random) -> bool:
        open_tasks = self._open_tasks()
        if not open_tasks or not self.state.tags:
            return False
        task = rng.choice(open_tasks)
        await self._tag(task, rng.choice(self.state.tags), member, seq)
        return True

    async def _update_priority(self, seq: int, member: Member, rng: random.Random) -> bool:
        priority = self.state.fields.get("priority")
        open_tasks = self._open_tasks()
        if priority is None or not open_tasks:
            return False
        task = rng.choice(self._own_first(open_tasks, member))
        entry = self.ctx.ledger.get("task", task.key)
        current = entry.attrs.get("priority") if entry is not None else None
        level = weighted(rng, tuple(p for p in PRIORITY_WEIGHTS if p[0] != current) or PRIORITY_WEIGHTS)
        if level not in priority.options:
            return False
        await member.client.put(
            f"/tasks/{task.gid}", {"custom_fields": {priority.gid: priority.options[level]}}
        )
        self._record(task, {"priority": level}, seq)
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
