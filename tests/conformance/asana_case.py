"""The Asana line of the conformance suite: its emulator, a job's configuration, and the workspace's state
read back through the Asana API and compared with what it should show.

Asana is a work platform: ``mismatches`` compares Asana with the company's tasks (section, assignee,
completion, due date, parent), with the ledger's rows for what only Asana has (Status, tags, comments),
and with the company for the people."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from tenantsim.connectors.asana.connector import AsanaConnector
from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.sandbox.asana import AsanaSandbox, create_app
from tenantsim.scenario.company import Company
from tests.conformance.served import ServedTenants
from tests.connectors.asana_support import (
    asana_api,
    company_task_mismatches,
    ledger_mismatches,
    people_mismatches,
    snapshot,
)

if TYPE_CHECKING:
    from tests.conformance.test_conformance import LedgerIds

USERS = 6  # people in the workspace; the job holds tokens for the first TOKENS of them
TOKENS = 4


class AsanaCase:
    name = "asana"
    crash_kind = "move_task"
    company_holds_work = True  # a work event changes the company's tasks; Asana records them

    def __init__(self) -> None:
        self._tenants: ServedTenants[AsanaSandbox] = ServedTenants()

    @contextlib.contextmanager
    def tenant(self) -> Iterator[str]:
        sandbox = create_app(users=USERS, seed=11, rate_limit=100_000, window_seconds=1.0)
        with self._tenants.serve(sandbox, path="/api/1.0") as base:
            yield base

    def _workspace(self, base: str) -> str:
        return str(self._tenants[base].store.organization["gid"])

    def config(self, base: str, people: int) -> dict[str, Any]:
        """The company is the people whose tokens the job holds."""
        users = self._tenants[base].describe(base)["users"][: max(1, min(people, TOKENS))]
        return {
            "connection_type": "asana",
            "industry": "technology",
            "workspace_gid": self._workspace(base),
            "initial_projects": 2,
            "base_url": base,
            "time_scale": 1e6,
            "user_tokens": [{"name": f"user{i}", "token": u["token"]} for i, u in enumerate(users)],
        }

    def connector(self) -> AsanaConnector:
        return AsanaConnector(ConnectorRuntime(budgets=BudgetRegistry(window_seconds=1.0), sandbox_mode=True))

    async def snapshot(self, base: str) -> dict[str, Any]:
        """Every project, task, subtask, tag, custom field and portfolio of the workspace (the residue
        check)."""
        return snapshot(self._tenants[base], base)

    async def mismatches(self, base: str, company: Company, ledger_ids: LedgerIds) -> list[str]:
        """Where the workspace differs from what it should show, read through the Asana API: every task,
        subtask and comment the job made against what the ledger recorded for it, and every company
        person as a workspace user of that name."""
        async with asana_api(base, self._tenants[base].tokens[0]) as api:
            problems = await ledger_mismatches(api, ledger_ids.ledger)
            problems += await people_mismatches(api, self._workspace(base), company)
            problems += await company_task_mismatches(api, ledger_ids.ledger, company, self._workspace(base))
            for plan in company.projects:  # the company's projects, each as far along as the company says
                gid = ledger_ids.get("project", {}).get(plan.key)
                if gid is None:
                    problems.append(f"project {plan.name} ({plan.phase}) is not in Asana")
                    continue
                answer = await api.get(f"/projects/{gid}", params={"opt_fields": "name,archived"})
                found = answer.json()["data"]
                if found["name"] != plan.name or bool(found["archived"]) != (plan.phase == "done"):
                    problems.append(f"project {plan.name}: archived {found['archived']}, "
                                    f"company says {plan.phase}")
        return problems
