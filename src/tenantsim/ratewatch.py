"""Rate-limit use per tenant bucket, now and over the last minutes, for the dashboard's chart.

Two views of "use", because platforms tell us different things: Okta reports limit/remaining per
window (the budget adopts them), Asana only a per-minute limit (we count our own calls). The share
shown is the larger of the two, so a tenant near its limit never looks idle.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

SAMPLE_SECONDS = 5.0
HISTORY_SAMPLES = 240  # 20 minutes at one sample per 5 s


@dataclass
class _Sample:
    at: float
    calls: dict[str, int]
    budgets: dict[str, dict[str, Any]]


class RateWatch:
    def __init__(self, window_seconds: float = 60.0) -> None:
        self.window_seconds = window_seconds
        self._calls: dict[str, int] = defaultdict(int)  # "tenant bucket" -> calls sent
        self._platforms: dict[str, str] = {}
        self._history: deque[_Sample] = deque(maxlen=HISTORY_SAMPLES)

    def record_call(self, platform: str, tenant: str, bucket: str) -> None:
        name = f"{tenant} {bucket}"
        self._calls[name] += 1
        self._platforms[name] = platform

    def sample(self, budgets: dict[str, dict[str, Any]], now: float | None = None) -> None:
        self._history.append(_Sample(now if now is not None else time.time(), dict(self._calls),
                                     {k: dict(v) for k, v in budgets.items()}))

    def _calls_in_window(self, name: str, index: int) -> int:
        """Calls of ``name`` in the window that ends at history[index]."""
        end = self._history[index]
        start_calls = 0
        for earlier_index in range(index - 1, -1, -1):
            earlier = self._history[earlier_index]
            start_calls = earlier.calls.get(name, 0)
            if end.at - earlier.at >= self.window_seconds:
                break
        return end.calls.get(name, 0) - start_calls

    def _share(self, name: str, index: int) -> float:
        sample = self._history[index]
        figures = sample.budgets.get(name) or {}
        limit = float(figures.get("limit") or 0)
        if limit <= 0:
            return 0.0
        counted = self._calls_in_window(name, index) / limit
        reported = 0.0
        if figures.get("mode") == "window" and figures.get("remaining") is not None:
            reported = 1.0 - float(figures["remaining"]) / limit
        return round(min(1.0, max(counted, reported, 0.0)), 4)

    def report(self, budgets: dict[str, dict[str, Any]], now: float | None = None) -> list[dict[str, Any]]:
        """One row per tenant bucket: current figures, use share and its recent history."""
        self.sample(budgets, now)
        last = len(self._history) - 1
        rows = []
        for name in sorted(budgets):
            tenant, _, bucket = name.rpartition(" ")
            figures = budgets[name]
            history = [[round(s.at, 1), self._share(name, i)] for i, s in enumerate(self._history)
                       if name in s.budgets]
            rows.append({"tenant": tenant, "bucket": bucket, "platform": self._platforms.get(name, ""),
                         "limit": figures.get("limit"), "remaining": figures.get("remaining"),
                         "mode": figures.get("mode"), "reset_at": figures.get("reset_at"),
                         "calls_last_window": self._calls_in_window(name, last),
                         "used_share": self._share(name, last), "history": history})
        self._history.pop()  # the report's own sample is not kept: history stays evenly spaced
        return rows
