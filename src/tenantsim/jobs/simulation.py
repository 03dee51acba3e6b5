"""One job's company and its platforms: founding, the initial build, and each event from the director
to every adapter.

An event is applied to the company and stored (with ``pending`` set) before any platform call; each
adapter then reflects it, and ``pending`` is cleared. A job that dies in between finds the event
pending on restart and hands it to the adapters again — they converge, so nothing is done twice.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from tenantsim.connectors.base import PlatformAdapter, TaskRecorder
from tenantsim.connectors.kit.concurrency import bounded
from tenantsim.connectors.registry import PLATFORMS
from tenantsim.errors import Skippable
from tenantsim.jobs.context import RunningJobContext
from tenantsim.jobs.platforms import merge_results
from tenantsim.scenario.activity import ActivityModel, parse_timezone, parse_working_hours
from tenantsim.scenario.company import Company
from tenantsim.scenario.director import Director
from tenantsim.scenario.events import WORK_KINDS, Event
from tenantsim.scenario.founding import (
    KnownPerson,
    adopt_known,
    found_company,
    headcount,
    initial_exceptions,
)
from tenantsim.scenario.tasks import plan_first_tasks
from tenantsim.scenario.work import DEFAULT_PROJECTS, plan_projects
from tenantsim.store import company_repo
from tenantsim.store.types import utcnow


class Simulation:
    def __init__(
        self,
        ctx: RunningJobContext,
        adapters: Sequence[PlatformAdapter],
        company: Company,
        director: Director,
    ) -> None:
        self.ctx = ctx
        self.adapters = list(adapters)
        self.company = company
        self.director = director

    @classmethod
    async def open(cls, ctx: RunningJobContext, adapters: Sequence[PlatformAdapter]) -> Simulation:
        """Prepare every platform, then load the job's company, or found it on the job's first start."""
        for adapter in adapters:
            await adapter.prepare()
        catalogue = sorted({label for a in adapters for label in a.catalogue()})
        known = _known_everywhere(adapters)
        stored = await asyncio.to_thread(company_repo.load, ctx.engine, ctx.job_id)
        if stored is not None:
            company = Company.from_dict(stored)
            changed = adopt_known(company, known or ())  # a company taken over from another job
            domain = next((d for a in adapters if (d := a.email_domain())), None)
            if domain and domain != company.domain and not ctx.progress.get("seeded"):
                company.domain = domain  # taken over onto a platform that fixes its addresses
                changed.append("domain")
        else:
            company = await _found(ctx, adapters, known, catalogue)
            changed = list(company.people)
        # The people the job acts as on its work platforms: only they assign, comment and own work.
        logins = {k.login for k in known or ()}
        actors = [p.key for p in company.people.values() if p.login in logins]
        if not company.projects and any(set(WORK_KINDS) & a.handles for a in adapters):
            projects = int(ctx.config.get("initial_projects") or DEFAULT_PROJECTS)
            await plan_projects(company, ctx.content, ctx.seed, projects, actors or list(company.people))
            changed.append("projects")
        elif stored is not None and any(set(WORK_KINDS) & a.handles for a in adapters):
            changed += await _carry_on_work(ctx, adapters, company, actors or list(company.people))
        if changed:
            await asyncio.to_thread(lambda: company_repo.save(ctx.engine, ctx.job_id, company.to_dict()))
        config = ctx.config
        zone = config.get("timezone") or company.home_zone
        model = ActivityModel(
            level=str(config.get("activity_level") or "medium"),
            working_hours=parse_working_hours(config.get("working_hours")),
            zone=parse_timezone(zone),
        )
        kinds = sorted({kind for a in adapters for kind in a.handles})
        director = Director(
            company, ctx.content, seed=ctx.seed, model=model, kinds=kinds, catalogue=catalogue, actors=actors
        )
        return cls(ctx, adapters, company, director)

    @property
    def zone(self) -> str:
        return str(self.director.model.zone)

    def build_total(self) -> int:
        return sum(adapter.build_total(self.company) for adapter in self.adapters)

    async def build(self) -> None:
        """Every platform at once: each has a rate-limit budget of its own, so one waiting on its budget
        never holds up another. The first failure (or a stop) cancels the others and is raised."""
        await bounded(self.adapters, lambda adapter: adapter.build(self.company), parallel=len(self.adapters))

    def save(self, **progress: Any) -> None:
        """The company and the job's progress, in one transaction."""
        self.ctx.progress.update(progress, sim_now=self.company.sim_now, sim_zone=self.zone)
        self.ctx.save_company(self.company.to_dict())

    async def finish_pending(self) -> None:
        """An event a crash left half-reflected: every platform converges to it now."""
        if self.company.pending is None:
            return
        await self._reflect(Event.from_dict(self.company.pending))

    async def step(self, kind: str, at: datetime, item: dict[str, str] | None = None) -> Event | None:
        """Apply one event to the company, store it, then reflect it on every platform."""
        event = await self.director.apply(kind, at, item)
        self.save()
        if event is None:
            return None
        await self._reflect(event)
        return event

    async def _reflect(self, event: Event) -> None:
        for adapter in self.adapters:
            if event.kind not in adapter.handles:
                continue
            try:
                await adapter.apply(event, self.company)
            except Skippable as exc:  # the platform refuses this one change: say so, do not retry it
                self.ctx.activity(
                    "notice",
                    f"{event.sentence or event.kind} — not reflected in {adapter.platform}: {exc.message}",
                    [],
                )
        self.company.pending = None
        if event.sentence:
            person = self.company.people.get(event.person or "")
            objects = (
                [
                    {
                        "type": "person",
                        "key": person.key,
                        "name": person.name,
                        "email": self.company.email(person),
                    }
                ]
                if person
                else []
            )
            self.ctx.activity(event.kind, event.sentence, objects)
        self.ctx.events_total += 1
        self.save(events_total=self.ctx.events_total, http=self.ctx.http_stats.as_dict())

    async def fast_forward(self, days: float) -> Counter[str]:
        """Every event of the next ``days`` simulated days, as fast as the platforms answer (what a job
        shows at any time_scale, without waiting for it): for benchmarks and tests. Returns the kinds."""
        kinds: Counter[str] = Counter()
        end = self.company.clock() + timedelta(days=days)
        while self.company.clock() < end:
            due, kind, item = self.director.next_due()
            if kind is None:
                self.company.sim_now = due.isoformat()
                continue
            event = await self.step(kind, due, item)
            if event is not None:
                kinds[event.kind] += 1
        return kinds

    async def cleanup(self) -> dict[str, Any]:
        """Every platform at once, as the build; the results in the platforms' order."""
        results: dict[int, dict[str, Any]] = {}

        async def clean(index: int) -> None:
            results[index] = await self.adapters[index].cleanup()

        await bounded(range(len(self.adapters)), clean, parallel=len(self.adapters))
        return merge_results([(adapter.platform, results[i]) for i, adapter in enumerate(self.adapters)])

    async def aclose(self) -> None:
        for adapter in self.adapters:
            await adapter.aclose()


