"""Pieces every sandbox emulator shares: windowed rate limits, fault injection, counters.

The emulators are products of their own (DESIGN.md): nothing here imports the rest of tenantsim.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class WindowDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # epoch seconds when the current window ends

    @property
    def reset_epoch(self) -> int:
        """Okta sends whole epoch seconds; round up so a client never retries early."""
        return math.ceil(self.reset_at)

    def retry_after(self, now: float | None = None) -> float:
        return max(0.0, self.reset_at - (time.time() if now is None else now))


class WindowLimiter:
    """Fixed-window request counter per key, as Okta and Asana count per minute.

    ``window_seconds`` is configurable so a benchmark can compress a minute into seconds.
    A limit of 0 or less means unlimited.
    """

    def __init__(self, window_seconds: float = 60.0, clock: Callable[[], float] = time.time) -> None:
        self.window_seconds = window_seconds
        self._clock = clock
        self._origin = clock()
        self._counts: dict[str, tuple[int, int]] = {}  # key -> (window index, count)

    def _window(self, now: float) -> int:
        return int((now - self._origin) // self.window_seconds)

    def hit(self, key: str, limit: int) -> WindowDecision:
        now = self._clock()
        index = self._window(now)
        reset_at = self._origin + (index + 1) * self.window_seconds
        if limit <= 0:
            return WindowDecision(True, 0, 0, reset_at)
        window, count = self._counts.get(key, (index, 0))
        if window != index:
            count = 0
        if count >= limit:
            self._counts[key] = (index, count)
            return WindowDecision(False, limit, 0, reset_at)
        count += 1
        self._counts[key] = (index, count)
        return WindowDecision(True, limit, limit - count, reset_at)

    def reset(self) -> None:
        self._origin = self._clock()
        self._counts.clear()


class ConcurrencyGate:
    """Counts requests in flight per key; over the cap the emulator answers 429 like the vendor."""

    def __init__(self) -> None:
        self._in_flight: dict[str, int] = defaultdict(int)

    def enter(self, key: str, cap: int) -> bool:
        if cap > 0 and self._in_flight[key] >= cap:
            return False
        self._in_flight[key] += 1
        return True

    def leave(self, key: str) -> None:
        self._in_flight[key] = max(0, self._in_flight[key] - 1)


@dataclass
class BucketStats:
    requests: int = 0
    throttled: int = 0
    errors: int = 0
    faults: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"requests": self.requests, "throttled": self.throttled, "errors": self.errors,
                "faults": self.faults}


@dataclass
class SandboxStats:
    """What the emulator served, per bucket (Okta) or per token (Asana): GET /_sandbox/stats."""

    started_at: float = field(default_factory=time.time)
    buckets: dict[str, BucketStats] = field(default_factory=lambda: defaultdict(BucketStats))

    def bucket(self, name: str) -> BucketStats:
        return self.buckets[name]

    def as_dict(self) -> dict[str, Any]:
        totals = BucketStats()
        for stats in self.buckets.values():
            totals.requests += stats.requests
            totals.throttled += stats.throttled
            totals.errors += stats.errors
            totals.faults += stats.faults
        return {
            "since": self.started_at,
            "elapsed_seconds": round(time.time() - self.started_at, 3),
            "totals": totals.as_dict(),
            "buckets": {name: stats.as_dict() for name, stats in sorted(self.buckets.items())},
        }

    def reset(self) -> None:
        self.started_at = time.time()
        self.buckets.clear()


@dataclass
class FaultPlan:
    """Seeded fault injection. ``rate`` is the share of requests that get a fault.

    A fault is a 5xx in the vendor's error format, a dropped connection (``reset``: before the request
    is handled), a lost answer (``lost``: the request is handled, then the connection drops, as when a
    gateway times out on a slow platform), or a latency spike.
    ``storm_until`` makes every request 429 until that epoch second (a "429 storm").
    """

    rate: float = 0.0
    latency_ms: float = 0.0
    spike_ms: float = 2000.0
    seed: int = 0
    kinds: tuple[str, ...] = ("error", "reset", "spike")
    storm_until: float = 0.0
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def reseed(self) -> None:
        self._rng = random.Random(self.seed)

    def draw(self) -> str | None:
        if self.rate <= 0:
            return None
        if self._rng.random() >= self.rate:
            return None
        return self._rng.choice(self.kinds)

    def in_storm(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) < self.storm_until

    def update(self, settings: dict[str, Any]) -> None:
        if "fault_rate" in settings:
            self.rate = float(settings["fault_rate"])
        if "latency_ms" in settings:
            self.latency_ms = float(settings["latency_ms"])
        if "spike_ms" in settings:
            self.spike_ms = float(settings["spike_ms"])
        if "kinds" in settings:
            self.kinds = tuple(settings["kinds"])
        if "storm_seconds" in settings:
            self.storm_until = time.time() + float(settings["storm_seconds"])
        if "seed" in settings:
            self.seed = int(settings["seed"])
            self.reseed()

    def as_dict(self) -> dict[str, Any]:
        return {"fault_rate": self.rate, "latency_ms": self.latency_ms, "spike_ms": self.spike_ms,
                "kinds": list(self.kinds), "storm_until": self.storm_until, "seed": self.seed}


class ConnectionDropped(Exception):
    """Raised after the response has started, so the server cuts the connection mid-response."""


async def drop_connection(send: Send) -> None:
    """Start a response and then fail: the client sees a reset / incomplete read."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
    raise ConnectionDropped("sandbox fault: connection dropped")


async def apply_latency(plan: FaultPlan, fault: str | None) -> None:
    delay = plan.latency_ms / 1000.0
    if fault == "spike":
        delay += plan.spike_ms / 1000.0
    if delay > 0:
        await asyncio.sleep(delay)
