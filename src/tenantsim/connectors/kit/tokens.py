"""Access tokens kept while they are fresh: fetched once per key (an acting user, or one for the app), and
while one fetch runs the other callers wait for its token instead of fetching their own."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class TokenCache:
    """``refresh_before``: seconds before its expiry a token is no longer handed out."""

    def __init__(self, clock: Callable[[], float], refresh_before: float = 0.0) -> None:
        self._clock = clock
        self._refresh_before = refresh_before
        self._held: dict[str, tuple[str, float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def _fresh(self, key: str) -> str | None:
        held = self._held.get(key)
        if held is not None and held[1] - self._refresh_before > self._clock():
            return held[0]
        return None

    async def get(self, key: str, fetch: Callable[[float], Awaitable[tuple[str, float]]]) -> str:
        """The token for ``key``; when there is none fresh, ``fetch(now)`` gets one: (token, expires at)."""
        found = self._fresh(key)
        if found is not None:
            return found
        async with self._locks.setdefault(key, asyncio.Lock()):
            found = self._fresh(key)
            if found is not None:
                return found
            token, expires_at = await fetch(self._clock())
            self._held[key] = (token, expires_at)
            return token

    def forget(self, key: str) -> None:
        """Drop the token (refused with a 401): the next call fetches another."""
        self._held.pop(key, None)
