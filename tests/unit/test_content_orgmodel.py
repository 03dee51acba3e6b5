"""The org model: headcount by share, exactly one root, a valid manager chain, sane spans of control,
and an org chart that fits the company's size (no one-person departments, heads levelled by size)."""

from __future__ import annotations

from collections import Counter

import pytest

from tenantsim.content.base import Person
from tenantsim.content.offline import OfflineContentProvider
from tenantsim.content.orgmodel import (
    EXECUTIVE_OFFICE_FROM,
    MIN_DEPARTMENT_SIZE,
    allocate,
    build_positions,
    department_headcounts,
    fitted_layers,
    head_level,
    hierarchy_problems,
    management_layers,
    manager_for_hire,
)
from tenantsim.content.packs import LEVELS, get_pack, list_industries

SIZES = (1, 2, 3, 5, 10, 30, 50, 200, 2000, 5000)
MAX_SPAN = 15


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
    managers = [n for index, n in reports.items() if positions[index].level > 0]
    assert max(managers) <= 12
    assert sum(managers) / len(managers) >= 3  # not a chain of single reports either
    assert reports[0] <= MAX_SPAN  # the chief executive: one head per department


def test_management_layers_cap_at_three_and_leave_contributors() -> None:
    assert management_layers(4, 6) == []
    for reports in (7, 50, 700, 5000):
        layers = management_layers(reports, 6)
        assert 1 <= len(layers) <= 3
        assert sum(layers) < reports


def test_fitted_layers_widen_spans_when_levels_run_out() -> None:
    assert fitted_layers(2, 5, 0) == []  # a manager-level head manages everyone directly
    for reports, max_layers in ((499, 2), (2500, 3), (60, 1)):
        layers = fitted_layers(reports, 5, max_layers)
        assert len(layers) <= max_layers and layers[0] <= MAX_SPAN
        assert (reports - sum(layers)) / layers[-1] <= MAX_SPAN  # contributors per front-line manager
    assert fitted_layers(7, 6, 3) == []  # no lone manager between a head and six people


def test_small_departments_are_dropped_and_their_people_reallocated() -> None:
    pack = get_pack("technology")
    for headcount in SIZES:
        counts = department_headcounts(pack, headcount)
        assert sum(n for _, n in counts) == headcount
        assert counts[0][0] == "Executive" and counts[0][1] >= 1
        others = [n for _, n in counts[1:]]
        if len(others) > 1:
            assert min(others) >= MIN_DEPARTMENT_SIZE, (headcount, counts)
    fifty = dict(department_headcounts(pack, 50))
    assert "Legal" not in fifty and fifty["Executive"] == 1
    assert fifty["Engineering"] >= 16  # Legal's and the other dropped departments' people went somewhere
    # A company too small for any full department: the founder and the largest department.
    assert department_headcounts(pack, 3) == [("Executive", 1), ("Engineering", 2)]
    assert department_headcounts(pack, 1) == [("Executive", 1)]


def test_the_executive_office_is_the_chief_executive_until_it_grows() -> None:
    for industry in list_industries():
        pack = get_pack(industry)
        assert dict(department_headcounts(pack, EXECUTIVE_OFFICE_FROM - 1))["Executive"] == 1
    plan = OfflineContentProvider(4).org_plan_sync("technology", 2000)
    office = [p for p in plan.people if p.department == "Executive"]
    assert len(office) == 10 and office[1].title == "Chief of Staff" and office[1].level == 2


def test_head_level_follows_department_size() -> None:
    assert head_level(12, 50) == 1 and head_level(11, 50) == 2
    assert head_level(64, 200) == 1 and head_level(19, 200) == 2  # 10 % of 200 is 20
    assert head_level(199, 2000) == 2 and head_level(200, 2000) == 1
    assert head_level(8, 200) == 2 and head_level(7, 200) == 3
    assert head_level(4, 10) == 3 and head_level(3, 10) == 4 and head_level(2, 3) == 4


@pytest.mark.parametrize("industry", list_industries())
def test_every_industry_and_size_makes_a_sound_org(industry: str) -> None:
    pack = get_pack(industry)
    for headcount in SIZES:
        plan = OfflineContentProvider(21).org_plan_sync(industry, headcount)
        people = plan.people
        assert len(people) == headcount
        assert hierarchy_problems(people) == [], (headcount, hierarchy_problems(people)[:3])
        by_key = {p.key: p for p in people}
        ceo = people[0]
        sizes = Counter(p.department for p in people)
        heads = {p.department: p for p in people[1:] if by_key[p.manager_key or ""].level == 0
                 and p.department != "Executive"}
        for person in people[1:]:
            manager = by_key[person.manager_key or ""]
            if person is heads.get(person.department):
                assert manager is ceo
                assert person.level == head_level(sizes[person.department], headcount)
                assert person.title == pack.department(person.department).titles_at(person.level)[0]
            else:
                assert manager.department == person.department, (headcount, person, manager)
        assert set(heads) == set(sizes) - {"Executive"}
        reports = Counter(p.manager_key for p in people if p.manager_key)
        assert max((n for key, n in reports.items() if key != ceo.key), default=0) <= MAX_SPAN
        assert reports[ceo.key] <= MAX_SPAN
        # Departments kept in the plan for app grants; groups only for the ones with people.
        assert [d.name for d in plan.departments] == list(pack.department_names)
        department_groups = {g.department for g in plan.groups if g.kind == "department"}
        assert department_groups == set(sizes)


def test_a_startup_is_flat_and_a_large_company_has_a_real_top() -> None:
    def top(headcount: int) -> Counter[int]:
        plan = OfflineContentProvider(7).org_plan_sync("technology", headcount)
        return Counter(p.level for p in plan.people if p.level <= 2)

    fifty = top(50)
    assert fifty[0] == 1 and fifty[1] + fifty[2] <= 4
    two_hundred = top(200)
    assert two_hundred[1] == 2  # Engineering and Sales
    # VPs: Product, Marketing, Customer Success, Support (12-14 people) and Data, Finance, People (8 each).
    assert two_hundred[1] + two_hundred[2] <= 9
    two_thousand = top(2000)
    assert two_thousand[1] + two_thousand[2] <= 20


def test_small_heads_get_department_titles_not_c_level_ones() -> None:
    plan = OfflineContentProvider(7).org_plan_sync("technology", 50)
    titles = {p.department: p.title for p in plan.people if p.manager_key == plan.people[0].key}
    assert titles["Engineering"] == "Chief Technology Officer"  # 20 of 50 people
    assert titles["Marketing"] == "Director of Marketing"
    assert not any(t.startswith("Chief") for d, t in titles.items() if d != "Engineering")


def test_every_department_has_titles_for_every_level() -> None:
    for industry in list_industries():
        for spec, _share in get_pack(industry).departments:
            assert all(spec.titles.get(level) for level in LEVELS), (industry, spec.name)


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
