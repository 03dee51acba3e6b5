"""Pacing logic of the rate-limit budgets, on a fake clock against a simulated fixed-window platform.

Deterministic: time only moves when every task is waiting, so no test depends on the machine's speed.
"""

from __future__ import annotations

import asyncio
import bisect
import heapq
import itertools
import math
from collections import Counter
from dataclasses import dataclass, field

import pytest

from tenantsim.connectors.ratelimit import BURST_SHARE, RATE_MODE_SAFETY, Budget, BudgetRegistry

START = 1_700_000_000.0


class FakeClock:
    """Time that advances only through ``run``: the earliest timer fires once every task is waiting."""

    def __init__(self, start: float = START) -> None:
        self.now = start
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def time(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.now + max(0.0, delay), next(self._order), future))
        await future

    async def run(self, until: float) -> None:
        while True:
            for _ in range(30):  # let every woken task reach its next wait
                await asyncio.sleep(0)
            if not self._timers or self._timers[0][0] > until:
                self.now = until
                return
            when, _, future = heapq.heappop(self._timers)
            self.now = max(self.now, when)
            if not future.done():
                future.set_result(None)


@dataclass
class FixedWindowPlatform:
    """Counts calls per fixed window like Okta: windows start at an arbitrary instant and the reset
    header is the window's end rounded up to whole seconds (so it is up to a second late)."""

    limit: int
    window: float
    origin: float
    counts: Counter[int] = field(default_factory=Counter)
    throttled: int = 0
    served_at: list[float] = field(default_factory=list)

    def index(self, now: float) -> int:
        return math.floor((now - self.origin) / self.window)

    def end(self, now: float) -> float:
        return self.origin + (self.index(now) + 1) * self.window

    def hit(self, now: float, others: int = 0) -> tuple[bool, int, float]:
        """(allowed, remaining, reset header) for one call; ``others`` calls of other clients first."""
        index = self.index(now)
        self.counts[index] += others
        reset = float(math.ceil(self.end(now)))
        if self.counts[index] >= self.limit:
            self.throttled += 1
            return False, 0, reset
        self.counts[index] += 1
        self.served_at.append(now)
        return True, self.limit - self.counts[index], reset


async def call_loop(budget: Budget, platform: FixedWindowPlatform, clock: FakeClock, *, rtt: float,
                    capacity: float = 1.0, others_every: int = 0) -> None:
    """One worker: book a slot, send, let the platform count it half a round trip later, observe."""
    sent = 0
    while True:
        slot = await budget.acquire(capacity)
        await clock.sleep(rtt / 2)
        sent += 1
        others = 1 if others_every and sent % others_every == 0 else 0
        allowed, remaining, reset = platform.hit(clock.now, others)
        await clock.sleep(rtt / 2)
        budget.observe(platform.limit, remaining, reset, ticket=slot.ticket, received_at=clock.now)
        if not allowed:
            budget.throttled(max(0.0, reset - clock.now))


async def simulate(budget: Budget, platform: FixedWindowPlatform, clock: FakeClock, seconds: float, *,
                   workers: int = 4, rtt: float = 0.02, capacity: float = 1.0, others_every: int = 0) -> None:
    tasks = [asyncio.create_task(call_loop(budget, platform, clock, rtt=rtt, capacity=capacity,
                                           others_every=others_every)) for _ in range(workers)]
    await clock.run(clock.now + seconds)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def full_windows(platform: FixedWindowPlatform, clock: FakeClock, skip: int = 2) -> list[int]:
    """Calls counted in each complete window after the first ``skip`` (learning) windows."""
    first = platform.index(START) + skip
    last = platform.index(clock.now) - 1
    return [platform.counts[i] for i in range(first, last + 1)]


async def test_window_mode_uses_the_whole_window_without_429s() -> None:
    clock = FakeClock()
    platform = FixedWindowPlatform(limit=100, window=6.0, origin=START - 2.37)
    budget = Budget(600, 6.0, clock.time, clock.sleep)
    await simulate(budget, platform, clock, 60.0)
    counts = full_windows(platform, clock)
    assert len(counts) >= 6
    assert platform.throttled == 0
    assert min(counts) >= 97, counts  # a whole-second reset header would cost ~10 % here
    assert budget.mode == "window"


async def test_learns_the_window_edge_finer_than_the_reset_header() -> None:
    clock = FakeClock()
    platform = FixedWindowPlatform(limit=100, window=6.0, origin=START - 2.37)
    budget = Budget(600, 6.0, clock.time, clock.sleep)
    await simulate(budget, platform, clock, 40.0)
    true_end = platform.end(clock.now)
    assert true_end <= budget.window_end < true_end + 0.1  # the header says up to 0.63 s later
    assert math.ceil(true_end) - true_end > 0.3  # what the header alone would have cost


