"""Projects, sections and the custom field settings that attach fields to projects."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tenantsim.sandbox.asana.record_links import IN_PROJECT, IN_SECTION
from tenantsim.sandbox.asana.store import Record, Store
from tenantsim.sandbox.asana.web import (
    ApiError,
    body_data,
    body_ref,
    empty,
    html_field,
    lookup,
    missing,
    one,
    page,
    plain_of,
    since_filter,
    store_of,
    unknown_id,
    viewer,
)

COLORS = {"dark-pink", "dark-green", "dark-blue", "dark-red", "dark-teal", "dark-brown", "dark-orange",
          "dark-purple", "dark-warm-gray", "light-pink", "light-green", "light-blue", "light-red",
          "light-teal", "light-brown", "light-orange", "light-purple", "light-warm-gray", "none"}
VIEWS = {"list", "board", "calendar", "timeline"}
EDITABLE = ("name", "notes", "color", "default_view", "due_on", "start_on", "archived", "public")


def _check_fields(data: dict[str, Any]) -> None:
    if data.get("color") is not None and data["color"] not in COLORS:
        raise ApiError(400, f"color: Invalid color: {data['color']}")
    if "default_view" in data and data["default_view"] not in VIEWS:
        raise ApiError(400, f"default_view: Invalid value: {data['default_view']}")
    if "name" in data and not str(data["name"]).strip():
        raise ApiError(400, "name: Cannot be empty")


def _create(request: Request, store: Store, data: dict[str, Any]) -> Record:
    workspace = body_ref(store, data, "workspace", "workspace")
    team = body_ref(store, data, "team", "team")
    if workspace is None and team is None:
        raise missing("workspace")
    if workspace is None:
        assert team is not None
        workspace = store.records[team["organization"]]
    if workspace["is_organization"] and team is None:
        raise missing("team")
    if team is not None and team["organization"] != workspace["gid"]:
        raise ApiError(400, "team: Teams only exist in organizations, and this team is not in the workspace")
    if not data.get("name"):
        raise missing("name")
    _check_fields(data)
    extra: dict[str, Any] = {k: data[k] for k in ("color", "default_view", "due_on", "start_on", "public")
                             if k in data}
    notes = str(data.get("notes", ""))
    if data.get("html_notes") is not None:
        extra["html_notes"] = html_field(data, "html_notes")
        notes = plain_of(extra["html_notes"])
    return store.create_project(viewer(request), workspace=workspace["gid"],
                                team=team["gid"] if team else None, name=str(data["name"]),
                                notes=notes, default_section=True, **extra)


async def create_project(request: Request) -> JSONResponse:
    data = await body_data(request)
    return one(request, _create(request, store_of(request), data), 201)


async def create_project_in(request: Request) -> JSONResponse:
    data = await body_data(request)
    if "team_gid" in request.path_params:
        data["team"] = request.path_params["team_gid"]
        lookup(request, data["team"], "team")
    else:
        data["workspace"] = request.path_params["workspace_gid"]
        lookup(request, data["workspace"], "workspace")
    return one(request, _create(request, store_of(request), data), 201)


def _projects(store: Store, workspace: str | None, team: str | None, archived: str | None) -> list[Record]:
    if team is not None:
        candidates = store.records.filed("project", "team", team)
    elif workspace is not None:
        candidates = store.records.filed("project", "workspace", workspace)
    else:
        candidates = store.records.filed("project")
    out = []
    for project in candidates:
        if workspace is not None and project["workspace"] != workspace:
            continue
        if team is not None and project["team"] != team:
            continue
        if archived is not None and project["archived"] != (archived == "true"):
            continue
        out.append(project)
    return out


async def get_projects(request: Request) -> JSONResponse:
    store = store_of(request)
    workspace = request.query_params.get("workspace")
    team = request.query_params.get("team")
    if workspace is not None and store.get(workspace, "workspace") is None:
        raise unknown_id("workspace", workspace)
    if team is not None and store.get(team, "team") is None:
        raise unknown_id("team", team)
    if workspace is None and team is None:
        raise ApiError(400, "Must specify workspace or team")
    return page(request, _projects(store, workspace, team, request.query_params.get("archived")))


async def get_projects_in(request: Request) -> JSONResponse:
    store = store_of(request)
    archived = request.query_params.get("archived")
    if "team_gid" in request.path_params:
        team = lookup(request, request.path_params["team_gid"], "team")
        return page(request, _projects(store, None, team["gid"], archived))
    workspace = lookup(request, request.path_params["workspace_gid"], "workspace")
    return page(request, _projects(store, workspace["gid"], None, archived))


async def get_project(request: Request) -> JSONResponse:
    return one(request, lookup(request, request.path_params["project_gid"], "project"))


async def update_project(request: Request) -> JSONResponse:
    project = lookup(request, request.path_params["project_gid"], "project")
    data = await body_data(request)
    _check_fields(data)
    for key in EDITABLE:
        if key in data:
            project[key] = data[key]
    if "notes" in data:
        project["html_notes"] = None
    if data.get("html_notes") is not None:
        project["html_notes"] = html_field(data, "html_notes")
        project["notes"] = plain_of(project["html_notes"])
    store = store_of(request)
    store.touch(project)
    for key in data:
        if key in EDITABLE or key == "html_notes":
            store.emit("changed", project, viewer(request), field="notes" if key == "html_notes" else key)
    return one(request, project)


async def delete_project(request: Request) -> JSONResponse:
    store_of(request).delete_project(lookup(request, request.path_params["project_gid"], "project"))
    return empty()


# -- sections ---------------------------------------------------------------------------------------
def _sections(store: Store, project: str) -> list[Record]:
    return store.records.filed("section", "project", project)


async def get_sections(request: Request) -> JSONResponse:
    project = lookup(request, request.path_params["project_gid"], "project")
    return page(request, _sections(store_of(request), project["gid"]))


async def create_section(request: Request) -> JSONResponse:
    project = lookup(request, request.path_params["project_gid"], "project")
    data = await body_data(request)
    if not data.get("name"):
        raise missing("name")
    return one(request, store_of(request).create_section(project["gid"], str(data["name"]), viewer(request)),
               201)


async def insert_section(request: Request) -> JSONResponse:
    """Reorder a project's sections: ``section`` goes before ``before_section`` or after ``after_section``."""
    store = store_of(request)
    project = lookup(request, request.path_params["project_gid"], "project")
    data = await body_data(request)
    section = body_ref(store, data, "section", "section", required=True)
    assert section is not None
    before, after = data.get("before_section"), data.get("after_section")
    if (before is None) == (after is None):
        raise ApiError(400, "You must provide exactly one of before_section or after_section")
    field = "before_section" if before is not None else "after_section"
    anchor = body_ref(store, data, field, "section")
    assert anchor is not None
    for record, name in ((section, "section"), (anchor, field)):
        if record["project"] != project["gid"]:
            raise ApiError(400, f"{name}: Section {record['gid']} is not in project {project['gid']}")
    if anchor["gid"] == section["gid"]:
        raise ApiError(400, f"{field}: A section cannot be moved relative to itself")
    store.reorder(section, before=before and anchor["gid"], after=after and anchor["gid"])
    return empty()


