"""Rate-limit use per tenant bucket, now and over the last minutes, for the dashboard's chart.

Two views of "use": what the budget says is left of the window (Okta reports it; for Asana the budget
counts its own calls), and the calls this server's observer saw in the last window. The share shown is
the larger of the two, so a tenant near its limit never looks idle.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from typing import Any

SAMPLE_SECONDS = 5.0
HISTORY_SAMPLES = 240  # 20 minutes at one sample per 5 s
MAX_TRACKED_CALLS = 100_000  # per bucket; far above any platform's per-window limit


class RateWatch:
    def __init__(self, window_seconds: float = 60.0, clock: Any = time.time) -> None:
        self.window_seconds = window_seconds
        self._clock = clock
        self._calls: dict[str, deque[float]] = defaultdict(lambda: deque(maxlen=MAX_TRACKED_CALLS))
        self._platforms: dict[str, str] = {}
        self._history: deque[tuple[float, dict[str, float]]] = deque(maxlen=HISTORY_SAMPLES)

    def record_call(self, platform: str, tenant: str, bucket: str) -> None:
        name = f"{tenant} {bucket}"
        self._calls[name].append(self._clock())
        self._platforms[name] = platform

    def calls_in_window(self, name: str, now: float) -> int:
        calls = self._calls.get(name)
        if calls is None:
            return 0
        while calls and calls[0] < now - self.window_seconds:
            calls.popleft()
        return len(calls)

    def share(self, name: str, figures: dict[str, Any], now: float) -> float:
        limit = float(figures.get("limit") or 0)
        if limit <= 0:
            return 0.0
        counted = self.calls_in_window(name, now) / limit
        reported = 0.0
        if figures.get("remaining") is not None:
            reported = 1.0 - float(figures["remaining"]) / limit
        return round(min(1.0, max(counted, reported, 0.0)), 4)

    def sample(self, budgets: dict[str, dict[str, Any]]) -> None:
        now = self._clock()
        shares = {name: self.share(name, figures, now) for name, figures in budgets.items()}
        self._history.append((now, shares))

    def report(self, budgets: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        """One row per tenant bucket: current figures, use share, and its history (oldest first)."""
        now = self._clock()
        rows = []
        for name in sorted(budgets):
            tenant, _, bucket = name.rpartition(" ")
            figures = budgets[name]
            current = self.share(name, figures, now)
            history = [[round(at, 1), shares[name]] for at, shares in self._history if name in shares]
            history.append([round(now, 1), current])
            rows.append({"tenant": tenant, "bucket": bucket, "platform": self._platforms.get(name, ""),
                         "limit": figures.get("limit"), "remaining": figures.get("remaining"),
                         "mode": figures.get("mode"), "reset_at": figures.get("reset_at"),
                         "calls_last_window": self.calls_in_window(name, now), "used_share": current,
                         "history": history})
        return rows
