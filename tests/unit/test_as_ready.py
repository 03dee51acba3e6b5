"""``as_ready``: each item starts as soon as the one it comes after is done — no rounds whose slowest item
holds up everyone behind it — a broken chain still runs, and the first failure cancels the rest."""

from __future__ import annotations

import asyncio

import pytest

from tenantsim.connectors.kit.concurrency import as_ready

# key -> the key it comes after (a person's manager)
CHART = {"ceo": None, "cto": "ceo", "cfo": "ceo", "dev": "cto", "intern": "dev", "clerk": "cfo"}


async def test_everyone_after_their_manager() -> None:
    done: list[str] = []

    async def work(key: str) -> None:
        assert CHART[key] is None or CHART[key] in done, key
        done.append(key)

    await as_ready(list(CHART), work, key=lambda k: k, after=CHART.get)
    assert sorted(done) == sorted(CHART)


async def test_a_report_starts_while_an_unrelated_item_is_still_running() -> None:
    """cfo is slow; cto's report and their report's report go meanwhile (rounds would wait for cfo)."""
    cfo_may_finish = asyncio.Event()
    started: list[str] = []

    async def work(key: str) -> None:
        started.append(key)
        if key == "intern":
            assert "clerk" not in started
            cfo_may_finish.set()
        if key == "cfo":
            await cfo_may_finish.wait()

    await as_ready(list(CHART), work, key=lambda k: k, after=CHART.get, parallel=4)
    assert started.index("intern") < started.index("clerk")


async def test_a_broken_chain_is_not_left_behind() -> None:
    loop = {"a": "b", "b": "a", "c": "a", "d": None, "e": "elsewhere"}
    done: list[str] = []

    async def work(key: str) -> None:
        done.append(key)

    await as_ready(list(loop), work, key=lambda k: k, after=loop.get)
    assert sorted(done) == sorted(loop)
    assert done.index("d") < done.index("a") and done.index("e") < done.index("a")


async def test_the_first_failure_cancels_the_rest_and_is_raised() -> None:
    never = asyncio.Event()
    cancelled: list[str] = []

    async def work(key: str) -> None:
        if key == "cto":
            raise RuntimeError("refused")
        try:
            await never.wait()
        except asyncio.CancelledError:
            cancelled.append(key)
            raise

    with pytest.raises(RuntimeError, match="refused"):
        await as_ready(["cto", "cfo"], work, key=lambda k: k, after=lambda k: None)
    assert cancelled == ["cfo"]
