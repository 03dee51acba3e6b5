"""One company task made true in Asana: created when it is not there yet, else its section, completion,
assignee, due date, Priority, Status and tags set to what the company says — only what differs, so the
same task converged twice makes the same calls once. What it set goes to the ledger (with the event's
seq: the event is applied) in one transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tenantsim.connectors.asana.pool import Member
from tenantsim.connectors.asana.state import TaskState, status_of
from tenantsim.connectors.base import JobContext
from tenantsim.scenario.company import Company
from tenantsim.scenario.worktask import BLOCKED, WorkTask

if TYPE_CHECKING:
    from tenantsim.connectors.asana.adapter import AsanaAdapter

LAST_EVENT = "asana_last_event"  # progress: the seq of the last event applied (the adapter's)


async def converge_task(adapter: AsanaAdapter, company: Company, task: WorkTask, member: Member,
                        seq: int | None = None) -> TaskState | None:
    """``task`` as the company has it, in Asana; None when it cannot be there (its project is not)."""
    state, builder, ctx = adapter.state, adapter.builder, adapter.ctx
    progress = {LAST_EVENT: seq} if seq is not None else {}
    assignee = adapter.user_of(task.assignee, company)
    if task.parent is None:
        project = state.projects.get(task.project)
        if project is None or project.archived:
            return None
        found = state.tasks.get(task.key)
        if found is None:
            return await builder.create_task(task, project, assignee, member, progress)
        kind = "task"
    else:
        parent = company.tasks.get(task.parent)
        above = state.tasks.get(task.parent) if parent is None else (
            state.tasks.get(parent.key) or await converge_task(adapter, company, parent, member))
        if above is None:
            return None
        found = state.subtasks.get(task.key)
        if found is None:
            found = await builder.add_subtask(task, above, assignee, member, progress)
            if found is None or not task.done:
                return found
        kind, project = "subtask", None
    entry = ctx.ledger.get(kind, task.key)
    attrs = dict(entry.attrs) if entry is not None else {}
    changes: dict[str, Any] = {}
    record: dict[str, Any] = {}
    if assignee != attrs.get("assignee"):
        changes["assignee"] = record["assignee"] = assignee
    if task.done != bool(attrs.get("completed")):
        changes["completed"] = record["completed"] = task.done
    if task.due_on != attrs.get("due_on") and ("due_on" in attrs or task.due_on):  # older rows: no date kept
        changes["due_on"] = record["due_on"] = task.due_on
    if project is not None:
        section = min(task.section, max(0, len(project.sections) - 1))
        if section != found.section and project.sections:
            await member.client.post(f"/sections/{project.sections[section][0]}/addTask", {"task": found.gid})
            record["section"] = found.section = section
        values: dict[str, str] = {}
        priority, status = state.fields.get("priority"), state.fields.get("status")
        if priority and task.priority in priority.options and task.priority != attrs.get("priority"):
            values[priority.gid] = priority.options[str(task.priority)]
            record["priority"] = task.priority
        if status and status_of(task, len(project.sections)) in status.options:
            want = status_of(task, len(project.sections))
            if want != attrs.get("status"):
                values[status.gid] = status.options[want]
                record["status"] = want
        if values:
            changes["custom_fields"] = values
        tags = list(attrs.get("tags") or [])
        for gid in builder.tag_gids(task):
            if gid not in tags:
                await member.client.post(f"/tasks/{found.gid}/addTag", {"tag": gid})
                tags.append(gid)
                record["tags"] = tags
    if changes:
        await member.client.put(f"/tasks/{found.gid}", changes)
    if record:
        ctx.record_created(kind, task.key, found.gid, record, **progress)
    found.assignee, found.completed = assignee, task.done
    return found


def said(ctx: JobContext, kind: str, member: Member, task: WorkTask, company: Company,
         shown: TaskState) -> None:
    """The change in words, as the activity log shows it."""
    name, who = f"“{task.name}”", member.user_name
    plan = company.project(task.project)
    objects = [{"type": "task", "id": shown.gid, "name": task.name}]
    if kind == "move_task" and plan is not None and task.section < len(plan.sections):
        ctx.activity("task_moved", f"{who} moved {name} to {plan.sections[task.section]} in {plan.name}.",
                     objects)
    if kind in ("move_task", "complete_task") and task.done:
        ctx.activity("task_completed", f"{who} completed {name}.", objects)
    elif kind == "reassign_task":
        person = company.people.get(task.assignee or "")
        ctx.activity("task_reassigned", f"{who} handed {name} over to {person.name if person else 'nobody'}.",
                     objects)
    elif kind == "tag_task" and task.labels:
        ctx.activity("task_tagged", f"{who} tagged {name} as {task.labels[-1]}.", objects)
    elif kind == "update_priority":
        ctx.activity("priority_changed", f"{who} set the priority of {name} to {task.priority}.", objects)
    elif kind == "block_task":
        state = "blocked" if task.status == BLOCKED else "unblocked"
        ctx.activity(f"task_{state}", f"{who} marked {name} as {state}.", objects)
    elif kind == "reschedule_task":
        ctx.activity("due_date_changed", f"{who} moved the due date of {name} to {task.due_on}.", objects)
