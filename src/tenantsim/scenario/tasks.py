"""Planning the company's tasks: the tasks a project starts with, due dates that fall after a task is
created and near the project's milestones, priorities, and who works on a project."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from tenantsim.content.base import ContentContext, ContentProvider, derive_seed
from tenantsim.scenario.company import Company, ProjectPlan
from tenantsim.scenario.worktask import DONE, OPEN, WorkTask

TASKS_PER_PROJECT = 6  # the tasks a project starts with
STEPS_PER_TASK = 3  # at most this many subtasks for a first task
PRIORITIES = ("Low", "Medium", "High", "Urgent")
PRIORITY_WEIGHTS = (30, 40, 22, 8)  # how common each is among a team's tasks
# Labels a team puts on its tasks (a work platform shows them as tags).
LABELS = ("customer-request", "quick-win", "blocked-external", "needs-review", "q-goal")
OWN_ENTRY = 0.8  # of a project's first tasks, the share its assignee put on the board (else its owner)
SMALL_COMPANY = 5  # up to this many people, a company has no teams of its own: everyone works on everything
DEFAULT_WEEKS = 8  # a project's length when the plan does not say when it wraps up


def weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def wraps_up_on(company: Company, plan: ProjectPlan) -> date:
    """When the project wraps up: its own date, else the company's agenda, else a typical length."""
    if plan.wraps_up_at:
        return datetime.fromisoformat(plan.wraps_up_at).date()
    item = next((i for i in company.agenda if i.get("project") == plan.key
                 and i["kind"] == "project_wrapping_up"), None)
    if item is not None:
        return datetime.fromisoformat(item["at"]).date()
    started = datetime.fromisoformat(plan.started_at or company.sim_now).date()
    return started + timedelta(weeks=DEFAULT_WEEKS)


def milestones(company: Company, plan: ProjectPlan) -> list[date]:
    """A project's checkpoints: a third of the way, two thirds, and its wrap-up."""
    started = datetime.fromisoformat(plan.started_at or company.sim_now).date()
    end = max(wraps_up_on(company, plan), started + timedelta(days=3))
    span = (end - started).days
    return [started + timedelta(days=span // 3), started + timedelta(days=2 * span // 3), end]


def due_for(company: Company, plan: ProjectPlan, created: datetime, rng: random.Random) -> str | None:
    """Mostly on or just before the next milestone that leaves time to do the work; otherwise in the
    next days; some tasks have no date. Always a weekday after the day it was created."""
    if rng.random() < 0.1:
        return None
    today = created.date()
    ahead = [m for m in milestones(company, plan) if m > today + timedelta(days=2)]
    if ahead and rng.random() < 0.8:
        target = ahead[0] if rng.random() < 0.7 or len(ahead) == 1 else ahead[1]
        day = target + timedelta(days=rng.choice((-2, -1, 0, 0, 0)))
    else:
        day = today + timedelta(days=rng.randint(3, 14))
    return weekday_on_or_after(max(day, today + timedelta(days=1))).isoformat()


def step_due(parent: WorkTask, created: datetime, rng: random.Random) -> str | None:
    """A subtask is due a little before its parent (never before it exists itself)."""
    today = created.date()
    if parent.due_on is None:
        return weekday_on_or_after(today + timedelta(days=rng.randint(2, 7))).isoformat()
    day = date.fromisoformat(parent.due_on) - timedelta(days=rng.randint(0, 3))
    return weekday_on_or_after(max(day, today + timedelta(days=1))).isoformat()


def priority_for(rng: random.Random) -> str:
    return rng.choices(PRIORITIES, weights=PRIORITY_WEIGHTS)[0]


def small_company(company: Company) -> bool:
    """A company of a handful of people: no team of its own per department, everyone on everything."""
    return len(company.people) <= 4 * SMALL_COMPANY and len(company.active_people()) <= SMALL_COMPANY


def workers(company: Company, plan: ProjectPlan | None, actors: Sequence[str]) -> list[str]:
    """Who does a project's work: the active people who act on the work platforms, those in the
    project's department first; without any, the department's own active people. In a company of a
    handful of people, everyone acting works on every project (its own department's people first)."""
    acting = [k for k in actors if (p := company.people.get(k)) is not None and p.active]
    if plan is None:
        return acting
    home = [k for k in acting if company.people[k].department == plan.department]
    if home and small_company(company):
        return home + [k for k in acting if k not in home]
    if home or acting:
        return home or acting
    return [p.key for p in company.active_people() if p.department == plan.department]


def content_about(company: Company, seed: int, plan: ProjectPlan, task: str | None = None) -> ContentContext:
    return ContentContext(industry=company.industry, seed=seed, company_name=company.name,
                          department=plan.department, project=plan.name, task=task)


def tasks_of(company: Company, project: str) -> list[WorkTask]:
    return [t for t in company.tasks.values() if t.project == project]


async def plan_first_tasks(company: Company, content: ContentProvider, seed: int, plan: ProjectPlan,
                           actors: Sequence[str], *, under_way: bool) -> None:
    """The tasks a project starts with, each with its steps as subtasks. A project under way (the job's
    first day) already has work along its board, the last section's done."""
    if tasks_of(company, plan.key):
        return
    now = company.clock()
    people = workers(company, plan, actors)
    last = len(plan.sections) - 1
    ideas = await content.tasks(content_about(company, seed, plan), TASKS_PER_PROJECT)
    for number, idea in enumerate(ideas):
        rng = random.Random(derive_seed(seed, "first-task", plan.key, number))
        section = rng.randrange(len(plan.sections)) if under_way and plan.sections else 0
        done = last > 0 and section == last
        task = WorkTask(
            key=f"task:{plan.key}:{number}", project=plan.key, name=idea.name, notes=idea.notes,
            section=section, assignee=rng.choice(people) if people and rng.random() < 0.85 else None,
            status=DONE if done else OPEN, created_at=now.isoformat(),
            due_on=due_for(company, plan, now, rng),
            priority=priority_for(rng), completed_at=now.isoformat() if done else None,
            labels=[rng.choice(LABELS)] if rng.random() < 0.35 else [],
            comments=rng.randint(2, 4) if rng.random() < 0.6 else 0,
            creator=plan.owner or (rng.choice(people) if people else None))
        if task.assignee in actors and rng.random() < OWN_ENTRY:
            task.creator = task.assignee
        company.tasks[task.key] = task
        # who does a task breaks it into steps (its creator, when nobody acting has it)
        breaks_down = task.assignee if task.assignee in actors else task.creator
        for step, name in enumerate(idea.subtasks[:STEPS_PER_TASK]):
            company.tasks[f"{task.key}:s{step}"] = WorkTask(
                key=f"{task.key}:s{step}", project=plan.key, name=name, parent=task.key,
                assignee=rng.choice(people) if people and rng.random() < 0.5 else None,
                status=DONE if done else OPEN, created_at=now.isoformat(), due_on=step_due(task, now, rng),
                completed_at=now.isoformat() if done else None, creator=breaks_down)
