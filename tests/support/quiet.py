"""Asserting that nothing happens, without sleeping: a job is quiet when another job, running on the
same server, has moved on by several events while the quiet one made nothing."""

from __future__ import annotations

import time
from collections.abc import Callable


def stays_quiet(count: Callable[[], int], witness: Callable[[], int], *, steps: int = 3,
                in_flight: int = 0, timeout: float = 30.0, what: str = "the job") -> int:
    """Wait until ``witness`` has advanced ``steps`` times while ``count`` did not change, and return
    ``count``. ``in_flight``: how many times ``count`` may still move first (an event a job was making
    when it paused may land); any move beyond that fails at once."""
    quiet_at, seen_at = count(), witness()
    moves = 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = count()
        if now != quiet_at:
            moves += 1
            assert moves <= in_flight, f"{what} went on: {quiet_at} -> {now}"
            quiet_at, seen_at = now, witness()
        elif witness() >= seen_at + steps:
            return quiet_at
        time.sleep(0.05)  # polling a condition, not waiting out an interval
    raise AssertionError(f"timed out: the witness did not move on while {what} was quiet")