async def get_section(request: Request) -> JSONResponse:
    return one(request, lookup(request, request.path_params["section_gid"], "section"))


async def update_section(request: Request) -> JSONResponse:
    section = lookup(request, request.path_params["section_gid"], "section")
    data = await body_data(request)
    if "name" in data:
        section["name"] = str(data["name"])
    return one(request, section)


async def delete_section(request: Request) -> JSONResponse:
    store = store_of(request)
    section = lookup(request, request.path_params["section_gid"], "section")
    if store.records.count("task", IN_SECTION, section["gid"]):
        raise ApiError(400, "Section must be empty to be deleted")
    if len(_sections(store, section["project"])) <= 1:
        raise ApiError(400, "Cannot delete the last section of a project")
    store.delete_plain(section)
    return empty()


async def add_task_to_section(request: Request) -> JSONResponse:
    store = store_of(request)
    section = lookup(request, request.path_params["section_gid"], "section")
    data = await body_data(request)
    task = body_ref(store, data, "task", "task", required=True)
    assert task is not None
    if data.get("insert_before") is not None and data.get("insert_after") is not None:
        raise ApiError(400, "You may only provide one of insert_before or insert_after")
    anchors: dict[str, str] = {}
    for field in ("insert_before", "insert_after"):
        if data.get(field) is None:
            continue
        anchor = body_ref(store, data, field, "task")
        assert anchor is not None
        if not any(m["section"] == section["gid"] for m in anchor["memberships"]):
            raise ApiError(400, f"{field}: Task {anchor['gid']} is not in section {section['gid']}")
        if anchor["gid"] == task["gid"]:
            raise ApiError(400, f"{field}: A task cannot be positioned relative to itself")
        anchors[field] = anchor["gid"]
    previous = next((m["section"] for m in task["memberships"] if m["project"] == section["project"]), None)
    store.move_to_section(task, section)
    # Asana puts the task at the top of the section unless told where.
    store.move_task(task, before=anchors.get("insert_before"), after=anchors.get("insert_after"),
                    top_of=None if anchors else section["gid"])
    if previous != section["gid"]:
        store.system_story(task, viewer(request), "section_changed", f"moved this task to {section['name']}")
        store.emit("added", task, viewer(request), parent=section["gid"])
    return empty()


