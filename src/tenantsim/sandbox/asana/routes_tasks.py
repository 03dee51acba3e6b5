"""Tasks, subtasks, stories (comments) and tags."""

from __future__ import annotations

import re
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tenantsim.sandbox.asana.record_links import IN_PROJECT, IN_SECTION
from tenantsim.sandbox.asana.routes_projects import COLORS
from tenantsim.sandbox.asana.store import Record, Store, iso
from tenantsim.sandbox.asana.web import (
    PREMIUM_MESSAGE,
    ApiError,
    body_data,
    body_ref,
    empty,
    html_field,
    lookup,
    missing,
    one,
    opt_fields,
    page,
    parse_time,
    plain_of,
    renderer,
    since_filter,
    store_of,
    unknown_id,
    viewer,
)

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TASK_SUBTYPES = ("default_task", "milestone", "approval")
def _datetime(data: dict[str, Any], field: str) -> str | None:
    value = data.get(field)
    return None if value is None else iso(parse_time(value, field))


def _subtype(data: dict[str, Any]) -> str:
    value = data.get("resource_subtype", "default_task")
    if value not in TASK_SUBTYPES:
        raise ApiError(400, f"resource_subtype: Not a valid value: {value}. "
                            f"Expected one of {', '.join(TASK_SUBTYPES)}")
    return str(value)


def _schedule(task: Record, data: dict[str, Any]) -> list[str]:
    """Apply due_on/due_at/start_on/start_at from ``data`` to ``task``; the fields it changed."""
    changed = []
    if "due_on" in data and "due_at" in data and data["due_on"] is not None and data["due_at"] is not None:
        raise ApiError(400, "You may only provide one of due_on or due_at")
    if "start_on" in data and "start_at" in data and data["start_on"] is not None \
            and data["start_at"] is not None:
        raise ApiError(400, "You may only provide one of start_on or start_at")
    if "start_at" in data and "due_at" not in data:
        raise ApiError(400, "start_at: due_at must be present in the request when setting start_at")
    if "due_at" in data:
        task["due_at"] = _datetime(data, "due_at")
        task["due_on"] = task["due_at"][:10] if task["due_at"] else None
        changed.append("due_at")
    elif "due_on" in data:
        task["due_on"] = _date(data, "due_on")
        task["due_at"] = None
        changed.append("due_on")
    if "start_at" in data:
        task["start_at"] = _datetime(data, "start_at")
        task["start_on"] = task["start_at"][:10] if task["start_at"] else None
        changed.append("start_at")
    elif "start_on" in data:
        task["start_on"] = _date(data, "start_on")
        task["start_at"] = None
        changed.append("start_on")
    if task["start_on"] is not None and task["resource_subtype"] == "milestone":
        raise ApiError(400, "start_on: Milestones cannot have a start date")
    if task["start_on"] is not None and task["due_on"] is None:
        raise ApiError(400, "start_on: A task with a start date must also have a due date")
    if task["start_on"] and task["due_on"] and task["start_on"] > task["due_on"]:
        raise ApiError(400, "start_on: Start date must be before the due date")
    return changed


def _date(data: dict[str, Any], field: str) -> str | None:
    value = data.get(field)
    if value is not None and (not isinstance(value, str) or not DATE.match(value)):
        raise ApiError(400, f"{field}: Invalid date: {value}")
    return value


def _assignee(request: Request, store: Store, data: dict[str, Any]) -> str | None:
    value = data.get("assignee")
    if value is None:
        return None
    user = store.user_by_ref(value, viewer(request))
    if user is None:
        raise unknown_id("assignee", value)
    return str(user["gid"])


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
        if value is not None and subtype == "multi_enum":
            value = _gid_list(value)
            if any(option not in field["enum_options"] for option in value):
                raise ApiError(400, f"custom_fields: Not a valid enum option for {field['name']}: {value}")
        if value is not None and subtype == "people":
            people = []
            for ref in _gid_list(value):
                user = store.user_by_ref(ref, task["created_by"])
                if user is None:
                    raise unknown_id("custom_fields", ref)
                people.append(user["gid"])
            value = list(dict.fromkeys(people))
        if value is not None and subtype == "date":
            value = _date_value(field, value)
        if subtype in ("multi_enum", "people") and not value:
            value = None  # an empty list clears the field
        task["custom_values"][field["gid"]] = value


