"""A few calls in flight at once: the platform's budget still paces them, but a call waiting for its
answer no longer holds up the next."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

PARALLEL = 8  # calls in flight while building; the shared budget still paces them
PER_TOKEN = 2  # calls in flight per token: one waiting on its answer, one ready behind it


def in_flight(pool: Any) -> int:
    """Calls worth having in flight for a pool of tokens: each token's budget paces its own calls, so
    every token should always have one waiting (a platform whose limit is per token, like Asana's)."""
    return max(PARALLEL, PER_TOKEN * len({m.label for m in pool.members}))


async def bounded(
    items: Sequence[Any], work: Callable[[Any], Awaitable[None]], parallel: int = PARALLEL
) -> None:
    """``work`` on every item, a few at a time. The first failure (or JobStopping) cancels the rest
    and is raised as itself, so pause and stop take effect at once and the runner sees the real error."""
    gate = asyncio.Semaphore(parallel)

    async def one(item: Any) -> None:
        async with gate:
            await work(item)

    tasks = [asyncio.ensure_future(one(item)) for item in items]
    if not tasks:
        return
    try:
        _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in tasks:
        error = None if task.cancelled() else task.exception()
        if error is not None:
            raise error
