"""The shape of a company: headcount by department share, levels, and one manager tree.

Pure structure, no names: ``build_positions`` says who reports to whom and at what level; the
providers fill each position with a person. Levels: 0 chief executive, 1 department head,
2 VP, 3 director, 4 manager, 5 senior, 6 mid, 7 junior (higher = more junior).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from tenantsim.content.base import Person, derive_seed
from tenantsim.content.packs import IndustryPack

MANAGER_LEVELS_BY_DEPTH = {1: (4,), 2: (3, 4), 3: (2, 3, 4)}  # management layers, top first
IC_LEVELS = ((5, 0.25), (6, 0.55), (7, 0.20))  # individual contributors: senior / mid / junior


@dataclass(frozen=True)
class Position:
    index: int  # global order: the chief executive is 0
    department: str
    ordinal: int  # position within its department: 0 is the head (the chief executive for Executive)
    level: int
    manager: int | None  # index of the manager's position; None only for the chief executive


def allocate(shares: Sequence[float], total: int) -> list[int]:
    """Split ``total`` by ``shares`` with the largest-remainder method (sums exactly to total)."""
    weight = sum(shares)
    exact = [s / weight * total for s in shares]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(shares)), key=lambda i: (exact[i] - counts[i], shares[i]), reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def department_headcounts(pack: IndustryPack, headcount: int) -> list[tuple[str, int]]:
    """People per department (Executive first, always at least the chief executive); empty ones left out."""
    if headcount < 1:
        raise ValueError("headcount must be at least 1")
    names = [spec.name for spec, _ in pack.departments]
    shares = [share for _, share in pack.departments]
    counts = allocate(shares, headcount)
    if counts[0] == 0:  # the chief executive always exists; take the seat from the biggest department
        biggest = max(range(1, len(counts)), key=lambda i: (counts[i], shares[i]))
        counts[biggest] -= 1
        counts[0] = 1
    return [(name, n) for name, n in zip(names, counts, strict=True) if n > 0]


def management_layers(reports: int, span: int, max_layers: int = 3) -> list[int]:
    """Sizes of the management layers (top first) for ``reports`` people under one head."""
    layers: list[int] = []
    if reports <= span:
        return layers
    bottom = math.ceil(reports / (span + 1))
    layers.append(bottom)
    while layers[0] > span and len(layers) < max_layers:
        above = math.ceil(layers[0] / (span + 1))
        layers[0] -= above
        layers.insert(0, above)
    return layers


def _spread(children: int, parents: Sequence[int]) -> list[int]:
    """Contiguous, balanced assignment of children to parents."""
    return [parents[i * len(parents) // children] for i in range(children)]


def build_positions(pack: IndustryPack, headcount: int, seed: int) -> list[Position]:
    """Every position in the org: exactly one root, every manager index points to an earlier position."""
    positions: list[Position] = []
    for department, count in department_headcounts(pack, headcount):
        if department == "Executive":
            positions.append(Position(0, department, 0, 0, None))
            if count > 1:  # the chief of staff runs the rest of the executive office
                positions.append(Position(1, department, 1, 2, 0))
                _fill_under(positions, department, 1, count - 2, seed, max_layers=2)
            continue
        head = len(positions)
        positions.append(Position(head, department, 0, 1, 0))
        _fill_under(positions, department, head, count - 1, seed, max_layers=3)
    return positions


def _fill_under(positions: list[Position], department: str, head: int, reports: int, seed: int,
                max_layers: int) -> None:
    """Managers in layers (levels 2-4) and individual contributors (5-7) below ``head``."""
    if reports <= 0:
        return
    # Wider spans only when three layers of managers could not otherwise hold the department.
    span = max(random.Random(derive_seed(seed, "span", department)).randint(5, 8), math.ceil(reports ** 0.25))
    layers = management_layers(reports, span, max_layers)
    ordinal = positions[-1].ordinal + 1
    parents = [head]
    for size, level in zip(layers, MANAGER_LEVELS_BY_DEPTH.get(len(layers), ()), strict=False):
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
