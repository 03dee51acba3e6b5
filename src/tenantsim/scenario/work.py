"""The company's work: the projects it has on and their lives (active -> wrapping up -> done, and the
next one starts), and day-to-day work as company events.

The company plans its projects (name, department, owner, sections, first tasks) at founding; the
director decides that someone works now and what kind of work it is; ``task_steps.py`` decides which
task it happens to and how it changes. Work platforms only record it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from tenantsim.content.base import ContentContext, ContentProvider, derive_seed
from tenantsim.scenario import task_steps
from tenantsim.scenario.company import Company, ProjectPlan
from tenantsim.scenario.events import Event
from tenantsim.scenario.tasks import plan_first_tasks, small_company

DEFAULT_PROJECTS = 3  # projects a work platform's job starts with
# Share of each kind of work among a person's day-to-day actions.
SHARES = {"create_task": 0.22, "comment": 0.26, "move_task": 0.14, "complete_task": 0.09, "add_subtask": 0.07,
          "reassign_task": 0.05, "tag_task": 0.04, "update_priority": 0.07, "block_task": 0.03,
          "reschedule_task": 0.03}


async def action(company: Company, content: ContentProvider, seed: int, rng: random.Random, at: datetime,
                 kind: str, actors: Sequence[str]) -> Event | None:
    """Someone who works on the job's work platforms does ``kind`` of work now: which task, and how it
    changes, is the company's decision (applied here); None when nothing fits."""
    people = [company.people[k] for k in actors if k in company.people and company.people[k].active]
    if not people:
        return None
    person = rng.choice(people)
    return await task_steps.step(company, content, seed, rng, at, kind, person.key, actors)


async def plan_projects(company: Company, content: ContentProvider, seed: int, count: int,
                        actors: Sequence[str], *, under_way: bool = True) -> None:
    """Projects up to ``count``: in the departments the working people are in (then the largest others
    that someone works in: a department without people has no team to hold a project), each owned by
    someone from that department when possible (anyone, in a company of a handful), with its wrap-up on
    the company's agenda.
    ``under_way``: they are part-way through (the job's first day); else they start now."""
    people = [company.people[k] for k in actors if k in company.people]
    homes = list(dict.fromkeys(p.department for p in people if p.department != "Executive"))
    homes += [d.name for d in sorted(company.staffed_departments(), key=lambda d: -d.share)
              if d.name not in homes]
    for index in range(len(company.projects), count):
        department = homes[index % len(homes)] if homes else "Operations"
        context = ContentContext(industry=company.industry, seed=seed, company_name=company.name,
                                 department=department)
        idea = (await content.projects(context, 1, start_index=index))[0]
        home_team = [p for p in people if p.department == department]
        owners = people if small_company(company) else home_team or people
        owner = owners[index % len(owners)].key if owners else None
        key = f"project:{index}"
        company.projects.append(ProjectPlan(key=key, name=idea.name, notes=idea.notes, department=department,
                                            sections=list(idea.sections or ("To do", "In progress", "Done")),
                                            owner=owner, started_at=company.sim_now))
        rng = random.Random(derive_seed(seed, "project-length", index))
        weeks = rng.uniform(2, 10) if under_way else rng.uniform(6, 12)
        wrap = company.clock() + timedelta(weeks=weeks)
        company.projects[-1].wraps_up_at = wrap.isoformat()
        company.agenda.append({"at": wrap.isoformat(), "kind": "project_wrapping_up", "person": owner or "",
                               "project": key})
        await plan_first_tasks(company, content, seed, company.projects[-1], actors, under_way=under_way)


def wrap_up(company: Company, key: str, at: datetime, rng: random.Random) -> Event | None:
    """Active -> wrapping up: no new work goes into it; what is open gets finished."""
    plan = next((p for p in company.projects if p.key == key and p.phase == "active"), None)
    if plan is None:
        return None
    plan.phase = "wrapping_up"
    close = at + timedelta(days=rng.uniform(7, 16))
    company.agenda.append({"at": close.isoformat(), "kind": "project_completed", "person": plan.owner or "",
                           "project": key})
    return Event(0, "project_wrapping_up", at.isoformat(), plan.owner, [], {"project": key},
                 f"{plan.name} is wrapping up: no new work goes into it, what is open gets finished.")


async def complete_project(company: Company, content: ContentProvider, seed: int, key: str, at: datetime,
                           actors: Sequence[str]) -> Event | None:
    """Wrapping up -> done, and the next piece of work starts: a new project in the company's plan."""
    plan = next((p for p in company.projects if p.key == key and p.phase == "wrapping_up"), None)
    if plan is None:
        return None
    plan.phase = "done"
    await plan_projects(company, content, seed, len(company.projects) + 1, actors, under_way=False)
    started = company.projects[-1]
    return Event(0, "project_completed", at.isoformat(), plan.owner, [],
                 {"project": key, "started": started.key},
                 f"{plan.name} is done; {started.name} starts in {started.department}.")
