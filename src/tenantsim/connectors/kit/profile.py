"""Pieces of a platform profile (``connectors/http.py``'s ``PlatformProfile``) that platforms share."""

from __future__ import annotations

import httpx


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` given in seconds (never negative); None when absent or not a number."""
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


class TableLimits:
    """Per-bucket limits from a table with a ``default`` row (the documented one unless given), and one
    concurrency cap."""

    def __init__(self, documented: dict[str, int], limits: dict[str, int] | None, concurrency: int) -> None:
        self.limits = dict(documented if limits is None else limits)
        self._concurrency = concurrency

    def default_limit(self, bucket: str) -> int:
        return self.limits.get(bucket, self.limits["default"])

    def concurrency(self) -> int:
        return self._concurrency
