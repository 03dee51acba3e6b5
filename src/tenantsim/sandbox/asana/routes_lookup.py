"""Finding things: user task lists (My Tasks) and the workspace typeahead."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tenantsim.sandbox.asana.store import Record, Store
from tenantsim.sandbox.asana.web import (
    ApiError,
    lookup,
    missing,
    not_found,
    one,
    opt_fields,
    page,
    renderer,
    since_filter,
    store_of,
    unknown_id,
    viewer,
)

TYPEAHEAD_TYPES = ("custom_field", "portfolio", "project", "tag", "task", "team", "user")


# -- user task lists --------------------------------------------------------------------------------
async def get_user_task_list_for_user(request: Request) -> JSONResponse:
    store = store_of(request)
    user = store.user_by_ref(request.path_params["user_gid"], viewer(request))
    if user is None:
        raise not_found(request.path_params["user_gid"])
    workspace = request.query_params.get("workspace")
    if workspace is None:
        raise missing("workspace")
    if store.get(workspace, "workspace") is None or workspace not in user["workspaces"]:
        raise unknown_id("workspace", workspace)
    return one(request, store.user_task_list(user["gid"], workspace))


async def get_user_task_list(request: Request) -> JSONResponse:
    return one(request, lookup(request, request.path_params["user_task_list_gid"], "user_task_list"))


async def get_user_task_list_tasks(request: Request) -> JSONResponse:
    """The owner's tasks in that workspace: what they are assigned (``completed_since`` applies)."""
    task_list = lookup(request, request.path_params["user_task_list_gid"], "user_task_list")
    keep = since_filter(request)
    found = [t for t in store_of(request).records.filed("task", "assignee", task_list["owner"])
             if t["workspace"] == task_list["workspace"] and keep(t)]
    return page(request, found)


# -- typeahead --------------------------------------------------------------------------------------
def _in_workspace(store: Store, record: Record, workspace: str) -> bool:
    kind = record["resource_type"]
    if kind == "user":
        return workspace in record["workspaces"]
    if kind == "team":
        return bool(record["organization"] == workspace)
    return bool(record.get("workspace") == workspace)


def _matches(name: str, words: list[str]) -> bool:
    """Each query word starts some word of the name (case-insensitive), as a typeahead would."""
    parts = name.lower().replace("-", " ").split()
    return all(any(part.startswith(word) for part in parts) for word in words)


async def typeahead(request: Request) -> JSONResponse:
    store = store_of(request)
    workspace = lookup(request, request.path_params["workspace_gid"], "workspace")
    query = request.query_params
    kind = query.get("resource_type") or query.get("type") or "user"
    if kind not in TYPEAHEAD_TYPES:
        raise ApiError(400, f"resource_type: Not a valid value: {kind}. "
                            f"Expected one of {', '.join(TYPEAHEAD_TYPES)}")
    try:
        count = int(query.get("count", "20"))
    except ValueError:
        count = 0
    if not 1 <= count <= 100:
        raise ApiError(400, "count: Must be between 1 and 100")
    words = (query.get("query") or "").lower().split()
    me = viewer(request)
    found = [r for r in store.of_type(kind) if _in_workspace(store, r, workspace["gid"])
             and _matches(str(r.get("name", "")), words)]
    if kind == "task":  # tasks the caller follows come first
        found.sort(key=lambda t: me not in t["followers"])
    elif kind == "project":  # most recent first
        found.sort(key=lambda p: -p["modified_at"])
    draw = renderer(request)
    fields = opt_fields(request)

    def named(record: Record) -> dict[str, Any]:
        if fields:
            return draw.compact(record, fields)
        return {"gid": record["gid"], "resource_type": record["resource_type"],
                "name": record.get("name", "")}
    return JSONResponse({"data": [named(r) for r in found[:count]]})


ROUTES = [
    Route("/users/{user_gid}/user_task_list", get_user_task_list_for_user, methods=["GET"]),
    Route("/user_task_lists/{user_task_list_gid}", get_user_task_list, methods=["GET"]),
    Route("/user_task_lists/{user_task_list_gid}/tasks", get_user_task_list_tasks, methods=["GET"]),
    Route("/workspaces/{workspace_gid}/typeahead", typeahead, methods=["GET"]),
]
