"""One task of the company's work, platform-neutral.

A task belongs to one of the company's projects, sits in one of the project's sections (a board's
columns, in order), is assigned to a person, is open, blocked or done, and is due on a date after it was
created. A subtask is a step of its parent, in the same project. Platforms only record tasks: the
director decides every change (``task_steps.py``); ``tasks.py`` plans them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

OPEN, BLOCKED, DONE = "open", "blocked", "done"
LONGEST_DISCUSSION = 6  # comments after which a task's conversation is over (real threads: two to six)


@dataclass
class WorkTask:
    key: str  # stable within the job: task:<project key>:<n> at a project's start, task:ev<seq> later
    project: str  # the ProjectPlan key
    name: str
    notes: str = ""
    section: int = 0  # index into the project's sections (subtasks stay at 0: they are not on the board)
    assignee: str | None = None  # person key
    status: str = OPEN  # open | blocked | done
    created_at: str = ""  # simulated ISO time
    due_on: str | None = None  # ISO date, after created_at
    parent: str | None = None  # the task this one is a step of
    priority: str | None = None  # Low | Medium | High | Urgent
    completed_at: str | None = None
    slips: int = 0  # how often its due date moved later
    labels: list[str] = field(default_factory=list)
    comments: int = 0  # comments in its discussion (the text lives with the platforms that show it)
    creator: str | None = None  # person key

    @property
    def done(self) -> bool:
        return self.status == DONE

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorkTask:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
