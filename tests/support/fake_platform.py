"""A fake connector for core tests only: an in-memory platform behind the real Connector interface.

Real connectors are tested against the sandbox emulators; core tests (API contract, lifecycle,
restart) use this so they do not depend on any platform's behaviour.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from typing import Any

from tenantsim.connectors.base import JobContext, ValidatedUser
from tenantsim.errors import AuthError
from tenantsim.scenario.company import Company
from tenantsim.scenario.events import WORK_KINDS, Event
from tenantsim.scenario.founding import KnownPerson

GOOD_PREFIX = "good-"


class FakePlatform:
    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.preexisting = {"pre-1", "pre-2"}
        for oid in self.preexisting:
            self.objects[oid] = {"id": oid, "name": f"pre-existing {oid}"}
        self._ids = itertools.count(1)
        self.calls = 0

    def create(self, name: str) -> str:
        self.calls += 1
        oid = f"obj-{next(self._ids)}"
        self.objects[oid] = {"id": oid, "name": name}
        return oid

    def delete(self, oid: str) -> bool:
        self.calls += 1
        return self.objects.pop(oid, None) is not None


NUMBERS = ("One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten")


class FakeAdapter:
    """A work platform: it plays the people its tokens belong to and makes a widget per event."""

    handles = frozenset(WORK_KINDS)

    def __init__(self, ctx: JobContext, platform: FakePlatform, seed_count: int, delay: float,
                 connection_type: str = "asana") -> None:
        self.ctx = ctx
        self.platform_store = platform
        self.platform = connection_type  # what the fake connector is registered as
        self.seed_count = seed_count
        self.delay = delay

    async def prepare(self) -> None:
        return None

    def catalogue(self) -> Sequence[str]:
        return []

    def email_domain(self) -> str | None:
        return None

    def known_people(self) -> Sequence[KnownPerson] | None:
        """One person per token: User One, User Two, ..."""
        tokens = self.ctx.config.get("user_tokens") or [{}]
        return [KnownPerson("User", NUMBERS[i] if i < len(NUMBERS) else str(i + 1), f"user.{i + 1}")
                for i in range(len(tokens))]

    def build_total(self, company: Company) -> int:
        return self.seed_count

    async def _create(self, key: str) -> None:
        entry = self.ctx.ledger.intent("widget", key, actor="user1")
        if entry.platform_id:
            return
        await asyncio.sleep(self.delay)
        oid = self.platform_store.create(f"{self.ctx.job_id}:{key}")
        self.ctx.ledger.created("widget", key, oid)

    async def build(self, company: Company) -> None:
        for index in range(self.seed_count):
            await self.ctx.checkpoint_now()
            await self._create(f"seed-{index}")

    async def apply(self, event: Event, company: Company) -> None:
        """One widget per event, keyed by the event: re-applied after a restart, it is not made twice."""
        key = f"event-{event.seq}"
        if (earlier := self.ctx.ledger.get("widget", key)) is not None and earlier.platform_id:
            return
        await self._create(key)
        self.ctx.activity("widget_created", f"Created widget number {event.seq}.", [{"kind": "widget"}])

    async def cleanup(self) -> dict[str, Any]:
        deleted = 0
        for entry in self.ctx.ledger.entries("widget", statuses=["created", "intent"]):
            await self.ctx.checkpoint_now()
            if entry.platform_id and self.platform_store.delete(entry.platform_id):
                deleted += 1
            self.ctx.ledger.deleted("widget", entry.key)
        return {"deleted_widgets": deleted, "errors": []}

    async def aclose(self) -> None:
        return None


class FakeConnector:
    def __init__(self, connection_type: str, platform: FakePlatform | None = None, seed_count: int = 5,
                 delay: float = 0.0) -> None:
        self.connection_type = connection_type
        self.platform = platform or FakePlatform()
        self.seed_count = seed_count
        self.delay = delay

    async def validate_token(self, credentials: dict[str, Any]) -> ValidatedUser:
        token = credentials.get("token") or credentials.get("api_key") or ""
        if not token.startswith(GOOD_PREFIX):
            raise AuthError("Invalid token", 401)
        return ValidatedUser(name="Fake Admin", email="admin@example.com", id="u-1")

    async def open_adapter(self, ctx: JobContext) -> FakeAdapter:
        return FakeAdapter(ctx, self.platform, self.seed_count, self.delay, self.connection_type)
