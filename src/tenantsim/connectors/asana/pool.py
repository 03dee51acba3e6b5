"""AsanaClientPool: one client per user token. Each token acts as its own person (validated with
GET /users/me at job start, the kit's ``TokenPool``) and is paced on its own budget, as Asana allocates
limits per token."""

from __future__ import annotations

import random
from typing import Any

import httpx

from tenantsim.connectors.asana.client import ASANA_BASE_URL, AsanaClient
from tenantsim.connectors.http import CallObserver, HttpStats
from tenantsim.connectors.kit import pool as kit
from tenantsim.connectors.ratelimit import BudgetRegistry

Member = kit.Member[AsanaClient]


async def _who_am_i(client: AsanaClient) -> tuple[str, str, str | None]:
    me = await client.me()
    return str(me["gid"]), kit.owner_name(me.get("name"), client.name), me.get("email")


class AsanaClientPool(kit.TokenPool[AsanaClient]):
    platform = "Asana"

    def __init__(self, user_tokens: list[dict[str, Any]], *, budgets: BudgetRegistry,
                 base_url: str = ASANA_BASE_URL, capacity: float = 1.0,
                 transport: httpx.AsyncBaseTransport | None = None, stats: HttpStats | None = None,
                 observer: CallObserver | None = None, timeout: float = 30.0) -> None:
        super().__init__([
            AsanaClient(t["token"], name=t["name"], budgets=budgets, base_url=base_url, capacity=capacity,
                        transport=transport, stats=stats, observer=observer, timeout=timeout)
            for t in user_tokens
        ], _who_am_i)

    def least_busy(self, rng: random.Random, *, other_than: str | None = None) -> Member:
        """Of the members other than ``other_than`` (when anyone else is available), one with the fewest
        calls waiting: anyone of them could do it, and whoever is free does (ties drawn by ``rng``), so
        every token keeps a call waiting while the work lasts."""
        choices = [m for m in self.members if m.label != other_than] or self.members
        fewest = min(m.client.pending for m in choices)
        return rng.choice([m for m in choices if m.client.pending == fewest])
