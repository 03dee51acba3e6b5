"""Tasks, subtasks, stories (comments) and tags."""

from __future__ import annotations

import re
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tenantsim.sandbox.asana.routes_projects import COLORS
from tenantsim.sandbox.asana.store import Record, Store
from tenantsim.sandbox.asana.web import (
    ApiError,
    body_data,
    body_ref,
    empty,
    lookup,
    missing,
    one,
    page,
    store_of,
    unknown_id,
    viewer,
)

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(data: dict[str, Any], field: str) -> str | None:
    value = data.get(field)
    if value is not None and (not isinstance(value, str) or not DATE.match(value)):
        raise ApiError(400, f"{field}: Invalid date: {value}")
    return value


def _assignee(request: Request, store: Store, data: dict[str, Any]) -> str | None:
    value = data.get("assignee")
    if value is None:
        return None
    if value == "me":
        return viewer(request)
    if store.get(str(value), "user") is None:
        raise unknown_id("assignee", value)
    return str(value)


def _set_custom_values(store: Store, task: Record, values: Any) -> None:
    if values is None:
        return
    if not isinstance(values, dict):
        raise ApiError(400, "custom_fields: Must be an object mapping custom field gids to values")
    allowed = {store.records[s]["custom_field"] for m in task["memberships"]
               if m["project"] in store.records for s in store.records[m["project"]]["settings"]}
    for gid, value in values.items():
        field = store.get(str(gid), "custom_field")
        if field is None:
            raise unknown_id("custom_fields", gid)
        if field["gid"] not in allowed:
            raise ApiError(400, f"custom_fields: Custom field with ID {gid} is not on given object")
        subtype = field["resource_subtype"]
        if value is not None and subtype == "enum" and value not in field["enum_options"]:
            raise ApiError(400, f"custom_fields: Not a valid enum option for {field['name']}: {value}")
        if value is not None and subtype == "number" and (
                isinstance(value, bool) or not isinstance(value, int | float)):
            raise ApiError(400, f"custom_fields: Number value required for {field['name']}")
        if value is not None and subtype == "text" and not isinstance(value, str):
            raise ApiError(400, f"custom_fields: Text value required for {field['name']}")
        task["custom_values"][field["gid"]] = value


def _new_task(request: Request, store: Store, data: dict[str, Any], parent: Record | None) -> Record:
    if not data.get("name"):
        raise missing("name")
    projects: list[Record] = []
    for gid in data.get("projects") or []:
        project = store.get(str(gid), "project")
        if project is None:
            raise unknown_id("projects", gid)
        projects.append(project)
    workspace = body_ref(store, data, "workspace", "workspace")
    if workspace is None and projects:
        workspace = store.records[projects[0]["workspace"]]
    if workspace is None and parent is not None:
        workspace = store.records[parent["workspace"]]
    if workspace is None:
        raise ApiError(400, "You should specify one of workspace, parent, projects")
    if any(p["workspace"] != workspace["gid"] for p in projects):
        raise ApiError(400, "projects: All projects must be in the task's workspace")
    task = store.create_task(viewer(request), workspace=workspace["gid"], name=str(data["name"]),
                             projects=[p["gid"] for p in projects],
                             parent=parent["gid"] if parent else None, notes=str(data.get("notes", "")),
                             assignee=_assignee(request, store, data), due_on=_date(data, "due_on"),
                             start_on=_date(data, "start_on"),
                             resource_subtype=data.get("resource_subtype", "default_task"))
    try:
        for membership in data.get("memberships") or []:
            section = body_ref(store, membership, "section", "section")
            if section is not None:
                store.move_to_section(task, section)
        for gid in data.get("tags") or []:
            if store.get(str(gid), "tag") is None:
                raise unknown_id("tags", gid)
            task["tags"].append(str(gid))
        _set_custom_values(store, task, data.get("custom_fields"))
        if data.get("completed"):
            task.update(completed=True, completed_at=time.time(), completed_by=viewer(request))
    except ApiError:
        store.discard_task(task)
        raise
    return task


async def create_task(request: Request) -> JSONResponse:
    store = store_of(request)
    data = await body_data(request)
    parent = body_ref(store, data, "parent", "task")
    return one(request, _new_task(request, store, data, parent), 201)


async def create_subtask(request: Request) -> JSONResponse:
    parent = lookup(request, request.path_params["task_gid"], "task")
    data = await body_data(request)
    return one(request, _new_task(request, store_of(request), data, parent), 201)


async def get_task(request: Request) -> JSONResponse:
    return one(request, lookup(request, request.path_params["task_gid"], "task"))


