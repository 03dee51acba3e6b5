"""What a Google Workspace job knows while it runs: the company, the Workspace domain, and the ids of the
org units and groups it uses. Rebuilt from the ledger on every start; the people's Google ids and what
Google was last made to show of them are in the ledger's user rows.

Ledger kinds: ``orgunit`` (key ``ou:<Department>``, ``ou:former``), ``group`` (the company's group key),
``user`` (the person's key), ``event`` (a calendar series; key ``<slot>@<event seq>``, ``slot`` in its
attrs). Groups and org units carry the job's mark in their description: Google records no creation
time for them, so the mark is what proves one found after a crash is the job's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tenantsim.connectors.base import JobContext
from tenantsim.connectors.google_workspace.client import GoogleClient
from tenantsim.connectors.kit.intents import Intents
from tenantsim.scenario.company import Company, Employee, GroupSpec
from tenantsim.store.ledger_types import LedgerEntry

FORMER_UNIT = "Former Employees"  # where departed people's suspended accounts wait for deletion
FORMER_KEY = "ou:former"


def mark_of(job_id: str) -> str:
    return f"[tenantsim {job_id}]"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "group"


def adoptable(found: dict[str, Any] | None, mark: str, id_field: str) -> dict[str, Any] | None:
    """An org unit or group found by name, as the intent discipline adopts it: only when it carries the
    job's mark (then it was made by this job, after its intent), dated now."""
    if found is None or mark not in str(found.get("description") or ""):
        return None
    return {"id": str(found[id_field]), "created": datetime.now(UTC).isoformat()}


@dataclass
class Workspace:
    ctx: JobContext
    client: GoogleClient
    company: Company
    groups: dict[str, str] = field(default_factory=dict)  # group key -> Google id

    @property
    def domain(self) -> str:
        return self.client.domain

    @property
    def mark(self) -> str:
        return mark_of(self.ctx.job_id)

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
                       created_field=created_field)

    def user_id(self, person_key: str | None) -> str | None:
        entry = self.ctx.ledger.get("user", person_key) if person_key else None
        return entry.platform_id if entry is not None and entry.status == "created" else None
