"""The company a job plays: one platform-neutral model of its people, departments, offices and groups.

Every platform of the job shows this one company. The director changes it one event at a time; each
platform adapter makes its tenant agree with it. It is stored per job (``store/company_repo.py``) as a
plain JSON document, so a restarted job carries on with the same people and history.

Platform ids never live here (the ledger holds them); names, emails and titles here are exactly what
every platform shows, so nothing a customer sees carries a generator marker or a job id.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from tenantsim.content.base import GroupIdea, Person
from tenantsim.scenario.offices import Office
from tenantsim.scenario.worktask import WorkTask

ACTIVE, ON_LEAVE, DEPARTED = "active", "on_leave", "departed"


def email_domain(company_name: str) -> str:
    """RFC 2606 reserves example.com: addresses there never deliver to anyone."""
    slug = re.sub(r"[^a-z0-9]+", "-", company_name.lower()).strip("-") or "company"
    return f"{slug}.example.com"


@dataclass
class Employee:
    """One person of the company, as every platform should show them."""

    key: str  # stable within the job: p00042
    first_name: str
    last_name: str
    login: str  # email local part, unique within the job
    title: str
    level: int  # 0 chief executive ... 7 junior
    department: str
    office: str  # an Office name
    employee_number: str
    cost_center: str
    manager: str | None  # key of their manager; None only for the chief executive
    team: str | None = None  # group key of their team within the department
    communities: list[str] = field(default_factory=list)  # company-wide group keys (guilds, committees)
    status: str = ACTIVE  # active | on_leave | departed
    hired_at: str = ""  # simulated ISO time
    leave_kind: str | None = None
    leave_until: str | None = None
    departed_at: str | None = None
    last_moved_at: str | None = None  # last transfer or promotion
    factors: list[str] = field(default_factory=list)  # MFA factor types enrolled
    apps: list[str] = field(default_factory=list)  # app labels granted to them directly (exceptions)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Employee:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class DepartmentInfo:
    name: str
    cost_center: str
    share: float
    apps: tuple[str, ...]  # app labels everyone in the department gets


@dataclass(frozen=True)
class GroupSpec:
    key: str
    name: str
    description: str
    kind: str  # department | location | team
    department: str | None = None
    location: str | None = None


@dataclass
class _GroupIndex:
    source: list[GroupSpec]
    size: int
    by_key: dict[str, GroupSpec]
    order: dict[str, int]  # a group's place in the company's list (groups_of keeps that order)
    gathering: dict[tuple[str, str | None], list[str]]  # ("department", name) / ("location", office)

    @classmethod
    def of(cls, groups: list[GroupSpec]) -> _GroupIndex:
        gathering: dict[tuple[str, str | None], list[str]] = {}
        for group in groups:
            if group.kind == "department":
                gathering.setdefault(("department", group.department), []).append(group.key)
            elif group.kind == "location":
                gathering.setdefault(("location", group.location), []).append(group.key)
        return cls(groups, len(groups), {g.key: g for g in reversed(groups)},
                   {g.key: i for i, g in reversed(list(enumerate(groups)))}, gathering)


@dataclass
class ProjectPlan:
    """A piece of the company's work: what it is, whose it is, and where it stands."""

    key: str
    name: str
    notes: str
    department: str
    sections: list[str]
    owner: str | None  # person key
    phase: str = "active"  # planned | active | wrapping_up | done
    started_at: str = ""
    wraps_up_at: str = ""  # when it is due to wrap up: its last milestone (empty in older companies)


