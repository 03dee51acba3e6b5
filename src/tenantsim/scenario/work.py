"""Day-to-day work as company events: who does which kind of work, and how often.

The director decides that someone works now and what kind of work it is; the work platform's
adapter picks the task it happens to (its tasks live in its ledger until the company holds a work
model of projects and tasks of its own).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime

from tenantsim.scenario.company import Company
from tenantsim.scenario.events import Event

# Share of each kind of work among a person's day-to-day actions.
SHARES = {
    "create_task": 0.20,
    "comment": 0.26,
    "move_task": 0.16,
    "complete_task": 0.12,
    "add_subtask": 0.08,
    "reassign_task": 0.05,
    "tag_task": 0.05,
    "update_priority": 0.08,
}


def action(
    company: Company, rng: random.Random, at: datetime, kind: str, actors: Sequence[str]
) -> Event | None:
    people = [company.people[k] for k in actors if k in company.people and company.people[k].active]
    if not people:
        return None
    person = rng.choice(people)
    return Event(0, kind, at.isoformat(), person.key, [], {}, "")
