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
- projects: a name a team would give its project board (not a sentence), notes (the goal, owner \
team, and how progress is reviewed) and 3 to 6 board section names in workflow order.
- tasks: name, notes and 0 to 5 short subtasks that are steps of the task.
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
        "description": "Record the projects you wrote.",
        "input_schema": _object({"projects": _array(_object(
            {"name": _STRING, "notes": _STRING, "sections": _array(_STRING, minItems=3, maxItems=6)},
            ["name", "notes", "sections"]))}, ["projects"]),
    },
    "tasks": {
        "name": "record_tasks",
        "description": "Record the tasks you wrote.",
        "input_schema": _object({"tasks": _array(_object(
            {"name": _STRING, "notes": _STRING, "subtasks": _array(_STRING, maxItems=5)},
            ["name", "notes", "subtasks"]))}, ["tasks"]),
    },
    "comments": {
        "name": "record_comment_threads",
        "description": "Record one comment thread per task.",
        "input_schema": _object({"threads": _array(_object(
            {"task": _STRING, "comments": _array(_STRING, minItems=1)}, ["task", "comments"]))}, ["threads"]),
    },
}
RESULT_FIELD = {"people": "people", "projects": "projects", "tasks": "tasks", "comments": "threads"}


def people_prompt(industry: str, description: str, count: int) -> str:
    return (f"Industry: {industry}. The company: {description}\n"
            f"Write exactly {count} employee names (first_name, last_name) for this company.")


def projects_prompt(industry: str, description: str, department: str, count: int, examples: list[str]) -> str:
    return (f"Industry: {industry}. The company: {description}\nDepartment: {department}.\n"
            f"Write exactly {count} projects this department runs. Style examples (do not copy): "
            f"{'; '.join(examples)}.")


def tasks_prompt(industry: str, department: str, project: str, count: int, examples: list[str]) -> str:
    return (f"Industry: {industry}. Department: {department}. Project: {project}.\n"
            f"Write exactly {count} tasks that belong to this project. Style examples (do not copy): "
            f"{'; '.join(examples)}.")


def comments_prompt(industry: str, department: str, project: str, tasks: list[str], per_thread: int) -> str:
    listing = "\n".join(f"- {task}" for task in tasks)
    return (f"Industry: {industry}. Department: {department}. Project: {project}.\n"
            f"Write exactly {len(tasks)} threads, one for each task below, each with exactly {per_thread} "
            f"comments: exchanges in which every comment answers or reacts to the one before it, as the "
            f"instructions for comment threads say. Use each task's name exactly as given in the thread's "
            f"'task' field.\n{listing}")


_PLACEHOLDER = re.compile(r"\{(?!mention\})[^{}]*\}")
_MAX = {"name": 200, "notes": 2000, "text": 1500, "first_name": 40, "last_name": 60}


def _text(value: Any, field: str) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split()) if field != "notes" else value.strip()
    if not text or len(text) > _MAX.get(field, 500):
        return None
    return _PLACEHOLDER.sub("", text).strip() or None


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
            name, notes = _text(item.get("name"), "name"), _text(item.get("notes"), "notes") or ""
            listed = item.get("sections" if kind == "projects" else "subtasks") or []
            parts = [p for p in (_text(x, "name") for x in listed if isinstance(listed, list)) if p]
            if not name or (kind == "projects" and len(parts) < 2):
                continue
            key = "sections" if kind == "projects" else "subtasks"
            out.append({"name": name, "notes": notes, key: parts[:6]})
        else:
            task = _text(item.get("task"), "name")
            comments = [c for c in (_text(x, "text") for x in item.get("comments") or []) if c]
            if task and comments:
                out.append({"task": task, "comments": comments})
    return out
