"""The company's work: the projects it has on, and day-to-day work as company events.

The company plans its projects (name, department, owner, sections) at founding; the director decides
that someone works now and what kind of work it is; the work platform's adapter picks the task it
happens to (its tasks live in its ledger until the company holds tasks of its own).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime

from tenantsim.content.base import ContentContext, ContentProvider
from tenantsim.scenario.company import Company, ProjectPlan
from tenantsim.scenario.events import Event

DEFAULT_PROJECTS = 3  # projects a work platform's job starts with
# Share of each kind of work among a person's day-to-day actions.
SHARES = {"create_task": 0.22, "comment": 0.30, "move_task": 0.14, "complete_task": 0.08, "add_subtask": 0.08,
          "reassign_task": 0.05, "tag_task": 0.05, "update_priority": 0.08}


def action(
    company: Company, rng: random.Random, at: datetime, kind: str, actors: Sequence[str]
) -> Event | None:
    people = [company.people[k] for k in actors if k in company.people and company.people[k].active]
    if not people:
        return None
    person = rng.choice(people)
    return Event(0, kind, at.isoformat(), person.key, [], {}, "")


async def plan_projects(company: Company, content: ContentProvider, seed: int, count: int,
                        actors: Sequence[str]) -> None:
    """The work the company has on when the job starts: ``count`` projects in the departments its working
    people are in (then the largest others), each owned by someone from that department when possible."""
    people = [company.people[k] for k in actors if k in company.people]
    homes = list(dict.fromkeys(p.department for p in people if p.department != "Executive"))
    homes += [d.name for d in sorted(company.departments, key=lambda d: -d.share)
              if d.name not in homes and d.name != "Executive"]
    for index in range(len(company.projects), count):
        department = homes[index % len(homes)] if homes else "Operations"
        context = ContentContext(industry=company.industry, seed=seed, company_name=company.name,
                                 department=department)
        idea = (await content.projects(context, 1, start_index=index))[0]
        owners = [p for p in people if p.department == department] or people
        owner = owners[index % len(owners)].key if owners else None
        company.projects.append(ProjectPlan(key=f"project:{index}", name=idea.name, notes=idea.notes,
                                            department=department,
                                            sections=list(idea.sections or ("To do", "In progress", "Done")),
                                            owner=owner, started_at=company.sim_now))