async def update_task(request: Request) -> JSONResponse:
    store = store_of(request)
    actor = viewer(request)
    task = lookup(request, request.path_params["task_gid"], "task")
    data = await body_data(request)
    for key in ("name", "notes"):
        if key in data:
            task[key] = str(data[key])
    if "due_on" in data:
        task["due_on"] = _date(data, "due_on")
        store.system_story(task, actor, "due_date_changed", f"changed the due date to {task['due_on']}")
    if "start_on" in data:
        task["start_on"] = _date(data, "start_on")
    if "assignee" in data:
        task["assignee"] = _assignee(request, store, data)
        if task["assignee"] and task["assignee"] not in task["followers"]:
            task["followers"].append(task["assignee"])
        name = store.records[task["assignee"]]["name"] if task["assignee"] else "nobody"
        store.system_story(task, actor, "assigned", f"assigned to {name}")
    if "completed" in data:
        done = bool(data["completed"])
        if done != task["completed"]:
            task["completed"] = done
            task["completed_at"] = time.time() if done else None
            task["completed_by"] = actor if done else None
            store.system_story(task, actor, "marked_complete" if done else "marked_incomplete",
                               "completed this task" if done else "marked this task incomplete")
    _set_custom_values(store, task, data.get("custom_fields"))
    store.touch(task)
    return one(request, task)


async def delete_task(request: Request) -> JSONResponse:
    store_of(request).delete_task(lookup(request, request.path_params["task_gid"], "task"))
    return empty()


def _incomplete_or_since(task: Record, since: str | None) -> bool:
    if since is None:
        return True
    if not task["completed"]:
        return True
    if since == "now":
        return False
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(task["completed_at"])) >= since[:19]


async def get_tasks(request: Request) -> JSONResponse:
    store = store_of(request)
    query = request.query_params
    project, section, tag = query.get("project"), query.get("section"), query.get("tag")
    assignee, workspace = query.get("assignee"), query.get("workspace")
    if not (project or section or tag) and not (assignee and workspace):
        raise ApiError(400, "Must specify either project, section, tag, or assignee + workspace")
    if assignee == "me":
        assignee = viewer(request)
    out = []
    for task in store.of_type("task"):
        if project and not any(m["project"] == project for m in task["memberships"]):
            continue
        if section and not any(m["section"] == section for m in task["memberships"]):
            continue
        if tag and tag not in task["tags"]:
            continue
        if assignee and task["assignee"] != assignee:
            continue
        if workspace and task["workspace"] != workspace:
            continue
        if _incomplete_or_since(task, query.get("completed_since")):
            out.append(task)
    return page(request, out)


async def get_subtasks(request: Request) -> JSONResponse:
    task = lookup(request, request.path_params["task_gid"], "task")
    return page(request, store_of(request).subtasks(task["gid"]))


async def add_tag(request: Request) -> JSONResponse:
    store = store_of(request)
    task = lookup(request, request.path_params["task_gid"], "task")
    tag = body_ref(store, await body_data(request), "tag", "tag", required=True)
    assert tag is not None
    if tag["gid"] not in task["tags"]:
        task["tags"].append(tag["gid"])
    return empty()


async def remove_tag(request: Request) -> JSONResponse:
    store = store_of(request)
    task = lookup(request, request.path_params["task_gid"], "task")
    tag = body_ref(store, await body_data(request), "tag", "tag", required=True)
    assert tag is not None
    task["tags"] = [t for t in task["tags"] if t != tag["gid"]]
    return empty()


async def add_project(request: Request) -> JSONResponse:
    store = store_of(request)
    task = lookup(request, request.path_params["task_gid"], "task")
    data = await body_data(request)
    project = body_ref(store, data, "project", "project", required=True)
    assert project is not None
    section = body_ref(store, data, "section", "section")
    if not any(m["project"] == project["gid"] for m in task["memberships"]):
        first = store.first_section(project["gid"])
        task["memberships"].append({"project": project["gid"], "section": first})
    if section is not None:
        store.move_to_section(task, section)
    return empty()


async def add_followers(request: Request) -> JSONResponse:
    store = store_of(request)
    task = lookup(request, request.path_params["task_gid"], "task")
    data = await body_data(request)
    for gid in data.get("followers") or []:
        gid = viewer(request) if gid == "me" else str(gid)
        if store.get(gid, "user") is None:
            raise unknown_id("followers", gid)
        if gid not in task["followers"]:
            task["followers"].append(gid)
    return one(request, task)


# -- stories ----------------------------------------------------------------------------------------
async def get_stories(request: Request) -> JSONResponse:
    task = lookup(request, request.path_params["task_gid"], "task")
    stories = [s for s in store_of(request).of_type("story") if s["task"] == task["gid"]]
    return page(request, stories)


async def create_story(request: Request) -> JSONResponse:
    task = lookup(request, request.path_params["task_gid"], "task")
    data = await body_data(request)
    text = data.get("text")
    if text is None and data.get("html_text"):
        text = re.sub(r"<[^>]+>", "", str(data["html_text"]))
    if not text:
        raise missing("text")
    story = store_of(request).add_story(task, viewer(request), str(text))
    return one(request, story, 201)


