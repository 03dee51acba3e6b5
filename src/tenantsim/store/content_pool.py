"""The content pool in the database (table ``content_pool``): model output shared across jobs."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import Engine, insert, select

from tenantsim.store.tables import content_pool
from tenantsim.store.types import utcnow

PooledItem = tuple[int, dict[str, object]]  # matches tenantsim.content.base.PooledItem


class SqlContentPool:
    """ContentPoolStore over SQLAlchemy Core. Calls run in a worker thread: the engine is synchronous."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def load(self, provider: str, industry: str, kind: str, context_key: str,
                   limit: int = 5000) -> list[PooledItem]:
        return await asyncio.to_thread(self._load, provider, industry, kind, context_key, limit)

    async def add(self, provider: str, industry: str, kind: str, context_key: str,
                  payloads: list[dict[str, object]]) -> list[PooledItem]:
        return await asyncio.to_thread(self._add, provider, industry, kind, context_key, payloads)

    def _load(self, provider: str, industry: str, kind: str, context_key: str,
              limit: int) -> list[PooledItem]:
        query = (
            select(content_pool.c.id, content_pool.c.payload)
            .where(content_pool.c.provider == provider, content_pool.c.industry == industry,
                   content_pool.c.kind == kind, content_pool.c.context_key == context_key[:300])
            .order_by(content_pool.c.id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [(int(row.id), _decode(row.payload)) for row in conn.execute(query)]

    def _add(self, provider: str, industry: str, kind: str, context_key: str,
             payloads: list[dict[str, object]]) -> list[PooledItem]:
        added: list[PooledItem] = []
        now = utcnow()
        with self._engine.begin() as conn:
            for payload in payloads:  # one by one: ids must come back in order on SQLite and PostgreSQL
                result = conn.execute(insert(content_pool).values(
                    provider=provider, industry=industry, kind=kind, context_key=context_key[:300],
                    payload=json.dumps(payload, ensure_ascii=False), created_at=now,
                ))
                key = result.inserted_primary_key
                assert key is not None
                added.append((int(key[0]), dict(payload)))
        return added


def _decode(raw: Any) -> dict[str, object]:
    value = json.loads(raw) if isinstance(raw, str) else raw
    return value if isinstance(value, dict) else {"value": value}
