"""A job saved by an earlier version kept its tasks only in the Asana ledger (the company had none):
those rows, read back as the company's tasks, so the job carries on with the work it already shows."""

from __future__ import annotations

from tenantsim.connectors.asana.state import AsanaState
from tenantsim.scenario.worktask import BLOCKED, DONE, OPEN, WorkTask
from tenantsim.store.ledger_types import Ledger

LIVE = ("created",)


def recorded_tasks(ledger: Ledger, state: AsanaState, people: dict[str, str], now: str) -> list[WorkTask]:
    """Every task and subtask the ledger holds, keyed as there (so each maps onto its own row), with
    what the ledger recorded: section, completion, assignee (``people``: user gid -> person key),
    Priority, tags; created ``now`` (the rows do not say when) with no due date unless one was kept."""
    tags = {gid: name for gid, name in state.tags}
    found: list[WorkTask] = []
    for entry in ledger.entries("task", LIVE):
        attrs = entry.attrs
        done = bool(attrs.get("completed"))
        status = DONE if done else BLOCKED if attrs.get("status") == "Blocked" else OPEN
        found.append(WorkTask(
            key=entry.key, project=str(attrs.get("project_key") or entry.parent_key or ""),
            name=str(attrs.get("name") or ""), section=int(attrs.get("section") or 0),
            assignee=people.get(str(attrs.get("assignee"))), status=status, created_at=now,
            due_on=attrs.get("due_on"), priority=attrs.get("priority"), completed_at=now if done else None,
            labels=[tags[g] for g in attrs.get("tags") or [] if g in tags],
            comments=int(attrs.get("comments") or 0)))
    projects = {t.key: t.project for t in found}
    for entry in ledger.entries("subtask", LIVE):
        parent = str(entry.parent_key)
        if parent not in projects:
            continue
        done = bool(entry.attrs.get("completed"))
        found.append(WorkTask(
            key=entry.key, project=projects[parent], name=str(entry.attrs.get("name") or ""), parent=parent,
            assignee=people.get(str(entry.attrs.get("assignee"))), status=DONE if done else OPEN,
            created_at=now, due_on=entry.attrs.get("due_on"), completed_at=now if done else None))
    return found
