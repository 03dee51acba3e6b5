"""What we ask the model for: the fixed (cached) instructions, one tool schema per kind of item, the
per-request user messages, and checks on what comes back.

Tool schemas are constant so the cached prefix (tools, then system) stays the same across calls;
the wanted count goes in the user message ("exactly N").
"""

from __future__ import annotations

import re
from typing import Any

SYSTEM_PROMPT = """\
You write realistic workplace content for a demo company that lives inside a SaaS tenant (an \
identity provider or a work-management tool). The content is shown to sales engineers, security \
teams and QA engineers, who need the tenant to look like a real company at work.

Rules for everything you write:
- Everything is fictional. Never use the names of real private individuals or real customers; \
well-known public products and SaaS tools (Salesforce, Jira, Epic, Workday...) may be named.
- No personal data: no phone numbers, addresses, email addresses, ID numbers, health details of \
identifiable people, salaries of named people, or passwords and keys of any kind.
- Plain text only: no Markdown, no emoji except in casual comments (sparingly), no quotation marks \
around whole items, no numbering prefixes.
- Match the industry and department you are given. A Sales project's tasks are about pipeline, \
accounts, proposals and forecasts; a Nursing project's are about staffing, education, patient \
safety and unit operations; an Engineering project's are about services, releases, incidents and \
reliability. Use the vocabulary people in that job actually use.
- Vary structure and length. Real task names are short imperative phrases (3 to 10 words); notes \
are one to three sentences with concrete detail (what, why, by when, who to loop in). Comments \
read like people talking to each other: specific, sometimes terse, sometimes asking a question, \
sometimes reporting progress or a blocker, referring to concrete numbers, dates and documents.
- When a comment addresses a teammate, write the mention as @{mention} exactly (the placeholder is \
replaced with a real teammate's name later). Do not invent other placeholders or braces.
- Names of people: realistic first and last names from a wide mix of cultures, as found in a \
modern multinational workforce (for example Anglo, Hispanic, Chinese, Indian, African, Arabic, \
European, Korean, Japanese, Vietnamese, Filipino). Avoid famous people. Each name is unique.
- Produce exactly the number of items asked for, each different from the others, and return them \
only through the tool you are given.

Kinds of items:
- people: first_name and last_name.
- projects, in sets by department: a name a team would give its project board (not a sentence), \
notes (the goal, owner team, and how progress is reviewed) and 3 to 6 board section names in \
workflow order.
- tasks, in sets by project: name, notes and 0 to 5 short subtasks that are steps of the task.
- comment threads: for each task given, a short conversation between two to four teammates who work \
on that task, in the order it happened. A thread is made of exchanges, and each comment answers the \
one before it: a question gets an answer (then perhaps a thanks or a follow-up question); a status \
update gets a reaction; a blocker gets an offer to help and then the news that it is unblocked; a \
review request gets feedback, then the revision, then approval; a hand-over gets accepted. When \
an exchange is over, the next one opens (a new question, update, blocker or review) about the same \
task. Every comment is about the task itself (name what it is about, its numbers, dates, files and \
the people or teams it waits on); no comment repeats another or is a bare "thanks" or "+1". A \
question or request addresses a teammate as @{mention}; a reply may address the person it answers \
the same way. Only a task that is finished gets a closing comment.
"""

_STRING = {"type": "string"}


def _array(items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, **extra}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}


TOOLS: dict[str, dict[str, Any]] = {
    "people": {
        "name": "record_people",
        "description": "Record the employee names you wrote.",
        "input_schema": _object({"people": _array(_object(
            {"first_name": _STRING, "last_name": _STRING}, ["first_name", "last_name"]))}, ["people"]),
    },
    "projects": {
        "name": "record_projects",
        "description": "Record the projects you wrote, one set per department.",
        "input_schema": _object({"project_sets": _array(_object(
            {"department": _STRING, "projects": _array(_object(
                {"name": _STRING, "notes": _STRING, "sections": _array(_STRING, minItems=3, maxItems=6)},
                ["name", "notes", "sections"]))}, ["department", "projects"]))}, ["project_sets"]),
    },
    "tasks": {
        "name": "record_tasks",
        "description": "Record the tasks you wrote, one set per project.",
        "input_schema": _object({"task_sets": _array(_object(
            {"project": _STRING, "tasks": _array(_object(
                {"name": _STRING, "notes": _STRING, "subtasks": _array(_STRING, maxItems=5)},
                ["name", "notes", "subtasks"]))}, ["project", "tasks"]))}, ["task_sets"]),
    },
    "comments": {
        "name": "record_comment_threads",
        "description": "Record one comment thread per task.",
        "input_schema": _object({"threads": _array(_object(
            {"task": _STRING, "comments": _array(_STRING, minItems=1)}, ["task", "comments"]))}, ["threads"]),
    },
}
RESULT_FIELD = {"people": "people", "projects": "project_sets", "tasks": "task_sets", "comments": "threads"}


