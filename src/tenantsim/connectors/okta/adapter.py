"""OktaAdapter: the company in an Okta org. Builds it (``build.py``), reflects each of its events by
converging the people it touched (``converge.py``), and cleans up from the ledger (``cleanup.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tenantsim.connectors.base import JobContext
from tenantsim.connectors.kit.concurrency import bounded
from tenantsim.connectors.okta.build import ensure_group, grant_department_apps, load_apps
from tenantsim.connectors.okta.cleanup import cleanup_job
from tenantsim.connectors.okta.converge import converge_person
from tenantsim.connectors.okta.onboard import onboard
from tenantsim.connectors.okta.orgconfig import ensure_attributes, ensure_mfa_policy, filled_attributes
from tenantsim.connectors.okta.pool import OktaClientPool
from tenantsim.connectors.okta.settle import settle, settle_intents
from tenantsim.connectors.okta.signin import sign_in
from tenantsim.connectors.okta.state import PASSWORD_GENERATION, OrgState
from tenantsim.errors import NotFoundOnPlatform
from tenantsim.scenario.company import DEPARTED, Company
from tenantsim.scenario.events import ACCESS_KINDS, ACTIVITY_KINDS, HR_KINDS, Event
from tenantsim.scenario.founding import KnownPerson


class OktaAdapter:
    platform = "okta"
    handles = frozenset((*HR_KINDS, *ACCESS_KINDS))

    def __init__(self, ctx: JobContext, pool: OktaClientPool) -> None:
        self.ctx = ctx
        self.pool = pool
        if ctx.config.get("sign_ins"):  # people sign in and open their apps (job field ``sign_ins``)
            self.handles = frozenset((*self.handles, *ACTIVITY_KINDS))
        self._apps: dict[str, dict[str, Any]] = {}
        self._state: OrgState | None = None

    async def prepare(self) -> None:
        """The org's app catalogue; then settle whatever a crash interrupted."""
        holder = OrgState(self.ctx, self.pool, company=None)  # type: ignore[arg-type]
        await load_apps(holder)
        self._apps = holder.apps
        await settle_intents(self.ctx.ledger, self.pool, seeded=bool(self.ctx.progress.get("seeded")))
        await settle(self.ctx.ledger, self.pool)

    def catalogue(self) -> Sequence[str]:
        return sorted(str(app.get("label")) for app in self._apps.values())

    def known_people(self) -> Sequence[KnownPerson] | None:
        return None  # Okta is where the company's people are made

    def email_domain(self) -> str | None:
        return None  # any address will do

    def state(self, company: Company) -> OrgState:
        if self._state is None or self._state.company is not company:
            self._state = OrgState(self.ctx, self.pool, company, apps=self._apps)
            self._state.attributes = filled_attributes(self._state)
            for entry in self.ctx.ledger.entries("group", statuses=["created"]):
                if entry.platform_id:
                    self._state.groups[entry.key] = entry.platform_id
        return self._state

    def build_total(self, company: Company) -> int:
        state = self.state(company)
        people = [p for p in company.people.values() if p.status != DEPARTED]
        grants = sum(
            1
            for d in company.departments
            if company.department_group(d.name)
            for label in d.apps
            if label.lower() in state.apps
        )
        extras = sum(1 for p in people for label in p.apps if label.lower() in state.apps)
        factors = sum(len(p.factors) for p in people)
        return len(company.groups) + grants + len(people) + extras + factors

    async def build(self, company: Company) -> None:
        """Groups first (people are created already in them); then the department app grants (apps
        bucket) alongside the people (users bucket; ``onboard.py``), so every budget works at once and
        the first person appears within seconds even on a plan with a small apps limit."""
        state, ctx = self.state(company), self.ctx
        state.attributes = await ensure_attributes(state)  # before anyone is made: people carry them
        # Every name the build needs, claimed in one go rather than one write per object.
        await state.intents.claim_ahead("group", [spec.name for spec in company.groups])
        await state.intents.claim_ahead("user", [company.email(p) for p in company.people.values()
                                                 if p.status != DEPARTED])
        await bounded(company.groups, lambda spec: ensure_group(state, spec))
        await ensure_mfa_policy(state)
        done = 0

        def one_done() -> None:
            nonlocal done
            done += 1
            if done % 25 == 0:
                ctx.checkpoint(seed_done=done)

        async def people_made() -> None:
            await onboard(state, people, one_done)

        granted = 0

        async def department_apps() -> None:
            nonlocal granted
            granted = await grant_department_apps(state)

        people = [p for p in company.people.values() if p.status != DEPARTED]
        # Side by side; the first failure (or a stop) cancels the other.
        await bounded([department_apps, people_made], lambda work: work())
        ctx.checkpoint(seed_done=done)
        ctx.activity("okta_built", f"{company.name} is in Okta: {len(people)} people in "
                     f"{len(company.staffed_departments()) + 1} departments with managers, offices and MFA "
                     f"factors; {len(state.groups)} department, office and team groups; {granted} department "
                     f"app grants, on {company.domain}.",
                     [{"type": "org", "users": len(people), "groups": len(state.groups)}])

    async def apply(self, event: Event, company: Company) -> None:
        state = self.state(company)
        if event.kind == "password_reset":
            await self._reset_password(state, event)
            return
        if event.kind == "sign_in":
            await sign_in(state, event)
            return
        for key in event.people:
            person = company.people.get(key)
            if person is None:
                continue
            try:
                await converge_person(state, person)
            except NotFoundOnPlatform as exc:  # removed outside the job: say so and go on
                self.ctx.activity(
                    "notice",
                    f"{person.name} was not found in Okta ({exc.message}); the change was not made there.",
                    [],
                )

    async def _reset_password(self, state: OrgState, event: Event) -> None:
        person = state.company.people.get(event.person or "")
        uid = state.user_id(event.person)
        if person is None or uid is None:
            return
        client = state.acting("password_reset", event.seq).client
        await client.reset_password(uid)  # sendEmail=false: the link comes back to us, unmailed
        await self.ctx.checkpoint_now()
        entry = self.ctx.ledger.get("user", person.key)
        generation = int((entry.attrs if entry is not None else {}).get(PASSWORD_GENERATION) or 0) + 1
        await client.set_password(uid, state.password_of(person, generation))  # the one they chose
        self.ctx.ledger.update_attrs("user", person.key, {PASSWORD_GENERATION: generation})

    def user_ids(self) -> dict[str, str]:
        """Person key -> Okta id for everyone the job made (tests and read helpers)."""
        return {
            e.key: str(e.platform_id)
            for e in self.ctx.ledger.entries("user", statuses=["created"])
            if e.platform_id
        }

    async def cleanup(self) -> dict[str, Any]:
        return await cleanup_job(self.ctx, self.pool)

    async def aclose(self) -> None:
        await self.pool.aclose()