async def test_calls_are_spread_across_the_window_not_burst() -> None:
    clock = FakeClock()
    platform = FixedWindowPlatform(limit=100, window=6.0, origin=START - 2.37)
    budget = Budget(600, 6.0, clock.time, clock.sleep)
    await simulate(budget, platform, clock, 40.0, workers=20)
    tenths: Counter[tuple[int, int]] = Counter()
    for at in platform.served_at:
        offset = (at - platform.origin) % platform.window
        tenths[(platform.index(at), int(offset / platform.window * 10))] += 1
    later = [n for (index, _), n in tenths.items() if index >= platform.index(START) + 2]
    assert max(later) <= 12  # ~10 per tenth of the window; bursting would put 100 in the first


async def test_capacity_leaves_the_rest_of_the_window_unused() -> None:
    clock = FakeClock()
    platform = FixedWindowPlatform(limit=100, window=6.0, origin=START - 2.37)
    budget = Budget(600, 6.0, clock.time, clock.sleep)
    await simulate(budget, platform, clock, 60.0, capacity=0.5)
    counts = full_windows(platform, clock)
    assert all(48 <= n <= 50 for n in counts), counts
    assert platform.throttled == 0


async def test_other_integrations_of_the_tenant_are_seen_in_the_headers() -> None:
    clock = FakeClock()
    platform = FixedWindowPlatform(limit=100, window=6.0, origin=START - 2.37)
    budget = Budget(600, 6.0, clock.time, clock.sleep)
    await simulate(budget, platform, clock, 60.0, others_every=4)  # someone else adds ~25 % more
    assert platform.throttled <= 2
    assert min(full_windows(platform, clock)) >= 95


async def test_jobs_sharing_a_tenant_share_one_budget() -> None:
    clock = FakeClock()
    registry = BudgetRegistry(window_seconds=6.0, clock=clock.time, sleep=clock.sleep)
    platform = FixedWindowPlatform(limit=100, window=6.0, origin=START - 0.5)
    first = registry.budget("okta:org", "users", "org", 600)
    second = registry.budget("okta:org", "users", "org", 600)
    assert first is second
    assert registry.budget("okta:other", "users", "org", 600) is not first
    tasks = [asyncio.create_task(call_loop(b, platform, clock, rtt=0.02)) for b in (first, second) * 3]
    await clock.run(clock.now + 40)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert platform.throttled == 0
    assert min(full_windows(platform, clock)) >= 97


async def test_a_longer_assumed_window_is_corrected_from_the_headers() -> None:
    clock = FakeClock()
    platform = FixedWindowPlatform(limit=50, window=5.0, origin=START - 1.2)
    budget = Budget(600, 60.0, clock.time, clock.sleep)  # configured for Okta's minute
    await simulate(budget, platform, clock, 60.0)
    assert budget.window == pytest.approx(5.0)
    assert platform.throttled == 0
    assert min(full_windows(platform, clock, skip=3)) >= 45


async def test_a_shorter_assumed_window_does_not_cause_429s() -> None:
    clock = FakeClock()
    platform = FixedWindowPlatform(limit=50, window=6.0, origin=START - 1.2)
    budget = Budget(600, 1.0, clock.time, clock.sleep)
    await simulate(budget, platform, clock, 40.0)
    assert platform.throttled <= 1
    assert min(full_windows(platform, clock)) >= 40


def test_one_misread_reset_does_not_shorten_the_window_for_good() -> None:
    budget = Budget(600, 6.0, lambda: START)
    for n in range(3):  # windows seen 6 s apart: confirmed
        budget.observe(600, 300, START + 6.0 * n + 4.0, received_at=START + 6.0 * n + 1.0)
    assert budget.window == 6.0 and budget._window_confirmed
    # One answer reads a reset 2 s later than the window's (a stale Date header)...
    budget.observe(600, 200, START + 12.0 + 6.0, received_at=START + 14.0)
    # ...and the windows go on 6 s apart: the window is still 6 s, and confirmed again.
    for n in range(3, 6):
        budget.observe(600, 300, START + 6.0 * n + 4.0, received_at=START + 6.0 * n + 1.0)
    assert budget.window == 6.0 and budget._window_confirmed


async def test_a_429_waits_until_the_window_ends_and_no_longer() -> None:
    clock = FakeClock()
    budget = Budget(10, 6.0, clock.time, clock.sleep)
    budget.observe(10, 0, START + 3.0, received_at=START)  # the header is whole seconds: end <= +3 s
    budget.throttled(3.0)
    slot = await asyncio.gather(budget.acquire(), clock.run(START + 10))
    assert slot[0].waited == pytest.approx(3.0)


async def test_a_429_saying_the_window_ends_sooner_than_we_think_is_followed() -> None:
    clock = FakeClock()
    budget = Budget(10, 6.0, clock.time, clock.sleep)
    budget.observe(10, 5, START + 6.0, received_at=START)
    budget.throttled(1.0)  # the platform says: spent, and the window ends in 1 s (not 6)
    slot = await asyncio.gather(budget.acquire(), clock.run(START + 10))
    assert slot[0].waited == pytest.approx(1.0)
    assert budget.used == 1  # a fresh window


