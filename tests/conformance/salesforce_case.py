"""The Salesforce line of the conformance suite: its emulator, a job's configuration, and the org read back
with simple-salesforce, as a customer's tool would.

Salesforce is a work platform: the company's people are the org's active users, and the work state (each
deal's stage, each case's status and priority, every owner) lives in the adapter's ledger until the
company holds a work model of its own. So ``mismatches`` compares the org with the ledger's rows for the
work, and the org's users with the company's people."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from tenantsim.connectors.salesforce.connector import SalesforceConnector
from tenantsim.sandbox.salesforce import SalesforceSandbox, create_app
from tenantsim.scenario.company import Company
from tests.conformance.served import ServedTenants
from tests.connectors.salesforce_support import (
    active_users,
    connector,
    job_config,
    ledger_mismatches,
    reader,
    snapshot,
)

if TYPE_CHECKING:
    from tests.conformance.test_conformance import LedgerIds

KINDS = ("account", "contact", "opportunity", "case", "casecomment", "lead", "task", "event")


class SalesforceCase:
    name = "salesforce"
    crash_kind = "move_task"
    company_holds_work = False  # a work event changes the ledger's work state, not the company

    def __init__(self) -> None:
        self._tenants: ServedTenants[SalesforceSandbox] = ServedTenants()

    @contextlib.contextmanager
    def tenant(self) -> Iterator[str]:
        with self._tenants.serve(create_app(seed=7)) as base:
            yield base

    def config(self, base: str, people: int) -> dict[str, Any]:
        """The company is the org's users; ``people`` does not apply (the job never creates users)."""
        return job_config(self._tenants[base], base, accounts=6, max_api_capacity=50)

    def connector(self) -> SalesforceConnector:
        return connector()

    async def snapshot(self, base: str) -> dict[str, Any]:
        return await asyncio.to_thread(snapshot, reader(self._tenants[base], base))

    async def mismatches(self, base: str, company: Company, ledger_ids: LedgerIds) -> list[str]:
        sf = reader(self._tenants[base], base)
        attrs = {f"{e.kind}:{e.key}": e.attrs for e in ledger_ids.ledger.entries(statuses=["created"])}
        held = {kind: dict(ledger_ids[kind]) for kind in KINDS}
        problems = await asyncio.to_thread(ledger_mismatches, sf, held, attrs)
        users = await asyncio.to_thread(active_users, sf)
        logins = {p.login for p in company.people.values()}
        for user in users.values():
            login = str(user["Email"] or user["Username"]).split("@")[0].lower()
            if login not in logins and not str(user["Username"]).startswith("integration@"):
                problems.append(f"{user['Name']} is an active user but not one of the company's people")
        if not held["account"]:
            problems.append("no accounts in Salesforce")
        return problems