async def _found(
    ctx: RunningJobContext,
    adapters: Sequence[PlatformAdapter],
    known: Sequence[KnownPerson] | None,
    catalogue: list[str],
) -> Company:
    """The job's company on its first start. A work platform alone plays the team of its token owners;
    with a platform that makes people (an identity provider), the company has the configured size and
    the token owners are among its people. A platform that fixes the address domain gives it to all."""
    industry = str(ctx.config.get("industry") or "technology")
    # An identity platform makes the people, even one that also works as its token owners (Microsoft 365).
    makes_people = any(a.known_people() is None or _is_identity(a.platform) for a in adapters)
    size = headcount(ctx.config) if makes_people or not known else len(known)
    plan = await ctx.content.org_plan(industry, max(size, len(known or ())))
    # A large company takes seconds to found: off the event loop, so the server keeps answering.
    company = await asyncio.to_thread(found_company, plan, ctx.seed, _start_time(ctx), known)
    await asyncio.to_thread(initial_exceptions, company, catalogue, ctx.seed)
    domains = [d for a in adapters if (d := a.email_domain())]
    if not domains and len(adapters) > 1:  # the token owners' own domain, so every platform agrees
        domains = [k.domain for k in known or () if k.domain]
    if domains:
        company.domain = domains[0]
    return company


async def _carry_on_work(ctx: RunningJobContext, adapters: Sequence[PlatformAdapter], company: Company,
                         actors: list[str]) -> list[str]:
    """A company saved before it held tasks: the tasks a work platform recorded become the company's;
    a project still without any gets its first tasks. Returns what changed."""
    changed: list[str] = []
    if not company.tasks:
        for adapter in adapters:
            if isinstance(adapter, TaskRecorder) and (found := adapter.recorded_tasks(company)):
                company.tasks.update((t.key, t) for t in found)
                changed.append("tasks")
                break
    for plan in company.projects:
        if plan.phase != "done" and not any(t.project == plan.key for t in company.tasks.values()):
            await plan_first_tasks(company, ctx.content, ctx.seed, plan, actors, under_way=True)
            changed.append(plan.key)
    return changed


def _known_everywhere(adapters: Sequence[PlatformAdapter]) -> list[KnownPerson] | None:
    """The people the job acts as on any of its work platforms (Asana's token owners, Salesforce's
    users), each once; None when no platform has any."""
    known: dict[str, KnownPerson] = {}
    for adapter in adapters:
        for person in adapter.known_people() or ():
            known.setdefault(person.login, person)
    return list(known.values()) or None


def _is_identity(connection_type: str) -> bool:
    spec = PLATFORMS.get(connection_type)
    return spec is not None and spec.role == "identity"


def _start_time(ctx: RunningJobContext) -> datetime:
    saved = ctx.progress.get("sim_now")
    return datetime.fromisoformat(saved) if isinstance(saved, str) else utcnow()
