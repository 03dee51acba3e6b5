"""What an Okta job knows while it runs: the company, the org's apps and the ids of its groups.

Rebuilt from the ledger on every start, so a restarted job carries on where it stopped; the people's
Okta ids and what Okta last showed of them are in the ledger's user rows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from tenantsim.connectors.base import JobContext
from tenantsim.connectors.kit.intents import Intents
from tenantsim.connectors.okta import credentials
from tenantsim.connectors.okta.client import tenant_for
from tenantsim.connectors.okta.pool import Member, OktaClientPool
from tenantsim.scenario.company import Company, Employee
from tenantsim.store.ledger_types import LedgerEntry

PASSWORD_GENERATION = "password_generation"  # user attr: how many times the job reset the password
TOTP_SECRET = "totp_secret"  # user attr: the sealed secret of their authenticator app


@dataclass
class OrgState:
    """The company, the org's apps, and the Okta ids of the job's groups."""

    ctx: JobContext
    pool: OktaClientPool
    company: Company
    apps: dict[str, dict[str, Any]] = field(default_factory=dict)  # lower-cased label -> app
    groups: dict[str, str] = field(default_factory=dict)  # group key -> Okta id
    attributes: list[str] = field(default_factory=list)  # custom profile attributes the job fills

    def rng(self, *names: object) -> random.Random:
        return self.ctx.rng("okta", *names)

    def acting(self, *names: object) -> Member:
        """Which admin token does this piece of work (spread over tokens, reproducibly)."""
        members = self.pool.members
        if len(members) == 1:  # the usual single admin token: no draw (a seeded generator per call)
            return members[0]
        return self.pool.pick(self.rng("actor", *names))

    @property
    def intents(self) -> Intents[Member]:
        def member_for(entry: LedgerEntry | None, kind: str, key: str) -> Member:
            return self.pool.acting_as(entry.actor) if entry is not None else self.acting(kind, key)

        return Intents(self.ctx.ledger, self.ctx.checkpoint_now, member_for, lambda m: m.label,
                       claims=self.ctx.claims, tenant=tenant_for(self.pool.org_url))

    def password_of(self, person: Employee, generation: int | None = None) -> str:
        """The password the job set for this person (derived, never stored: ``credentials.py``)."""
        if generation is None:
            entry = self.ctx.ledger.get("user", person.key)
            generation = int((entry.attrs if entry is not None else {}).get(PASSWORD_GENERATION) or 0)
        key = credentials.job_key(self.ctx.config, self.ctx.job_id, "password")
        return credentials.password(key, person.key, generation, person.first_name, person.last_name,
                                    person.login)

    def secret_key(self) -> bytes:
        """What the person's TOTP secrets are sealed with in the ledger."""
        return credentials.job_key(self.ctx.config, self.ctx.job_id, "totp")

    def user_id(self, person_key: str | None) -> str | None:
        entry = self.ctx.ledger.get("user", person_key) if person_key else None
        return entry.platform_id if entry is not None and entry.status == "created" else None
