"""AsanaAdapter: the company's work in an Asana workspace. ``build`` makes its projects (sections, the
company's tasks with their assignees, due dates, subtasks, tags and field values, comment threads, a
portfolio); ``apply`` then records each work event the director decided — a new task, a comment, a task
moving across sections, blocked, handed over or completed… — acting as the company person the event
names (whose token the job holds). Which task and what changes is the company's: the adapter converges
the event's task to the company's state of it (``converge_task``), keyed by the company's task key.
Every change is a readable sentence in the activity log, and every value the job sets is recorded in the
ledger."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from datetime import date
from typing import Any

from tenantsim.connectors.asana import cleanup as cleanup_module
from tenantsim.connectors.asana.adopt import recorded_tasks
from tenantsim.connectors.asana.builder import Builder
from tenantsim.connectors.asana.converge import LAST_EVENT, converge_task, said
from tenantsim.connectors.asana.pool import AsanaClientPool, Member
from tenantsim.connectors.asana.reconcile import reconcile
from tenantsim.connectors.asana.state import (
    FIELD_SPECS,
    TAG_COLORS,
    TAG_NAMES,
    AsanaState,
    ProjectState,
)
from tenantsim.connectors.base import JobContext
from tenantsim.connectors.kit.concurrency import bounded
from tenantsim.connectors.urgency import FIRST, LAST, urgency
from tenantsim.content.names import login_part
from tenantsim.errors import NotFoundOnPlatform, Skippable
from tenantsim.scenario.company import Company, Employee
from tenantsim.scenario.events import PROJECT_KINDS, WORK_KINDS, Event
from tenantsim.scenario.founding import KnownPerson
from tenantsim.scenario.worktask import WorkTask

__all__ = ["LAST_EVENT", "AsanaAdapter", "known_person"]


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
        self._portfolio_settled = asyncio.Event()  # cleared while the portfolio is being made
        self._portfolio_settled.set()

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

    def user_of(self, key: str | None, company: Company) -> str | None:
        """The Asana user gid of a company person (None for nobody, or someone not in the workspace)."""
        person = company.people.get(key or "")
        return self._user_of(person) if person is not None else None

    def recorded_tasks(self, company: Company) -> list[WorkTask]:
        """The tasks a job saved by an earlier version holds only here (its ledger), as company tasks."""
        gids = {gid: p.key for p in company.people.values() if (gid := self._user_of(p)) is not None}
        return recorded_tasks(self.ctx.ledger, self.state, gids, company.sim_now)

    def build_total(self, company: Company) -> int:
        live = {p.key for p in company.projects if p.phase != "done"}
        tasks = sum(1 for t in company.tasks.values() if t.project in live)
        return len(FIELD_SPECS) + len(TAG_NAMES) + 1 + len(live) + tasks * 2

    # -- the initial company ----------------------------------------------------------------------
    async def build(self, company: Company) -> None:
        builder = await self._ready(company)
        rng = self.ctx.rng("asana", "seed")

        async def field(role: str) -> None:
            await self.ctx.checkpoint_now()
            if await builder.ensure_field(role, self.pool.least_busy(rng)) is None and role == "priority":
                self.ctx.activity(
                    "notice",
                    "Custom fields are not available in this workspace; tasks get "
                    "no Priority, Effort or Status values.",
                    [],
                )

        async def tag(index: int) -> None:
            await self.ctx.checkpoint_now()
            await builder.create_tag(index, TAG_NAMES[index], TAG_COLORS[index], self.pool.least_busy(rng))

        # The workspace's fields, tags and portfolio side by side, each by whoever is free, before any
        # project; the portfolio's keeper adds each project to it as it is made.
        with urgency(FIRST):
            await asyncio.gather(bounded(list(FIELD_SPECS), field), bounded(range(len(TAG_NAMES)), tag),
                                 self._portfolio(builder, company))
        built = 0

        async def project(index: int) -> None:
            nonlocal built
            await self._build_project(builder, company, index)
            built += 1
            self.ctx.checkpoint(seeded_projects=built)

        # Every project at once: each token always has a call waiting, whoever owns which project.
        live = [i for i, plan in enumerate(company.projects) if plan.phase != "done"]
        await bounded(live, project, parallel=max(1, len(live)))

    async def _build_project(self, builder: Builder, company: Company, index: int) -> ProjectState:
        """One of the company's projects in Asana, with its first tasks, their steps, and threads."""
        await self.ctx.checkpoint_now()
        plan = company.projects[index]
        owner = self._actor(company, plan.owner)
        with urgency(FIRST, 2 * index):  # its people's work waits for its board, then for its tasks
            project = await builder.create_project(plan, self.ctx.rng("asana", "project", index), owner)
        await self._into_portfolio(project)
        first = sorted((t for t in company.tasks.values() if t.project == plan.key and t.parent is None),
                       key=lambda t: t.key)

        async def one(task: WorkTask) -> None:
            await self.ctx.checkpoint_now()
            rng = self.ctx.rng("asana", "task", task.key)
            member = self._actor(company, task.creator) or self.pool.least_busy(rng)
            with urgency(FIRST, 2 * index + 1):  # its steps and thread, often someone else's, wait for it
                state = await converge_task(self, company, task, member)
            if state is None or self._seed_done(task.key):  # a resumed seed: this one is complete
                return
            steps = sorted((t for t in company.tasks.values() if t.parent == task.key), key=lambda t: t.key)
            with urgency(LAST):  # nobody waits for a task's steps (its thread's next author does)
                for step in steps:
                    await converge_task(self, company, step, self._actor(company, step.creator) or member)
            if state.comments < task.comments:
                await builder.comment_thread(state, task.comments - state.comments, rng,
                                             last_author=state.actor)
            self.ctx.ledger.update_attrs("task", task.key, {"seed_done": True})

        # Every task at once, each its own sequence of calls, paced by its people's own budgets: a
        # token serves boards first, then tasks, then their steps and threads, so nobody waits long
        # for the work they take up next.
        await bounded(first, one, parallel=max(1, len(first)))
        return project

    def _seed_done(self, task_key: str) -> bool:
        entry = self.ctx.ledger.get("task", task_key)
        return entry is not None and bool(entry.attrs.get("seed_done"))

    def _lead(self, company: Company) -> Member | None:
        """Of the people the job acts as, the most senior (fewest managers above them): who keeps the
        company's portfolio of initiatives."""
        self._actor(company, None)  # the company's people matched to the pool

        def depth(key: str) -> int:
            levels, person = 0, company.people.get(key)
            while person is not None and person.manager and levels < len(company.people):
                levels, person = levels + 1, company.people.get(person.manager)
            return levels

        ranked = sorted(self._actors.items(), key=lambda item: depth(item[0]))
        return ranked[0][1] if ranked else None

    async def _portfolio(self, builder: Builder, company: Company) -> None:
        """The company's portfolio of initiatives (an organization's paid feature): made once, kept by
        the most senior person the job acts as."""
        if self.state.portfolio_gid is not None or not self.state.is_organization:
            return
        self._portfolio_settled.clear()
        try:
            await self._make_portfolio(builder, company)
        finally:
            self._portfolio_settled.set()

    async def _make_portfolio(self, builder: Builder, company: Company) -> None:
        member = self._lead(company) or self.pool.least_busy(self.ctx.rng("asana", "portfolio"))
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
        self.ctx.activity(
            "portfolio_created",
            f"{member.user_name} created the portfolio “{name}” for the company's projects.",
            [{"type": "portfolio", "id": self.state.portfolio_gid, "name": name}],
        )

    async def _into_portfolio(self, project: ProjectState) -> None:
        """The project joins the company's portfolio, added by its keeper (once: the ledger says so)."""
        await self._portfolio_settled.wait()  # when it is being made alongside the first projects
        entry = self.ctx.ledger.get("portfolio", "portfolio:0")
        recorded = self.ctx.ledger.get("project", project.key)
        gid = self.state.portfolio_gid
        if gid is None or entry is None or recorded is None or recorded.attrs.get("in_portfolio"):
            return
        member = self.pool.acting_as(entry.actor)
        await member.client.post(f"/portfolios/{gid}/addItem", {"item": project.gid})
        self.ctx.ledger.update_attrs("project", project.key, {"in_portfolio": True})
        self.ctx.activity(
            "portfolio_item_added",
            f"{member.user_name} added “{project.name}” to the portfolio “{entry.attrs.get('name', '')}”.",
            [{"type": "project", "id": project.gid, "name": project.name},
             {"type": "portfolio", "id": gid}],
        )

    # -- the company's work -----------------------------------------------------------------------
    async def apply(self, event: Event, company: Company) -> None:
        """Record one work event, acting as the event's person: the event's task converges to the
        company's state of it. Applied at most once: creations are keyed by the company's task key (the
        ledger and reconcile make them exactly-once), every change is recorded together with the event's
        seq, and a re-applied event after a crash converges to the same state with the same calls."""
        last = self.ctx.progress.get(LAST_EVENT)
        if last is not None and event.seq <= int(last):
            return
        if event.kind in PROJECT_KINDS:
            await self._project_event(event, company)
            self.ctx.checkpoint(**{LAST_EVENT: event.seq})
            return
        task = company.tasks.get(str(event.details.get("task") or ""))
        if event.kind not in WORK_KINDS or task is None:  # an event of an earlier version: nothing to show
            self.ctx.checkpoint(**{LAST_EVENT: event.seq})
            return
        await self._ready(company)
        member = self._actor(company, event.person)
        if member is None:  # someone whose token the job does not hold: a stand-in from the pool
            member = self.pool.least_busy(self.ctx.rng("asana", "actor", event.seq))
        try:
            if event.kind == "comment":
                await self._comment(event.seq, member, task)
            else:
                before = self.state.tasks.get(task.key) or self.state.subtasks.get(task.key)
                shown = await converge_task(self, company, task, member, event.seq)
                if shown is not None and before is not None:  # a creation says so itself
                    said(self.ctx, event.kind, member, task, company, shown)
        except (Skippable, NotFoundOnPlatform) as exc:
            self.ctx.activity("skipped", f"Skipped a {event.kind.replace('_', ' ')}: {exc.message}", [])
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

    async def _comment(self, seq: int, member: Member, work: WorkTask) -> None:
        """One comment on the company's task, written for its thread so far."""
        key = f"comment:e{seq}"
        earlier = self.ctx.ledger.get("comment", key)
        if earlier is not None and earlier.platform_id:
            return  # posted before a restart
        task = self.state.tasks.get(work.key) or self.state.tasks.get(work.parent or "")
        if task is None:
            return  # not in Asana (its project was never made here)
        text = earlier.attrs.get("text") if earlier is not None else None
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

    # -- the end ----------------------------------------------------------------------------------
    async def cleanup(self) -> dict[str, Any]:
        return await cleanup_module.cleanup(self.ctx, self.pool)

    async def aclose(self) -> None:
        await self.pool.aclose()

