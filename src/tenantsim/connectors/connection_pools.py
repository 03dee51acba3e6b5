"""Connections to one platform, kept in several small httpx pools instead of one large one.

httpcore (1.0) walks every pooled connection twice for each request it places — and, for each idle one,
counts the whole pool again and polls its socket — then closes an idle connection whenever the pool
holds more than its keep-alive limit. One pool as large as a job's concurrency (75 calls in flight on an
Okta org) costs quadratic work per call; the default pool (keep-alive 20) closes and reopens connections
all the time instead. Shards of ``SHARD`` connections, each request on the least busy one, keep every
connection alive and every scan short.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import httpx

# Connections per pool. Measured on the throughput bench (four Okta jobs, 75 calls in flight each):
# server CPU per call 2.3 ms with one default pool, 1.5 ms with shards of 16, 1.1–1.3 ms with 8 to 2.
SHARD = 4
DEFAULT = httpx.Limits(max_connections=100, max_keepalive_connections=20)  # httpx's own


class ConnectionPools:
    def __init__(self, concurrency: int, make: Callable[[httpx.Limits], httpx.AsyncClient], *,
                 sharded: bool = True) -> None:
        """``make(limits)`` builds one client; ``sharded`` False: one client with httpx's defaults (a
        transport that is not a network, as in tests, has no connections to keep). Pools are opened as
        calls need them: a job that never has many calls in flight keeps one."""
        self._make = make
        self._most = max(1, math.ceil(concurrency / SHARD)) if sharded else 1
        self._limits = httpx.Limits(max_connections=SHARD, max_keepalive_connections=SHARD) if sharded \
            else DEFAULT
        self._clients: list[httpx.AsyncClient] = []
        self._busy: list[int] = []

    def _least_busy(self) -> int:
        if self._clients:
            index = min(range(len(self._clients)), key=self._busy.__getitem__)
            if self._busy[index] < SHARD or len(self._clients) >= self._most:
                return index
        self._clients.append(self._make(self._limits))
        self._busy.append(0)
        return len(self._clients) - 1

    async def request(self, method: str, url: httpx.URL | str, **kwargs: object) -> httpx.Response:
        index = self._least_busy()
        self._busy[index] += 1
        try:
            return await self._clients[index].request(method, url, **kwargs)  # type: ignore[arg-type]
        finally:
            self._busy[index] -= 1

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()