def _gid_list(value: Any) -> list[str]:
    """A list of gids as Asana takes it in a custom field value: a JSON array or "1,2"."""
    if isinstance(value, str):
        return [g.strip() for g in value.split(",") if g.strip()]
    if isinstance(value, list):
        return [str(g) for g in value]
    raise ApiError(400, "custom_fields: Expected an array of gids")


def _date_value(field: Record, value: Any) -> dict[str, Any]:
    """``{"date": "YYYY-MM-DD"}`` or ``{"date_time": ISO 8601}`` (a bare date string is taken too)."""
    if isinstance(value, str):
        value = {"date": value}
    if not isinstance(value, dict) or not (value.get("date") or value.get("date_time")):
        raise ApiError(400, f"custom_fields: Date value required for {field['name']}: "
                            'expected {"date": "YYYY-MM-DD"} or {"date_time": ...}')
    if value.get("date_time"):
        stamp = iso(parse_time(value["date_time"], "custom_fields"))
        return {"date": stamp[:10], "date_time": stamp}
    date = _date({"date": value["date"]}, "date")
    return {"date": date}


def _new_task(request: Request, store: Store, data: dict[str, Any], parent: Record | None) -> Record:
    if not data.get("name"):
        raise missing("name")
    projects: list[Record] = []
    for gid in data.get("projects") or []:
        project = store.get(str(gid), "project")
        if project is None:
            raise unknown_id("projects", gid)
        projects.append(project)
    memberships = data.get("memberships") or []
    if not isinstance(memberships, list) or not all(isinstance(m, dict) for m in memberships):
        raise ApiError(400, "memberships: Must be an array of {project, section} objects")
    placed: list[Record] = []  # sections named by memberships, each checked against its project
    for membership in memberships:
        project = body_ref(store, membership, "project", "project", required=True)
        assert project is not None
        section = body_ref(store, membership, "section", "section")
        if section is not None and section["project"] != project["gid"]:
            raise ApiError(400, f"memberships: Section {section['gid']} is not in project {project['gid']}")
        if all(p["gid"] != project["gid"] for p in projects):
            projects.append(project)
        if section is not None:
            placed.append(section)
    subtype = _subtype(data)
    notes = str(data.get("notes", ""))
    html_notes = None
    if data.get("html_notes") is not None:
        html_notes = html_field(data, "html_notes")
        notes = plain_of(html_notes)
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
                             parent=parent["gid"] if parent else None, notes=notes,
                             html_notes=html_notes, assignee=_assignee(request, store, data),
                             resource_subtype=subtype)
    try:
        _schedule(task, data)
        for section in placed:
            store.move_to_section(task, section)
        with store.records.relinking(task):
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
    changed: list[tuple[str, str | None]] = []
    if "resource_subtype" in data:
        task["resource_subtype"] = _subtype(data)
        changed.append(("resource_subtype", None))
    for key in ("name", "notes"):
        if key in data:
            task[key] = str(data[key])
            changed.append((key, None))
    if "notes" in data:
        task["html_notes"] = None
    if data.get("html_notes") is not None:
        task["html_notes"] = html_field(data, "html_notes")
        task["notes"] = plain_of(task["html_notes"])
        changed.append(("notes", None))
    before = task["due_on"]
    for field in _schedule(task, data):
        changed.append((field, None))
    if task["due_on"] != before:
        store.system_story(task, actor, "due_date_changed", f"changed the due date to {task['due_on']}")
    if "assignee" in data:
        with store.records.relinking(task):
            task["assignee"] = _assignee(request, store, data)
        if task["assignee"] and task["assignee"] not in task["followers"]:
            task["followers"].append(task["assignee"])
        name = store.records[task["assignee"]]["name"] if task["assignee"] else "nobody"
        store.system_story(task, actor, "assigned", f"assigned to {name}")
        changed.append(("assignee", task["assignee"]))
    if "completed" in data:
        done = bool(data["completed"])
        if done != task["completed"]:
            task["completed"] = done
            task["completed_at"] = time.time() if done else None
            task["completed_by"] = actor if done else None
            store.system_story(task, actor, "marked_complete" if done else "marked_incomplete",
                               "completed this task" if done else "marked this task incomplete")
            changed.append(("completed", None))
    if data.get("custom_fields") is not None:
        _set_custom_values(store, task, data.get("custom_fields"))
        changed.append(("custom_fields", None))
    store.touch(task)
    for field, new_value in changed:
        store.emit("changed", task, actor, field=field, new_value=new_value)
    return one(request, task)


