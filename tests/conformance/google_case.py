"""The Google Workspace line of the conformance suite: its emulator, a job's configuration, and the tenant
read back through the Directory API with Google's own Python client (google-api-python-client), as a
customer's tool would, and compared with the company person by person."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.connectors.google_workspace.client import SCOPES
from tenantsim.connectors.google_workspace.config import validate
from tenantsim.connectors.google_workspace.connector import GoogleConnector
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.connectors.spec import ConfigContext
from tenantsim.sandbox.google import GoogleSandbox, create_app
from tenantsim.scenario.company import ACTIVE, DEPARTED, ON_LEAVE, Company
from tests.conformance.served import ServedTenants

FORMER = "/Former Employees"


def job_config(base: str, sandbox: GoogleSandbox, people: int = 40) -> dict[str, Any]:
    """A start request for the sandbox tenant (its describe()'s job), normalised as the API does."""
    job = sandbox.describe(base)["job"]
    config = {"connection_type": "google_workspace", "industry": "technology", "initial_users": people,
              "time_scale": 1e6, "content_provider": "offline", **job}
    return {**config, **validate(config, config, ConfigContext(sandbox_mode=True))}


def connector() -> GoogleConnector:
    return GoogleConnector(ConnectorRuntime(budgets=BudgetRegistry(window_seconds=60.0), sandbox_mode=True))


class Directory:
    """The tenant through google-api-python-client (synchronous: call it in a thread)."""

    def __init__(self, base: str, config: dict[str, Any]) -> None:
        from google.oauth2 import service_account

        self.base = base
        self.config = config
        self.credentials = service_account.Credentials.from_service_account_info(
            config["service_account_key"], scopes=list(SCOPES))

    def _service(self, name: str, version: str, subject: str, endpoint: str) -> Any:
        from googleapiclient.discovery import build

        return build(name, version, credentials=self.credentials.with_subject(subject),
                     client_options={"api_endpoint": endpoint}, static_discovery=True, cache_discovery=False)

    def state(self) -> dict[str, Any]:
        """Every user (by primary email), group (id -> member emails) and org unit path."""
        api = self._service("admin", "directory_v1", self.config["admin_email"], self.base + "/")
        users: list[dict[str, Any]] = []
        request = api.users().list(customer=self.config["customer"], maxResults=500, projection="full")
        while request is not None:
            page = request.execute()
            users.extend(page.get("users", []))
            request = api.users().list_next(request, page)
        listing = api.groups().list(customer=self.config["customer"], maxResults=200).execute()
        groups = listing.get("groups", [])
        members = {g["id"]: {m["email"].lower() for m in
                             api.members().list(groupKey=g["id"]).execute().get("members", [])}
                   for g in groups}
        units = api.orgunits().list(customerId=self.config["customer"], type="all").execute()
        return {"users": {u["primaryEmail"].lower(): u for u in users}, "groups": members,
                "units": {u["orgUnitPath"] for u in units.get("organizationUnits", [])}}

    def described(self) -> dict[str, str]:
        """Every group's address and org unit's path, with the description an admin sees beside it."""
        api = self._service("admin", "directory_v1", self.config["admin_email"], self.base + "/")
        groups = api.groups().list(customer=self.config["customer"], maxResults=200).execute()
        units = api.orgunits().list(customerId=self.config["customer"], type="all").execute()
        return {**{g["email"]: str(g.get("description") or "") for g in groups.get("groups", [])},
                **{u["orgUnitPath"]: str(u.get("description") or "")
                   for u in units.get("organizationUnits", [])}}

    def meetings(self, organiser: str) -> list[dict[str, Any]]:
        api = self._service("calendar", "v3", organiser, self.base + "/calendar/v3/")
        return list(api.events().list(calendarId="primary").execute().get("items", []))


def residue(state: dict[str, Any]) -> dict[str, Any]:
    """What must be the same before a job and after its cleanup."""
    return {"users": {e: (u["id"], u["suspended"], u["orgUnitPath"]) for e, u in state["users"].items()},
            "groups": state["groups"], "units": state["units"]}


def mismatches(state: dict[str, Any], company: Company, domain: str, group_ids: dict[str, str]) -> list[str]:
    """Where the tenant differs from the company, person by person."""
    problems: list[str] = []
    users = state["users"]

    def address(key: str | None) -> str | None:
        person = company.people.get(key or "")
        return f"{person.login}@{domain}".lower() if person else None

    for person in company.people.values():
        email = str(address(person.key))
        user = users.get(email)
        if user is None:
            problems.append(f"{person.name} is not in Google")
            continue
        suspended = person.status in (ON_LEAVE, DEPARTED)
        if user["suspended"] != suspended:
            problems.append(f"{person.name}: suspended {user['suspended']}, company says {person.status}")
        if person.status == DEPARTED:
            if user["orgUnitPath"] != FORMER:
                problems.append(f"{person.name}: left, but in {user['orgUnitPath']}")
            kept = sorted(key for key, gid in group_ids.items() if email in state["groups"].get(gid, set()))
            if kept:
                problems.append(f"{person.name}: left, but still in groups {kept}")
            continue
        org = (user.get("organizations") or [{}])[0]
        manager = next((r["value"].lower() for r in user.get("relations") or [] if r["type"] == "manager"),
                       None)
        for field, have, want in (("orgUnitPath", user["orgUnitPath"], f"/{person.department}"),
                                  ("title", org.get("title"), person.title),
                                  ("department", org.get("department"), person.department),
                                  ("costCenter", org.get("costCenter"), person.cost_center),
                                  ("manager", manager, address(person.manager))):
            if have != want:
                problems.append(f"{person.name}: {field} {have!r}, company says {want!r}")
        if person.status in (ACTIVE, ON_LEAVE):
            in_groups = {key for key, gid in group_ids.items() if email in state["groups"].get(gid, set())}
            want_groups = set(company.groups_of(person)) & set(group_ids)
            if in_groups != want_groups:
                problems.append(f"{person.name}: in groups {sorted(in_groups)}, company says "
                                f"{sorted(want_groups)}")
    return problems


class GoogleCase:
    name = "google_workspace"
    crash_kind = "departure"
    company_holds_work = False  # no work events: every event it reflects changes the company

    def __init__(self) -> None:
        self._tenants: ServedTenants[GoogleSandbox] = ServedTenants()
        self._configs: dict[str, dict[str, Any]] = {}

    @contextlib.contextmanager
    def tenant(self) -> Iterator[str]:
        sandbox = create_app(seed=3, users=6)
        with self._tenants.serve(sandbox, forget=lambda served: self._configs.pop(served, None)) as base:
            yield base

    def config(self, base: str, people: int) -> dict[str, Any]:
        self._configs[base] = job_config(base, self._tenants[base], people)
        return dict(self._configs[base])

    def connector(self) -> GoogleConnector:
        return connector()

    def _reader(self, base: str) -> Directory:
        config = self._configs.get(base) or job_config(base, self._tenants[base])
        return Directory(base, config)

    async def snapshot(self, base: str) -> dict[str, Any]:
        return residue(await asyncio.to_thread(self._reader(base).state))

    async def mismatches(self, base: str, company: Company,
                         ledger_ids: dict[str, dict[str, str]]) -> list[str]:
        reader = self._reader(base)
        state = await asyncio.to_thread(reader.state)
        return mismatches(state, company, reader.config["domain"], ledger_ids["group"])
