"""The shape of a company: headcount by department share, levels, and one manager tree.

Pure structure, no names: ``build_positions`` says who reports to whom and at what level; the
providers fill each position with a person. Levels: 0 chief executive, 1 C-level / department head,
2 VP, 3 director, 4 manager, 5 senior, 6 mid, 7 junior (higher = more junior).

The org fits the company's size: a department exists only with at least ``MIN_DEPARTMENT_SIZE``
people (a 50-person startup has no Legal department), its head's level follows its size
(``head_level``), and the management layers under a head use only the levels between the head's
and the individual contributors'. The Executive office is the chief executive alone below
``EXECUTIVE_OFFICE_FROM`` people.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from tenantsim.content.base import Person, derive_seed
from tenantsim.content.packs import IndustryPack

EXECUTIVE = "Executive"
MIN_DEPARTMENT_SIZE = 3  # smaller departments are dropped and their people re-allocated
EXECUTIVE_OFFICE_FROM = 150  # below this headcount the Executive department is the chief executive only
CHIEF_OF_STAFF_LEVEL = 2  # runs the rest of the executive office
C_LEVEL_MIN_SIZE = 12  # a level-1 head needs max(this, C_LEVEL_MIN_PERCENT of the company) people
C_LEVEL_MIN_PERCENT = 10
HEAD_LEVEL_MIN_SIZES = ((2, 8), (3, 4))  # (level, department size at least); else FRONT_LINE_LEVEL
FRONT_LINE_LEVEL = 4  # managers of individual contributors
IC_LEVELS = ((5, 0.25), (6, 0.55), (7, 0.20))  # individual contributors: senior / mid / junior
FIRST_IC_LEVEL = IC_LEVELS[0][0]
SPAN_RANGE = (5, 8)  # a department's usual span of control, drawn per department


@dataclass(frozen=True)
class Position:
    index: int  # global order: the chief executive is 0
    department: str
    ordinal: int  # position within its department: 0 is the head (the chief executive for Executive)
    level: int
    manager: int | None  # index of the manager's position; None only for the chief executive


def allocate(shares: Sequence[float], total: int) -> list[int]:
    """Split ``total`` by ``shares`` with the largest-remainder method (sums exactly to total)."""
    if not shares:
        return []
    weight = sum(shares)
    exact = [s / weight * total for s in shares]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(shares)), key=lambda i: (exact[i] - counts[i], shares[i]), reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def department_headcounts(pack: IndustryPack, headcount: int) -> list[tuple[str, int]]:
    """People per department, Executive first (always at least the chief executive).

    Departments that would have fewer than ``MIN_DEPARTMENT_SIZE`` people are dropped one at a time,
    smallest first, and the rest re-allocated by share, so the total stays exact. The largest
    department survives even when smaller than that (a company of 3 is a founder and two others).
    """
    if headcount < 1:
        raise ValueError("headcount must be at least 1")
    names = [spec.name for spec, _ in pack.departments]
    shares = [share for _, share in pack.departments]
    executive = 1 if headcount < EXECUTIVE_OFFICE_FROM else max(1, allocate(shares, headcount)[0])
    kept = list(range(1, len(names)))
    rest = headcount - executive
    while True:
        counts = allocate([shares[i] for i in kept], rest)
        small = [j for j, n in enumerate(counts) if n < MIN_DEPARTMENT_SIZE]
        if not small or len(kept) <= 1:
            break
        # Smallest first; between equals, the smaller share, then the one the pack lists later.
        del kept[min(small, key=lambda j: (counts[j], shares[kept[j]], -j))]
    return [(EXECUTIVE, executive)] + [(names[i], n) for i, n in zip(kept, counts, strict=True) if n > 0]


def head_level(size: int, headcount: int) -> int:
    """The level of the head of a department of ``size`` people in a company of ``headcount``."""
    if size >= C_LEVEL_MIN_SIZE and 100 * size >= C_LEVEL_MIN_PERCENT * headcount:
        return 1
    for level, at_least in HEAD_LEVEL_MIN_SIZES:
        if size >= at_least:
            return level
    return FRONT_LINE_LEVEL


def management_layers(reports: int, span: int, max_layers: int = 3) -> list[int]:
    """Sizes of the management layers (top first) for ``reports`` people under one head.

    With ``max_layers`` too few for ``span``, the top layer ends up wider than ``span``."""
    layers: list[int] = []
    if reports <= span or max_layers <= 0:
        return layers
    bottom = math.ceil(reports / (span + 1))
    layers.append(bottom)
    while layers[0] > span and len(layers) < max_layers:
        above = math.ceil(layers[0] / (span + 1))
        layers[0] -= above
        layers.insert(0, above)
    return layers


def fitted_layers(reports: int, span: int, max_layers: int) -> list[int]:
    """Management layers for ``reports`` people under one head, widening ``span`` until the head's
    direct reports fit in it too; a lone manager at the top is left out (the head does that job)."""
    if max_layers <= 0:
        return []
    while True:
        layers = management_layers(reports, span, max_layers)
        direct = layers[0] if layers else reports
        if direct <= span:
            break
        span += 1
    if layers and layers[0] == 1:
        layers.pop(0)
    return layers


def _spread(children: int, parents: Sequence[int]) -> list[int]:
    """Contiguous, balanced assignment of children to parents."""
    return [parents[i * len(parents) // children] for i in range(children)]


def build_positions(pack: IndustryPack, headcount: int, seed: int) -> list[Position]:
    """Every position in the org: exactly one root, every manager index points to an earlier position."""
    positions: list[Position] = []
    for department, count in department_headcounts(pack, headcount):
        if department == EXECUTIVE:
            positions.append(Position(0, department, 0, 0, None))
            if count > 1:  # the chief of staff runs the rest of the executive office
                positions.append(Position(1, department, 1, CHIEF_OF_STAFF_LEVEL, 0))
                _fill_under(positions, department, 1, count - 2, seed)
            continue
        head = len(positions)
        positions.append(Position(head, department, 0, head_level(count, headcount), 0))
        _fill_under(positions, department, head, count - 1, seed)
    return positions


def _fill_under(positions: list[Position], department: str, head: int, reports: int, seed: int) -> None:
    """Managers in layers (the levels between the head's and FIRST_IC_LEVEL, bottom layer at
    FRONT_LINE_LEVEL) and individual contributors (levels 5-7) below ``head``."""
    if reports <= 0:
        return
    levels = tuple(range(positions[head].level + 1, FIRST_IC_LEVEL))
    span = max(random.Random(derive_seed(seed, "span", department)).randint(*SPAN_RANGE),
               math.ceil(reports ** 0.25))
    layers = fitted_layers(reports, span, len(levels))
    ordinal = positions[-1].ordinal + 1
    parents = [head]
    for size, level in zip(layers, levels[len(levels) - len(layers):], strict=True):
        layer: list[int] = []
        for manager in _spread(size, parents):
            layer.append(len(positions))
            positions.append(Position(len(positions), department, ordinal, level, manager))
            ordinal += 1
        parents = layer
    for manager in _spread(reports - sum(layers), parents):
        level = _ic_level(random.Random(derive_seed(seed, "level", department, ordinal)).random())
        positions.append(Position(len(positions), department, ordinal, level, manager))
        ordinal += 1


def _ic_level(draw: float) -> int:
    for level, share in IC_LEVELS:
        if draw < share:
            return level
        draw -= share
    return IC_LEVELS[-1][0]


def hierarchy_problems(people: Sequence[Person]) -> list[str]:
    """What is wrong with an org's manager chain (empty when valid): one root, known managers, no cycles,
    and every manager more senior than their reports."""
    problems: list[str] = []
    by_key = {p.key: p for p in people}
    if len(by_key) != len(people):
        problems.append("duplicate person keys")
    roots = [p.key for p in people if p.manager_key is None]
    if len(roots) != 1:
        problems.append(f"expected exactly one root, found {len(roots)}")
    for person in people:
        if person.manager_key is not None and person.manager_key not in by_key:
            problems.append(f"{person.key} reports to unknown {person.manager_key}")
    depth_ok: set[str] = set()
    for person in people:
        chain: list[str] = []
        current: Person | None = person
        while current is not None and current.key not in depth_ok:
            if current.key in chain:
                problems.append(f"cycle through {current.key}")
                break
            chain.append(current.key)
            manager = by_key.get(current.manager_key) if current.manager_key else None
            if manager is not None and manager.level >= current.level:
                problems.append(f"{current.key} (level {current.level}) reports to {manager.key} "
                                f"(level {manager.level})")
            current = manager
        depth_ok.update(chain)
    return problems


def manager_for_hire(people: Sequence[Person], department: str, index: int) -> str | None:
    """A manager for a new hire: one of the department's front-line managers (level 4), else its
    head, else the chief executive. ``index`` spreads hires across managers deterministically."""
    in_department = [p for p in people if p.department == department]
    for wanted in (4, 3, 2, 1):
        managers = [p for p in in_department if p.level == wanted]
        if managers:
            return managers[index % len(managers)].key
    roots = [p for p in people if p.manager_key is None]
    return roots[0].key if roots else None
