"""How tasks relate: parent (setParent), projects (removeProject), followers (removeFollowers) and
dependencies / dependents (a paid feature, at most 30 of both together per task)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tenantsim.sandbox.asana.store import Record, Store
from tenantsim.sandbox.asana.web import (
    PREMIUM_MESSAGE,
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

MAX_LINKS = 30  # "A task can have at most 30 dependents and dependencies combined"


# -- parent -----------------------------------------------------------------------------------------
def _descends_from(store: Store, task: Record, ancestor: str) -> bool:
    seen: set[str] = set()
    current: Record | None = task
    while current is not None and current["gid"] not in seen:
        if current["gid"] == ancestor:
            return True
        seen.add(current["gid"])
        current = store.records.get(current["parent"] or "")
    return False


async def set_parent(request: Request) -> JSONResponse:
    store = store_of(request)
    task = lookup(request, request.path_params["task_gid"], "task")
    data = await body_data(request)
    if "parent" not in data:
        raise missing("parent")
    parent = body_ref(store, data, "parent", "task")
    if parent is not None:
        if parent["workspace"] != task["workspace"]:
            raise ApiError(400, "parent: The parent must be in the same workspace as the task")
        if _descends_from(store, parent, task["gid"]):
            raise ApiError(400, "parent: A task cannot be its own parent or a subtask of its subtasks")
    if data.get("insert_before") is not None and data.get("insert_after") is not None:
        raise ApiError(400, "You may only provide one of insert_before or insert_after")
    siblings = [t["gid"] for t in store.subtasks(parent["gid"])] if parent is not None else []
    anchors: dict[str, str] = {}
    for field in ("insert_before", "insert_after"):
        if data.get(field) is None:
            continue
        if parent is None or str(data[field]) not in siblings or str(data[field]) == task["gid"]:
            raise ApiError(400, f"{field}: Not a subtask of the new parent: {data[field]}")
        anchors[field] = str(data[field])
    with store.records.relinking(task):
        task["parent"] = parent["gid"] if parent is not None else None
    others = [g for g in siblings if g != task["gid"]]
    if anchors:
        store.move_task(task, before=anchors.get("insert_before"), after=anchors.get("insert_after"))
    elif "insert_after" in data and others:  # insert_after: null puts it first
        store.move_task(task, before=others[0])
    elif others:  # by default (or insert_before: null) it goes last
        store.move_task(task, after=others[-1])
    store.touch(task)
    store.emit("changed", task, viewer(request), field="parent", new_value=task["parent"])
    return one(request, task)


# -- projects and followers -------------------------------------------------------------------------
async def remove_project(request: Request) -> JSONResponse:
    store = store_of(request)
    task = lookup(request, request.path_params["task_gid"], "task")
    project = body_ref(store, await body_data(request), "project", "project", required=True)
    assert project is not None
    if any(m["project"] == project["gid"] for m in task["memberships"]):
        store.emit("removed", task, viewer(request), parent=project["gid"])
        with store.records.relinking(task):
            task["memberships"] = [m for m in task["memberships"] if m["project"] != project["gid"]]
        store.touch(task)
    return empty()


def _users(request: Request, store: Store, data: dict[str, Any], field: str) -> list[str]:
    values = data.get(field)
    if values is None:
        raise missing(field)
    if isinstance(values, str):
        values = [v.strip() for v in values.split(",") if v.strip()]
    if not isinstance(values, list):
        raise ApiError(400, f"{field}: Must be an array of user gids or emails")
    out = []
    for value in values:
        user = store.user_by_ref(value, viewer(request))
        if user is None:
            raise unknown_id(field, value)
        out.append(str(user["gid"]))
    return out


async def remove_followers(request: Request) -> JSONResponse:
    store = store_of(request)
    task = lookup(request, request.path_params["task_gid"], "task")
    gone = set(_users(request, store, await body_data(request), "followers"))
    task["followers"] = [f for f in task["followers"] if f not in gone]
    store.touch(task)
    return one(request, task)


# -- dependencies -----------------------------------------------------------------------------------
def _paid_task(request: Request) -> tuple[Store, Record]:
    store = store_of(request)
    task = lookup(request, request.path_params["task_gid"], "task")
    if store.plan != "paid":
        raise ApiError(402, PREMIUM_MESSAGE)
    return store, task


def _tasks(store: Store, data: dict[str, Any], field: str, task: Record) -> list[Record]:
    values = data.get(field)
    if values is None:
        raise missing(field)
    if isinstance(values, str):
        values = [v.strip() for v in values.split(",") if v.strip()]
    if not isinstance(values, list):
        raise ApiError(400, f"{field}: Must be an array of task gids")
    out = []
    for value in values:
        other = store.get(str(value), "task")
        if other is None:
            raise unknown_id(field, value)
        if other["gid"] == task["gid"]:
            raise ApiError(400, f"{field}: A task cannot depend on itself")
        if other["workspace"] != task["workspace"]:
            raise ApiError(400, f"{field}: Tasks must be in the same workspace")
        out.append(other)
    return out


def _blocks(store: Store, start: str, target: str) -> bool:
    """Whether ``target`` is reachable from ``start`` by following dependencies."""
    stack, seen = [start], set()
    while stack:
        gid = stack.pop()
        if gid == target:
            return True
        if gid in seen:
            continue
        seen.add(gid)
        record = store.records.get(gid)
        stack.extend(record.get("dependencies", []) if record else [])
    return False


def _link(store: Store, dependent: Record, dependency: Record) -> None:
    """Make ``dependent`` wait on ``dependency``."""
    links = dependent.setdefault("dependencies", [])
    if dependency["gid"] in links:
        return
    if _blocks(store, dependency["gid"], dependent["gid"]):
        raise ApiError(400, f"dependencies: Adding {dependency['gid']} would create a dependency cycle")
    for task in (dependent, dependency):
        count = len(task.get("dependencies", [])) + store.count_dependents(task["gid"])
        if count >= MAX_LINKS:
            raise ApiError(400, f"Task {task['gid']} already has {MAX_LINKS} dependencies and dependents")
    with store.records.relinking(dependent):
        links.append(dependency["gid"])
    store.touch(dependent)


async def add_dependencies(request: Request) -> JSONResponse:
    store, task = _paid_task(request)
    for other in _tasks(store, await body_data(request), "dependencies", task):
        _link(store, task, other)
    store.emit("changed", task, viewer(request), field="dependencies")
    return empty()


async def remove_dependencies(request: Request) -> JSONResponse:
    store, task = _paid_task(request)
    gone = {t["gid"] for t in _tasks(store, await body_data(request), "dependencies", task)}
    with store.records.relinking(task):
        task["dependencies"] = [d for d in task.get("dependencies", []) if d not in gone]
    store.touch(task)
    store.emit("changed", task, viewer(request), field="dependencies")
    return empty()


async def add_dependents(request: Request) -> JSONResponse:
    store, task = _paid_task(request)
    for other in _tasks(store, await body_data(request), "dependents", task):
        _link(store, other, task)
        store.emit("changed", other, viewer(request), field="dependencies")
    return empty()


async def remove_dependents(request: Request) -> JSONResponse:
    store, task = _paid_task(request)
    for other in _tasks(store, await body_data(request), "dependents", task):
        with store.records.relinking(other):
            other["dependencies"] = [d for d in other.get("dependencies", []) if d != task["gid"]]
        store.touch(other)
        store.emit("changed", other, viewer(request), field="dependencies")
    return empty()


async def get_dependencies(request: Request) -> JSONResponse:
    store, task = _paid_task(request)
    return page(request, [store.records[g] for g in task.get("dependencies", []) if g in store.records])


async def get_dependents(request: Request) -> JSONResponse:
    store, task = _paid_task(request)
    return page(request, store.dependents(task["gid"]))


ROUTES = [
    Route("/tasks/{task_gid}/setParent", set_parent, methods=["POST"]),
    Route("/tasks/{task_gid}/removeProject", remove_project, methods=["POST"]),
    Route("/tasks/{task_gid}/removeFollowers", remove_followers, methods=["POST"]),
    Route("/tasks/{task_gid}/dependencies", get_dependencies, methods=["GET"]),
    Route("/tasks/{task_gid}/addDependencies", add_dependencies, methods=["POST"]),
    Route("/tasks/{task_gid}/removeDependencies", remove_dependencies, methods=["POST"]),
    Route("/tasks/{task_gid}/dependents", get_dependents, methods=["GET"]),
    Route("/tasks/{task_gid}/addDependents", add_dependents, methods=["POST"]),
    Route("/tasks/{task_gid}/removeDependents", remove_dependents, methods=["POST"]),
]
