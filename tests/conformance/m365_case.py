"""The Microsoft 365 line of the conformance suite: its emulator, a job's configuration, and the tenant read
back through Microsoft Graph (raw v1.0 HTTP with the app's own client-credentials token, as a customer's
tool would), compared with the company person by person."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx

from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.connectors.microsoft365.config import validate
from tenantsim.connectors.microsoft365.connector import M365Connector
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.connectors.spec import ConfigContext
from tenantsim.sandbox.m365 import M365Sandbox, create_app
from tenantsim.scenario.company import DEPARTED, ON_LEAVE, Company
from tests.conformance.served import ServedTenants

USER_FIELDS = ("id,userPrincipalName,accountEnabled,jobTitle,department,officeLocation,usageLocation,"
               "employeeId")


def job_config(base: str, sandbox: M365Sandbox, people: int = 40, *, tokens: int = 3) -> dict[str, Any]:
    """A start request for the sandbox tenant (its describe()'s job), normalised as the API does."""
    job = dict(sandbox.describe(base)["job"])
    job["user_tokens"] = list(job.get("user_tokens") or [])[:tokens]
    config = {"industry": "technology", "initial_users": people, "time_scale": 1e6,
              "content_provider": "offline", **job}
    return {**config, **validate(config, config, ConfigContext(sandbox_mode=True))}


def connector() -> M365Connector:
    return M365Connector(ConnectorRuntime(budgets=BudgetRegistry(window_seconds=10.0), sandbox_mode=True))


class Graph:
    """The tenant through Microsoft Graph v1.0, as the app."""

    def __init__(self, base: str, config: dict[str, Any]) -> None:
        self.base = base.rstrip("/")
        self.config = config
        self.http = httpx.AsyncClient(timeout=30)
        self._token: str | None = None

    async def token(self) -> str:
        if self._token is None:
            url = f"{self.base}/{self.config['tenant_id']}/oauth2/v2.0/token"
            response = await self.http.post(url, data={
                "grant_type": "client_credentials", "client_id": self.config["client_id"],
                "client_secret": self.config["client_secret"], "scope": "https://graph.microsoft.com/.default"})
            response.raise_for_status()
            self._token = str(response.json()["access_token"])
        return self._token

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response = await self.http.get(f"{self.base}/v1.0{path}", params=params,
                                       headers={"Authorization": f"Bearer {await self.token()}"})
        response.raise_for_status()
        return response.json()

    async def listing(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        body = await self.get(path, params)
        while True:
            items.extend(body.get("value") or [])
            link = body.get("@odata.nextLink")
            if not link:
                return items
            response = await self.http.get(link, headers={"Authorization": f"Bearer {await self.token()}"})
            response.raise_for_status()
            body = response.json()

    async def state(self) -> dict[str, Any]:
        """Every user (by UPN, with their manager's UPN), group (id -> member UPNs), plan's tasks, team."""
        users = await self.listing("/users", {"$select": USER_FIELDS, "$expand": "manager($select=id)"})
        by_id = {u["id"]: u["userPrincipalName"].lower() for u in users}
        for user in users:
            manager = user.get("manager") or {}
            user["manager_upn"] = by_id.get(str(manager.get("id"))) if manager else None
        groups = await self.listing("/groups")
        members = {g["id"]: {str(m.get("userPrincipalName") or "").lower()
                             for m in await self.listing(f"/groups/{g['id']}/members")} for g in groups}
        plans: dict[str, list[dict[str, Any]]] = {}
        for group in groups:
            if "Unified" in (group.get("groupTypes") or []):
                for plan in await self.listing(f"/groups/{group['id']}/planner/plans"):
                    plans[plan["id"]] = await self.listing(f"/planner/plans/{plan['id']}/tasks")
        return {"users": {u["userPrincipalName"].lower(): u for u in users}, "groups": members,
                "group_names": {g["id"]: g["displayName"] for g in groups}, "plans": plans}

    async def aclose(self) -> None:
        await self.http.aclose()


def residue(state: dict[str, Any]) -> dict[str, Any]:
    """What must be the same before a job and after its cleanup."""
    return {"users": {e: (u["id"], u["accountEnabled"], u.get("jobTitle"), u.get("department"))
                      for e, u in state["users"].items()},
            "groups": state["groups"],
            "plans": {p: sorted(t["id"] for t in ts) for p, ts in state["plans"].items()}}


def mismatches(state: dict[str, Any], company: Company, domain: str, ledger: dict[str, dict[str, str]],
               actors: set[str]) -> list[str]:
    """Where the tenant differs from the company, person by person, and the job's tasks from its ledger."""
    problems: list[str] = []
    users = state["users"]
    groups = {**ledger["group"]}

    def upn(key: str | None) -> str | None:
        person = company.people.get(key or "")
        return f"{person.login}@{domain}".lower() if person else None

    for person in company.people.values():
        email = str(upn(person.key))
        user = users.get(email)
        if user is None:
            problems.append(f"{person.name} is not in Microsoft 365")
            continue
        in_groups = {key for key, gid in groups.items() if email in state["groups"].get(gid, set())}
        if person.status == DEPARTED:
            if user["accountEnabled"]:
                problems.append(f"{person.name}: left, but can still sign in")
            if in_groups:
                problems.append(f"{person.name}: left, but still in groups {sorted(in_groups)}")
            continue
        want_groups = set(company.groups_of(person)) & set(groups)
        if email in actors:  # the people the job acts as work in every department's team
            want_groups |= {k for k in groups if k.startswith("dept:")}
            if in_groups != want_groups:
                problems.append(f"{person.name}: in groups {sorted(in_groups)}, "
                                f"expected {sorted(want_groups)}")
            continue
        want_groups |= {f"dept:{person.department}"} & set(groups)
        if user["accountEnabled"] != (person.status != ON_LEAVE):
            problems.append(f"{person.name}: accountEnabled {user['accountEnabled']}, "
                            f"company says {person.status}")
        for field, have, want in (("jobTitle", user.get("jobTitle"), person.title),
                                  ("department", user.get("department"), person.department),
                                  ("employeeId", user.get("employeeId"), person.employee_number),
                                  ("manager", user.get("manager_upn"), upn(person.manager))):
            if have != want:
                problems.append(f"{person.name}: {field} {have!r}, company says {want!r}")
        if in_groups != want_groups:
            problems.append(f"{person.name}: in groups {sorted(in_groups)}, "
                            f"company says {sorted(want_groups)}")
    tasks = {t["id"]: t for ts in state["plans"].values() for t in ts}
    for entry in ledger.ledger.entries("task", statuses=["created"]):  # type: ignore[attr-defined]
        task = tasks.get(str(entry.platform_id))
        if task is None:
            problems.append(f"task {entry.key} is not in Planner")
            continue
        if task.get("percentComplete") != entry.attrs.get("percent"):
            problems.append(f"task {entry.key}: {task.get('percentComplete')}% done, job set "
                            f"{entry.attrs.get('percent')}%")
        assigned = sorted((task.get("assignments") or {}).keys())
        set_to = [entry.attrs["assignee"]] if entry.attrs.get("assignee") else []
        if assigned != set_to:
            problems.append(f"task {entry.key}: assigned to {assigned}, job set {set_to}")
    ids = {email: str(u["id"]) for email, u in users.items()}
    return problems + planner_mismatches(tasks, company, domain, ledger, ids)


def planner_mismatches(tasks: dict[str, dict[str, Any]], company: Company, domain: str,
                       ledger: dict[str, dict[str, str]], ids: dict[str, str]) -> list[str]:
    """Where Planner differs from the company's tasks: every task of a plan the job made is there, in its
    bucket, done (100 %) exactly when the company says, assigned to the company's person, due on its
    date. Planner has no subtasks: those are the company's alone."""
    problems: list[str] = []
    live = {p.key for p in company.projects if p.phase != "done"}
    for task in company.tasks.values():
        if task.parent is not None or task.project not in live or task.project not in ledger["plan"]:
            continue
        found = tasks.get(ledger["task"].get(task.key, ""))
        if found is None:
            problems.append(f"{task.key} ({task.name}) is not in Planner")
            continue
        person = company.people.get(task.assignee or "")
        want = {"bucket": ledger["bucket"].get(f"{task.project}#{task.section}"),
                "done": task.done, "due": f"{task.due_on}T17:00:00Z" if task.due_on else None,
                "assigned": [ids.get(f"{person.login}@{domain}".lower(), person.key)] if person else []}
        have = {"bucket": found.get("bucketId"), "done": found.get("percentComplete") == 100,
                "due": found.get("dueDateTime"), "assigned": sorted((found.get("assignments") or {}).keys())}
        for field, value in want.items():
            if have[field] != value:
                problems.append(f"{task.key}: {field} {have[field]!r} in Planner, the company says {value!r}")
    return problems


class M365Case:
    name = "microsoft365"
    crash_kind = "departure"
    company_holds_work = True  # its work events change the company's tasks; Planner records them

    def __init__(self) -> None:
        self._tenants: ServedTenants[M365Sandbox] = ServedTenants()
        self._configs: dict[str, dict[str, Any]] = {}

    @contextlib.contextmanager
    def tenant(self) -> Iterator[str]:
        sandbox = create_app(seed=3, users=6)
        with self._tenants.serve(sandbox, forget=lambda served: self._configs.pop(served, None)) as base:
            yield base

    def config(self, base: str, people: int) -> dict[str, Any]:
        self._configs[base] = job_config(base, self._tenants[base], people)
        return dict(self._configs[base])

    def connector(self) -> M365Connector:
        return connector()

    def _reader(self, base: str) -> Graph:
        return Graph(base, self._configs.get(base) or job_config(base, self._tenants[base]))

    async def snapshot(self, base: str) -> dict[str, Any]:
        graph = self._reader(base)
        try:
            return residue(await graph.state())
        finally:
            await graph.aclose()

    async def mismatches(self, base: str, company: Company,
                         ledger_ids: dict[str, dict[str, str]]) -> list[str]:
        graph = self._reader(base)
        try:
            state = await graph.state()
        finally:
            await graph.aclose()
        actors = {str(u["userPrincipalName"]).lower() for u in self._tenants[base].describe(base)["users"]
                  [:len(graph.config.get("user_tokens") or [])]}
        return mismatches(state, company, graph.config["domain"], ledger_ids, actors)


async def sdk_users(base: str, config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every user as Microsoft's own Python SDK (msgraph-sdk) reads them: UPN -> sign-in, title, department,
    manager's id. The SDK talks to the emulator with the app's token (its base URL set to the emulator)."""
    from kiota_abstractions.authentication import (
        AccessTokenProvider,
        AllowedHostsValidator,
        BaseBearerTokenAuthenticationProvider,
    )
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph import GraphRequestAdapter, GraphServiceClient
    from msgraph.generated.users.users_request_builder import UsersRequestBuilder

    graph = Graph(base, config)
    try:
        token = await graph.token()
    finally:
        await graph.aclose()

    class Tokens(AccessTokenProvider):
        async def get_authorization_token(self, uri: str,
                                          additional_authentication_context: Any = None) -> str:
            return token

        def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
            return AllowedHostsValidator([httpx.URL(base).host])

    adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(Tokens()))
    adapter.base_url = f"{base.rstrip('/')}/v1.0"
    client = GraphServiceClient(request_adapter=adapter)
    query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
        select=["id", "userPrincipalName", "accountEnabled", "jobTitle", "department"],
        expand=["manager($select=id)"], top=999)
    page = await client.users.get(request_configuration=RequestConfiguration(query_parameters=query))
    found: dict[str, dict[str, Any]] = {}
    while page is not None:
        for user in page.value or []:
            found[str(user.user_principal_name).lower()] = {
                "accountEnabled": user.account_enabled, "jobTitle": user.job_title,
                "department": user.department, "manager": user.manager.id if user.manager else None}
        page = await client.users.with_url(page.odata_next_link).get() if page.odata_next_link else None
    return found