def _own_comment(request: Request) -> Record:
    story = lookup(request, request.path_params["story_gid"], "story")
    if story["type"] != "comment":
        raise ApiError(403, "Only comments can be edited or deleted")
    if story["created_by"] != viewer(request):
        raise ApiError(403, "You can only edit or delete stories you created")
    return story


async def get_story(request: Request) -> JSONResponse:
    return one(request, lookup(request, request.path_params["story_gid"], "story"))


async def update_story(request: Request) -> JSONResponse:
    story = _own_comment(request)
    data = await body_data(request)
    if "text" in data:
        story["text"] = str(data["text"])
    return one(request, story)


async def delete_story(request: Request) -> JSONResponse:
    story = _own_comment(request)
    store_of(request).delete_plain(story)
    return empty()


# -- tags -------------------------------------------------------------------------------------------
def _create_tag(request: Request, data: dict[str, Any]) -> Record:
    store = store_of(request)
    workspace = body_ref(store, data, "workspace", "workspace", required=True)
    assert workspace is not None
    if not data.get("name"):
        raise missing("name")
    color = data.get("color")
    if color is not None and (color not in COLORS or color == "none"):
        raise ApiError(400, f"color: Invalid color: {color}")
    return store.add("tag", name=str(data["name"]), color=color, notes=str(data.get("notes", "")),
                     workspace=workspace["gid"], followers=[viewer(request)])


async def create_tag(request: Request) -> JSONResponse:
    data = await body_data(request)
    if "workspace_gid" in request.path_params:
        data["workspace"] = request.path_params["workspace_gid"]
    return one(request, _create_tag(request, data), 201)


async def get_tags(request: Request) -> JSONResponse:
    workspace = request.query_params.get("workspace") or request.path_params.get("workspace_gid")
    if workspace is None:
        raise missing("workspace")
    if store_of(request).get(workspace, "workspace") is None:
        raise unknown_id("workspace", workspace)
    return page(request, [t for t in store_of(request).of_type("tag") if t["workspace"] == workspace])


async def get_tag(request: Request) -> JSONResponse:
    return one(request, lookup(request, request.path_params["tag_gid"], "tag"))


async def update_tag(request: Request) -> JSONResponse:
    tag = lookup(request, request.path_params["tag_gid"], "tag")
    data = await body_data(request)
    for key in ("name", "color", "notes"):
        if key in data:
            tag[key] = data[key]
    return one(request, tag)


async def delete_tag(request: Request) -> JSONResponse:
    store_of(request).delete_tag(lookup(request, request.path_params["tag_gid"], "tag"))
    return empty()


async def get_task_tags(request: Request) -> JSONResponse:
    task = lookup(request, request.path_params["task_gid"], "task")
    store = store_of(request)
    return page(request, [store.records[t] for t in task["tags"] if t in store.records])


async def get_tag_tasks(request: Request) -> JSONResponse:
    tag = lookup(request, request.path_params["tag_gid"], "tag")
    return page(request, [t for t in store_of(request).of_type("task") if tag["gid"] in t["tags"]])


ROUTES = [
    Route("/tasks", get_tasks, methods=["GET"]),
    Route("/tasks", create_task, methods=["POST"]),
    Route("/tasks/{task_gid}", get_task, methods=["GET"]),
    Route("/tasks/{task_gid}", update_task, methods=["PUT"]),
    Route("/tasks/{task_gid}", delete_task, methods=["DELETE"]),
    Route("/tasks/{task_gid}/subtasks", get_subtasks, methods=["GET"]),
    Route("/tasks/{task_gid}/subtasks", create_subtask, methods=["POST"]),
    Route("/tasks/{task_gid}/addTag", add_tag, methods=["POST"]),
    Route("/tasks/{task_gid}/removeTag", remove_tag, methods=["POST"]),
    Route("/tasks/{task_gid}/addProject", add_project, methods=["POST"]),
    Route("/tasks/{task_gid}/addFollowers", add_followers, methods=["POST"]),
    Route("/tasks/{task_gid}/tags", get_task_tags, methods=["GET"]),
    Route("/tasks/{task_gid}/stories", get_stories, methods=["GET"]),
    Route("/tasks/{task_gid}/stories", create_story, methods=["POST"]),
    Route("/stories/{story_gid}", get_story, methods=["GET"]),
    Route("/stories/{story_gid}", update_story, methods=["PUT"]),
    Route("/stories/{story_gid}", delete_story, methods=["DELETE"]),
    Route("/tags", get_tags, methods=["GET"]),
    Route("/tags", create_tag, methods=["POST"]),
    Route("/workspaces/{workspace_gid}/tags", get_tags, methods=["GET"]),
    Route("/workspaces/{workspace_gid}/tags", create_tag, methods=["POST"]),
    Route("/tags/{tag_gid}", get_tag, methods=["GET"]),
    Route("/tags/{tag_gid}", update_tag, methods=["PUT"]),
    Route("/tags/{tag_gid}", delete_tag, methods=["DELETE"]),
    Route("/tags/{tag_gid}/tasks", get_tag_tasks, methods=["GET"]),
]
