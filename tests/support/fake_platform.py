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


class FakeService:
    def __init__(self, ctx: JobContext, platform: FakePlatform, seed_count: int, delay: float) -> None:
        self.ctx = ctx
        self.platform = platform
        self.seed_count = seed_count
        self.delay = delay

    def seed_total(self) -> int:
        return self.seed_count

    def event_types(self) -> Sequence[str]:
        return ("widget_created",)

    async def _create(self, key: str) -> None:
        entry = self.ctx.ledger.intent("widget", key, actor="user1")
        if entry.platform_id:
            return
        await asyncio.sleep(self.delay)
        oid = self.platform.create(f"{self.ctx.job_id}:{key}")
        self.ctx.ledger.created("widget", key, oid)

    async def seed(self) -> None:
        for index in range(self.seed_count):
            await self.ctx.checkpoint_now()
            await self._create(f"seed-{index}")

    async def run_event(self, event_type: str | None = None) -> str | None:
        index = int(self.ctx.progress.get("events_total", 0))
        await self._create(f"event-{index}")
        self.ctx.activity("widget_created", f"Created widget number {index}.", [{"kind": "widget"}])
        return "widget_created"

    async def cleanup(self) -> dict[str, Any]:
        deleted = 0
        for entry in self.ctx.ledger.entries("widget", statuses=["created", "intent"]):
            await self.ctx.checkpoint_now()
            if entry.platform_id and self.platform.delete(entry.platform_id):
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

    async def open_service(self, ctx: JobContext) -> FakeService:
        return FakeService(ctx, self.platform, self.seed_count, self.delay)
