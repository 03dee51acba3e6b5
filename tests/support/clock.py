"""A clock a test moves by hand, so expiry and rate windows pass without sleeping."""

from __future__ import annotations

import time


class Clock:
    """Callable like ``time.time``; reads ``now``, which the test sets. Starts at ``start`` (default: now)."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now
