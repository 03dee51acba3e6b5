"""Duplicating tasks and projects, which Asana does as a job: the POST answers 201 with a ``job``
(``new_task`` / ``new_project`` already named) and ``GET /jobs/{gid}`` reports its status. Here the copy
is made before the answer, so the job has already ``succeeded``."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tenantsim.sandbox.asana.record_links import IN_PROJECT
from tenantsim.sandbox.asana.store import Record, Store
from tenantsim.sandbox.asana.web import (
    ApiError,
    body_data,
    body_ref,
    lookup,
    missing,
    one,
    store_of,
    viewer,
)

TASK_INCLUDES = ("assignee", "attachments", "dates", "dependencies", "followers", "notes", "parent",
                 "projects", "subtasks", "tags")
PROJECT_INCLUDES = ("allocations", "forms", "members", "notes", "permissions", "task_assignee",
                    "task_attachments", "task_dates", "task_dependencies", "task_followers", "task_notes",
                    "task_projects", "task_subtasks", "task_tags", "task_templates", "task_type_default")


def _includes(data: dict[str, Any], allowed: tuple[str, ...]) -> set[str]:
    value = data.get("include")
    if value is None:
        return set()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ApiError(400, "include: Must be a comma-separated list")
    chosen = {str(item).strip() for item in items if str(item).strip()}
    unknown = sorted(chosen - set(allowed))
    if unknown:
        raise ApiError(400, f"include: Not a valid value: {unknown[0]}. Expected any of {', '.join(allowed)}")
    return chosen


def copy_task(store: Store, actor: str, source: Record, *, name: str, include: set[str], parent: str | None,
              memberships: list[tuple[str, str | None]], copies: dict[str, str]) -> Record:
    """A new task like ``source`` with what ``include`` names; ``copies`` maps old gids to new ones."""
    task = store.create_task(actor, workspace=source["workspace"], name=name,
                             projects=[project for project, _ in memberships], parent=parent,
                             notes=source["notes"] if "notes" in include else "",
                             html_notes=source.get("html_notes") if "notes" in include else None,
                             assignee=source["assignee"] if "assignee" in include else None,
                             resource_subtype=source["resource_subtype"])
    copies[source["gid"]] = task["gid"]
    for _, section in memberships:
        if section is not None and section in store.records:
            store.move_to_section(task, store.records[section])
    if "dates" in include:
        task.update({k: source.get(k) for k in ("due_on", "due_at", "start_on", "start_at")})
    with store.records.relinking(task):  # tags and dependencies are what a task is filed under
        if "tags" in include:
            task["tags"] = [t for t in source["tags"] if t in store.records]
        if "dependencies" in include:
            task["dependencies"] = [d for d in source.get("dependencies", []) if d in store.records]
    if "followers" in include:
        task["followers"] = list(dict.fromkeys(task["followers"] + source["followers"]))
    if memberships:
        task["custom_values"] = dict(source["custom_values"])
    if "attachments" in include:
        for attachment in store.records.filed("attachment", "parent", source["gid"]):
            fields = {k: v for k, v in attachment.items()
                      if k not in ("gid", "resource_type", "created_at", "modified_at")}
            store.add("attachment", **{**fields, "parent": task["gid"], "key": secrets.token_urlsafe(16)})
    if "subtasks" in include:
        for child in store.subtasks(source["gid"]):
            copy_task(store, actor, child, name=child["name"], include=include, parent=task["gid"],
                      memberships=[], copies=copies)
    return task


def _job(store: Store, subtype: str, **result: str) -> Record:
    return store.add("job", resource_subtype=subtype, status="succeeded", **result)


async def duplicate_task(request: Request) -> JSONResponse:
    store = store_of(request)
    source = lookup(request, request.path_params["task_gid"], "task")
    data = await body_data(request)
    if not data.get("name"):
        raise missing("name")
    include = _includes(data, TASK_INCLUDES)
    memberships = [(m["project"], m["section"]) for m in source["memberships"]
                   if m["project"] in store.records] if "projects" in include else []
    task = copy_task(store, viewer(request), source, name=str(data["name"]), include=include,
                     parent=source["parent"] if "parent" in include else None, memberships=memberships,
                     copies={})
    return one(request, _job(store, "duplicate_task", new_task=task["gid"]), 201)


async def duplicate_project(request: Request) -> JSONResponse:
    store = store_of(request)
    actor = viewer(request)
    source = lookup(request, request.path_params["project_gid"], "project")
    data = await body_data(request)
    if not data.get("name"):
        raise missing("name")
    include = _includes(data, PROJECT_INCLUDES)
    team = body_ref(store, data, "team", "team")
    if team is not None and team["organization"] != source["workspace"]:
        raise ApiError(400, "team: The team must be in the project's workspace")
    project = store.create_project(actor, workspace=source["workspace"],
                                   team=team["gid"] if team else source["team"], name=str(data["name"]),
                                   notes=source["notes"] if "notes" in include else "",
                                   html_notes=source.get("html_notes") if "notes" in include else None,
                                   color=source["color"], default_view=source["default_view"],
                                   public=source["public"])
    if "members" in include:
        for member in store.members_of(source):
            store.add_member(project, member)
    sections = {s["gid"]: store.create_section(project["gid"], s["name"], actor)["gid"]
                for s in store.records.filed("section", "project", source["gid"])}
    for setting_gid in source["settings"]:
        setting = store.records.get(setting_gid)
        if setting is not None:
            copied = store.add("custom_field_setting", project=project["gid"],
                               custom_field=setting["custom_field"], is_important=setting["is_important"])
            project["settings"].append(copied["gid"])
    task_include = {name.removeprefix("task_") for name in include if name.startswith("task_")}
    copies: dict[str, str] = {}
    tasks = [t for t in store.records.filed("task", IN_PROJECT, source["gid"]) if t["parent"] is None]
    for task in tasks:
        section = next(m["section"] for m in task["memberships"] if m["project"] == source["gid"])
        memberships = [(project["gid"], sections.get(section or ""))]
        if "projects" in task_include:
            memberships += [(m["project"], m["section"]) for m in task["memberships"]
                            if m["project"] != source["gid"] and m["project"] in store.records]
        copy_task(store, actor, task, name=task["name"], include=task_include, parent=None,
                  memberships=memberships, copies=copies)
    if "dependencies" in task_include:  # links between copied tasks point at the copies
        for new_gid in copies.values():
            copied_task = store.records[new_gid]
            with store.records.relinking(copied_task):
                copied_task["dependencies"] = [copies.get(d, d) for d in copied_task.get("dependencies", [])]
    return one(request, _job(store, "duplicate_project", new_project=project["gid"]), 201)


async def get_job(request: Request) -> JSONResponse:
    return one(request, lookup(request, request.path_params["job_gid"], "job"))


ROUTES = [
    Route("/tasks/{task_gid}/duplicate", duplicate_task, methods=["POST"]),
    Route("/projects/{project_gid}/duplicate", duplicate_project, methods=["POST"]),
    Route("/jobs/{job_gid}", get_job, methods=["GET"]),
]