async def delete_task(request: Request) -> JSONResponse:
    store_of(request).delete_task(lookup(request, request.path_params["task_gid"], "task"), viewer(request))
    return empty()


async def get_tasks(request: Request) -> JSONResponse:
    store = store_of(request)
    query = request.query_params
    project, section, tag = query.get("project"), query.get("section"), query.get("tag")
    assignee, workspace = query.get("assignee"), query.get("workspace")
    if not (project or section or tag) and not (assignee and workspace):
        raise ApiError(400, "Must specify either project, section, tag, or assignee + workspace")
    if assignee is not None:
        user = store.user_by_ref(assignee, viewer(request))
        if user is None:
            raise unknown_id("assignee", assignee)
        assignee = user["gid"]
    keep = since_filter(request)
    # The tasks filed under one of the filters (the others are checked below), in list order.
    if project:
        candidates = store.records.filed("task", IN_PROJECT, project)
    elif section:
        candidates = store.records.filed("task", IN_SECTION, section)
    elif tag:
        candidates = store.records.filed("task", "tags", tag)
    else:
        candidates = store.records.filed("task", "assignee", assignee) if assignee else []
    out = []
    for task in candidates:
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
        if keep(task):
            out.append(task)
    return page(request, out)


SEARCH_SORTS = {"due_date": "due_on", "created_at": "created_at", "completed_at": "completed_at",
                "modified_at": "modified_at", "likes": None}


def _gids(request: Request, name: str) -> set[str] | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    return {viewer(request) if g.strip() == "me" else g.strip() for g in raw.split(",") if g.strip()}


