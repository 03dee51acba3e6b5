"""An in-process ContentPoolStore: for tests, benchmarks and jobs run without a database."""

from __future__ import annotations

import itertools

from tenantsim.content.base import PooledItem

PoolKey = tuple[str, str, str, str]


class InMemoryContentPool:
    def __init__(self) -> None:
        self._items: dict[PoolKey, list[PooledItem]] = {}
        self._ids = itertools.count(1)

    async def load(self, provider: str, industry: str, kind: str, context_key: str,
                   limit: int = 5000) -> list[PooledItem]:
        return list(self._items.get((provider, industry, kind, context_key), [])[:limit])

    async def add(self, provider: str, industry: str, kind: str, context_key: str,
                  payloads: list[dict[str, object]]) -> list[PooledItem]:
        added = [(next(self._ids), dict(p)) for p in payloads]
        self._items.setdefault((provider, industry, kind, context_key), []).extend(added)
        return added

    def count(self) -> int:
        return sum(len(items) for items in self._items.values())
