"""Salesforce record ids: a 3-character key prefix naming the object, 12 characters of record number, and
a 3-character suffix that makes the 15-character, case-sensitive id safe for case-insensitive tools.

The suffix is computed as Salesforce does: each 5-character chunk gives a 5-bit mask of which characters
are upper-case letters, and the mask indexes ``A-Z0-5``. An 18-character id is accepted only when its
suffix matches (compared case-insensitively, as Salesforce does); a 15-character one is completed.
"""

from __future__ import annotations

import re
import string

_SUFFIX = string.ascii_uppercase + "012345"
_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_SHAPE = re.compile(r"^[a-zA-Z0-9]{15}([a-zA-Z0-5]{3})?$")
POD = "Hs"  # the two characters Salesforce reserves for the instance that made the record


def suffix(id15: str) -> str:
    out = ""
    for chunk in range(3):
        mask = 0
        for bit, char in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= char <= "Z":
                mask |= 1 << bit
        out += _SUFFIX[mask]
    return out


def make(prefix: str, number: int) -> str:
    """The ``number``-th id of an object: prefix, pod, a reserved 0 and nine base-62 digits."""
    digits = ""
    for _ in range(9):
        number, rest = divmod(number, 62)
        digits = _BASE62[rest] + digits
    id15 = prefix + POD + "0" + digits
    return id15 + suffix(id15)


def normalise(value: object) -> str | None:
    """The 18-character form of an id, or None when ``value`` is not a well-formed id."""
    if not isinstance(value, str) or not _SHAPE.match(value):
        return None
    id15 = value[:15]
    expected = suffix(id15)
    if len(value) == 18 and value[15:].upper() != expected:
        return None
    return id15 + expected


def prefix_of(value: str) -> str:
    return value[:3]
