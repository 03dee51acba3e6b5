"""The budget's next slot goes to the most urgent caller, then first come, first served; a caller
cancelled while waiting (a paused job) never holds the lock or loses it for the others."""

from __future__ import annotations

import asyncio

from tenantsim.connectors.ratelimit import Budget
from tenantsim.connectors.urgency import FIRST, LAST, NORMAL, UrgencyLock, urgency
from tests.unit.test_ratelimit import FakeClock


async def _queue_behind_holder(lock: UrgencyLock, callers: list[tuple[str, int, int]]) -> list[str]:
    """Callers (name, level, rank) queue in this order while the lock is held; the order they get it."""
    served: list[str] = []
    await lock.acquire()

    async def caller(name: str, level: int, rank: int) -> None:
        with urgency(level, rank):
            async with lock:
                served.append(name)

    tasks = [asyncio.ensure_future(caller(*c)) for c in callers]
    for _ in range(5):
        await asyncio.sleep(0)  # every caller is waiting now
    lock.release()
    await asyncio.gather(*tasks)
    return served


async def test_more_urgent_first_then_in_order_of_arrival() -> None:
    served = await _queue_behind_holder(UrgencyLock(), [
        ("step", LAST, 0), ("reply-1", NORMAL, 0), ("task-of-2", FIRST, 3), ("board-of-1", FIRST, 0),
        ("reply-2", NORMAL, 0), ("board-of-2", FIRST, 2),
    ])
    assert served == ["board-of-1", "board-of-2", "task-of-2", "reply-1", "reply-2", "step"]


async def test_everyone_at_the_default_is_first_come_first_served() -> None:
    served = await _queue_behind_holder(UrgencyLock(), [(str(n), NORMAL, 0) for n in range(6)])
    assert served == [str(n) for n in range(6)]


async def test_a_cancelled_waiter_is_skipped_and_the_lock_still_passes_on() -> None:
    lock = UrgencyLock()
    await lock.acquire()
    served: list[str] = []

    async def caller(name: str) -> None:
        async with lock:
            served.append(name)

    first, second = asyncio.ensure_future(caller("gone")), asyncio.ensure_future(caller("next"))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    lock.release()
    await second
    assert served == ["next"]
    await asyncio.wait_for(lock.acquire(), 1)  # free again: nobody holds it
    lock.release()


async def test_cancelled_just_after_being_handed_the_lock_passes_it_on() -> None:
    lock = UrgencyLock()
    await lock.acquire()
    waiter = asyncio.ensure_future(lock.acquire())
    await asyncio.sleep(0)
    lock.release()  # handed to the waiter, which is cancelled before it runs
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    await asyncio.wait_for(lock.acquire(), 1)


async def test_a_budget_gives_its_next_slot_to_the_most_urgent_call() -> None:
    clock = FakeClock()
    budget = Budget(limit=1, window_seconds=60.0, clock=clock.time, sleep=clock.sleep)
    await budget.acquire()  # the window's one call: every later call waits for a slot of its own
    order: list[str] = []

    async def call(name: str, level: int) -> None:
        with urgency(level):
            await budget.acquire()
        order.append(name)

    tasks = [asyncio.ensure_future(call(n, lv)) for n, lv in (("later", LAST), ("reply", NORMAL),
                                                               ("board", FIRST))]
    await clock.run(clock.now + 600)
    await asyncio.gather(*tasks)
    assert order == ["later", "board", "reply"]  # the first found the lock free; then by urgency
