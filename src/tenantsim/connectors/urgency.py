"""How urgent a platform call is, and the lock that gives a budget's next slot to the most urgent caller.

A token's budget hands out one slot at a time. In the order calls were asked, a build's late, long
work (a thread's replies) can queue ahead of what others wait for (the project their tasks go into), and
the people waiting idle. A caller says how urgent its calls are (``urgency``: a context variable, so it
holds for everything the caller awaits); the budget's lock serves the most urgent waiter first, and
callers of one urgency in the order they came: with everyone at the default, that is plain first come,
first served.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import TracebackType

FIRST = 0  # what others' work waits for: a project's board and its tasks
NORMAL = 1  # the default: e.g. a thread's next reply, which its next author waits for
LAST = 2  # what nobody waits for: a task's steps, which fill a token's quiet moments

_level: ContextVar[tuple[int, int]] = ContextVar("call_urgency", default=(NORMAL, 0))


@contextmanager
def urgency(level: int, rank: int = 0) -> Iterator[None]:
    """The calls made inside (and in tasks started inside) are this urgent; of one level, a lower
    ``rank`` goes first (the first project's board and tasks before the second's)."""
    token = _level.set((level, rank))
    try:
        yield
    finally:
        _level.reset(token)


class UrgencyLock:
    """An asyncio lock whose waiters get it most urgent first, then first come, first served."""

    def __init__(self) -> None:
        self._held = False
        self._waiting: list[tuple[tuple[int, int], int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    async def acquire(self) -> None:
        if not self._held and not self._waiting:
            self._held = True
            return
        handed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (_level.get(), next(self._arrivals), handed))
        try:
            await handed  # the releaser hands the lock over: it stays held
        except asyncio.CancelledError:
            if handed.done() and not handed.cancelled():  # handed over just as we were cancelled
                self.release()
            raise

    def release(self) -> None:
        while self._waiting:
            _, _, handed = heapq.heappop(self._waiting)
            if not handed.done():  # a cancelled waiter's future is done: skip it
                handed.set_result(None)
                return
        self._held = False

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        self.release()
