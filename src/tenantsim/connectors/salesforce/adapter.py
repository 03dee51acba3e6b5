"""SalesforceAdapter: the company's sales and service work in a Salesforce org.

``prepare`` reads the org's active users: they are the company's sales and support people (the job never
creates users; in a job with an identity platform they are its people there too). ``build`` makes the
book of business (``build.py``), ``apply`` reflects each work event acting as the event's person
(``work.py``), ``cleanup`` removes exactly the ledger's records (``cleanup.py``).

When the org's daily API allocation runs out the adapter says so in the activity log and raises
``AllocationExhausted``: nothing can be done until the rolling 24 hours free calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tenantsim.connectors.base import JobContext
from tenantsim.connectors.salesforce import build as build_module
from tenantsim.connectors.salesforce.cleanup import cleanup_job
from tenantsim.connectors.salesforce.client import AllocationExhausted, SalesforceClient
from tenantsim.connectors.salesforce.creating import LAST_EVENT
from tenantsim.connectors.salesforce.people import People, read_users
from tenantsim.connectors.salesforce.work import HANDLERS, Work
from tenantsim.errors import AuthError, NotFoundOnPlatform, Skippable
from tenantsim.scenario.company import Company
from tenantsim.scenario.events import Event
from tenantsim.scenario.founding import KnownPerson

FALLBACK_KINDS = ("comment", "create_task")  # always possible once the org has accounts


class SalesforceAdapter:
    platform = "salesforce"
    handles = frozenset(HANDLERS)

    def __init__(self, ctx: JobContext, client: SalesforceClient) -> None:
        self.ctx = ctx
        self.client = client
        self.people = People([])
        self._said_exhausted = False

    async def prepare(self) -> None:
        """The org's active users. An org with none cannot show anyone's work: refused."""
        users = await self._guarded(read_users(self.client))
        if self.client.user_id is not None and len(users) > 1:  # the app's own (integration) user is not
            users = [u for u in users if u.id != self.client.user_id]  # one of the company's people
        if not users:
            raise AuthError("Salesforce: the org has no active users to act as", 403, "no_users")
        self.people = People(users)

    def catalogue(self) -> Sequence[str]:
        return ()

    def known_people(self) -> Sequence[KnownPerson] | None:
        """One company person per active user, logins unique within the job."""
        known: list[KnownPerson] = []
        logins: set[str] = set()
        for user in self.people.users:
            person = user.known()
            login, number = person.login, 2
            while login in logins:
                login, number = f"{person.login}{number}", number + 1
            logins.add(login)
            known.append(KnownPerson(person.first_name, person.last_name, login, person.domain))
        return known

    def email_domain(self) -> str | None:
        return None  # any address will do: Salesforce users keep their own

    def build_total(self, company: Company) -> int:
        return build_module.build_total(self.ctx.config)

    async def build(self, company: Company) -> None:
        counts = await self._guarded(build_module.build_org(self.ctx, self.client, company, self.people))
        usage = self.client.usage
        spent = (
            f" ({usage.used:,} of the org's {usage.allocation:,} daily API calls in use)"
            if usage.allocation
            else ""
        )
        self.ctx.activity(
            "salesforce_built",
            f"{company.name}'s book of business is in Salesforce: {counts['accounts']} accounts with "
            f"{counts['contacts']} contacts, {counts['opportunities']} opportunities, "
            f"{counts['cases']} cases "
            f"({counts['casecomments']} comments), {counts['leads']} leads and {counts['tasks']} logged "
            f"activities, owned by {len(self.people.users)} users{spent}.",
            [{"type": "org", "instance_url": self.client.instance_url, **counts}],
        )

    async def apply(self, event: Event, company: Company) -> None:
        """Reflect one work event as its person; applied at most once (its seq is recorded with what it
        changed, and creations are keyed by it)."""
        last = self.ctx.progress.get(LAST_EVENT)
        if (last is not None and event.seq <= int(last)) or event.kind not in HANDLERS:
            return
        user = self.people.user_of(company, event.person)
        rng = self.ctx.rng("salesforce", "event", event.seq)
        if user is None:  # someone who is not an org user: a stand-in among the org's working users
            user = self.people.pick(rng, self.people.working(company))
        at = datetime.fromisoformat(event.at)
        work = Work(self.ctx, self.client, self.people, company)
        for kind in [event.kind] + [k for k in FALLBACK_KINDS if k != event.kind]:
            try:
                if await self._guarded(HANDLERS[kind](work, event.seq, user, rng, at)):
                    break
            except (Skippable, NotFoundOnPlatform) as exc:
                self.ctx.activity("skipped", f"Skipped a {kind.replace('_', ' ')}: {exc.message}", [])
                break
        self.ctx.checkpoint(**{LAST_EVENT: event.seq})

    async def _guarded(self, call: Any) -> Any:
        """``call``, saying once in the activity log when the org's daily allocation is used up."""
        try:
            return await call
        except AllocationExhausted as exc:
            if not self._said_exhausted:
                self._said_exhausted = True
                usage = self.client.usage
                figures = (
                    f" ({usage.used:,}/{usage.allocation:,} calls in the last 24 hours)"
                    if usage.allocation
                    else ""
                )
                self.ctx.activity(
                    "allocation_exhausted",
                    f"Salesforce's daily API allocation for this org is used up{figures}; the job "
                    "stops here. Start it again once the org has calls left.",
                    [{"type": "org", "instance_url": self.client.instance_url}],
                )
            raise exc

    def record_ids(self, kind: str) -> dict[str, str]:
        """Ledger key -> Salesforce Id of every record of ``kind`` the job holds (tests, read helpers)."""
        return {
            e.key: str(e.platform_id)
            for e in self.ctx.ledger.entries(kind, statuses=["created"])
            if e.platform_id
        }

    async def cleanup(self) -> dict[str, Any]:
        return await cleanup_job(self.ctx, self.client)

    async def aclose(self) -> None:
        await self.client.aclose()