@dataclass
class Company:
    name: str
    industry: str
    domain: str
    departments: list[DepartmentInfo]
    offices: dict[str, Office]
    groups: list[GroupSpec]
    people: dict[str, Employee]
    next_index: int  # numbers the next hire's key
    founded_at: str  # simulated time the job's company began
    sim_now: str  # the simulated time of the last event applied
    event_seq: int = 0
    agenda: list[dict[str, str]] = field(default_factory=list)  # scheduled events: {at, kind, person}
    pending: dict[str, Any] | None = None  # an event applied here but maybe not on every platform yet
    projects: list[ProjectPlan] = field(default_factory=list)  # the work side (work platforms show it)
    tasks: dict[str, WorkTask] = field(default_factory=dict)  # the projects' tasks and subtasks, by key

    # -- queries ---------------------------------------------------------------------------------
    def email(self, person: Employee) -> str:
        return f"{person.login}@{self.domain}"

    def active_people(self) -> list[Employee]:
        return [p for p in self.people.values() if p.active]

    def present_people(self) -> list[Employee]:
        """Everyone still employed: active or on leave."""
        return [p for p in self.people.values() if p.status != DEPARTED]

    def ceo(self) -> Employee | None:
        return next((p for p in self.present_people() if p.manager is None), None)

    def reports_of(self, key: str) -> list[Employee]:
        return [p for p in self.present_people() if p.manager == key]

    def in_department(self, department: str) -> list[Employee]:
        return [p for p in self.present_people() if p.department == department]

    def head_of(self, department: str) -> Employee | None:
        """The department's most senior person (its head reports to the chief executive)."""
        people = [p for p in self.in_department(department) if p.manager is not None]
        return min(people, key=lambda p: (p.level, p.key)) if people else None

    def staffed_departments(self) -> list[DepartmentInfo]:
        staffed = {p.department for p in self.present_people()}
        return [d for d in self.departments if d.name in staffed and d.name != "Executive"]

    def department(self, name: str) -> DepartmentInfo | None:
        return next((d for d in self.departments if d.name == name), None)

    def group(self, key: str) -> GroupSpec | None:
        return self._group_index().by_key.get(key)

    def _group_index(self) -> _GroupIndex:
        """The groups by key and by what they gather, kept beside the fields (``asdict`` and ``==`` see
        only fields) and made again if the list is replaced or changes length: a person's groups are
        asked for on every change to them, and a large company has hundreds of groups to scan."""
        index: _GroupIndex | None = self.__dict__.get("_groups_index")
        if index is None or index.source is not self.groups or index.size != len(self.groups):
            index = _GroupIndex.of(self.groups)
            self.__dict__["_groups_index"] = index
        return index

    def department_group(self, department: str) -> str | None:
        return next(
            (g.key for g in self.groups if g.kind == "department" and g.department == department), None
        )

    def teams_of(self, department: str) -> list[str]:
        return [g.key for g in self.groups if g.kind == "team" and g.department == department]

    def groups_of(self, person: Employee) -> list[str]:
        """The group keys a person belongs in: department, office, team, communities."""
        index = self._group_index()
        keys = sorted(index.gathering.get(("department", person.department), [])
                      + index.gathering.get(("location", person.office), []), key=index.order.__getitem__)
        if person.team and person.team in index.by_key:
            keys.append(person.team)
        keys.extend(k for k in person.communities if k in index.by_key and k not in keys)
        return keys

    def apps_of(self, person: Employee) -> list[str]:
        """Every app label a person can use: their department's, plus their own exceptions."""
        info = self.department(person.department)
        return sorted({*(info.apps if info else ()), *person.apps})

    def office_of(self, person: Employee) -> Office:
        return self.offices[person.office]

    @property
    def home_zone(self) -> str:
        ceo = self.ceo()
        office = self.offices.get(ceo.office) if ceo else None
        return office.time_zone if office else next(iter(self.offices.values())).time_zone

    def project(self, key: str) -> ProjectPlan | None:
        return next((p for p in self.projects if p.key == key), None)

    def clock(self) -> datetime:
        return datetime.fromisoformat(self.sim_now)

    # -- storage ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Company:
        return cls(
            name=data["name"],
            industry=data["industry"],
            domain=data["domain"],
            departments=[
                DepartmentInfo(d["name"], d["cost_center"], d["share"], tuple(d["apps"]))
                for d in data["departments"]
            ],
            offices={name: Office(**o) for name, o in data["offices"].items()},
            groups=[GroupSpec(**g) for g in data["groups"]],
            people={k: Employee.from_dict(p) for k, p in data["people"].items()},
            next_index=int(data["next_index"]),
            founded_at=data["founded_at"],
            sim_now=data["sim_now"],
            event_seq=int(data.get("event_seq", 0)),
            agenda=list(data.get("agenda") or []),
            pending=data.get("pending"),
            projects=[ProjectPlan(**p) for p in data.get("projects") or []],
            tasks={k: WorkTask.from_dict(t) for k, t in (data.get("tasks") or {}).items()},
        )


def employee_from(person: Person, *, team: str | None, communities: list[str], hired_at: str) -> Employee:
    return Employee(
        key=person.key,
        first_name=person.first_name,
        last_name=person.last_name,
        login=person.login,
        title=person.title,
        level=person.level,
        department=person.department,
        office=person.location,
        employee_number=person.employee_number,
        cost_center=person.cost_center,
        manager=person.manager_key,
        team=team,
        communities=communities,
        hired_at=hired_at,
    )


def group_spec(idea: GroupIdea) -> GroupSpec:
    return GroupSpec(idea.key, idea.name, idea.description, idea.kind, idea.department, idea.location)