def people_prompt(industry: str, description: str, count: int) -> str:
    return (f"Industry: {industry}. The company: {description}\n"
            f"Write exactly {count} employee names (first_name, last_name) for this company.")


def projects_prompt(industry: str, description: str, wanted: list[tuple[str, int, list[str]]]) -> str:
    """``wanted``: (department, how many projects, style examples) for each department."""
    listing = "\n".join(f"- {department}: {count} projects. Style examples (do not copy): "
                        f"{'; '.join(examples)}." for department, count, examples in wanted)
    return (f"Industry: {industry}. The company: {description}\n"
            f"Write the projects each department below runs, exactly as many as asked for each: one "
            f"project set per department, with the department's name exactly as given.\n{listing}")


def tasks_prompt(industry: str, wanted: list[tuple[str, str, int, list[str]]]) -> str:
    """``wanted``: (department, project, how many tasks, style examples) for each project."""
    listing = "\n".join(f"- {project} ({department} department): {count} tasks. Style examples (do not "
                        f"copy): {'; '.join(examples)}." for department, project, count, examples in wanted)
    return (f"Industry: {industry}.\n"
            f"Write the tasks of each project below, exactly as many as asked for each: work that belongs "
            f"to that project and its department. One task set per project, with the project's name "
            f"exactly as given.\n{listing}")


# A thread to write: (department, project, task, comments written so far, the last of them).
ThreadAsk = tuple[str, str, str, int, list[str]]


def comments_prompt(industry: str, threads: list[ThreadAsk], per_thread: int) -> str:
    lines: list[str] = []
    heading = ""
    for department, project, task, so_far, last in threads:
        if f"{project} ({department} department)" != heading:
            heading = f"{project} ({department} department)"
            lines.append(f"Project: {heading}")
        lines.append(f"- {task}")
        if so_far:
            said = " / ".join(f'"{text}"' for text in last)
            lines.append(f"  continues: {so_far} comments so far, the last ones: {said}")
    return (f"Industry: {industry}.\n"
            f"Write exactly {len(threads)} threads, one for each task below, each with exactly {per_thread} "
            f"comments: exchanges in which every comment answers or reacts to the one before it, as the "
            f"instructions for comment threads say. A task marked 'continues' already has a thread: its "
            f"new comments carry on from the last ones shown, without repeating them or starting over. "
            f"Use each task's name exactly as given in the thread's 'task' field.\n" + "\n".join(lines))


_PLACEHOLDER = re.compile(r"\{(?!mention\})[^{}]*\}")
_MAX = {"name": 200, "notes": 2000, "text": 1500, "first_name": 40, "last_name": 60}


def _text(value: Any, field: str) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split()) if field != "notes" else value.strip()
    if not text or len(text) > _MAX.get(field, 500):
        return None
    return _PLACEHOLDER.sub("", text).strip() or None


def _work_item(kind: str, item: dict[str, Any]) -> dict[str, Any] | None:
    """A project (with at least two sections) or a task, cleaned; None when it is unusable."""
    name, notes = _text(item.get("name"), "name"), _text(item.get("notes"), "notes") or ""
    key = "sections" if kind == "projects" else "subtasks"
    listed = item.get(key)
    parts = [p for p in (_text(x, "name") for x in listed) if p] if isinstance(listed, list) else []
    if not name or (kind == "projects" and len(parts) < 2):
        return None
    return {"name": name, "notes": notes, key: parts[:6]}


def clean_items(kind: str, raw: Any) -> list[dict[str, Any]]:
    """Keep the well-formed items of a tool answer (dropping, never repairing, bad ones)."""
    items = raw.get(RESULT_FIELD[kind]) if isinstance(raw, dict) else None
    if not isinstance(items, list):
        return []
    out: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        if kind == "people":
            first = _text(item.get("first_name"), "first_name")
            last = _text(item.get("last_name"), "last_name")
            if first and last and "@" not in first + last:
                out.append({"first_name": first, "last_name": last})
        elif kind in ("projects", "tasks"):
            owner = "department" if kind == "projects" else "project"
            name = _text(item.get(owner), "name")
            listed = item.get(kind)
            made = [w for w in (_work_item(kind, x) for x in listed if isinstance(x, dict)) if w] \
                if isinstance(listed, list) else []
            if name and made:
                out.append({owner: name, kind: made})
        else:
            task = _text(item.get("task"), "name")
            comments = [c for c in (_text(x, "text") for x in item.get("comments") or []) if c]
            if task and comments:
                out.append({"task": task, "comments": comments})
    return out
