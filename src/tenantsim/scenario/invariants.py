"""What must hold of the company after every event. The director's steps keep these true; the tests
check them after each event of long simulated runs."""

from __future__ import annotations

import re
from collections import Counter

from tenantsim.scenario.company import ACTIVE, ON_LEAVE, Company

MAX_SPAN = 15  # direct reports of anyone but the chief executive
MARKERS = re.compile(r"tenantsim|job_[0-9a-f]{6}|\[seed|\bp\d{5}\b", re.IGNORECASE)


def executive_limit(headcount: int) -> int:
    """People at levels 0-2 a company of this size plausibly has."""
    return 3 + headcount // 25


def problems(company: Company) -> list[str]:
    found: list[str] = []
    present = company.present_people()
    span: Counter[str] = Counter(p.manager for p in present if p.manager)
    heads = {d: company.head_of(d) for d in {p.department for p in present}}
    ceos = [p for p in present if p.manager is None]
    if len(ceos) != 1:
        found.append(f"expected one chief executive, found {len(ceos)}")
    for person in present:
        where = f"{person.key} ({person.name})"
        if person.office not in company.offices:
            found.append(f"{where} works at an unknown office {person.office!r}")
        if MARKERS.search(" ".join((person.name, person.title, person.login, person.department))):
            found.append(f"{where} carries a generator marker")
        if person.team is not None:
            team = company.group(person.team)
            if team is None or team.department != person.department:
                found.append(f"{where} is in team {person.team} of another department")
        if person.status == ON_LEAVE and (not person.leave_until or span[person.key]):
            found.append(f"{where} is on leave without an end date, or with reports")
        if len(person.apps) > 3:
            found.append(f"{where} holds {len(person.apps)} individual app exceptions")
        if person.manager is not None and person.manager in company.people and span[person.key] > MAX_SPAN:
            found.append(f"{person.key} has {span[person.key]} direct reports")
        if person.manager is None:
            continue
        manager = company.people.get(person.manager)
        if manager is None or manager.status != ACTIVE:
            if person.status == ACTIVE:
                found.append(f"{where} reports to someone who is not active")
            continue
        if manager.level >= person.level:
            found.append(f"{where} (level {person.level}) reports to a peer or junior {manager.key}")
        head = heads.get(person.department)
        is_head = head is not None and head.key == person.key
        if manager.department != person.department and not (is_head and manager.manager is None):
            found.append(f"{where} in {person.department} reports to {manager.name} in {manager.department}")
    executives = sum(1 for p in present if p.level <= 2)
    if executives > executive_limit(len(present)):
        found.append(f"{executives} executives for {len(present)} people")
    return found


def task_problems(company: Company) -> list[str]:
    """The work model's invariants: every task in a project of the company, on one of its sections; due
    after it was created; done work finished after it started and (on the board) in the last section; a
    subtask a step of a task in the same project; assignees people of the company."""
    found: list[str] = []
    projects = {p.key: p for p in company.projects}
    for task in company.tasks.values():
        plan = projects.get(task.project)
        if plan is None:
            found.append(f"{task.key}: in no project ({task.project})")
            continue
        if not 0 <= task.section < max(1, len(plan.sections)):
            found.append(f"{task.key}: section {task.section} of {len(plan.sections)}")
        if task.due_on is not None and task.due_on <= task.created_at[:10]:
            found.append(f"{task.key}: due {task.due_on}, created {task.created_at}")
        if task.done and (task.completed_at or "") < task.created_at:
            found.append(f"{task.key}: completed {task.completed_at} before it was created")
        if task.done and task.parent is None and task.section != len(plan.sections) - 1:
            found.append(f"{task.key}: done in section {task.section}")
        if task.parent is not None:
            parent = company.tasks.get(task.parent)
            if parent is None or parent.project != task.project or parent.parent is not None:
                found.append(f"{task.key}: a step of {task.parent}, not a task of {task.project}")
        if task.assignee is not None and task.assignee not in company.people:
            found.append(f"{task.key}: assigned to {task.assignee}, nobody here")
    return found
