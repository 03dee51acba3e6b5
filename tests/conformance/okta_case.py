"""The Okta line of the conformance suite: its emulator, a job's configuration, and the org's state read
back through the Okta API and compared with the company."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx

from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.connectors.okta.connector import OktaConnector
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.sandbox.okta import DEFAULT_TOKEN, create_app
from tenantsim.scenario.company import ACTIVE, DEPARTED, ON_LEAVE, Company
from tests.support.servers import serve_asgi

STATUS = {ACTIVE: "ACTIVE", ON_LEAVE: "SUSPENDED", DEPARTED: "DEPROVISIONED"}


class OktaCase:
    name = "okta"
    crash_kind = "departure"
    company_holds_work = False  # Okta reflects no work; its events all change the company

    @contextlib.contextmanager
    def tenant(self) -> Iterator[str]:
        with serve_asgi(create_app(users=6, seed=3, rate_limit=100_000, window_seconds=1.0)) as base:
            yield base

    def config(self, base: str, people: int) -> dict[str, Any]:
        return {
            "connection_type": "okta",
            "industry": "technology",
            "org_url": base,
            "initial_users": people,
            "time_scale": 1e6,
            "user_tokens": [{"name": "admin", "token": DEFAULT_TOKEN, "org_url": base}],
        }

    def connector(self) -> OktaConnector:
        return OktaConnector(ConnectorRuntime(budgets=BudgetRegistry(window_seconds=1.0), sandbox_mode=True))

    async def snapshot(self, base: str) -> dict[str, Any]:
        """Every user, group membership and direct app grant of the org (the residue check)."""
        async with _api(base) as api:
            users = {
                u["id"]: u for u in await _all(api, "/api/v1/users", {"filter": 'status eq "DEPROVISIONED"'})
            }
            users.update({u["id"]: u for u in await _all(api, "/api/v1/users", {})})
            groups = {g["id"]: g["profile"]["name"] for g in await _all(api, "/api/v1/groups", {})}
            grants = set()
            for app in await _all(api, "/api/v1/apps", {}):
                grants |= {
                    (app["id"], "user", u["id"])
                    for u in await _all(api, f"/api/v1/apps/{app['id']}/users", {})
                    if u.get("scope") == "USER"
                }
                grants |= {
                    (app["id"], "group", g["id"])
                    for g in await _all(api, f"/api/v1/apps/{app['id']}/groups", {})
                }
        return {"users": set(users), "groups": set(groups), "grants": grants}

    async def mismatches(
        self, base: str, company: Company, ledger_ids: dict[str, dict[str, str]]
    ) -> list[str]:
        """Where the org differs from the company, person by person, read through the Okta API."""
        problems: list[str] = []
        user_ids, group_ids = ledger_ids["user"], ledger_ids["group"]
        async with _api(base) as api:
            apps = {a["label"]: a["id"] for a in await _all(api, "/api/v1/apps", {})}
            members: dict[str, set[str]] = {}
            for key, gid in group_ids.items():
                members[key] = {u["id"] for u in await _all(api, f"/api/v1/groups/{gid}/users", {})}
            for person in company.people.values():
                uid = user_ids.get(person.key)
                if uid is None:
                    problems.append(f"{person.name} is not in Okta")
                    continue
                user = (await api.get(f"/api/v1/users/{uid}")).json()
                profile = user["profile"]
                if user["status"] != STATUS[person.status]:
                    problems.append(f"{person.name}: status {user['status']}, company says {person.status}")
                if profile["login"] != company.email(person):
                    problems.append(f"{person.name}: login {profile['login']}")
                if person.status == DEPARTED:
                    continue
                for field, want in (
                    ("title", person.title),
                    ("department", person.department),
                    ("costCenter", person.cost_center),
                    ("managerId", user_ids.get(person.manager or "")),
                    ("city", company.office_of(person).city or None),
                    ("countryCode", company.office_of(person).country),
                ):
                    if profile.get(field) != want:
                        problems.append(
                            f"{person.name}: {field} {profile.get(field)!r}, company says {want!r}"
                        )
                want_groups = set(company.groups_of(person)) & set(group_ids)
                in_groups = {key for key, ids in members.items() if uid in ids}
                if in_groups != want_groups:
                    problems.append(
                        f"{person.name}: in groups {sorted(in_groups)}, company says {sorted(want_groups)}"
                    )
                direct = set()
                for label in set(person.apps) | {e for e in apps}:
                    if label not in apps:
                        continue
                    found = await api.get(f"/api/v1/apps/{apps[label]}/users/{uid}")
                    if found.status_code == 200 and found.json().get("scope") == "USER":
                        direct.add(label)
                if direct != {a for a in person.apps if a in apps}:
                    problems.append(
                        f"{person.name}: direct apps {sorted(direct)}, company says {sorted(person.apps)}"
                    )
                if person.status == ACTIVE:
                    factors = {
                        f["factorType"] for f in (await api.get(f"/api/v1/users/{uid}/factors")).json()
                    }
                    if not set(person.factors) <= factors:
                        problems.append(
                            f"{person.name}: factors {sorted(factors)}, company says {person.factors}"
                        )
        return problems


@contextlib.asynccontextmanager
async def _api(base: str) -> Any:
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"SSWS {DEFAULT_TOKEN}"}, timeout=30
    ) as client:
        yield client


async def _all(api: httpx.AsyncClient, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item of a list, following Okta's Link rel="next"."""
    items: list[dict[str, Any]] = []
    response = await api.get(path, params={**params, "limit": 200})
    while True:
        response.raise_for_status()
        items.extend(response.json())
        nxt = response.links.get("next", {}).get("url")
        if not nxt:
            return items
        response = await api.get(nxt)