def _tasks_in(store: Store, *, project: str | None = None, section: str | None = None) -> list[Record]:
    if section is not None:
        return [t for t in store.records.filed("task", IN_SECTION, section)
                if project is None or any(m["project"] == project and m["section"] == section
                                          for m in t["memberships"])]
    if project is not None:
        return store.records.filed("task", IN_PROJECT, project)
    return store.records.filed("task")


async def get_project_tasks(request: Request) -> JSONResponse:
    project = lookup(request, request.path_params["project_gid"], "project")
    keep = since_filter(request)
    return page(request, [t for t in _tasks_in(store_of(request), project=project["gid"]) if keep(t)])


async def get_section_tasks(request: Request) -> JSONResponse:
    section = lookup(request, request.path_params["section_gid"], "section")
    keep = since_filter(request)
    return page(request, [t for t in _tasks_in(store_of(request), section=section["gid"]) if keep(t)])


# -- custom field settings --------------------------------------------------------------------------
async def add_custom_field_setting(request: Request) -> JSONResponse:
    store = store_of(request)
    project = lookup(request, request.path_params["project_gid"], "project")
    data = await body_data(request)
    field = body_ref(store, data, "custom_field", "custom_field", required=True)
    assert field is not None
    if field["workspace"] != project["workspace"]:
        raise ApiError(400, "custom_field: Custom field is not in the project's workspace")
    for gid in project["settings"]:
        if store.records[gid]["custom_field"] == field["gid"]:
            raise ApiError(400, "custom_field: Custom field is already on this project")
    setting = store.add("custom_field_setting", project=project["gid"], custom_field=field["gid"],
                         is_important=bool(data.get("is_important", False)))
    project["settings"].append(setting["gid"])
    return one(request, setting)


async def remove_custom_field_setting(request: Request) -> JSONResponse:
    store = store_of(request)
    project = lookup(request, request.path_params["project_gid"], "project")
    data = await body_data(request)
    field = body_ref(store, data, "custom_field", "custom_field", required=True)
    assert field is not None
    for gid in list(project["settings"]):
        if store.records[gid]["custom_field"] == field["gid"]:
            project["settings"].remove(gid)
            store.delete_plain(store.records[gid])
            return empty()
    raise ApiError(400, "custom_field: Custom field is not on this project")


async def get_custom_field_settings(request: Request) -> JSONResponse:
    store = store_of(request)
    project = lookup(request, request.path_params["project_gid"], "project")
    settings = [store.records[g] for g in project["settings"] if g in store.records]
    return page(request, settings, lambda r, rec, f: r.full(rec, f))


ROUTES = [
    Route("/projects", get_projects, methods=["GET"]),
    Route("/projects", create_project, methods=["POST"]),
    Route("/teams/{team_gid}/projects", get_projects_in, methods=["GET"]),
    Route("/teams/{team_gid}/projects", create_project_in, methods=["POST"]),
    Route("/workspaces/{workspace_gid}/projects", get_projects_in, methods=["GET"]),
    Route("/workspaces/{workspace_gid}/projects", create_project_in, methods=["POST"]),
    Route("/projects/{project_gid}", get_project, methods=["GET"]),
    Route("/projects/{project_gid}", update_project, methods=["PUT"]),
    Route("/projects/{project_gid}", delete_project, methods=["DELETE"]),
    Route("/projects/{project_gid}/sections", get_sections, methods=["GET"]),
    Route("/projects/{project_gid}/sections", create_section, methods=["POST"]),
    Route("/projects/{project_gid}/sections/insert", insert_section, methods=["POST"]),
    Route("/projects/{project_gid}/tasks", get_project_tasks, methods=["GET"]),
    Route("/projects/{project_gid}/addCustomFieldSetting", add_custom_field_setting, methods=["POST"]),
    Route("/projects/{project_gid}/removeCustomFieldSetting", remove_custom_field_setting, methods=["POST"]),
    Route("/projects/{project_gid}/custom_field_settings", get_custom_field_settings, methods=["GET"]),
    Route("/sections/{section_gid}", get_section, methods=["GET"]),
    Route("/sections/{section_gid}", update_section, methods=["PUT"]),
    Route("/sections/{section_gid}", delete_section, methods=["DELETE"]),
    Route("/sections/{section_gid}/addTask", add_task_to_section, methods=["POST"]),
    Route("/sections/{section_gid}/tasks", get_section_tasks, methods=["GET"]),
]
