"""The org's daily API request allocation, counted over a rolling window (24 hours in Salesforce; a
benchmark or test may compress it). A refused request does not count, as in Salesforce."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

DEVELOPER_EDITION = 15_000
DAY = 86_400.0


class DailyAllocation:
    def __init__(self, limit: int, window_seconds: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._hits: deque[float] = deque()

    def _expire(self) -> None:
        horizon = self._clock() - self.window_seconds
        while self._hits and self._hits[0] <= horizon:
            self._hits.popleft()

    @property
    def used(self) -> int:
        self._expire()
        return len(self._hits)

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def take(self) -> bool:
        """Count one request; False (and nothing counted) when the allocation is spent."""
        self._expire()
        if self.limit > 0 and len(self._hits) >= self.limit:
            return False
        self._hits.append(self._clock())
        return True

    def header(self) -> str:
        return f"api-usage={self.used}/{self.limit}"

    def reset(self) -> None:
        self._hits.clear()