def test_a_late_answer_from_an_earlier_window_does_not_refill_the_budget() -> None:
    budget = Budget(10, 6.0, lambda: START)
    budget.observe(10, 2, START + 4.0, received_at=START)
    assert budget.used == 8
    budget.observe(10, 1, START + 4.0 - 6.0, received_at=START)  # older window: ignored
    assert budget.used == 8
    budget.observe(10, 9, START + 4.0 + 6.0, received_at=START)  # newer window: its count is adopted
    assert budget.used == 1 and budget.window_end == START + 6.0  # began by now, so ends by now + 6


def test_in_flight_calls_are_added_to_the_platform_count() -> None:
    budget = Budget(100, 6.0, lambda: START)
    budget.observe(100, 90, START + 5.0, received_at=START)
    for _ in range(5):
        budget._booked += 1  # five calls booked after the answered one went out
    budget.observe(100, 89, START + 5.0, ticket=budget._booked - 5, received_at=START)
    assert budget.used == 11 + 5


async def test_rate_mode_stays_under_the_limit_in_every_window_and_bursts_little() -> None:
    clock = FakeClock()
    budget = Budget(150, 6.0, clock.time, clock.sleep)
    sent: list[float] = []

    async def loop() -> None:
        while True:
            await budget.acquire()
            sent.append(clock.now)

    task = asyncio.create_task(loop())
    await clock.run(START + 60)
    task.cancel()
    cap = math.floor(150 * RATE_MODE_SAFETY)
    # no window-long stretch, wherever it starts, holds more than the cap: no platform window overflows
    assert max(bisect.bisect_left(sent, t + 6.0) - i for i, t in enumerate(sent)) <= cap
    per_window = Counter(int((t - START) // 6.0) for t in sent)
    assert min(per_window[i] for i in range(1, 9)) >= cap - 2  # and nearly all of it is used
    first_second = sum(1 for t in sent if t < START + 1.0)
    assert first_second <= 150 * BURST_SHARE + 150 / 6.0 + 1  # a small burst, then the steady rate


async def test_rate_mode_429_waits_the_retry_after_and_learns_a_smaller_quota() -> None:
    clock = FakeClock()
    budget = Budget(1500, 60.0, clock.time, clock.sleep)  # Asana paid, but the workspace is free (150)
    sent = 0

    async def loop() -> None:
        nonlocal sent
        while True:
            await budget.acquire()
            sent += 1
            if sent == 150:
                budget.throttled(50.0)

    task = asyncio.create_task(loop())
    await clock.run(START + 6.5)
    throttled_at = budget.throttled_until - 50.0
    assert sent == 150 and budget.limit == 750  # at most halved per 429: it may be a concurrency cap
    await clock.run(throttled_at + 49.9)
    assert sent == 150  # waited the whole Retry-After
    await clock.run(throttled_at + 51.0)
    task.cancel()
    assert sent > 150


def test_concurrency_429_does_not_spend_the_window() -> None:
    budget = Budget(100, 60.0, lambda: START)
    budget.observe(100, 80, START + 30.0, received_at=START)
    budget.throttled(1.0, exhausted=False)
    assert budget.used == 20 and budget.throttled_until == START + 1.0


def test_registry_knows_limits_better_than_the_documented_default() -> None:
    registry = BudgetRegistry(window_seconds=6.0)
    registry.set_limit("asana:127.0.0.1:9", 150)
    assert registry.budget("asana:127.0.0.1:9", "requests", "t1", 1500).limit == 150
    assert registry.budget("asana:app.asana.com", "requests", "t1", 1500).limit == 1500
    snapshot = registry.snapshot("asana:127.0.0.1:9")
    assert snapshot == {"asana:127.0.0.1:9 requests": {"limit": 150, "remaining": 150, "reset_at": None,
                                                       "mode": "rate"}}


def test_snapshot_sums_the_tokens_of_a_tenant_bucket() -> None:
    registry = BudgetRegistry(window_seconds=60.0)
    for token in ("a", "b", "c"):
        registry.budget("asana:x", "requests", token, 1500)
    assert registry.snapshot()["asana:x requests"]["limit"] == 4500


def test_a_snapshot_of_thousands_of_budgets_lets_other_work_run_while_it_is_taken() -> None:
    registry = BudgetRegistry(window_seconds=60.0)
    for org in range(1000):
        for bucket in ("users", "apps"):
            registry.budget(f"okta:o{org}", bucket, "org", 600).observe(600, org % 600, START + 60,
                                                                         received_at=START)
    turns: list[int] = []

    async def other_work() -> None:  # another job's step, waiting for the loop
        while True:
            turns.append(len(turns))
            await asyncio.sleep(0)

    async def take() -> dict[str, dict[str, object]]:
        other = asyncio.create_task(other_work())
        await asyncio.sleep(0)
        turns.clear()
        try:
            return await registry.snapshot_in_steps(step=250)
        finally:
            other.cancel()

    stepped = asyncio.run(take())
    assert stepped == registry.snapshot()  # the same figures as a snapshot taken at once
    assert len(stepped) == 2000 and stepped["okta:o7 apps"]["remaining"] == 7
    assert len(turns) >= 7  # the other work ran between every 250 budgets
