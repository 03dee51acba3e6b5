"""A job's tokens on one platform: one client per token, each checked at job start. Tokens the platform
refuses are dropped (and named); at least one must work."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from tenantsim.errors import AuthError, PlatformError


class Client(Protocol):
    name: str

    async def aclose(self) -> None: ...


C = TypeVar("C", bound=Client)


@dataclass
class Member(Generic[C]):
    """A working token: its label and the platform user it acts as."""

    label: str
    user_id: str
    user_name: str
    email: str | None
    client: C


# Reads the token owner from the platform: (user id, display name, email).
WhoAmI = Callable[[C], Awaitable[tuple[str, str, str | None]]]


class TokenPool(Generic[C]):
    platform = "the platform"

    def __init__(self, clients: Sequence[C], who_am_i: WhoAmI[C]) -> None:
        self._clients = list(clients)
        self._who_am_i = who_am_i
        self.members: list[Member[C]] = []
        self.rejected: list[str] = []  # labels of tokens the platform refused

    async def validate(self) -> list[Member[C]]:
        """Keep the tokens that work; AuthError when none does. Other failures propagate."""

        async def check(client: C) -> Member[C] | PlatformError:
            try:
                user_id, name, email = await self._who_am_i(client)
            except AuthError as exc:
                return exc
            return Member(client.name, user_id, name, email, client)

        results = await asyncio.gather(*(check(c) for c in self._clients))
        self.members = [r for r in results if isinstance(r, Member)]
        self.rejected = [
            c.name for c, r in zip(self._clients, results, strict=True) if not isinstance(r, Member)
        ]
        if not self.members:
            raise AuthError(f"No valid {self.platform} tokens: every token in user_tokens was rejected", 401)
        return self.members

    def by_label(self, label: str | None) -> Member[C] | None:
        return next((m for m in self.members if m.label == label), None)

    def acting_as(self, label: str | None) -> Member[C]:
        """The member with this label, else the first one (cleanup uses the creator's token when it can)."""
        return self.by_label(label) or self.members[0]

    def pick(self, rng: random.Random, *, other_than: str | None = None) -> Member[C]:
        """A random member; ``other_than`` (a label) is avoided when anyone else is available."""
        choices = [m for m in self.members if m.label != other_than] or self.members
        return rng.choice(choices)

    async def aclose(self) -> None:
        await asyncio.gather(*(c.aclose() for c in self._clients))


def owner_name(*parts: Any) -> str:
    """The first non-empty part, as text: display names fall back to logins, then ids."""
    return next((str(p) for p in parts if p), "")
