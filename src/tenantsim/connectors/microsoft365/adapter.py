"""M365Adapter: the company in a Microsoft 365 tenant. Builds it (people, security groups, a Microsoft 365
group and Team per department, a Planner plan and channel per project, ``build.py`` / ``work.py``),
reflects each people event by converging the people it touched (``converge.py``) and each work event as
the person the event names, with their delegated token (``known_people``: the tokens' owners, matched by
their userPrincipalName's local part), and cleans up from the ledger (``cleanup.py``)."""

from __future__ import annotations

from collections.abc import Sequence
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
from tenantsim.connectors.microsoft365.work import Work, recorded_tasks
from tenantsim.errors import AuthError, NotFoundOnPlatform, Skippable
from tenantsim.scenario.company import DEPARTED, Company, Employee, GroupSpec
from tenantsim.scenario.events import HR_KINDS, PROJECT_KINDS, Event
from tenantsim.scenario.founding import KnownPerson
from tenantsim.scenario.worktask import WorkTask

# The work Planner and Teams show (Planner has no subtasks, tags or blocked state).
WORK = ("create_task", "comment", "move_task", "complete_task", "reassign_task", "update_priority",
        "reschedule_task")
LAST_EVENT = "m365_last_event"  # progress: the seq of the last work event applied here
NO_TOKENS = ("No delegated user tokens were given, so Teams channel messages are skipped: Microsoft Graph "
             "posts channel messages only as a signed-in person. Plans and tasks are made as the app.")

SAID = {"create_task": ("task_created", "added {task} to {plan} in Planner"),
        "move_task": ("task_moved", "moved {task} to {section} in {plan}"),
        "complete_task": ("task_completed", "completed {task}"),
        "reassign_task": ("task_reassigned", "handed {task} over to {assignee}"),
        "update_priority": ("priority_changed", "set the priority of {task} to {priority}"),
        "reschedule_task": ("due_date_changed", "moved the due date of {task} to {due}")}


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
        live = {p.key for p in projects}
        tasks = sum(1 for t in company.tasks.values() if t.project in live and t.parent is None)
        per_project = 2 + len(projects[0].sections if projects else ())
        return len(people) + len(company.groups) + 2 * len(departments) + len(projects) * per_project + tasks

    def recorded_tasks(self, company: Company) -> list[WorkTask]:
        """The tasks a job saved by an earlier version holds only here (its ledger), as company tasks."""
        people = {uid: key for key in company.people if (uid := self.tenant(company).user_id(key))}
        return recorded_tasks(self.ctx.ledger, people, company.sim_now)

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
        first = sorted((t for t in company.tasks.values() if t.project == plan.key and t.parent is None),
                       key=lambda t: t.key)
        for task in first:
            rng = self.ctx.rng("m365", "task", task.key)
            actor = self._actor(company, task.creator) or (rng.choice(self.actors) if self.actors else None)
            await work.converge_task(task, actor)
            entry = self.ctx.ledger.get("task", task.key)
            if entry is None or entry.status != "created" or entry.attrs.get("seed_done"):
                continue
            if len(self.actors) > 1 and project.channel_id and task.comments:
                try:
                    await work.thread(task.key, task.comments, rng)
                except Skippable as exc:
                    self.ctx.activity("skipped", f"A discussion was not started: {exc.message}", [])
            self.ctx.ledger.update_attrs("task", task.key, {"seed_done": True})

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
        elif event.kind in WORK and (task := company.tasks.get(str(event.details.get("task") or ""))):
            actor = self._actor(company, event.person)
            if actor is None and self.actors:  # someone whose token the job does not hold: a stand-in
                actor = self.ctx.rng("m365", "actor", event.seq).choice(self.actors)
            try:
                await self._work_event(event, task, actor, company)
            except (Skippable, NotFoundOnPlatform) as exc:
                self.ctx.activity("skipped", f"Skipped a {event.kind.replace('_', ' ')} in Microsoft 365: "
                                  f"{exc.message}", [])
            except AuthError as exc:
                # A person's delegated token refused (403, or a 401: it expired; it cannot be renewed
                # here) skips the change; the app's own 401 (after one renewal) is the job's end.
                if exc.status != 403 and not (exc.status == 401 and actor is not None):
                    raise
                who = actor.display_name if actor else "The app"
                self.ctx.activity("skipped", f"Skipped a {event.kind.replace('_', ' ')} in Microsoft 365: "
                                  f"{who} may not do that there ({exc.message}).", [])
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

    async def _work_event(self, event: Event, task: WorkTask, actor: Actor | None, company: Company) -> None:
        """The event's task converges to the company's state of it; a comment joins its thread."""
        work = self.work(company)
        if event.kind == "comment":
            if actor is not None:  # without a delegated token no message can be posted (said at build)
                await work.comment(f"message:e{event.seq}", task.parent or task.key, actor,
                                   **{LAST_EVENT: event.seq})
            return
        if not await work.converge_task(task, actor, **{LAST_EVENT: event.seq}):
            return
        kind, words = SAID[event.kind]
        plan = company.project(task.project)
        assignee = company.people.get(task.assignee or "")
        text = words.format(task=f"“{task.name}”", plan=plan.name if plan else "", priority=task.priority,
                            section=plan.sections[task.section] if plan else "", due=task.due_on,
                            assignee=assignee.name if assignee else "nobody")
        who = actor.display_name if actor else "The app"
        self.ctx.activity(kind, f"{who} {text}.", [{"type": "task", "name": task.name}])
        if event.kind == "move_task" and task.done:
            self.ctx.activity("task_completed", f"{who} completed “{task.name}”.",
                              [{"type": "task", "name": task.name}])

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
