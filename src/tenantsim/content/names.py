"""Person names from many cultures, unique within a job.

A person's first and last name usually come from the same culture (the pack file sets how often
they mix). Uniqueness is by display name and by login: a clash draws again from the person's own
generator, then falls back to a middle initial, then to a number in the login.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import random
import string
import unicodedata
from collections.abc import Iterable, Iterator

from tenantsim.content.packs import load_names

REDRAWS = 16
# Letters NFKD does not split into an ASCII base and a mark.
_NO_DECOMPOSITION = str.maketrans({"ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "ł": "l", "Ł": "L",
                                   "đ": "d", "Đ": "D", "ı": "i", "œ": "oe"})


@functools.lru_cache(maxsize=8192)
def login_part(name: str) -> str:
    """ASCII, lower case, letters and digits only: 'Zoë' -> 'zoe', "O'Brien" -> 'obrien'."""
    ascii_name = unicodedata.normalize("NFKD", name.translate(_NO_DECOMPOSITION))
    ascii_name = ascii_name.encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_name.lower() if ch.isalnum()) or "user"


class _Tables:
    """Cumulative culture weights and name lists, built once per process."""

    def __init__(self) -> None:
        pool = load_names()
        self.cultures = pool.cultures
        self.cross = pool.cross_culture_share
        total = sum(c.weight for c in pool.cultures)
        self.cumulative = list(itertools.accumulate(c.weight / total for c in pool.cultures))
        self.cumulative[-1] = 1.0

    def culture(self, draw: float) -> int:
        return min(bisect.bisect_right(self.cumulative, draw), len(self.cultures) - 1)


@functools.cache
def _tables() -> _Tables:
    return _Tables()


def draw_name(rng: random.Random) -> tuple[str, str]:
    """One (first, last) pair."""
    tables = _tables()
    culture = tables.cultures[tables.culture(rng.random())]
    first = culture.first[rng.randrange(len(culture.first))]
    if rng.random() < tables.cross:
        culture = tables.cultures[tables.culture(rng.random())]
    last = culture.last[rng.randrange(len(culture.last))]
    return first, last


def draw_first_name(rng: random.Random) -> str:
    return draw_name(rng)[0]


class NameRegistry:
    """Hands out (first, last, login) with no repeated display name or login within a job."""

    def __init__(self, taken_logins: Iterable[str] = ()) -> None:
        self._logins = {login.lower() for login in taken_logins}
        self._names: set[tuple[str, str]] = set()

    def __contains__(self, login: str) -> bool:
        return login.lower() in self._logins

    def claim_exact(self, first: str, last: str) -> tuple[str, str, str] | None:
        """Take exactly this name (from a model, say) if neither it nor its login is taken."""
        first, last = first.strip(), last.strip()
        if not first or not last:
            return None
        login = f"{login_part(first)}.{login_part(last)}"
        if login in self._logins or (first.lower(), last.lower()) in self._names:
            return None
        return self._take(first, last, login)

    def claim_from(self, names: Iterator[tuple[str, str]] | None, rng: random.Random) -> tuple[str, str, str]:
        """The next unused name from ``names``; a seeded draw once that runs dry."""
        if names is not None:
            for first, last in names:
                taken = self.claim_exact(first, last)
                if taken is not None:
                    return taken
        return self.claim(rng)

    def claim(self, rng: random.Random) -> tuple[str, str, str]:
        first = last = ""
        for _ in range(REDRAWS):
            first, last = draw_name(rng)
            login = f"{login_part(first)}.{login_part(last)}"
            if login not in self._logins and (first.lower(), last.lower()) not in self._names:
                return self._take(first, last, login)
        base_first, base_last = login_part(first), login_part(last)
        initials = list(string.ascii_uppercase)
        rng.shuffle(initials)
        for initial in initials:  # middle initial: "Jane Q. Smith", jane.q.smith
            login = f"{base_first}.{initial.lower()}.{base_last}"
            display_first = f"{first} {initial}."
            if login not in self._logins and (display_first.lower(), last.lower()) not in self._names:
                return self._take(display_first, last, login)
        for number in itertools.count(2):  # last resort: a number in the login
            login = f"{base_first}.{base_last}{number}"
            if login not in self._logins:
                return self._take(first, last, login)
        raise AssertionError("unreachable")

    def _take(self, first: str, last: str, login: str) -> tuple[str, str, str]:
        self._logins.add(login)
        self._names.add((first.lower(), last.lower()))
        return first, last, login
