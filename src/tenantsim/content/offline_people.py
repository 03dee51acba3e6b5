"""Offline people and groups: the org chart filled with names, titles, offices and groups.

Every person draws from a generator seeded by (job seed, department, position in department), so
changing one department's size leaves the other departments' people as they were.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
from collections.abc import Iterable, Iterator, Sequence

from tenantsim.content.base import Department, GroupIdea, OrgPlan, Person, derive_seed
from tenantsim.content.names import NameRegistry
from tenantsim.content.orgmodel import Position, build_positions
from tenantsim.content.packs import IndustryPack, load_common

SAME_OFFICE_AS_MANAGER = 0.6
HIRE_LEVELS = (5, 6, 6, 6, 7, 7)  # new hires skew junior


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def company_name(pack: IndustryPack, seed: int) -> str:
    rng = random.Random(derive_seed(seed, "company", pack.key))
    first = pack.company_first[rng.randrange(len(pack.company_first))]
    second = pack.company_second[rng.randrange(len(pack.company_second))]
    return f"{first} {second}".strip()


class _Offices:
    def __init__(self, pack: IndustryPack) -> None:
        self.names = [name for name, _ in pack.locations]
        total = sum(w for _, w in pack.locations)
        self.cumulative = list(itertools.accumulate(w / total for _, w in pack.locations))

    def pick(self, draw: float) -> str:
        return self.names[min(bisect.bisect_right(self.cumulative, draw), len(self.names) - 1)]


def _title(pack: IndustryPack, department: str, level: int, rng: random.Random, head: bool = False) -> str:
    """A title for the level; a department's head gets the level's first title, the one that names
    the whole department ("Director of Marketing" rather than "Director of Brand")."""
    titles = pack.department(department).titles_at(level)
    return titles[0] if head else titles[rng.randrange(len(titles))]


def build_org_plan(pack: IndustryPack, headcount: int, seed: int,
                   names: Iterator[tuple[str, str]] | None = None) -> OrgPlan:
    """The company; ``names`` (e.g. from a model) are used first, seeded draws fill the rest."""
    positions = build_positions(pack, headcount, seed)
    registry = NameRegistry()
    offices = _Offices(pack)
    people: list[Person] = []
    for pos in positions:
        people.append(_fill(pack, pos, seed, registry, offices, people, names))
    departments = tuple(
        Department(name=spec.name, share=share, cost_center=spec.cost_center, apps=spec.apps)
        for spec, share in pack.departments
    )
    company = company_name(pack, seed)
    return OrgPlan(
        company_name=company,
        industry=pack.key,
        departments=departments,
        locations=tuple(offices.names),
        people=tuple(people),
        groups=tuple(build_groups(pack, people, company, seed)),
    )


def _fill(pack: IndustryPack, pos: Position, seed: int, registry: NameRegistry, offices: _Offices,
          people: Sequence[Person], names: Iterator[tuple[str, str]] | None) -> Person:
    rng = random.Random(derive_seed(seed, "person", pos.department, pos.ordinal))
    first, last, login = registry.claim_from(names, rng)
    manager = people[pos.manager] if pos.manager is not None else None
    if manager is not None and manager.level > 0 and rng.random() < SAME_OFFICE_AS_MANAGER:
        location = manager.location
    else:
        location = offices.pick(rng.random())
    spec = pack.department(pos.department)
    return Person(
        key=f"p{pos.index:05d}",
        first_name=first,
        last_name=last,
        login=login,
        department=pos.department,
        title=_title(pack, pos.department, pos.level, rng, head=pos.ordinal == 0),
        level=pos.level,
        location=location,
        employee_number=f"E{100001 + pos.index}",
        cost_center=spec.cost_center,
        manager_key=manager.key if manager is not None else None,
    )


def make_hires(pack: IndustryPack, department: str, count: int, taken_logins: Iterable[str],
               start_index: int, seed: int, names: Iterator[tuple[str, str]] | None = None) -> list[Person]:
    """New people for ``department``; ``start_index`` is a job-wide counter that numbers them
    (keys ``p<index>``), so callers pass e.g. the number of people the job has made so far."""
    spec = pack.department(department)
    registry = NameRegistry(taken_logins)
    offices = _Offices(pack)
    hires: list[Person] = []
    for index in range(start_index, start_index + count):
        rng = random.Random(derive_seed(seed, "hire", spec.name, index))
        first, last, login = registry.claim_from(names, rng)
        level = HIRE_LEVELS[rng.randrange(len(HIRE_LEVELS))]
        hires.append(Person(
            key=f"p{index:05d}", first_name=first, last_name=last, login=login, department=spec.name,
            title=_title(pack, spec.name, level, rng), level=level, location=offices.pick(rng.random()),
            employee_number=f"E{100001 + index}", cost_center=spec.cost_center, manager_key=None,
        ))
    return hires


def _office_group_name(location: str) -> str:
    if location.lower().startswith(("remote", "online")):
        return location
    return f"{location.split(',')[0]} Office"


def build_groups(pack: IndustryPack, people: Sequence[Person], company: str, seed: int) -> list[GroupIdea]:
    """Department, office and team groups, plus a few company-wide ones; names unique (case-insensitive)."""
    groups: list[GroupIdea] = []
    used: set[str] = set()
    keys: set[str] = set()

    def add(key: str, name: str, description: str, kind: str, department: str | None = None,
            location: str | None = None) -> None:
        if name.lower() in used:
            return
        unique_key = key
        for n in itertools.count(2):
            if unique_key not in keys:
                break
            unique_key = f"{key}-{n}"
        used.add(name.lower())
        keys.add(unique_key)
        groups.append(GroupIdea(unique_key, name, description, kind, department, location))

    sizes: dict[str, int] = {}
    for person in people:
        sizes[person.department] = sizes.get(person.department, 0) + 1
    for spec, _share in pack.departments:
        if sizes.get(spec.name):
            add(f"dept-{slug(spec.name)}", spec.name, f"Everyone in {spec.name} at {company}", "department",
                department=spec.name)
    for location in dict.fromkeys(p.location for p in people):
        where = f"working remotely ({location.split('-', 1)[-1].strip()})" if location.lower().startswith(
            "remote") else f"based in {location}"
        add(f"loc-{slug(location)}", _office_group_name(location), f"People {where}", "location",
            location=location)
    for spec, _share in pack.departments:
        size = sizes.get(spec.name, 0)
        if size < 6:
            continue
        teams = list(spec.teams)
        random.Random(derive_seed(seed, "teams", spec.name)).shuffle(teams)
        for team in teams[: min(len(teams), max(1, size // 12))]:
            add(f"team-{slug(team)}", team, f"{team}, part of {spec.name}", "team", department=spec.name)
    cross = list(pack.groups) + list(load_common().cross_groups)
    wanted = min(len(cross), 2 + len(people) // 60)
    rng = random.Random(derive_seed(seed, "cross-groups"))
    picked = list(pack.groups[: max(1, wanted // 2)]) + rng.sample(cross, wanted)
    for name in dict.fromkeys(picked):
        add(f"team-{slug(name)}", name, f"{name} at {company}", "team")
    return groups
