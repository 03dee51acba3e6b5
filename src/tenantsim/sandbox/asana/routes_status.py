"""Status updates on projects (and, on a paid plan, portfolios): the newest is the parent's
``current_status_update``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tenantsim.sandbox.asana.render import STATUS_SUBTYPES
from tenantsim.sandbox.asana.store import Record
from tenantsim.sandbox.asana.web import (
    PREMIUM_MESSAGE,
    ApiError,
    body_data,
    empty,
    html_field,
    lookup,
    missing,
    one,
    page,
    parse_time,
    plain_of,
    store_of,
    unknown_id,
    viewer,
)

STATUS_TYPES = ("on_track", "at_risk", "off_track", "on_hold", "complete", "dropped")


def _parent(request: Request, gid: str | None) -> Record:
    if gid is None:
        raise missing("parent")
    store = store_of(request)
    parent = store.records.get(str(gid))
    if parent is None or parent["resource_type"] not in STATUS_SUBTYPES:
        raise unknown_id("parent", gid)
    if parent["resource_type"] == "portfolio" and store.plan != "paid":
        raise ApiError(402, PREMIUM_MESSAGE)
    return parent


async def create_status(request: Request) -> JSONResponse:
    store = store_of(request)
    data = await body_data(request)
    parent = _parent(request, data.get("parent"))
    status_type = data.get("status_type")
    if status_type is None:
        raise missing("status_type")
    if status_type not in STATUS_TYPES:
        raise ApiError(400, f"status_type: Not a valid value: {status_type}. "
                            f"Expected one of {', '.join(STATUS_TYPES)}")
    text, markup = data.get("text"), None
    if data.get("html_text") is not None:
        markup = html_field(data, "html_text")
        text = plain_of(markup)
    if not text:
        raise missing("text")
    status = store.add("status_update", parent=parent["gid"], title=str(data.get("title") or ""),
                       text=str(text), html_text=markup, status_type=status_type, author=viewer(request),
                       resource_subtype=STATUS_SUBTYPES[parent["resource_type"]])
    store.touch(parent)
    store.emit("added", status, viewer(request), parent=parent["gid"])
    return one(request, status, 201)


async def get_statuses(request: Request) -> JSONResponse:
    parent = _parent(request, request.query_params.get("parent"))
    since = request.query_params.get("created_since")
    floor = parse_time(since, "created_since") if since is not None else None
    found = [s for s in store_of(request).records.filed("status_update", "parent", parent["gid"])
             if floor is None or s["created_at"] >= floor]
    return page(request, found)


async def get_status(request: Request) -> JSONResponse:
    return one(request, lookup(request, request.path_params["status_update_gid"], "status_update"))


async def delete_status(request: Request) -> JSONResponse:
    store = store_of(request)
    status = lookup(request, request.path_params["status_update_gid"], "status_update")
    store.emit("removed", status, viewer(request), parent=status["parent"])
    store.delete_plain(status)
    return empty()


ROUTES = [
    Route("/status_updates", get_statuses, methods=["GET"]),
    Route("/status_updates", create_status, methods=["POST"]),
    Route("/status_updates/{status_update_gid}", get_status, methods=["GET"]),
    Route("/status_updates/{status_update_gid}", delete_status, methods=["DELETE"]),
]
