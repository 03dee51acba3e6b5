"""AsanaClientPool: one client per user token. Each token acts as its own person (validated with
GET /users/me at job start) and is paced on its own budget, as Asana allocates limits per token."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Any

import httpx

from tenantsim.connectors.asana.client import ASANA_BASE_URL, AsanaClient
from tenantsim.connectors.http import CallObserver, HttpStats
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.errors import AuthError, PlatformError


@dataclass
class Member:
    """A validated token: the label it was given and the Asana user it acts as."""

    label: str
    user_gid: str
    user_name: str
    email: str | None
    client: AsanaClient


class AsanaClientPool:
    def __init__(
        self,
        user_tokens: list[dict[str, Any]],
        *,
        budgets: BudgetRegistry,
        base_url: str = ASANA_BASE_URL,
        capacity: float = 1.0,
        transport: httpx.AsyncBaseTransport | None = None,
        stats: HttpStats | None = None,
        observer: CallObserver | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._clients = [
            AsanaClient(
                t["token"],
                name=t["name"],
                budgets=budgets,
                base_url=base_url,
                capacity=capacity,
                transport=transport,
                stats=stats,
                observer=observer,
                timeout=timeout,
            )
            for t in user_tokens
        ]
        self.members: list[Member] = []
        self.rejected: list[str] = []  # labels of tokens Asana refused

    async def validate(self) -> list[Member]:
        """Keep the tokens that work; AuthError when none does. Other failures propagate."""

        async def check(client: AsanaClient) -> Member | PlatformError:
            try:
                me = await client.me()
            except AuthError as exc:
                return exc
            return Member(
                client.name, str(me["gid"]), str(me.get("name") or client.name), me.get("email"), client
            )

        results = await asyncio.gather(*(check(c) for c in self._clients))
        self.members = [r for r in results if isinstance(r, Member)]
        self.rejected = [
            c.name for c, r in zip(self._clients, results, strict=True) if not isinstance(r, Member)
        ]
        if not self.members:
            raise AuthError("No valid Asana tokens: every token in user_tokens was rejected", 401)
        return self.members

    def by_label(self, label: str | None) -> Member | None:
        return next((m for m in self.members if m.label == label), None)

    def pick(self, rng: random.Random, *, other_than: str | None = None) -> Member:
        """A random member; ``other_than`` (a label) is avoided when anyone else is available."""
        choices = [m for m in self.members if m.label != other_than] or self.members
        return rng.choice(choices)

    async def aclose(self) -> None:
        await asyncio.gather(*(c.aclose() for c in self._clients))
