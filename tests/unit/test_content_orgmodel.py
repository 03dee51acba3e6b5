"""The org model: headcount by share, exactly one root, a valid manager chain, sane spans of control."""

from __future__ import annotations

from collections import Counter

import pytest

from tenantsim.content.base import Person
from tenantsim.content.offline import OfflineContentProvider
from tenantsim.content.orgmodel import (
    allocate,
    build_positions,
    department_headcounts,
    hierarchy_problems,
    management_layers,
    manager_for_hire,
)
from tenantsim.content.packs import get_pack


def test_allocate_sums_exactly_and_follows_shares() -> None:
    counts = allocate([0.5, 0.3, 0.2], 101)
    assert sum(counts) == 101
    assert counts == [51, 30, 20]  # the one left over goes to the largest remainder


@pytest.mark.parametrize("headcount", [1, 2, 3, 7, 40, 500, 3000])
def test_every_size_has_one_root_and_a_valid_chain(headcount: int) -> None:
    plan = OfflineContentProvider(11).org_plan_sync("healthcare", headcount)
    assert len(plan.people) == headcount
    assert hierarchy_problems(plan.people) == []
    roots = [p for p in plan.people if p.manager_key is None]
    assert len(roots) == 1 and roots[0].title == "Chief Executive Officer" and roots[0].level == 0


def test_headcount_follows_department_shares() -> None:
    counts = dict(department_headcounts(get_pack("technology"), 1000))
    assert sum(counts.values()) == 1000
    assert counts["Engineering"] == 320 and counts["Sales"] == 160
    assert counts["Executive"] >= 1


def test_spans_of_control_stay_human() -> None:
    positions = build_positions(get_pack("retail"), 10000, seed=5)
    reports = Counter(p.manager for p in positions if p.manager is not None)
    below_heads = [n for index, n in reports.items() if positions[index].level >= 2]
    assert max(below_heads) <= 12
    assert sum(below_heads) / len(below_heads) >= 3  # not a chain of single reports either
    heads = [n for index, n in reports.items() if positions[index].level == 1]
    assert max(heads) <= 12


def test_management_layers_cap_at_three_and_leave_contributors() -> None:
    assert management_layers(4, 6) == []
    for reports in (7, 50, 700, 5000):
        layers = management_layers(reports, 6)
        assert 1 <= len(layers) <= 3
        assert sum(layers) < reports


def test_hierarchy_problems_are_reported() -> None:
    def person(key: str, manager: str | None, level: int) -> Person:
        return Person(key, "A", key, key, "Sales", "t", level, "x", "1", "c", manager)

    two_roots = hierarchy_problems([person("a", None, 0), person("b", None, 1)])
    assert "expected exactly one root, found 2" in two_roots
    cycle = hierarchy_problems([person("r", None, 0), person("a", "b", 5), person("b", "a", 6)])
    assert any("cycle" in p for p in cycle)
    unknown = hierarchy_problems([person("r", None, 0), person("a", "z", 4)])
    assert any("reports to unknown" in p for p in unknown)


def test_hires_get_a_front_line_manager_in_their_department() -> None:
    plan = OfflineContentProvider(3).org_plan_sync("technology", 300)
    key = manager_for_hire(plan.people, "Sales", 4)
    manager = next(p for p in plan.people if p.key == key)
    assert manager.department == "Sales" and manager.level == 4
    assert manager_for_hire(plan.people, "Nonexistent", 0) == plan.people[0].key
