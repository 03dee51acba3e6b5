"""What happened in the company: one event, as the director applied it and every platform reflects it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# People events: identity platforms reflect them.
HR_KINDS = ("hire", "departure", "leave", "return_from_leave", "transfer", "promotion")
ACCESS_KINDS = ("app_grant", "app_revoke", "password_reset", "mfa_enrollment")
# Day-to-day identity activity: identity platforms show it (sign-ins); it changes nothing in the company.
ACTIVITY_KINDS = ("sign_in",)
# Day-to-day work: work platforms reflect them, acting as the company's people.
WORK_KINDS = ("create_task", "comment", "move_task", "complete_task", "add_subtask", "reassign_task",
              "tag_task", "update_priority", "block_task", "reschedule_task")
# Work events that change a task (all but comments): their details name the task and the changed fields.
TASK_KINDS = tuple(k for k in WORK_KINDS if k != "comment")
# A project's life: scheduled on the company's agenda, never drawn at random.
PROJECT_KINDS = ("project_wrapping_up", "project_completed")
CHURN_KINDS = frozenset(HR_KINDS)  # set by headcount and industry, never by activity_level


@dataclass
class Event:
    seq: int  # the company's event number: unique and increasing within a job
    kind: str
    at: str  # simulated ISO time
    person: str | None = None  # the subject (or, for work, the person acting)
    people: list[str] = field(default_factory=list)  # everyone whose state changed
    details: dict[str, Any] = field(default_factory=dict)  # what changed: from/to, app, factor, ...
    sentence: str = ""  # what happened, in words, platform-neutral

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        return cls(**data)
