"""Day-to-day work as changes to the company's tasks: the director's pure steps.

Someone works now (the director chose who and what kind of work); this decides which task it happens to
and how it changes — a new task, the next section on its board, a hand-over to a colleague who works
on the project, a block, a slipped due date, a completion — applies the change to the company
and returns the event, whose details name the task and the changed fields (``{"task", "project",
"changes"}``), so every work platform records the same change. People mostly work on their own tasks;
a project wrapping up gets its open work finished first.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from tenantsim.content.base import ContentProvider
from tenantsim.scenario.company import Company
from tenantsim.scenario.events import Event
from tenantsim.scenario.tasks import (
    LABELS,
    TASKS_PER_PROJECT,
    content_about,
    due_for,
    priority_for,
    step_due,
    weekday_on_or_after,
    workers,
)
from tenantsim.scenario.worktask import BLOCKED, DONE, LONGEST_DISCUSSION, OPEN, WorkTask

BACK_A_SECTION = 0.05  # a move that sends work back (review found a problem): rare
SELF_ASSIGNED = 0.6  # a new task is mostly its creator's own


async def step(company: Company, content: ContentProvider, seed: int, rng: random.Random, at: datetime,
               kind: str, person: str, actors: Sequence[str]) -> Event | None:
    if kind == "create_task":
        found = await _create(company, content, seed, rng, at, person, actors)
    elif kind == "add_subtask":
        found = await _subtask(company, content, seed, rng, at, person, actors)
    else:
        chooser = _CHANGES.get(kind)
        found = chooser(company, rng, at, person, actors) if chooser else None
    if found is None:
        return None
    task, changes = found
    for name, value in changes.items():
        setattr(task, name, value)
    return Event(0, kind, at.isoformat(), person, [], {"task": task.key, "project": task.project,
                                                        "changes": changes}, "")


# -- which tasks ------------------------------------------------------------------------------------------
def _live(company: Company) -> list[WorkTask]:
    """Tasks of projects that are not done (a done project's work is archived)."""
    running = {p.key for p in company.projects if p.phase != "done"}
    return [t for t in company.tasks.values() if t.project in running]


def _own_first(company: Company, tasks: list[WorkTask], person: str) -> list[WorkTask]:
    """A person's own tasks; else those of their department's projects; else any."""
    mine = [t for t in tasks if t.assignee == person]
    if mine:
        return mine
    who = company.people.get(person)
    homes = {p.key for p in company.projects if who is not None and p.department == who.department}
    return [t for t in tasks if t.project in homes] or tasks


def _finishing_first(company: Company, tasks: list[WorkTask], rng: random.Random) -> list[WorkTask]:
    """Half the time, the work of a project that is wrapping up (its open work gets finished)."""
    wrapping = {p.key for p in company.projects if p.phase == "wrapping_up"}
    ending = [t for t in tasks if t.project in wrapping]
    return ending if ending and rng.random() < 0.5 else tasks


def _last(company: Company, task: WorkTask) -> int:
    plan = company.project(task.project)
    return max(0, len(plan.sections) - 1) if plan is not None else 0


# -- the changes ---------------------------------------------------------------------------------------
Change = tuple[WorkTask, dict[str, Any]]


async def _create(company: Company, content: ContentProvider, seed: int, rng: random.Random, at: datetime,
                  person: str, actors: Sequence[str]) -> Change | None:
    """New work is planned into an active project (the person's department's first)."""
    active = [p for p in company.projects if p.phase == "active"]
    who = company.people.get(person)
    home = [p for p in active if who is not None and p.department == who.department]
    if not active:
        return None
    plan = rng.choice(home or active)
    seq = company.event_seq + 1
    about = content_about(company, seed, plan)
    idea = (await content.tasks(about, 1, start_index=TASKS_PER_PROJECT + seq))[0]
    people = workers(company, plan, actors)
    assignee = person if rng.random() < SELF_ASSIGNED else (rng.choice(people) if people else None)
    task = WorkTask(key=f"task:ev{seq}", project=plan.key, name=idea.name, creator=person)
    company.tasks[task.key] = task
    return task, {"notes": idea.notes, "section": 0, "assignee": assignee, "status": OPEN,
                  "created_at": at.isoformat(), "due_on": due_for(company, plan, at, rng),
                  "priority": priority_for(rng), "name": idea.name}


async def _subtask(company: Company, content: ContentProvider, seed: int, rng: random.Random, at: datetime,
                   person: str, actors: Sequence[str]) -> Change | None:
    """A step of an open task, named for it: content derives the steps from the parent's own name."""
    parents = [t for t in _live(company) if t.parent is None and not t.done]
    if not parents:
        return None
    parent = rng.choice(_own_first(company, parents, person))
    plan = company.project(parent.project)
    if plan is None:
        return None
    seq = company.event_seq + 1
    ideas = await content.tasks(content_about(company, seed, plan, parent.name), 1, start_index=100 + seq)
    steps = list(ideas[0].subtasks) if ideas and ideas[0].subtasks else [ideas[0].name]
    taken = {t.name for t in company.tasks.values() if t.parent == parent.key}
    name = next((s for s in steps if s not in taken), steps[len(taken) % len(steps)])
    people = workers(company, plan, actors)
    assignee = (parent.assignee or (rng.choice(people) if people else None)) if rng.random() < 0.5 else None
    task = WorkTask(key=f"task:ev{seq}", project=parent.project, name=name, parent=parent.key, creator=person)
    company.tasks[task.key] = task
    return task, {"assignee": assignee, "status": OPEN, "created_at": at.isoformat(),
                  "due_on": step_due(parent, at, rng), "name": name}


def _move(company: Company, rng: random.Random, at: datetime, person: str,
          actors: Sequence[str]) -> Change | None:
    """The next section of its board; rarely back one; reaching the last section finishes it."""
    movable = [t for t in _live(company)
               if t.parent is None and t.status == OPEN and t.section < _last(company, t)]
    if not movable:
        return None
    task = rng.choice(_finishing_first(company, _own_first(company, movable, person), rng))
    back = task.section > 0 and rng.random() < BACK_A_SECTION
    target = task.section - 1 if back else task.section + 1
    if target == _last(company, task):
        return task, {"section": target, "status": DONE, "completed_at": at.isoformat()}
    return task, {"section": target}


def _complete(company: Company, rng: random.Random, at: datetime, person: str,
              actors: Sequence[str]) -> Change | None:
    """Open work gets done: of a few of the person's tasks, the one furthest along."""
    open_tasks = [t for t in _live(company) if t.status == OPEN]
    if not open_tasks:
        return None
    pool = _finishing_first(company, _own_first(company, open_tasks, person), rng)
    task = max(rng.sample(pool, min(3, len(pool))), key=lambda t: (t.section, t.key))
    changes: dict[str, Any] = {"status": DONE, "completed_at": at.isoformat()}
    if task.parent is None:  # done work sits in the board's last section
        changes["section"] = _last(company, task)
    return task, changes


def _reassign(company: Company, rng: random.Random, at: datetime, person: str,
              actors: Sequence[str]) -> Change | None:
    """A hand-over to a colleague who works on the project (never to who has it already)."""
    open_tasks = [t for t in _live(company) if not t.done]
    candidates = []
    for task in _own_first(company, open_tasks, person):
        people = [k for k in workers(company, company.project(task.project), actors) if k != task.assignee]
        if people:
            candidates.append((task, people))
    if not candidates:
        return None
    task, people = rng.choice(candidates)
    others = [k for k in people if k != person] or people
    return task, {"assignee": rng.choice(others)}


def _label(company: Company, rng: random.Random, at: datetime, person: str,
           actors: Sequence[str]) -> Change | None:
    found = [(t, [x for x in LABELS if x not in t.labels]) for t in _live(company)
             if not t.done and t.parent is None]  # labels sort the board's tasks
    found = [(t, free) for t, free in found if free]
    if not found:
        return None
    task, free = rng.choice(found)
    return task, {"labels": [*task.labels, rng.choice(free)]}


def _prioritise(company: Company, rng: random.Random, at: datetime, person: str,
                actors: Sequence[str]) -> Change | None:
    open_tasks = [t for t in _live(company) if not t.done and t.parent is None]  # steps share their task's
    if not open_tasks:
        return None
    task = rng.choice(_own_first(company, open_tasks, person))
    level = task.priority
    while level == task.priority:
        level = priority_for(rng)
    return task, {"priority": level}


def _block(company: Company, rng: random.Random, at: datetime, person: str,
           actors: Sequence[str]) -> Change | None:
    """Work gets stuck (waiting on someone) and, later, unstuck: a person with blocked work mostly
    unblocks it; otherwise one of their open tasks gets blocked."""
    live = _live(company)
    blocked = [t for t in live if t.status == BLOCKED and t.assignee == person]
    if blocked and rng.random() < 0.7:
        return rng.choice(blocked), {"status": OPEN}
    open_tasks = [t for t in live if t.status == OPEN and t.parent is None]
    if not open_tasks:
        blocked = [t for t in live if t.status == BLOCKED]
        return (rng.choice(blocked), {"status": OPEN}) if blocked else None
    return rng.choice(_own_first(company, open_tasks, person)), {"status": BLOCKED}


def _slip(company: Company, rng: random.Random, at: datetime, person: str,
          actors: Sequence[str]) -> Change | None:
    """A due date moves later: mostly work that is overdue or nearly due."""
    dated = [t for t in _live(company) if not t.done and t.due_on]
    if not dated:
        return None
    soon = [t for t in dated if date.fromisoformat(str(t.due_on)) <= at.date() + timedelta(days=3)]
    task = rng.choice(_own_first(company, soon or dated, person))
    was = max(date.fromisoformat(str(task.due_on)), at.date())
    later = weekday_on_or_after(was + timedelta(days=rng.randint(3, 10)))
    return task, {"due_on": later.isoformat(), "slips": task.slips + 1}


def _discuss(company: Company, rng: random.Random, at: datetime, person: str,
             actors: Sequence[str]) -> Change | None:
    """A comment on a task someone is working on: mostly a conversation already going, on their own
    work or their department's; a finished conversation is not drawn back into."""
    talkable = [t for t in _live(company) if t.comments < LONGEST_DISCUSSION
                and (not t.done or (t.completed_at or "") >= (at - timedelta(days=7)).isoformat())]
    if not talkable:
        return None
    pool = _own_first(company, talkable, person)
    going = [t for t in pool if t.comments > 0]
    task = rng.choice(going if going and rng.random() < 0.6 else pool)
    return task, {"comments": task.comments + 1}


_CHANGES = {"move_task": _move, "complete_task": _complete, "reassign_task": _reassign, "tag_task": _label,
            "update_priority": _prioritise, "block_task": _block, "reschedule_task": _slip,
            "comment": _discuss}
