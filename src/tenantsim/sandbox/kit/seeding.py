"""Helpers for an emulator's seeded start state (everything drawn from one seeded generator)."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence


class SeededClock:
    """When the seeded objects were made: from a fixed epoch, each a random step after the one before,
    so the same seed gives the same timestamps on every run."""

    def __init__(self, rng: random.Random, epoch: float, step: tuple[int, int] = (600, 86_400)) -> None:
        self._rng = rng
        self._step = step
        self.now = epoch

    def tick(self) -> float:
        """Move on one step and return the new time."""
        self.now += self._rng.randint(*self._step)
        return self.now


class SeededNames:
    """People's names drawn from name lists, each with an email local part (``first.last``) no one else
    in the tenant has: on a clash the person's index is appended."""

    def __init__(self, rng: random.Random, first: Sequence[str], last: Sequence[str],
                 taken: Iterable[str] = ()) -> None:
        self._rng = rng
        self._first = first
        self._last = last
        self._taken = set(taken)

    def draw(self, index: int) -> tuple[str, str, str]:
        """(first name, last name, local part) of the ``index``-th person."""
        first, last = self._rng.choice(self._first), self._rng.choice(self._last)
        local = f"{first}.{last}".lower()
        if local in self._taken:
            local = f"{local}{index}"
        self._taken.add(local)
        return first, last, local
