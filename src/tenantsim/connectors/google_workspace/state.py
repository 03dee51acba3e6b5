"""What a Google Workspace job knows while it runs: the company, the Workspace domain, and the ids of the
org units and groups it uses. Rebuilt from the ledger on every start; the people's Google ids and what
Google was last made to show of them are in the ledger's user rows.

Ledger kinds: ``orgunit`` (key ``ou:<Department>``, ``ou:former``), ``group`` (the company's group key),
``user`` (the person's key), ``event`` (a calendar series; key ``<slot>@<event seq>``, ``slot`` in its
attrs). Nothing the customer sees names the job: an org unit's path, a group's and a user's address are
claimed for the job in the tenant before their intent (``kit/intents.py``), and the ledger says what the
job made. Google records no creation time for org units and groups, so theirs are looked up first.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

from tenantsim.connectors.base import JobContext
from tenantsim.connectors.google_workspace.client import GoogleClient
from tenantsim.connectors.kit.intents import Intents
from tenantsim.scenario.company import Company, Employee, GroupSpec
from tenantsim.store.ledger_types import LedgerEntry

FORMER_UNIT = "Former Employees"  # where departed people's suspended accounts wait for deletion
FORMER_KEY = "ou:former"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "group"


@dataclass
class Workspace:
    ctx: JobContext
    client: GoogleClient
    company: Company
    groups: dict[str, str] = field(default_factory=dict)  # group key -> Google id

    @property
    def domain(self) -> str:
        return self.client.domain

    def address(self, person: Employee | None) -> str | None:
        """A person's primary email: their login in the Workspace's own domain."""
        return f"{person.login}@{self.domain}" if person is not None else None

    def group_email(self, spec: GroupSpec) -> str:
        return f"{slug(spec.name)}@{self.domain}"

    def unit_path(self, department: str) -> str:
        return f"/{department.replace('/', '-')}"

    def intents(self, created_field: str = "created") -> Intents[GoogleClient]:
        def member_for(entry: LedgerEntry | None, kind: str, key: str) -> GoogleClient:
            return self.client

        return Intents(self.ctx.ledger, self.ctx.checkpoint_now, member_for, lambda c: c.name,
                       created_field=created_field, claims=self.ctx.claims, tenant=self.client.tenant)

    async def claim(self, kind: str, name: str) -> bool:
        """Take ``name`` for the job in this Workspace, as ``Intents.ensure`` does; False when another job
        holds it."""
        return await asyncio.to_thread(self.ctx.claims.claim, self.client.tenant, kind, name.lower())

    def user_id(self, person_key: str | None) -> str | None:
        entry = self.ctx.ledger.get("user", person_key) if person_key else None
        return entry.platform_id if entry is not None and entry.status == "created" else None
