"""OktaClientPool: one client per admin token of the job (user_tokens), each checked with GET
/api/v1/users/me at job start. Tokens Okta refuses are dropped; at least one must work."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Any

import httpx

from tenantsim.connectors.http import CallObserver, HttpStats
from tenantsim.connectors.okta.client import OktaClient
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.errors import AuthError, PlatformError


@dataclass
class Member:
    """A working token: its label and the admin user it acts as."""

    label: str
    user_id: str
    user_name: str
    email: str | None
    client: OktaClient


def display_name(user: dict[str, Any]) -> str:
    profile = user.get("profile") or {}
    name = f"{profile.get('firstName') or ''} {profile.get('lastName') or ''}".strip()
    return name or str(profile.get("login") or user.get("id") or "")


class OktaClientPool:
    def __init__(self, user_tokens: list[dict[str, Any]], *, org_url: str, budgets: BudgetRegistry,
                 capacity: float = 1.0, transport: httpx.AsyncBaseTransport | None = None,
                 stats: HttpStats | None = None, observer: CallObserver | None = None,
                 timeout: float = 30.0) -> None:
        self.org_url = org_url.rstrip("/")
        self._clients = [
            OktaClient(t["token"], org_url=str(t.get("org_url") or org_url), name=str(t["name"]),
                       budgets=budgets, capacity=capacity, transport=transport, stats=stats,
                       observer=observer, timeout=timeout)
            for t in user_tokens
        ]
        self.members: list[Member] = []
        self.rejected: list[str] = []

    async def validate(self) -> list[Member]:
        """Keep the tokens that work; AuthError when none does. Other failures propagate."""

        async def check(client: OktaClient) -> Member | PlatformError:
            try:
                me = await client.me()
            except AuthError as exc:
                return exc
            profile = me.get("profile") or {}
            return Member(client.name, str(me["id"]), display_name(me), profile.get("email"), client)

        results = await asyncio.gather(*(check(c) for c in self._clients))
        self.members = [r for r in results if isinstance(r, Member)]
        self.rejected = [client.name for client, result in zip(self._clients, results, strict=True)
                         if not isinstance(result, Member)]
        if not self.members:
            raise AuthError("No valid Okta tokens: every token in user_tokens was rejected", 401)
        return self.members

    def by_label(self, label: str | None) -> Member:
        """The member with this label, or the first one (cleanup uses the creator's token when it can)."""
        return next((m for m in self.members if m.label == label), self.members[0])

    def pick(self, rng: random.Random) -> Member:
        return rng.choice(self.members)

    async def aclose(self) -> None:
        await asyncio.gather(*(c.aclose() for c in self._clients))
