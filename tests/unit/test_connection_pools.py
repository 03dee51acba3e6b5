"""Calls spread over small pools: a pool is opened only when the open ones are full, never more than the
concurrency needs, and every call is answered."""

from __future__ import annotations

import asyncio

import httpx

from tenantsim.connectors.connection_pools import SHARD, ConnectionPools


async def test_pools_open_as_calls_need_them_and_no_more() -> None:
    release, all_in, arrived = asyncio.Event(), asyncio.Event(), []
    expected = 3 + 5 * SHARD
    made: list[httpx.Limits] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        arrived.append(request.url.path)
        if len(arrived) == expected:
            all_in.set()
        await release.wait()
        return httpx.Response(200, json={"path": request.url.path})

    def make(limits: httpx.Limits) -> httpx.AsyncClient:
        made.append(limits)
        return httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://platform")

    pools = ConnectionPools(3 * SHARD, make)
    release.set()
    for i in range(3):  # one call at a time: one pool
        assert (await pools.request("GET", f"/alone{i}")).json() == {"path": f"/alone{i}"}
    assert len(made) == 1

    release.clear()
    calls = [asyncio.create_task(pools.request("GET", f"/n{i}")) for i in range(5 * SHARD)]
    await asyncio.wait_for(all_in.wait(), 10)  # every call is at the platform, none answered
    assert len(made) == 3 and all(m.max_keepalive_connections == SHARD for m in made)
    release.set()
    answers = await asyncio.gather(*calls)
    assert sorted(r.json()["path"] for r in answers) == sorted(f"/n{i}" for i in range(5 * SHARD))
    await pools.aclose()
