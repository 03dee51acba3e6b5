"""What a Microsoft 365 job knows while it runs: the company, the tenant's domain, the ids of the groups,
teams, channels and plans it made, and the people it acts as (their delegated tokens). Rebuilt from the
ledger on every start.

Ledger kinds (cleanup order, last first): ``user`` (a person's key), ``group`` (a company group's key:
a security group; ``dept:<Department>``: the department's Microsoft 365 group), ``team`` (the
department group's key; the team's id is the group's), ``channel`` (``channel:<project key>``), ``plan``
(the project's key), ``bucket`` (``<project key>#<section index>``), ``task`` (``task:<project>:<n>``,
``task:ev<seq>``), ``message`` (``message:<task key>:<n>``). Nothing the customer sees names the job:
a user's userPrincipalName and a group's mailNickname are claimed for the job in the tenant before their
intent (``kit/intents.py``), and Graph dates both (``createdDateTime``), so one found after a crash is
the job's only if Graph made it after the intent. The ledger says what the job made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tenantsim.connectors.base import JobContext
from tenantsim.connectors.kit.intents import Intents
from tenantsim.connectors.microsoft365.client import GraphClient
from tenantsim.scenario.company import Company, Employee
from tenantsim.store.ledger_types import LedgerEntry

CREATED = "createdDateTime"


def nickname(text: str) -> str:
    """A mailNickname: ASCII letters, digits, dots, hyphens and underscores, at most 64."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64] or "group"


def department_key(department: str) -> str:
    return f"dept:{department}"


@dataclass
class Actor:
    """A person the job holds a delegated token for: their label, token and directory user."""

    label: str
    token: str
    user_id: str
    upn: str
    display_name: str

    @property
    def login(self) -> str:
        return self.upn.split("@", 1)[0].lower()


@dataclass
class Tenant:
    ctx: JobContext
    client: GraphClient
    company: Company
    actors: list[Actor] = field(default_factory=list)
    groups: dict[str, str] = field(default_factory=dict)  # group key -> Graph id

    @property
    def domain(self) -> str:
        return self.client.domain

    def upn(self, person: Employee) -> str:
        return f"{person.login}@{self.domain}"

    def actor_of(self, person: Employee | None) -> Actor | None:
        if person is None:
            return None
        return next((a for a in self.actors if a.login == person.login.lower()), None)

    def user_id(self, person_key: str | None) -> str | None:
        """The directory id of a company person: one the job made, or an actor who already existed."""
        person = self.company.people.get(person_key or "")
        actor = self.actor_of(person)
        if actor is not None:
            return actor.user_id
        entry = self.ctx.ledger.get("user", person_key) if person_key else None
        return entry.platform_id if entry is not None and entry.status == "created" else None

    def intents(self) -> Intents[GraphClient]:
        def member_for(entry: LedgerEntry | None, kind: str, key: str) -> GraphClient:
            return self.client

        return Intents(self.ctx.ledger, self.ctx.checkpoint_now, member_for, lambda c: c.name,
                       created_field=CREATED, claims=self.ctx.claims, tenant=self.client.tenant)

    def created_id(self, kind: str, key: str) -> str | None:
        entry = self.ctx.ledger.get(kind, key)
        return entry.platform_id if entry is not None and entry.status == "created" else None
