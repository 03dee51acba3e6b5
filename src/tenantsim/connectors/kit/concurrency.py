"""A few calls in flight at once: the platform's budget still paces them, but a call waiting for its
answer no longer holds up the next."""

from __future__ import annotations

import asyncio
from collections import deque
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


async def as_ready(
    items: Sequence[Any],
    work: Callable[[Any], Awaitable[None]],
    *,
    key: Callable[[Any], str],
    after: Callable[[Any], str | None],
    parallel: int = PARALLEL,
) -> None:
    """``work`` on every item, a few at a time, each started as soon as the item it comes ``after`` (a
    key, e.g. a person's manager) is done. No rounds: a round's slowest item would leave the budget idle
    at every round's tail. An item whose predecessor is not among the items starts at once; a broken
    chain (a cycle) is released when nothing else is left to do, rather than stall. Failure as in
    ``bounded``: the first one cancels the rest and is raised."""
    keys = {key(item) for item in items}
    ready: deque[Any] = deque()
    waiting: dict[str, list[Any]] = {}  # predecessor key -> the items that start when it is done
    for item in items:
        before = after(item)
        if before is None or before not in keys or before == key(item):
            ready.append(item)
        else:
            waiting.setdefault(before, []).append(item)
    running = 0
    changed = asyncio.Event()

    async def worker() -> None:
        nonlocal running
        while True:
            while not ready:
                if running == 0:
                    if not waiting:
                        return
                    for chained in waiting.values():  # only a cycle is left: let it go unordered
                        ready.extend(chained)
                    waiting.clear()
                    break
                changed.clear()
                await changed.wait()
            item = ready.popleft()
            running += 1
            try:
                await work(item)
            finally:
                running -= 1
            ready.extend(waiting.pop(key(item), ()))
            changed.set()

    await bounded(range(min(parallel, len(items))), lambda _: worker(), parallel)
