"""M365Adapter: the company in a Microsoft 365 tenant. Builds it (people, security groups, a Microsoft 365
group and Team per department, a Planner plan and channel per project, ``build.py`` / ``work.py``),
reflects each people event by converging the people it touched (``converge.py``) and each work event as
the person the event names, with their delegated token (``known_people``: the tokens' owners, matched by
their userPrincipalName's local part), and cleans up from the ledger (``cleanup.py``)."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from tenantsim.connectors.base import JobContext
from tenantsim.connectors.kit.concurrency import bounded
from tenantsim.connectors.microsoft365.build import (
    ensure_department_team,
    ensure_security_group,
    ensure_user,
)
from tenantsim.connectors.microsoft365.cleanup import cleanup_job
from tenantsim.connectors.microsoft365.client import GraphClient
from tenantsim.connectors.microsoft365.converge import converge_person
from tenantsim.connectors.microsoft365.settle import settle
from tenantsim.connectors.microsoft365.state import Actor, Tenant, department_key
from tenantsim.connectors.microsoft365.work import (
    PRIORITIES,
    TASKS_PER_PROJECT,
    Work,
    assignment,
    percent_for,
)
from tenantsim.errors import AuthError, NotFoundOnPlatform, Skippable
from tenantsim.scenario.company import DEPARTED, Company, Employee, GroupSpec
from tenantsim.scenario.events import HR_KINDS, PROJECT_KINDS, Event
from tenantsim.scenario.founding import KnownPerson

WORK = ("create_task", "comment", "move_task", "complete_task", "reassign_task", "update_priority")
LAST_EVENT = "m365_last_event"  # progress: the seq of the last work event applied here
NO_TOKENS = ("No delegated user tokens were given, so Teams channel messages are skipped: Microsoft Graph "
             "posts channel messages only as a signed-in person. Plans and tasks are made as the app.")

TaskRow = tuple[str, dict[str, Any]]  # a task's ledger key and attrs
Handler = Callable[[int, Actor | None, random.Random], Awaitable[bool]]


def known_person(actor: Actor) -> KnownPerson:
    first, _, last = actor.display_name.strip().partition(" ")
    login, _, domain = actor.upn.lower().partition("@")
    return KnownPerson(first, last.strip(), login, domain or None)


class M365Adapter:
    platform = "microsoft365"
    handles = frozenset((*HR_KINDS, *WORK, *PROJECT_KINDS))

    def __init__(self, ctx: JobContext, client: GraphClient, actors: Sequence[Actor]) -> None:
        self.ctx = ctx
        self.client = client
        self.actors = list(actors)
        self._tenant: Tenant | None = None
        self._work: Work | None = None
        self._handlers: dict[str, Handler] = {
            "create_task": self._create_task, "comment": self._comment, "move_task": self._move_task,
            "complete_task": self._complete_task, "reassign_task": self._reassign_task,
            "update_priority": self._update_priority}

    async def prepare(self) -> None:
        """Settle whatever a crash interrupted."""
        await settle(self.ctx.ledger, self.client, seeded=bool(self.ctx.progress.get("seeded")))

    def catalogue(self) -> Sequence[str]:
        return ()

    def known_people(self) -> Sequence[KnownPerson] | None:
        """The people whose delegated tokens the job holds (they do the work); None without any: then the
        job makes every person and no one works in Planner or Teams."""
        return [known_person(a) for a in self.actors] or None

    def email_domain(self) -> str | None:
        return self.client.domain  # userPrincipalNames must be in a verified domain of the tenant

    def tenant(self, company: Company) -> Tenant:
        if self._tenant is None or self._tenant.company is not company:
            self._tenant = Tenant(self.ctx, self.client, company, list(self.actors))
            for entry in self.ctx.ledger.entries("group", statuses=["created"]):
                if entry.platform_id:
                    self._tenant.groups[entry.key] = entry.platform_id
            self._work = Work(self._tenant)
        return self._tenant

    def work(self, company: Company) -> Work:
        self.tenant(company)
        assert self._work is not None
        return self._work

    def build_total(self, company: Company) -> int:
        people = [p for p in company.people.values() if p.status != DEPARTED]
        departments = {p.department for p in people}
        projects = [p for p in company.projects if p.phase != "done"]
        per_project = 2 + len(projects[0].sections if projects else ()) + TASKS_PER_PROJECT
        return len(people) + len(company.groups) + 2 * len(departments) + len(projects) * per_project

    async def build(self, company: Company) -> None:
        tenant, ctx = self.tenant(company), self.ctx
        people = [p for p in company.present_people()]
        done = 0

        async def create(person: Employee) -> None:
            nonlocal done
            if tenant.actor_of(person) is None:
                await ensure_user(tenant, person)
            done += 1
            if done % 25 == 0:
                ctx.checkpoint(seed_done=done)

        # The people's sign-in names, claimed for the job in one go rather than one write per person.
        made_here = [tenant.upn(p) for p in people if tenant.actor_of(p) is None]
        await tenant.intents().claim_ahead("user", made_here)
        await bounded(people, create)

        async def group(spec: GroupSpec) -> None:
            await ensure_security_group(tenant, spec)

        async def team(department: str) -> None:
            await ensure_department_team(tenant, department)

        await bounded(company.groups, group)
        await bounded(sorted({p.department for p in people}), team)
        await bounded(people, lambda person: converge_person(tenant, person))
        ctx.checkpoint(seed_done=done)
        if not self.actors and not ctx.progress.get("m365_no_tokens_said"):
            ctx.activity("notice", NO_TOKENS, [])
            ctx.checkpoint(m365_no_tokens_said=True)
        for index, plan in enumerate(company.projects):
            if plan.phase != "done":
                await self._build_project(company, index)
        teams = len(ctx.ledger.entries("team", statuses=["created"]))
        tasks = len(ctx.ledger.entries("task", statuses=["created"]))
        ctx.activity("m365_built", f"{company.name} is in Microsoft 365: {len(people)} people with managers "
                     f"and offices; {len(company.groups)} security groups; {teams} department Teams; "
                     f"{len(ctx.ledger.entries('plan', statuses=['created']))} Planner plans with {tasks} "
                     f"tasks, on {self.client.domain}.",
                     [{"type": "tenant", "users": len(people), "groups": len(tenant.groups)}])

    async def _build_project(self, company: Company, index: int) -> None:
        work, plan = self.work(company), company.projects[index]
        await self.ctx.checkpoint_now()
        project = await work.ensure_project(plan)
        if project is None:
            return
        ideas = await self.ctx.content.tasks(work.content_ctx(department=plan.department, project=plan.name),
                                             TASKS_PER_PROJECT)
        for number, idea in enumerate(ideas):
            key = f"task:{plan.key}:{number}"
            rng = self.ctx.rng("m365", "task", plan.key, number)
            actor = self._actor(company, plan.owner) or (rng.choice(self.actors) if self.actors else None)
            await work.create_task(key, project, idea, rng, actor, building=True)
            entry = self.ctx.ledger.get("task", key)
            if entry is None or entry.status != "created" or entry.attrs.get("seed_done"):
                continue
            if len(self.actors) > 1 and project.channel_id and rng.random() < 0.6:
                try:
                    await work.thread(key, rng.randint(2, 4), rng)
                except Skippable as exc:
                    self.ctx.activity("skipped", f"A discussion was not started: {exc.message}", [])
            self.ctx.ledger.update_attrs("task", key, {"seed_done": True})

    def _actor(self, company: Company, key: str | None) -> Actor | None:
        return self.tenant(company).actor_of(company.people.get(key or ""))

    # -- events ---------------------------------------------------------------------------------------
    async def apply(self, event: Event, company: Company) -> None:
        self.tenant(company)
        if event.kind in HR_KINDS:
            await self._people_event(event, company)
            return
        last = self.ctx.progress.get(LAST_EVENT)
        if last is not None and event.seq <= int(last):
            return
        if event.kind in PROJECT_KINDS:
            await self._project_event(event, company)
        elif event.kind in self._handlers:
            actor = self._actor(company, event.person)
            if actor is None and self.actors:  # someone whose token the job does not hold: a stand-in
                actor = self.ctx.rng("m365", "actor", event.seq).choice(self.actors)
            rng = self.ctx.rng("m365", "event", event.seq)
            for kind in (event.kind, *(k for k in ("comment", "create_task") if k != event.kind)):
                try:
                    if await self._handlers[kind](event.seq, actor, rng):
                        break
                except (Skippable, NotFoundOnPlatform) as exc:
                    self.ctx.activity("skipped", f"Skipped a {kind.replace('_', ' ')} in Microsoft 365: "
                                      f"{exc.message}", [])
                    break
                except AuthError as exc:
                    # A person's delegated token refused (403, or a 401: it expired; it cannot be renewed
                    # here) skips the change; the app's own 401 (after one renewal) is the job's end.
                    if exc.status != 403 and not (exc.status == 401 and actor is not None):
                        raise
                    who = actor.display_name if actor else "The app"
                    self.ctx.activity("skipped", f"Skipped a {kind.replace('_', ' ')} in Microsoft 365: "
                                      f"{who} may not do that there ({exc.message}).", [])
                    break
        self.ctx.checkpoint(**{LAST_EVENT: event.seq})

    async def _people_event(self, event: Event, company: Company) -> None:
        tenant = self.tenant(company)
        people = list(event.people)
        for department in sorted({p.department for p in company.present_people()}):
            if department_key(department) not in tenant.groups:  # a transfer into a new department
                if await ensure_department_team(tenant, department) is not None:
                    # the people the job acts as work in every department's team
                    people += [p.key for p in company.present_people() if tenant.actor_of(p) is not None]
        for key in dict.fromkeys(people):
            person = company.people.get(key)
            if person is None:
                continue
            try:
                await converge_person(tenant, person)
            except NotFoundOnPlatform as exc:  # removed outside the job: say so and go on
                self.ctx.activity("notice", f"{person.name} was not found in Microsoft 365 ({exc.message}); "
                                  "the change was not made there.", [])

    async def _project_event(self, event: Event, company: Company) -> None:
        """Planner has no archive: a finished project's plan stays as it is; the next one is built."""
        if event.kind != "project_completed":
            return
        started = str(event.details.get("started") or "")
        index = next((i for i, p in enumerate(company.projects) if p.key == started), None)
        if index is not None:
            await self._build_project(company, index)

    def _tasks(self, company: Company, *, open_only: bool = True) -> list[tuple[str, dict[str, Any]]]:
        active = {p.key for p in company.projects if p.phase != "done"}
        found = []
        for entry in self.ctx.ledger.entries("task", statuses=["created"]):
            if entry.attrs.get("project") not in active:
                continue
            if open_only and int(entry.attrs.get("percent") or 0) >= 100:
                continue
            found.append((entry.key, dict(entry.attrs)))
        return sorted(found)

    @staticmethod
    def _own_first(tasks: list[TaskRow], actor: Actor | None) -> list[TaskRow]:
        if actor is None:
            return tasks
        return [t for t in tasks if t[1].get("assignee") == actor.user_id] or tasks

    async def _create_task(self, seq: int, actor: Actor | None, rng: random.Random) -> bool:
        company = self.tenant(self._company()).company
        work = self.work(company)
        key = f"task:ev{seq}"
        if self.ctx.ledger.get("task", key) is not None:
            return True
        plans = [p for p in company.projects if p.phase == "active" and work.project(p.key) is not None]
        if not plans:
            return False
        plan = rng.choice(plans)
        project = work.project(plan.key)
        assert project is not None
        about = work.content_ctx(department=plan.department, project=plan.name)
        ideas = await self.ctx.content.tasks(about, 1, start_index=TASKS_PER_PROJECT + seq)
        made = await work.create_task(key, project, ideas[0], rng, actor)
        if made:
            who = actor.display_name if actor else "The app"
            self.ctx.activity("task_created", f"{who} added “{ideas[0].name}” to {plan.name} in Planner.",
                              [{"type": "task", "id": made, "name": ideas[0].name}])
        return made is not None

    async def _move_task(self, seq: int, actor: Actor | None, rng: random.Random) -> bool:
        company = self._company()
        work = self.work(company)
        movable = []
        for key, attrs in self._own_first(self._tasks(company), actor):
            project = work.project(str(attrs.get("project")))
            if project is not None and int(attrs.get("section") or 0) < len(project.buckets) - 1:
                movable.append((key, attrs, project))
        if not movable:
            return False
        key, attrs, project = rng.choice(movable)
        target = int(attrs.get("section") or 0) + 1
        percent = percent_for(target, len(project.buckets))
        await work.update_task(key, {"bucketId": project.buckets[target], "percentComplete": percent},
                               {"section": target, "percent": percent}, actor, **{LAST_EVENT: seq})
        who = actor.display_name if actor else "The app"
        self.ctx.activity("task_moved", f"{who} moved “{attrs.get('name')}” to {project.sections[target]} in "
                          f"{project.name}.", [{"type": "task", "name": attrs.get("name")}])
        return True

    async def _complete_task(self, seq: int, actor: Actor | None, rng: random.Random) -> bool:
        company = self._company()
        work = self.work(company)
        tasks = self._own_first(self._tasks(company), actor)
        if not tasks:
            return False
        key, attrs = max(rng.sample(tasks, min(3, len(tasks))), key=lambda t: int(t[1].get("section") or 0))
        project = work.project(str(attrs.get("project")))
        if project is None:
            return False
        last = len(project.buckets) - 1
        await work.update_task(key, {"percentComplete": 100, "bucketId": project.buckets[last]},
                               {"percent": 100, "section": last}, actor, **{LAST_EVENT: seq})
        who = actor.display_name if actor else "The app"
        self.ctx.activity("task_completed", f"{who} completed “{attrs.get('name')}”.",
                          [{"type": "task", "name": attrs.get("name")}])
        return True

    async def _reassign_task(self, seq: int, actor: Actor | None, rng: random.Random) -> bool:
        company = self._company()
        tasks = self._own_first(self._tasks(company), actor)
        if not tasks or len(self.actors) < 2:
            return False
        key, attrs = rng.choice(tasks)
        current = attrs.get("assignee")
        me = actor.label if actor else None
        others = [a for a in self.actors if a.user_id != current and a.label != me]
        others = others or [a for a in self.actors if a.user_id != current]
        if not others:
            return False
        new = rng.choice(others)
        changes: dict[str, Any] = {"assignments": {**({str(current): None} if current else {}),
                                                   **assignment(new.user_id)}}
        await self.work(company).update_task(key, changes, {"assignee": new.user_id}, actor,
                                             **{LAST_EVENT: seq})
        who = actor.display_name if actor else "The app"
        self.ctx.activity("task_reassigned",
                          f"{who} handed “{attrs.get('name')}” over to {new.display_name}.",
                          [{"type": "task", "name": attrs.get("name")}])
        return True

    async def _update_priority(self, seq: int, actor: Actor | None, rng: random.Random) -> bool:
        company = self._company()
        tasks = self._own_first(self._tasks(company), actor)
        if not tasks:
            return False
        key, attrs = rng.choice(tasks)
        level = rng.choice([p for p in PRIORITIES if p != attrs.get("priority")])
        await self.work(company).update_task(key, {"priority": PRIORITIES[level]}, {"priority": level}, actor,
                                             **{LAST_EVENT: seq})
        who = actor.display_name if actor else "The app"
        self.ctx.activity("priority_changed", f"{who} set the priority of “{attrs.get('name')}” to {level}.",
                          [{"type": "task", "name": attrs.get("name")}])
        return True

    async def _comment(self, seq: int, actor: Actor | None, rng: random.Random) -> bool:
        if actor is None:
            return False  # no delegated token: channel messages cannot be posted (said once at build)
        company = self._company()
        work = self.work(company)
        key = f"message:e{seq}"
        earlier = self.ctx.ledger.get("message", key)
        if earlier is not None:
            return True
        tasks = [t for t in self._tasks(company, open_only=False)
                 if (p := work.project(str(t[1].get("project")))) is not None and p.channel_id]
        if not tasks:
            return False
        threads = [t for t in tasks if 0 < len(work.threads.get(t[0], [])) < 8
                   and work.threads[t[0]][-1].author != actor.display_name.split(" ")[0]]
        task_key = rng.choice(threads if threads and rng.random() < 0.6 else tasks)[0]
        return await work.comment(key, task_key, actor, **{LAST_EVENT: seq}) is not None

    def _company(self) -> Company:
        assert self._tenant is not None
        return self._tenant.company

    def user_ids(self) -> dict[str, str]:
        """Person key -> directory id for everyone the job made (tests and read helpers)."""
        return {e.key: str(e.platform_id) for e in self.ctx.ledger.entries("user", statuses=["created"])
                if e.platform_id}

    async def cleanup(self) -> dict[str, Any]:
        return await cleanup_job(self.ctx, self.client)

    async def aclose(self) -> None:
        await self.client.aclose()
