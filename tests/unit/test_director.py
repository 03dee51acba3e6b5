"""The director alone, through a simulated year per industry and size: every invariant holds every
simulated day (the conformance suite checks them after every event), churn follows the industry's rates
per head, and nobody is moved twice within months."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from tenantsim.content.offline import OfflineContentProvider
from tenantsim.scenario import invariants, rates
from tenantsim.scenario.activity import ActivityModel
from tenantsim.scenario.company import ON_LEAVE, Company
from tenantsim.scenario.director import Director
from tenantsim.scenario.events import ACCESS_KINDS, HR_KINDS, PROJECT_KINDS, WORK_KINDS
from tenantsim.scenario.founding import found_company, initial_exceptions
from tenantsim.scenario.tasks import milestones, workers
from tenantsim.scenario.work import plan_projects

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
CATALOGUE = ["Slack", "Zoom", "GitHub", "Jira", "Salesforce", "Figma", "Workday"]


async def a_year(industry: str, people: int, seed: int) -> tuple[Counter[str], list[float], list[str], int]:
    content = OfflineContentProvider(seed)
    company = found_company(await content.org_plan(industry, people), seed, START)
    initial_exceptions(company, CATALOGUE, seed)
    director = Director(company, content, seed=seed, model=ActivityModel(level="medium"),
                        kinds=[*HR_KINDS, *ACCESS_KINDS], catalogue=CATALOGUE)
    kinds: Counter[str] = Counter()
    moves: dict[str, list[datetime]] = {}
    roles = {p.key: (p.department, p.title) for p in company.people.values()}
    leave_share: list[float] = []
    broken: list[str] = []
    next_day = START
    while company.clock() < START + timedelta(days=365):
        due, kind, item = director.next_due()
        if kind is None:
            company.sim_now = due.isoformat()
            continue
        event = await director.apply(kind, due, item)
        company.pending = None
        if event is None:
            continue
        kinds[event.kind] += 1
        for key in event.people:  # any change of department or title: transfers, promotions, stepping up
            person = company.people[key]
            if roles.get(key, (person.department, person.title)) != (person.department, person.title):
                moves.setdefault(key, []).append(due)
            roles[key] = (person.department, person.title)
        while company.clock() >= next_day:
            broken += [f"day {(next_day - START).days}: {p}" for p in invariants.problems(company)]
            present = company.present_people()
            leave_share.append(sum(p.status == ON_LEAVE for p in present) / len(present))
            next_day += timedelta(days=1)
    too_soon = sum(1 for days in moves.values() for a, b in itertools.pairwise(days)
                   if (b - a).days < rates.MIN_DAYS_BETWEEN_MOVES)
    return kinds, leave_share, broken, too_soon


@pytest.mark.parametrize(("industry", "people"), [("technology", 50), ("retail", 200), ("government", 200),
                                                  ("financial_services", 400)])
def test_a_simulated_year_keeps_the_company_plausible(industry: str, people: int) -> None:
    kinds, leave_share, broken, too_soon = asyncio.run(a_year(industry, people, seed=11))
    assert broken == []
    assert too_soon == 0
    separations = rates.turnover(industry).separations * 12 * people  # expected departures in a year
    assert 0.5 * separations <= kinds["departure"] <= 1.6 * separations, (kinds, separations)
    assert kinds["hire"] >= kinds["departure"] * 0.7  # companies replace who leaves (and startups grow)
    mean_leave = sum(leave_share) / len(leave_share)
    assert 0.01 <= mean_leave <= 0.05, mean_leave
    assert people * 365 / 91 * 0.7 <= kinds["password_reset"] <= people * 365 / 91 * 1.3  # once a quarter
    assert kinds["transfer"] + kinds["promotion"] <= people * 0.2


def test_retail_churns_more_than_government() -> None:
    retail, *_ = asyncio.run(a_year("retail", 200, seed=3))
    government, *_ = asyncio.run(a_year("government", 200, seed=3))
    assert retail["departure"] > 2 * government["departure"]


async def a_working_month(seed: int) -> tuple[Company, Counter[str], list[str]]:
    """A 40-person company whose first eight people work on a work platform, through a simulated month
    of work (and people) events; what went wrong with its tasks along the way."""
    content = OfflineContentProvider(seed)
    company = found_company(await content.org_plan("technology", 40), seed, START)
    actors = list(company.people)[:8]
    await plan_projects(company, content, seed, 3, actors)
    director = Director(company, content, seed=seed, model=ActivityModel(level="medium"),
                        kinds=[*HR_KINDS, *WORK_KINDS, *PROJECT_KINDS], actors=actors)
    kinds: Counter[str] = Counter()
    broken: list[str] = []
    while company.clock() < START + timedelta(days=30):
        due, kind, item = director.next_due()
        if kind is None:
            company.sim_now = due.isoformat()
            continue
        before = {k: (t.section, t.due_on, t.status) for k, t in company.tasks.items()}
        event = await director.apply(kind, due, item)
        company.pending = None
        if event is None:
            continue
        kinds[event.kind] += 1
        task = company.tasks.get(str(event.details.get("task")))
        if event.kind in WORK_KINDS and task is None:
            broken.append(f"{event.kind} names no task")
        elif event.kind == "move_task" and task is not None:
            if abs(task.section - before[task.key][0]) != 1:
                broken.append(f"{task.key} jumped from section {before[task.key][0]} to {task.section}")
        elif event.kind == "reschedule_task" and task is not None:
            if not task.due_on or task.due_on <= str(before[task.key][1]):
                broken.append(f"{task.key}: its due date slipped from {before[task.key][1]} to {task.due_on}")
        elif event.kind == "reassign_task" and task is not None and task.assignee not in actors:
            broken.append(f"{task.key} handed to {task.assignee}, who does not work on the platform")
        broken += invariants.task_problems(company)
    return company, kinds, broken


def test_a_working_month_keeps_the_tasks_plausible() -> None:
    company, kinds, broken = asyncio.run(a_working_month(seed=5))
    assert broken == []
    assert set(WORK_KINDS) <= set(kinds)
    tasks = [t for t in company.tasks.values() if t.parent is None]
    done = sum(t.done for t in tasks)
    assert 0.2 * len(tasks) <= done <= 0.8 * len(tasks), (done, len(tasks))  # open and done side by side
    assert (any(t.slips for t in tasks) and any(t.status == "blocked" for t in company.tasks.values())) or \
        kinds["block_task"] > 0
    # Due dates gather around the projects' milestones: most fall within two days of one.
    near = 0
    dated = [t for t in tasks if t.due_on and not t.slips]
    for task in dated:
        plan = company.project(task.project)
        assert plan is not None
        marks = milestones(company, plan)
        near += any(abs((date.fromisoformat(str(task.due_on)) - m).days) <= 3 for m in marks)
    assert near >= 0.5 * len(dated), (near, len(dated))
    # A saved company keeps its tasks; one saved before it had tasks still loads.
    assert Company.from_dict(company.to_dict()).tasks == company.tasks
    older = company.to_dict()
    del older["tasks"]
    assert Company.from_dict(older).tasks == {}


async def _projects_of(size: int, acting: int, seed: int = 3) -> tuple[Company, list[str]]:
    content = OfflineContentProvider(seed)
    company = found_company(await content.org_plan("technology", size), seed, START)
    actors = list(company.people)[:acting]
    await plan_projects(company, content, seed, 6, actors)
    return company, actors


def test_people_put_their_own_work_on_the_boards_and_break_it_into_steps() -> None:
    company, actors = asyncio.run(_projects_of(12, 12))
    first = [t for t in company.tasks.values() if t.parent is None]
    owners = {p.key: p.owner for p in company.projects}
    assert any(t.creator == t.assignee != owners[t.project] for t in first)  # their own entries
    assert any(t.creator == owners[t.project] for t in first)  # and the owner's
    for task in first:
        for step in (t for t in company.tasks.values() if t.parent == task.key):
            assert step.creator == (task.assignee if task.assignee in actors else task.creator)


def test_a_department_with_a_team_of_its_own_keeps_its_work() -> None:
    company, actors = asyncio.run(_projects_of(40, 40))
    for plan in company.projects:
        members = {company.people[k].department for k in workers(company, plan, actors)}
        assert members == {plan.department}


def test_in_a_company_of_a_handful_everyone_works_on_every_project() -> None:
    company, actors = asyncio.run(_projects_of(3, 3))
    assert len({company.people[k].department for k in actors}) > 1
    for plan in company.projects:
        people = workers(company, plan, actors)
        assert sorted(people) == sorted(actors)
        assert company.people[people[0]].department == plan.department  # its own people first
    assert {p.owner for p in company.projects} == set(actors)  # anyone may lead one
    assigned = {t.assignee for t in company.tasks.values() if t.parent is None}
    assert assigned - {None} == set(actors)  # the chief executive too takes on the projects' work


def test_a_redraw_leaves_out_the_kinds_that_found_nobody() -> None:
    # generate-now redraws when a kind finds nobody to act; the draw is seeded by the company's state,
    # which such a kind leaves unchanged, so without `tried` every redraw would repeat it
    async def director() -> Director:
        content = OfflineContentProvider(5)
        company = found_company(await content.org_plan("technology", 30), 5, START)
        return Director(company, content, seed=5, model=ActivityModel(level="medium"),
                        kinds=[*HR_KINDS, *ACCESS_KINDS], catalogue=CATALOGUE)

    chosen = asyncio.run(director())
    assert chosen.draw_kind() == chosen.draw_kind()  # same state, same kind
    tried: set[str] = set()
    while (kind := chosen.draw_kind(tried=tried)) is not None:
        assert kind not in tried
        tried.add(kind)
    assert tried == {kind for kind, rate in chosen.rates().items() if rate > 0}


def test_a_persons_groups_are_their_department_office_team_and_communities() -> None:
    async def founded() -> Company:
        content = OfflineContentProvider(9)
        return found_company(await content.org_plan("technology", 300), 9, START)

    company = asyncio.run(founded())
    keys = [g.key for g in company.groups]
    for person in company.present_people():
        groups = company.groups_of(person)
        gathered = [g.key for g in company.groups
                    if (g.kind, g.department if g.kind == "department" else g.location)
                    in (("department", person.department), ("location", person.office))]
        assert groups[:len(gathered)] == gathered  # in the company's own order
        assert set(groups) - set(gathered) <= {person.team, *person.communities}
        assert all(k in keys for k in groups)
        assert person.team is None or person.team in groups
    # the index follows the list: a group added later is found
    company.groups.append(dataclasses.replace(company.groups[0], key="g-new"))
    assert company.group("g-new") is not None
