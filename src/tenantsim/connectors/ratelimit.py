"""Rate-limit budgets per (tenant, bucket, token), shared by every job in the process.

Two ways to pace, chosen by what the platform tells us:

* window mode — the platform reports ``limit / remaining / reset`` (Okta's X-Rate-Limit-*): the budget
  spreads what is left of the window evenly over the time left, so calls never burst the budget to zero
  and the last call of a window lands just before the reset.
* rate mode — the platform only documents a per-minute limit and answers 429 + Retry-After (Asana): the
  budget sends at a steady ``limit / window`` rate with a small safety margin.

``capacity`` (a job's max_api_capacity as a fraction) keeps ``(1 - capacity) * limit`` of every window
unused, as head-room for the tenant's other integrations.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

# Rate mode cannot see the platform's window edges, so it stays a little under the documented limit.
RATE_MODE_SAFETY = 0.97


@dataclass
class BudgetSnapshot:
    limit: int
    remaining: int
    reset_at: float | None
    mode: str


class Budget:
    """One rate-limit budget. ``acquire`` returns when a call may be sent."""

    def __init__(self, limit: int, window_seconds: float, clock: Callable[[], float] = time.time) -> None:
        self.limit = max(1, limit)
        self.window = window_seconds
        self.remaining = self.limit
        self.reset_at: float | None = None
        self.mode = "rate"
        self._clock = clock
        self._next_slot = 0.0
        self._lock = asyncio.Lock()
        self.throttled_until = 0.0

    # -- what the platform told us --------------------------------------------------------------
    def observe(self, limit: int, remaining: int, reset_at: float) -> None:
        """Adopt the platform's own count (it also sees other clients of the tenant)."""
        if self.reset_at is not None and reset_at > self.reset_at + 0.5:
            learned = reset_at - self.reset_at
            if 0.5 <= learned <= 3600:
                self.window = learned
        if self.mode == "window" and self.reset_at is not None and abs(reset_at - self.reset_at) < 0.5:
            # Same window: responses can arrive out of order, keep the smaller count.
            self.remaining = min(self.remaining, remaining)
        else:
            self.remaining = remaining
        self.limit = max(1, limit)
        self.reset_at = reset_at
        self.mode = "window"

    def throttled(self, retry_after: float) -> None:
        """A 429 came back: nothing more until the platform's reset."""
        until = self._clock() + max(0.0, retry_after)
        self.throttled_until = max(self.throttled_until, until)
        self.remaining = 0
        if self.mode == "window":
            self.reset_at = max(self.reset_at or 0.0, until)

    # -- pacing -----------------------------------------------------------------------------------
    def _delay(self, capacity: float, now: float) -> float:
        """Seconds to wait before the next call may go; also books the call when it returns 0."""
        if now < self.throttled_until:
            return self.throttled_until - now
        reserve = self.limit * (1.0 - capacity)
        if self.mode == "rate":
            interval = self.window / max(self.limit * capacity * RATE_MODE_SAFETY, 1e-9)
            if now < self._next_slot:
                return self._next_slot - now
            self._next_slot = max(now, self._next_slot) + interval
            return 0.0
        assert self.reset_at is not None
        if now >= self.reset_at:  # a new window began; assume it is full until a header says more
            windows_passed = int((now - self.reset_at) // self.window) + 1
            self.reset_at += windows_passed * self.window
            self.remaining = self.limit
            self._next_slot = now
        usable = self.remaining - reserve
        if usable < 1:
            return max(0.001, self.reset_at - now)
        if now < self._next_slot:
            return self._next_slot - now
        self.remaining -= 1
        self._next_slot = now + (self.reset_at - now) / usable
        return 0.0

    async def acquire(self, capacity: float = 1.0) -> float:
        """Wait for a slot; returns the seconds waited."""
        capacity = min(1.0, max(0.01, capacity))
        waited = 0.0
        async with self._lock:  # one caller books the next slot at a time, so slots never collide
            while True:
                delay = self._delay(capacity, self._clock())
                if delay <= 0:
                    return waited
                await asyncio.sleep(delay)
                waited += delay

    def snapshot(self) -> BudgetSnapshot:
        return BudgetSnapshot(self.limit, self.remaining, self.reset_at, self.mode)


class BudgetRegistry:
    """Process-wide: jobs that share a tenant share its budget."""

    def __init__(self, window_seconds: float = 60.0, clock: Callable[[], float] = time.time) -> None:
        self.window_seconds = window_seconds
        self._clock = clock
        self._budgets: dict[tuple[str, str, str], Budget] = {}
        self._gates: dict[tuple[str, str], asyncio.Semaphore] = {}

    def budget(self, tenant: str, bucket: str, token_id: str, default_limit: int) -> Budget:
        key = (tenant, bucket, token_id)
        found = self._budgets.get(key)
        if found is None:
            found = Budget(default_limit, self.window_seconds, self._clock)
            self._budgets[key] = found
        return found

    def gate(self, tenant: str, token_id: str, cap: int) -> asyncio.Semaphore:
        """In-flight cap per (tenant, token)."""
        key = (tenant, token_id)
        found = self._gates.get(key)
        if found is None:
            found = asyncio.Semaphore(max(1, cap))
            self._gates[key] = found
        return found

    def snapshot(self, tenant: str | None = None) -> dict[str, dict[str, object]]:
        out: dict[str, dict[str, object]] = {}
        for (ten, bucket, _token), budget in self._budgets.items():
            if tenant is not None and ten != tenant:
                continue
            snap = budget.snapshot()
            out[f"{ten} {bucket}"] = {"limit": snap.limit, "remaining": snap.remaining,
                                      "reset_at": snap.reset_at, "mode": snap.mode}
        return out
