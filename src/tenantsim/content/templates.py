"""Filling ``{slot}`` templates from pack vocabulary.

``render`` fills slots at random from a seeded generator. ``Enumerator`` instead maps an index to a
template and one combination of its slot values through a seeded bijection, so items 0..n of a
context are all different (until the vocabulary runs out) without remembering earlier items: the
same index always gives the same text, which keeps paged and resumed generation deterministic.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping, Sequence

from tenantsim.content.packs import RUNTIME_SLOTS, SLOT_RE

Slots = Mapping[str, Sequence[str]]


def render(template: str, rng: random.Random, slots: Slots, fixed: Mapping[str, str] | None = None,
           chosen: Mapping[str, str] | None = None, depth: int = 0) -> str:
    """Fill every {slot}: ``fixed`` and ``chosen`` values first, otherwise a seeded pick (recursively)."""
    if "{" not in template:
        return template
    fixed = fixed or {}
    chosen = chosen or {}

    def fill(match: object) -> str:
        name = match.group(1)  # type: ignore[attr-defined]
        if name in fixed:
            return fixed[name]
        value = chosen.get(name)
        if value is None:
            values = slots.get(name)
            if not values:
                return str(match.group(0))  # type: ignore[attr-defined]
            value = values[rng.randrange(len(values))]
        if "{" in value and depth < 4:
            return render(value, rng, slots, fixed, None, depth + 1)
        return value

    return SLOT_RE.sub(fill, template)


def _coprime_step(space: int, rng: random.Random) -> int:
    if space <= 2:
        return 1
    step = rng.randrange(1, space)
    while math.gcd(step, space) != 1:
        step += 1
        if step >= space:
            step = 1
    return step


class Enumerator:
    """A seeded, stateless walk over every (template, slot combination) of a template list."""

    def __init__(self, templates: Sequence[str], slots: Slots, seed: int) -> None:
        rng = random.Random(seed)
        order = list(templates)
        rng.shuffle(order)
        self._entries: list[tuple[str, tuple[str, ...], int, int, int]] = []
        for template in order:
            names = tuple(dict.fromkeys(n for n in SLOT_RE.findall(template) if n not in RUNTIME_SLOTS))
            names = tuple(n for n in names if slots.get(n))
            space = math.prod(len(slots[n]) for n in names) if names else 1
            self._entries.append((template, names, space, _coprime_step(space, rng), rng.randrange(space)))
        self._slots = slots
        self._caps = sorted(space for _, _, space, _, _ in self._entries)
        self.total = sum(self._caps)

    def _before_round(self, k: int) -> int:
        return sum(min(cap, k) for cap in self._caps)

    def pick(self, index: int) -> tuple[str, dict[str, str], int]:
        """(template, slot values, cycle): cycle > 0 once the index has gone past every combination."""
        cycle, index = divmod(index, self.total)
        lo, hi = 0, self._caps[-1]
        while lo < hi:  # largest round k with _before_round(k) <= index
            mid = (lo + hi + 1) // 2
            if self._before_round(mid) <= index:
                lo = mid
            else:
                hi = mid - 1
        k = lo
        position = index - self._before_round(k)
        for template, names, space, step, offset in self._entries:
            if space > k:
                if position == 0:
                    combination = (k * step + offset) % space
                    chosen: dict[str, str] = {}
                    for name in names:
                        values = self._slots[name]
                        combination, digit = divmod(combination, len(values))
                        chosen[name] = values[digit]
                    return template, chosen, cycle
                position -= 1
        raise AssertionError("enumeration out of range")  # unreachable: index < total


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


_DOUBLED = re.compile(r"\b(\w{2,})(?:\s+\1\b)+", re.IGNORECASE)
_SPACE_BEFORE = re.compile(r"\s+([,.;:!?)])")
_REPEATED_STOP = re.compile(r"([.!?])[.]+")
_COMMA_STOP = re.compile(r"[,;:]\s*([.!?])")
_SENTENCE_START = re.compile(r"([.!?]\s+)([a-z])(?!\d)")
_A_VOWEL = re.compile(r"\b(a) (?=(?!one\b|once\b|use|user|uni|euro)[AaEeIiOo]\w)")


def collapse_doubled(text: str) -> str:
    """'the the stadium deal' -> 'the stadium deal' (any word said twice in a row, any case)."""
    return _DOUBLED.sub(lambda m: m.group(1), text)


def tidy(text: str, *, sentences: bool = True) -> str:
    """Clean up after filling slots: doubled words, spaces before punctuation, doubled stops, 'a'
    before a vowel, and (``sentences``) a capital at the start of every sentence."""
    text = " ".join(text.split())
    text = collapse_doubled(text)
    text = _SPACE_BEFORE.sub(r"\1", text)
    text = _COMMA_STOP.sub(r"\1", text)
    text = _REPEATED_STOP.sub(r"\1", text)
    text = _A_VOWEL.sub(lambda m: m.group(1) + "n ", text)
    text = text.strip(" ,;:-")
    if sentences:
        text = _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), text)
        if text[:1].islower() and not text[1:2].isdigit():
            text = sentence_case(text)
    return text


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_AHEAD = ("{d}", "{d}", "{d} morning", "{d} afternoon", "end of day {d}", "first thing {d}", "tomorrow",
          "tomorrow morning", "end of day tomorrow", "early next week", "next {d}", "by {d}")
_BEHIND = ("yesterday", "this morning", "last {d}", "on {d}", "last week", "{d} afternoon",
           "at the start of the week")
_TIMES = ("9:30", "10am", "10:30", "11am", "11:30", "noon", "1pm", "1:30", "2pm", "2:30", "3pm", "3:30",
          "4pm", "4:30", "5pm")


def spoken_values(rng: random.Random) -> dict[str, str]:
    """Days, times and numbers as people say them in a comment ({day}, {day2}, {past}, {time}, {n},
    {n2}, {pct}, {letter}, {version}); one draw per exchange keeps a question and its answer agreeing."""
    days = rng.sample(WEEKDAYS, 3)
    ahead = rng.sample(_AHEAD, 2)
    n = rng.randrange(2, 60)
    return {
        "day": ahead[0].format(d=days[0]).removeprefix("by "),
        "day2": ahead[1].format(d=days[1]).removeprefix("by "),
        "past": _BEHIND[rng.randrange(len(_BEHIND))].format(d=days[2]),
        "time": _TIMES[rng.randrange(len(_TIMES))],
        "n": str(n),
        "n2": str(max(1, n + rng.choice((-7, -5, -3, -2, 2, 3, 4, 6, 9)))),
        "pct": f"{rng.randrange(10, 95, 5)}%",
        "letter": "ABC"[rng.randrange(3)],
        "version": f"v{rng.randrange(2, 10)}",
    }
