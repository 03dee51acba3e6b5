"""What the Asana adapter knows about its own work, rebuilt from the ledger on every (re)start, and the
small realistic-data helpers (due dates, field values) it draws from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tenantsim.scenario.tasks import LABELS
from tenantsim.scenario.worktask import BLOCKED, DONE, WorkTask
from tenantsim.store.ledger_types import Ledger

# The custom fields a job adds to its projects: role -> (name, subtype, enum options with colors).
FIELD_SPECS: dict[str, tuple[str, str, tuple[tuple[str, str], ...]]] = {
    "priority": (
        "Priority",
        "enum",
        (("Low", "blue"), ("Medium", "yellow"), ("High", "orange"), ("Urgent", "red")),
    ),
    "effort": ("Effort", "number", ()),
    "status": (
        "Status",
        "enum",
        (("Not started", "cool-gray"), ("In progress", "aqua"), ("Blocked", "red"), ("Done", "green")),
    ),
}
EFFORT_POINTS = (0.5, 1.0, 2.0, 3.0, 5.0, 8.0)
TAG_NAMES = LABELS  # the company's task labels, one tag each
TAG_COLORS = ("dark-orange", "light-green", "dark-red", "light-purple", "dark-teal")


@dataclass
class ProjectState:
    key: str
    gid: str
    name: str
    department: str
    sections: list[tuple[str, str]]  # (gid, name) in board order
    actor: str | None
    archived: bool = False  # done: archived in Asana, no more work in it


@dataclass
class TaskState:
    key: str
    gid: str
    name: str
    project_key: str
    section: int
    completed: bool
    assignee: str | None
    actor: str | None
    comments: int = 0
    parent_key: str | None = None  # a subtask's task


@dataclass
class FieldState:
    gid: str
    subtype: str
    options: dict[str, str] = field(default_factory=dict)  # option name -> gid
    owned: bool = True


@dataclass
class AsanaState:
    workspace_gid: str
    is_organization: bool = False
    workspace_name: str = ""
    teams: list[tuple[str, str]] = field(default_factory=list)  # (gid, name)
    users: list[tuple[str, str]] = field(default_factory=list)  # (gid, name) of the workspace's people
    fields: dict[str, FieldState] = field(default_factory=dict)
    tags: list[tuple[str, str]] = field(default_factory=list)
    projects: dict[str, ProjectState] = field(default_factory=dict)
    tasks: dict[str, TaskState] = field(default_factory=dict)
    subtasks: dict[str, TaskState] = field(default_factory=dict)
    portfolio_gid: str | None = None

    def user_name(self, gid: str | None) -> str:
        return next((name for g, name in self.users if g == gid), "someone")

    def rebuild(self, ledger: Ledger, progress: dict[str, Any]) -> None:
        """Everything the job made that is still there, from the ledger (and reused fields from progress)."""
        live = ("created",)
        for entry in ledger.entries("project", live):
            attrs = entry.attrs
            self.projects[entry.key] = ProjectState(
                entry.key,
                str(entry.platform_id),
                attrs.get("name", ""),
                attrs.get("department", ""),
                [tuple(s) for s in attrs.get("sections", [])],
                entry.actor,
                bool(attrs.get("archived", False)),
            )
        for entry in ledger.entries("task", live):
            attrs = entry.attrs
            self.tasks[entry.key] = TaskState(
                entry.key,
                str(entry.platform_id),
                attrs.get("name", ""),
                attrs.get("project_key", ""),
                int(attrs.get("section", 0)),
                bool(attrs.get("completed", False)),
                attrs.get("assignee"),
                entry.actor,
                int(attrs.get("comments", 0)),
            )
        for entry in ledger.entries("subtask", live):
            parent = self.tasks.get(str(entry.parent_key))
            self.subtasks[entry.key] = TaskState(
                entry.key, str(entry.platform_id), entry.attrs.get("name", ""),
                parent.project_key if parent else "", 0, bool(entry.attrs.get("completed", False)),
                entry.attrs.get("assignee"), entry.actor, 0, str(entry.parent_key))
        for entry in ledger.entries("custom_field", live):
            self.fields[entry.attrs.get("role", entry.key)] = FieldState(
                str(entry.platform_id),
                entry.attrs.get("subtype", "enum"),
                dict(entry.attrs.get("options", {})),
            )
        for role, reused in (progress.get("asana_reused_fields") or {}).items():
            self.fields.setdefault(
                role, FieldState(reused["gid"], reused["subtype"], reused["options"], False)
            )
        self.tags = [(str(e.platform_id), e.attrs.get("name", "")) for e in ledger.entries("tag", live)]
        portfolios = ledger.entries("portfolio", live)
        self.portfolio_gid = str(portfolios[0].platform_id) if portfolios else None


def status_for_section(section: int, sections: int, completed: bool, blocked: bool = False) -> str:
    if completed or (sections > 1 and section == sections - 1):
        return "Done"
    if blocked:
        return "Blocked"
    return "Not started" if section == 0 else "In progress"


def status_of(task: WorkTask, sections: int) -> str:
    """The Status field's value for a company task: it follows the board, and shows blocked work."""
    return status_for_section(task.section, sections, task.status == DONE, task.status == BLOCKED)
