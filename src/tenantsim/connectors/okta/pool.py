"""OktaClientPool: one client per admin token of the job (user_tokens), each checked with GET
/api/v1/users/me at job start (the kit's ``TokenPool``)."""

from __future__ import annotations

from typing import Any

import httpx

from tenantsim.connectors.http import CallObserver, HttpStats
from tenantsim.connectors.kit import pool as kit
from tenantsim.connectors.okta.client import OktaClient
from tenantsim.connectors.ratelimit import BudgetRegistry

Member = kit.Member[OktaClient]


def display_name(user: dict[str, Any]) -> str:
    profile = user.get("profile") or {}
    name = f"{profile.get('firstName') or ''} {profile.get('lastName') or ''}".strip()
    return kit.owner_name(name, profile.get("login"), user.get("id"))


async def _who_am_i(client: OktaClient) -> tuple[str, str, str | None]:
    return await client.whoami()


class OktaClientPool(kit.TokenPool[OktaClient]):
    platform = "Okta"

    def __init__(self, user_tokens: list[dict[str, Any]], *, org_url: str, budgets: BudgetRegistry,
                 capacity: float = 1.0, transport: httpx.AsyncBaseTransport | None = None,
                 stats: HttpStats | None = None, observer: CallObserver | None = None,
                 timeout: float = 30.0) -> None:
        self.org_url = org_url.rstrip("/")
        super().__init__([
            OktaClient.from_entry(t, org_url=org_url, budgets=budgets, capacity=capacity, transport=transport,
                                  stats=stats, observer=observer, timeout=timeout)
            for t in user_tokens
        ], _who_am_i)
