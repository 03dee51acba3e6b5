"""Rate-limit budgets per (tenant, bucket, token), shared by every job in the process.

Two ways to pace, chosen by what the platform tells us:

* window mode — the platform reports ``limit / remaining / reset`` (Okta's X-Rate-Limit-*): the budget
  spreads what is left of the window evenly over the time left, so calls never burst the budget to zero
  and the last call of a window lands just before its end.
* rate mode — the platform only documents a per-minute limit and answers 429 + Retry-After (Asana): the
  budget sends at a steady ``limit / window`` rate with a small safety margin, and lowers the limit it
  assumes when a 429 shows the token's real quota is smaller (a free plan, another integration).

Window edges are learned on our own clock. A reset header has whole-second resolution, which would cost
up to a second per window; but a response counted in a new window proves that window began before the
response arrived, so the budget keeps the earliest such arrival as the window's start and predicts the
next edges from it. Every estimate errs late, never early: early would mean 429s.

``capacity`` (a job's max_api_capacity as a fraction) keeps ``(1 - capacity) * limit`` of every window
unused, as head-room for the tenant's other integrations.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tenantsim.connectors.urgency import UrgencyLock

# Rate mode cannot see the platform's window edges: it never has more than this share of the limit in
# any window-long stretch (so no fixed or sliding window of the platform's can overflow), leaving a
# little for differences between when we send and when the platform counts.
RATE_MODE_SAFETY = 0.99
# ...and it spreads calls at the limit's steady rate, allowing a burst of this share of the limit, so a
# job that alternates between tokens finds each one ready when it comes back to it.
BURST_SHARE = 0.25
# A 429 in rate mode after at least this many calls in the last window teaches the budget the real limit.
LEARN_FROM_CALLS = 10
# After a learned cut, the assumed limit grows back by this share of the documented one per quiet window.
RECOVERY_PER_WINDOW = 0.1

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Slot:
    """A booked call: how long the caller waited for it and its place in the booking order."""

    waited: float
    ticket: int


@dataclass
class BudgetSnapshot:
    limit: int
    remaining: int
    reset_at: float | None
    mode: str


class Budget:
    """One rate-limit budget. ``acquire`` returns when a call may be sent."""

    def __init__(self, limit: int, window_seconds: float, clock: Clock = time.time,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.documented = max(1, int(limit))
        self.limit = self.documented
        self.window = float(window_seconds)
        self.mode = "rate"
        self.throttled_until = 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = UrgencyLock()  # the next slot goes to the most urgent caller
        self._next_slot = 0.0
        self._booked = 0  # tickets handed out so far
        # rate mode: when the calls of the last window went out, the token bucket, the last learned cut
        self._recent: deque[float] = deque()
        self._tokens = 0.0
        self._refilled: float | None = None
        self._cut_at: float | None = None
        self._cut_limit = self.documented
        # window mode: the platform window we believe is current
        self.used = 0  # calls it has counted: ours booked since it began, plus what headers add
        self.window_end = 0.0  # when it ends, on our clock (an upper bound)
        self._header_end = 0.0  # its end as the platform reported it (or as predicted after a roll)
        self._reported: float | None = None  # the smallest reset reported for it; None: no answer yet
        self._prev_reported: float | None = None  # the last reset reported for an earlier window
        self._start_hi = 0.0  # it began no later than this
        self._window_confirmed = False  # two consecutive windows were seen ``window`` apart
        self._shorter_gap: float | None = None  # a gap shorter than ``window``, seen once

    def now(self) -> float:
        """The budget's clock (epoch seconds, like the platforms' reset headers)."""
        return self._clock()

    # -- what the platform told us --------------------------------------------------------------
    def _same_window_slack(self) -> float:
        """Resets within this of each other name one window (resets differ by a whole window)."""
        return min(self.window / 2, 1.5)

    def observe(self, limit: int, remaining: int, reset_at: float, *, ticket: int | None = None,
                received_at: float | None = None) -> None:
        """Adopt the platform's own count (it also sees the tenant's other clients).

        ``ticket`` is the Slot of the call this response answers, so calls booked after it (still in
        flight) are added to the platform's count; ``received_at`` dates the answer on our clock.
        """
        received = self._clock() if received_at is None else received_at
        self.limit = max(1, int(limit))
        slack = self._same_window_slack()
        if self.mode != "window":
            self.mode = "window"
            self._begin_window(reset_at, received)
        elif self._reported is None:  # we rolled into a new window and this may be its first answer
            if self._prev_reported is not None and reset_at <= self._prev_reported + slack:
                return  # a late answer from the window before
            if self._prev_reported is not None:
                self._learn_window(reset_at - self._prev_reported)
            self._reported = self._header_end = reset_at
            self._start_hi = min(self._start_hi, received)
            self._set_window_end()
        elif reset_at > self._reported + slack:  # the platform has moved on to a newer window
            self._learn_window(reset_at - self._reported)
            self._prev_reported = self._reported
            self._begin_window(reset_at, received)
        elif reset_at < self._reported - slack:  # a late answer from a window already over
            return
        else:
            self._reported = self._header_end = min(self._reported, reset_at)
            self._start_hi = min(self._start_hi, received)
            self._set_window_end()
        counted = self.limit - max(0, int(remaining))
        in_flight = self._booked - ticket if ticket is not None else 0
        self.used = max(self.used, counted + max(0, in_flight))

    def _begin_window(self, reset_at: float, received: float) -> None:
        self._reported = self._header_end = reset_at
        self._start_hi = received  # this answer was counted in the window, so it had begun
        self.used = 0
        self._set_window_end()

    def _set_window_end(self) -> None:
        """The header's end, or earlier when a learned start plus a confirmed window length says so."""
        self.window_end = self._header_end
        if self._window_confirmed:
            self.window_end = min(self.window_end, self._start_hi + self.window)

    def _learn_window(self, gap: float) -> None:
        """Resets of two windows lie a whole number of windows apart: the smallest gap is the window. A
        shorter gap is adopted when the next one agrees, so one misread reset (a stale Date header) does
        not shorten the window for good."""
        slack = self._same_window_slack()
        if abs(gap - self.window) <= slack:
            self._window_confirmed = True
            self._shorter_gap = None
        elif gap < self.window:  # shorter than assumed: adopt it once seen twice (a multiple errs late)
            if self._shorter_gap is not None and abs(gap - self._shorter_gap) <= slack:
                self.window = gap
                self._window_confirmed = False
            self._shorter_gap = gap

    def throttled(self, retry_after: float, *, exhausted: bool = True) -> None:
        """A 429 came back. ``exhausted``: it says the window's count is used up (not a concurrency cap)."""
        now = self._clock()
        until = now + max(0.0, retry_after)
        if self.mode == "window" and exhausted:
            self.used = max(self.used, self.limit)
            if until < self.window_end - self._same_window_slack():
                # the platform's window ends well before ours: we moved on too early; follow the platform
                self.window_end = self._header_end = until
            until = min(until, self.window_end)  # our estimate of the end is as good or better
        elif self.mode == "rate":
            self._learn_limit(now)
        self.throttled_until = max(self.throttled_until, until)

    def _learn_limit(self, now: float) -> None:
        """A 429 after ``recent`` calls in a window: the quota is nearer ``recent`` than our limit.
        At most halve per 429, since a 429 may also come from a concurrency cap."""
        recent = self._count_recent(now)
        learned = max(recent, self.limit // 2)
        if recent >= LEARN_FROM_CALLS and learned < self.limit:
            self.limit = self._cut_limit = learned
            self._cut_at = now

    def _count_recent(self, now: float) -> int:
        while self._recent and self._recent[0] <= now - self.window:
            self._recent.popleft()
        return len(self._recent)

    # -- pacing -----------------------------------------------------------------------------------
    def _delay(self, capacity: float, now: float) -> float:
        """Seconds to wait before the next call may go; also books the call when it returns 0."""
        if now < self.throttled_until:
            return self.throttled_until - now
        if self.mode == "rate":
            return self._rate_delay(capacity, now)
        if now >= self.window_end:
            self._roll(now)
        left = self.limit * capacity - self.used
        if left < 1:
            return max(0.001, self.window_end - now)
        if now < self._next_slot:
            return self._next_slot - now
        self.used += 1
        self._next_slot = now + (self.window_end - now) / left
        return 0.0

    def _roll(self, now: float) -> None:
        """Our clock passed the window's end: a new window began (assume it is full until told more)."""
        windows = int((now - self.window_end) // self.window) + 1
        self.window_end += windows * self.window
        self._header_end += windows * self.window
        self._start_hi = self.window_end - self.window
        if self._reported is not None:
            self._prev_reported = self._reported
        self._reported = None
        self.used = 0
        self._next_slot = now

    def _rate_delay(self, capacity: float, now: float) -> float:
        """A token bucket (steady rate, a small burst) under a hard cap on calls in any window."""
        if self._cut_at is not None:  # grow back towards the documented limit after a learned cut
            quiet = int((now - self._cut_at) // self.window)
            self.limit = min(self.documented,
                             self._cut_limit + int(quiet * RECOVERY_PER_WINDOW * self.documented))
        allowed = self.limit * capacity
        cap = max(1, math.floor(allowed * RATE_MODE_SAFETY))
        recent = self._count_recent(now)
        if recent >= cap:  # wait until the oldest call that counts leaves the window
            return max(0.001, self._recent[recent - cap] + self.window - now)
        rate = allowed / self.window
        burst = max(1.0, allowed * BURST_SHARE)
        if self._refilled is None:
            self._tokens, self._refilled = burst, now
        self._tokens = min(burst, self._tokens + (now - self._refilled) * rate)
        self._refilled = now
        if self._tokens < 1.0 - 1e-6:  # (a tolerance: clock readings have finite resolution)
            return max(1e-4, (1.0 - self._tokens) / rate)
        self._tokens = max(0.0, self._tokens - 1.0)
        self._recent.append(now)
        return 0.0

    async def acquire(self, capacity: float = 1.0) -> Slot:
        """Wait for a slot; the Slot says how long that took and is passed back to ``observe``."""
        capacity = min(1.0, max(0.01, capacity))
        waited = 0.0
        async with self._lock:  # one caller books the next slot at a time, so slots never collide
            while True:
                delay = self._delay(capacity, self._clock())
                if delay <= 0:
                    self._booked += 1
                    return Slot(waited, self._booked)
                await self._sleep(delay)
                waited += delay

    def snapshot(self) -> BudgetSnapshot:
        if self.mode == "window":
            return BudgetSnapshot(self.limit, max(0, self.limit - self.used), self.window_end, self.mode)
        remaining = max(0, self.limit - self._count_recent(self._clock()))
        return BudgetSnapshot(self.limit, remaining, None, self.mode)


class BudgetRegistry:
    """Process-wide: jobs that share a tenant share its budget.

    ``window_seconds`` is the platforms' rate-limit window (a minute; a sandbox may compress it).
    ``set_limit`` records a limit known better than the documented default for a tenant (a free-plan
    Asana workspace, a sandbox with scaled limits); budgets created for that tenant start from it.
    """

    def __init__(self, window_seconds: float = 60.0, clock: Clock = time.time,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.window_seconds = window_seconds
        self._clock = clock
        self._sleep = sleep
        self._budgets: dict[tuple[str, str, str], Budget] = {}
        self._gates: dict[tuple[str, str], asyncio.Semaphore] = {}
        self._known_limits: dict[str, int] = {}

    def set_limit(self, tenant: str, limit: int) -> None:
        self._known_limits[tenant] = max(1, int(limit))
        for (ten, _bucket, _token), budget in self._budgets.items():
            if ten == tenant and budget.mode == "rate":
                budget.documented = budget.limit = budget._cut_limit = self._known_limits[tenant]

    def budget(self, tenant: str, bucket: str, token_id: str, default_limit: int,
               window_seconds: float | None = None) -> Budget:
        """``window_seconds``: a budget over another window than the registry's minute (a daily
        allocation); it applies when the budget is made, so the platform's client asks for it first."""
        key = (tenant, bucket, token_id)
        found = self._budgets.get(key)
        if found is None:
            limit = self._known_limits.get(tenant, default_limit)
            found = Budget(limit, window_seconds or self.window_seconds, self._clock, self._sleep)
            self._budgets[key] = found
        return found

    def gate(self, tenant: str, token_id: str, cap: int) -> asyncio.Semaphore:
        """In-flight cap per (tenant, token); ``token_id`` may carry a suffix for a separate cap."""
        key = (tenant, token_id)
        found = self._gates.get(key)
        if found is None:
            found = asyncio.Semaphore(max(1, cap))
            self._gates[key] = found
        return found

    def snapshot(self, tenant: str | None = None) -> dict[str, dict[str, object]]:
        """Per "tenant bucket": limit and remaining, summed over tokens (Asana gives each its own)."""
        merged: dict[str, BudgetSnapshot] = {}
        for (ten, bucket, _token), budget in self._budgets.items():
            if tenant is None or ten == tenant:
                _merge(merged, f"{ten} {bucket}", budget.snapshot())
        return _figures(merged)

    async def snapshot_in_steps(self, step: int = 250) -> dict[str, dict[str, object]]:
        """``snapshot()`` of every budget, letting other work run after each ``step`` budgets: a server
        with thousands of jobs holds thousands of budgets, and reading them at once stalls every job."""
        merged: dict[str, BudgetSnapshot] = {}
        for index, ((ten, bucket, _token), budget) in enumerate(list(self._budgets.items())):
            if index and index % step == 0:
                await asyncio.sleep(0)
            _merge(merged, f"{ten} {bucket}", budget.snapshot())
        return _figures(merged)


def _merge(merged: dict[str, BudgetSnapshot], name: str, snap: BudgetSnapshot) -> None:
    seen = merged.get(name)
    if seen is not None:
        snap = BudgetSnapshot(seen.limit + snap.limit, seen.remaining + snap.remaining, seen.reset_at,
                              seen.mode)
    merged[name] = snap


def _figures(merged: dict[str, BudgetSnapshot]) -> dict[str, dict[str, object]]:
    return {name: {"limit": snap.limit, "remaining": snap.remaining, "reset_at": snap.reset_at,
                   "mode": snap.mode} for name, snap in merged.items()}
