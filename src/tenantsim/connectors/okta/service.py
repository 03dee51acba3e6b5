"""OktaService: what an Okta job does. Builds the company (build.py), then runs the org's life one
event at a time (events.py), and cleans up from the ledger (cleanup.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tenantsim.connectors.base import JobContext
from tenantsim.connectors.okta import events
from tenantsim.connectors.okta.build import (
    DIRECT_GRANT_SHARE,
    bounded,
    ensure_group,
    ensure_person,
    extra_app_for,
    grant_department_apps,
    grant_direct,
    load_apps,
    waves,
)
from tenantsim.connectors.okta.cleanup import cleanup_job
from tenantsim.connectors.okta.people import Worker, headcount
from tenantsim.connectors.okta.pool import OktaClientPool
from tenantsim.connectors.okta.settle import settle, settle_intents
from tenantsim.connectors.okta.state import OrgState
from tenantsim.content.base import Person
from tenantsim.errors import NotFoundOnPlatform


class OktaService:
    def __init__(self, ctx: JobContext, pool: OktaClientPool, state: OrgState) -> None:
        self.ctx = ctx
        self.pool = pool
        self.state = state

    @classmethod
    async def open(cls, ctx: JobContext, pool: OktaClientPool) -> OktaService:
        """Plan the company (deterministic from the job's seed) and recall what the ledger holds."""
        industry = str(ctx.config.get("industry") or "technology")
        plan = await ctx.content.org_plan(industry, headcount(ctx.config))
        state = OrgState(ctx, pool, plan)
        state.start_clock()
        await settle_intents(ctx.ledger, pool, seeded=bool(ctx.progress.get("seeded")))
        for entry in ctx.ledger.entries("group", statuses=["created"]):
            if entry.platform_id:
                state.groups[entry.key] = entry.platform_id
        for entry in ctx.ledger.entries("user", statuses=["created"]):
            worker = Worker.from_entry(entry)
            if worker is not None:
                state.roster[worker.key] = worker
        await settle(ctx.ledger, pool, state.roster)  # removals a crash interrupted
        return cls(ctx, pool, state)

    def event_types(self) -> Sequence[str]:
        return list(events.EVENTS)

    def seed_total(self) -> int:
        plan = self.state.plan
        grants = sum(len(d.apps) for d in plan.departments)
        return len(plan.groups) + grants + len(plan.people) + int(len(plan.people) * DIRECT_GRANT_SHARE)

    def _exact_total(self) -> int:
        state = self.state
        plan = state.plan
        grouped = {g.department for g in plan.groups if g.kind == "department"}
        grants = sum(1 for d in plan.departments if d.name in grouped
                     for label in d.apps if label.lower() in state.apps)
        extras = sum(1 for p in plan.people if state.rng("direct-grant", p.key).random() < DIRECT_GRANT_SHARE)
        return len(plan.groups) + grants + len(plan.people) + extras

    async def seed(self) -> None:
        state, ctx = self.state, self.ctx
        plan = state.plan
        await load_apps(state)
        # Now that the org's app catalogue is known, the build's size is exact: progress and ETA use it.
        ctx.checkpoint(seed_total=self._exact_total())
        await bounded(plan.groups, lambda idea: ensure_group(state, idea))
        granted = await grant_department_apps(state)
        ctx.activity("groups_created", f"{len(state.groups)} department, office and team groups exist for "
                     f"{state.company}; {granted} department app grants made to groups.",
                     [{"type": "group", "id": gid, "key": key}
                      for key, gid in list(state.groups.items())[:50]])
        done = len(state.roster)

        async def one(person: Person) -> None:
            nonlocal done
            if person.key in state.roster:
                return
            await ensure_person(state, person)
            done += 1
            if done % 25 == 0:
                ctx.checkpoint(seed_done=done)

        for wave in waves(plan.people):
            await bounded(wave, one)
        ctx.checkpoint(seed_done=done)
        extras = [w for w in state.roster.values()
                  if state.rng("direct-grant", w.key).random() < DIRECT_GRANT_SHARE]

        async def extra(worker: Worker) -> None:
            app = extra_app_for(state, worker, "seed")
            if app is not None:
                await grant_direct(state, worker, app, "seed")

        await bounded(extras, extra)
        departments = len({w.department for w in state.roster.values()})
        ctx.activity("seed_completed", f"{state.company} is in Okta: {len(state.roster)} people in "
                     f"{departments} departments with managers, offices and cost centers, on "
                     f"{state.domain}.",
                     [{"type": "org", "users": len(state.roster), "groups": len(state.groups)}])

    async def run_event(self, event_type: str | None = None) -> str | None:
        state = self.state
        if not state.apps:
            await load_apps(state)
        count = int(self.ctx.progress.get("okta_events", 0))
        self.ctx.checkpoint(okta_events=count + 1)
        if event_type is not None:
            if event_type not in events.EVENTS:
                return None
            order = [event_type]
        else:  # a weighted draw; kinds with nobody to act on give way to the next one drawn
            rng = state.rng("event", count)
            pool = dict(events.EVENTS)
            order = []
            while pool:
                kind = rng.choices(list(pool), weights=[weight for _, weight in pool.values()])[0]
                order.append(kind)
                del pool[kind]
        for kind in order:
            handler = events.EVENTS[kind][0]
            try:
                if await handler(state, count):
                    return kind
            except NotFoundOnPlatform as exc:  # someone removed the object outside the job: move on
                self.ctx.activity("notice", f"A {kind} event found its object gone from Okta "
                                  f"({exc.message}).", [])
        return None

    async def cleanup(self) -> dict[str, Any]:
        return await cleanup_job(self.ctx, self.pool)

    async def aclose(self) -> None:
        await self.pool.aclose()