def _flag(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise ApiError(400, f"{name}: Not a boolean: {raw}")
    return raw == "true"


async def search_tasks(request: Request) -> JSONResponse:
    """The premium task search, with its common filters. Not paginated: ``limit`` (<= 100) caps it."""
    store = store_of(request)
    workspace = lookup(request, request.path_params["workspace_gid"], "workspace")
    if store.plan != "paid":
        raise ApiError(402, PREMIUM_MESSAGE)
    query = request.query_params
    text = (query.get("text") or "").lower()
    subtype = query.get("resource_subtype")
    sets = {name: _gids(request, name) for name in (
        "assignee.any", "assignee.not", "projects.any", "projects.not", "projects.all", "sections.any",
        "sections.not", "tags.any", "tags.not", "tags.all", "created_by.any", "created_by.not",
        "followers.any")}
    completed, is_subtask = _flag(request, "completed"), _flag(request, "is_subtask")
    bounds = {name: parse_time(query[name], name) for name in (
        "modified_at.after", "modified_at.before", "created_at.after", "created_at.before",
        "completed_at.after", "completed_at.before") if name in query}
    dates = {name: _date(dict(query), name) for name in (
        "due_on.before", "due_on.after", "due_on") if name in query}
    sort_by = query.get("sort_by", "modified_at")
    if sort_by not in SEARCH_SORTS:
        raise ApiError(400, f"sort_by: Not a valid value: {sort_by}")
    ascending = _flag(request, "sort_ascending") or False
    try:
        limit = int(query.get("limit", "20"))
    except ValueError:
        limit = 0
    if not 1 <= limit <= 100:
        raise ApiError(400, "limit: Must be between 1 and 100")

    def matches(task: Record) -> bool:
        projects = {m["project"] for m in task["memberships"]}
        sections = {m["section"] for m in task["memberships"] if m["section"]}
        fields = {"assignee": {task["assignee"]} - {None}, "projects": projects, "sections": sections,
                  "tags": set(task["tags"]), "created_by": {task["created_by"]},
                  "followers": set(task["followers"])}
        for name, wanted in sets.items():
            if wanted is None:
                continue
            head, _, mode = name.partition(".")
            have = fields[head]
            if (mode == "any" and not have & wanted) or (mode == "not" and have & wanted) or (
                    mode == "all" and not wanted <= have):
                return False
        if text and text not in task["name"].lower() and text not in task["notes"].lower():
            return False
        if subtype is not None and task["resource_subtype"] != subtype:
            return False
        if completed is not None and task["completed"] != completed:
            return False
        if is_subtask is not None and (task["parent"] is not None) != is_subtask:
            return False
        for name, bound in bounds.items():
            head, _, side = name.partition(".")
            value = task[head]
            if value is None or (side == "after" and value <= bound) or (side == "before" and value >= bound):
                return False
        for name, day in dates.items():
            due = task["due_on"]
            if due is None or (name == "due_on" and due != day) or (
                    name == "due_on.before" and due >= str(day)) or (
                    name == "due_on.after" and due <= str(day)):
                return False
        return True

    found = [t for t in store.of_type("task") if t["workspace"] == workspace["gid"] and matches(t)]
    key = SEARCH_SORTS[sort_by]
    if key is not None:
        present = [t for t in found if t[key] is not None]
        missing_key = [t for t in found if t[key] is None]
        present.sort(key=lambda t: t[key], reverse=not ascending)
        found = present + missing_key
    draw = renderer(request)
    fields = opt_fields(request)
    return JSONResponse({"data": [draw.compact(t, fields) for t in found[:limit]]})


async def get_subtasks(request: Request) -> JSONResponse:
    task = lookup(request, request.path_params["task_gid"], "task")
    return page(request, store_of(request).subtasks(task["gid"]))


async def add_tag(request: Request) -> JSONResponse:
    store = store_of(request)
    task = lookup(request, request.path_params["task_gid"], "task")
    tag = body_ref(store, await body_data(request), "tag", "tag", required=True)
    assert tag is not None
    if tag["gid"] not in task["tags"]:
        with store.records.relinking(task):
            task["tags"].append(tag["gid"])
    return empty()


async def remove_tag(request: Request) -> JSONResponse:
    store = store_of(request)
    task = lookup(request, request.path_params["task_gid"], "task")
    tag = body_ref(store, await body_data(request), "tag", "tag", required=True)
    assert tag is not None
    with store.records.relinking(task):
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
        with store.records.relinking(task):
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
    return page(request, store_of(request).records.filed("story", "task", task["gid"]))


async def create_story(request: Request) -> JSONResponse:
    task = lookup(request, request.path_params["task_gid"], "task")
    data = await body_data(request)
    text = data.get("text")
    markup = None
    if data.get("html_text") is not None:
        markup = html_field(data, "html_text")
        text = plain_of(markup)
    if not text:
        raise missing("text")
    story = store_of(request).add_story(task, viewer(request), str(text), markup)
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
        story["html_text"] = None
    if data.get("html_text") is not None:
        story["html_text"] = html_field(data, "html_text")
        story["text"] = plain_of(story["html_text"])
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
    return page(request, store_of(request).records.filed("tag", "workspace", workspace))


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
    return page(request, store_of(request).records.filed("task", "tags", tag["gid"]))


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
    Route("/workspaces/{workspace_gid}/tasks/search", search_tasks, methods=["GET"]),
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
