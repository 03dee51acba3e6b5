"""GoogleAdapter: the company in a Google Workspace. Builds it (``build.py``), reflects each people
event by converging the people it touched (``converge.py``) and the managers' meetings
(``calendar.py``), and cleans up from the ledger (``cleanup.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tenantsim.connectors.base import JobContext
from tenantsim.connectors.google_workspace.build import ensure_department_unit, ensure_group
from tenantsim.connectors.google_workspace.calendar import converge_calendars, meeting_count
from tenantsim.connectors.google_workspace.cleanup import cleanup_job
from tenantsim.connectors.google_workspace.client import GoogleClient
from tenantsim.connectors.google_workspace.converge import converge_person
from tenantsim.connectors.google_workspace.settle import settle
from tenantsim.connectors.google_workspace.state import Workspace
from tenantsim.connectors.kit.concurrency import bounded
from tenantsim.errors import NotFoundOnPlatform
from tenantsim.scenario.company import DEPARTED, Company, Employee
from tenantsim.scenario.events import HR_KINDS, Event
from tenantsim.scenario.founding import KnownPerson


class GoogleAdapter:
    platform = "google_workspace"
    handles = frozenset(HR_KINDS)

    def __init__(self, ctx: JobContext, client: GoogleClient) -> None:
        self.ctx = ctx
        self.client = client
        self._ws: Workspace | None = None

    async def prepare(self) -> None:
        """Settle whatever a crash interrupted."""
        await settle(self.ctx.ledger, self.client, seeded=bool(self.ctx.progress.get("seeded")))

    def catalogue(self) -> Sequence[str]:
        return ()  # no app catalogue here: access is the identity platforms' with apps

    def known_people(self) -> Sequence[KnownPerson] | None:
        return None  # Google Workspace is where the company's people are made

    def email_domain(self) -> str | None:
        return self.client.domain  # primary emails must be in the Workspace's own domain

    def workspace(self, company: Company) -> Workspace:
        if self._ws is None or self._ws.company is not company:
            self._ws = Workspace(self.ctx, self.client, company)
            for entry in self.ctx.ledger.entries("group", statuses=["created"]):
                if entry.platform_id:
                    self._ws.groups[entry.key] = entry.platform_id
        return self._ws

    def build_total(self, company: Company) -> int:
        people = [p for p in company.people.values() if p.status != DEPARTED]
        units = len({p.department for p in people})
        return units + len(company.groups) + len(people) + meeting_count(self.workspace(company), company)

    async def build(self, company: Company) -> None:
        """Org units, then groups, then people (each in their unit, then their groups), then meetings."""
        ws, ctx = self.workspace(company), self.ctx
        people = [p for p in company.people.values() if p.status != DEPARTED]
        for department in sorted({p.department for p in people}):
            await ensure_department_unit(ws, department)
        await bounded(company.groups, lambda spec: ensure_group(ws, spec))
        # The people's addresses, claimed for the job in one go rather than one write per person.
        await ws.intents().claim_ahead("user", [str(ws.address(p)) for p in people])
        done = 0

        async def one(person: Employee) -> None:
            nonlocal done
            await converge_person(ws, person)
            done += 1
            if done % 25 == 0:
                ctx.checkpoint(seed_done=done)

        await bounded(people, one)
        await converge_calendars(ws)
        ctx.checkpoint(seed_done=done)
        meetings = len(ctx.ledger.entries("event", statuses=["created"]))
        ctx.activity("google_built", f"{company.name} is in Google Workspace: {len(people)} people in "
                     f"{len({p.department for p in people})} department org units with managers and offices; "
                     f"{len(ws.groups)} department, office and team groups; {meetings} recurring team "
                     f"meetings and 1:1s, on {ws.domain}.",
                     [{"type": "workspace", "users": len(people), "groups": len(ws.groups)}])

    async def apply(self, event: Event, company: Company) -> None:
        ws = self.workspace(company)
        await converge_calendars(ws, removals_only=True)  # a departing organiser cancels while able
        for key in event.people:
            person = company.people.get(key)
            if person is None:
                continue
            try:
                await converge_person(ws, person)
            except NotFoundOnPlatform as exc:  # removed outside the job: say so and go on
                self.ctx.activity("notice", f"{person.name} was not found in Google Workspace "
                                  f"({exc.message}); the change was not made there.", [])
        await converge_calendars(ws)

    def user_ids(self) -> dict[str, str]:
        """Person key -> Google id for everyone the job made (tests and read helpers)."""
        return {e.key: str(e.platform_id) for e in self.ctx.ledger.entries("user", statuses=["created"])
                if e.platform_id}

    async def cleanup(self) -> dict[str, Any]:
        return await cleanup_job(self.ctx, self.client)

    async def aclose(self) -> None:
        await self.client.aclose()
