"""Who belongs where: ``/memberships`` (projects and portfolios), project memberships, team memberships
with ``addUser`` / ``removeUser``, portfolio memberships, and ``addMembers`` / ``removeMembers``.

A parent's ``members`` list is the truth; ``Store.memberships`` keeps one record (a stable gid and an
access level) per member.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tenantsim.sandbox.asana.render import Renderer
from tenantsim.sandbox.asana.store import Record, Store
from tenantsim.sandbox.asana.web import (
    PREMIUM_MESSAGE,
    ApiError,
    body_data,
    empty,
    lookup,
    missing,
    not_found,
    one,
    opt_fields,
    page,
    renderer,
    store_of,
    unknown_id,
    viewer,
)

ACCESS_LEVELS = {"project": ("admin", "editor", "commenter", "viewer"),
                 "portfolio": ("admin", "editor", "viewer")}


def _generic(draw: Renderer, record: Record, fields: list[str] | None) -> dict[str, Any]:
    return draw.membership(record, fields)


def _paid(store: Store, parent: Record, viewer_gid: str | None = None) -> None:
    """Portfolios need a paid plan, and a private one is seen by its members only."""
    if parent["resource_type"] != "portfolio":
        return
    if store.plan != "paid":
        raise ApiError(402, PREMIUM_MESSAGE)
    if viewer_gid is not None and not parent["public"] and viewer_gid not in parent["members"]:
        raise ApiError(403, "You do not have access to this portfolio")


def _user(request: Request, value: Any, field: str) -> Record:
    if value is None:
        raise missing(field)
    user = store_of(request).user_by_ref(value, viewer(request))
    if user is None:
        store = store_of(request)
        if store.get(str(value), "team") is not None:
            raise ApiError(400, f"{field}: Only users can be members in this workspace")
        raise unknown_id(field, value)
    return user


def _access(parent: Record, data: dict[str, Any]) -> str | None:
    level = data.get("access_level") or data.get("role")
    if level is None:
        return None
    allowed = ACCESS_LEVELS[parent["resource_type"]]
    if level not in allowed:
        raise ApiError(400, f"access_level: Not a valid value: {level}. Expected one of {', '.join(allowed)}")
    return str(level)


def _membership(request: Request, gid: str, kinds: tuple[str, ...]) -> Record:
    record = store_of(request).records.get(gid)
    if record is None or record["resource_type"] not in kinds:
        raise not_found(gid)
    parent = store_of(request).records.get(record["parent"])
    if parent is None or record not in store_of(request).memberships(parent):
        raise not_found(gid)
    return record


# -- /memberships -----------------------------------------------------------------------------------
async def get_memberships(request: Request) -> JSONResponse:
    store = store_of(request)
    parent_gid = request.query_params.get("parent")
    member = request.query_params.get("member")
    if parent_gid is None:
        if member is None or request.query_params.get("resource_subtype") is None:
            raise ApiError(400, "parent: Missing input (or give member and resource_subtype)")
        if store.get(member, "team") is None:
            raise ApiError(400, "member: Must be a team when parent is absent")
        return page(request, [], _generic)  # teams are never project members here
    parent = store.records.get(parent_gid)
    if parent is None or parent["resource_type"] not in ("project", "portfolio"):
        raise unknown_id("parent", parent_gid)
    _paid(store, parent, viewer(request))
    found = store.memberships(parent)
    if member is not None:
        user = store.user_by_ref(member, viewer(request))
        found = [m for m in found if user is not None and m["member"] == user["gid"]]
    return page(request, found, _generic)


async def create_membership(request: Request) -> JSONResponse:
    store = store_of(request)
    data = await body_data(request)
    if data.get("parent") is None:
        raise missing("parent")
    parent = store.records.get(str(data["parent"]))
    if parent is None or parent["resource_type"] not in ("project", "portfolio"):
        raise unknown_id("parent", data["parent"])
    _paid(store, parent, viewer(request))
    user = _user(request, data.get("member"), "member")
    if user["gid"] in parent["members"]:
        raise ApiError(400, f"member: {user['gid']} is already a member of {parent['gid']}")
    record = store.add_member(parent, user["gid"], _access(parent, data) or "editor")
    store.touch(parent)
    return JSONResponse({"data": renderer(request).membership(record, opt_fields(request))}, status_code=201)


async def get_membership(request: Request) -> JSONResponse:
    record = _membership(request, request.path_params["membership_gid"],
                         ("project_membership", "portfolio_membership"))
    return JSONResponse({"data": renderer(request).membership(record, opt_fields(request))})


async def update_membership(request: Request) -> JSONResponse:
    store = store_of(request)
    record = _membership(request, request.path_params["membership_gid"],
                         ("project_membership", "portfolio_membership"))
    parent = store.records[record["parent"]]
    level = _access(parent, await body_data(request))
    if level is not None:
        record["access_level"] = level
    return JSONResponse({"data": renderer(request).membership(record, opt_fields(request))})


async def delete_membership(request: Request) -> JSONResponse:
    store = store_of(request)
    record = _membership(request, request.path_params["membership_gid"],
                         ("project_membership", "portfolio_membership"))
    parent = store.records[record["parent"]]
    store.remove_member(parent, record["member"])
    store.touch(parent)
    return empty()


# -- projects and portfolios: addMembers / removeMembers, legacy membership lists ---------------------
def _member_list(request: Request, data: dict[str, Any]) -> list[Record]:
    values = data.get("members")
    if values is None:
        raise missing("members")
    if isinstance(values, str):
        values = [v.strip() for v in values.split(",") if v.strip()]
    if not isinstance(values, list) or not values:
        raise missing("members")
    return [_user(request, value, "members") for value in values]


def _owner(request: Request) -> Record:
    store = store_of(request)
    if "project_gid" in request.path_params:
        return lookup(request, request.path_params["project_gid"], "project")
    portfolio = lookup(request, request.path_params["portfolio_gid"], "portfolio")
    _paid(store, portfolio, viewer(request))
    return portfolio


async def add_members(request: Request) -> JSONResponse:
    store = store_of(request)
    parent = _owner(request)
    for user in _member_list(request, await body_data(request)):
        store.add_member(parent, user["gid"])
    store.touch(parent)
    return one(request, parent)


async def remove_members(request: Request) -> JSONResponse:
    store = store_of(request)
    parent = _owner(request)
    for user in _member_list(request, await body_data(request)):
        store.remove_member(parent, user["gid"])
    store.touch(parent)
    return one(request, parent)


def _for_user(request: Request, records: list[Record]) -> list[Record]:
    wanted = request.query_params.get("user")
    if wanted is None:
        return records
    user = store_of(request).user_by_ref(wanted, viewer(request))
    if user is None:
        raise unknown_id("user", wanted)
    return [r for r in records if r["member"] == user["gid"]]


async def get_project_memberships(request: Request) -> JSONResponse:
    project = lookup(request, request.path_params["project_gid"], "project")
    return page(request, _for_user(request, store_of(request).memberships(project)))


async def get_project_membership(request: Request) -> JSONResponse:
    return one(request, _membership(request, request.path_params["project_membership_gid"],
                                    ("project_membership",)))


async def get_portfolio_memberships_for(request: Request) -> JSONResponse:
    portfolio = _owner(request)
    return page(request, _for_user(request, store_of(request).memberships(portfolio)))


async def get_portfolio_memberships(request: Request) -> JSONResponse:
    store = store_of(request)
    if store.plan != "paid":
        raise ApiError(402, PREMIUM_MESSAGE)
    query = request.query_params
    if query.get("portfolio") is not None:
        portfolio = store.get(query["portfolio"], "portfolio")
        if portfolio is None:
            raise unknown_id("portfolio", query["portfolio"])
        return page(request, _for_user(request, store.memberships(portfolio)))
    if query.get("workspace") is None or query.get("user") is None:
        raise ApiError(400, "Must specify portfolio, or workspace and user")
    found = [m for p in store.of_type("portfolio") if p["workspace"] == query["workspace"]
             for m in store.memberships(p)]
    return page(request, _for_user(request, found))


async def get_portfolio_membership(request: Request) -> JSONResponse:
    if store_of(request).plan != "paid":
        raise ApiError(402, PREMIUM_MESSAGE)
    return one(request, _membership(request, request.path_params["portfolio_membership_gid"],
                                    ("portfolio_membership",)))


# -- teams ------------------------------------------------------------------------------------------
async def add_team_user(request: Request) -> JSONResponse:
    store = store_of(request)
    team = lookup(request, request.path_params["team_gid"], "team")
    user = _user(request, (await body_data(request)).get("user"), "user")
    record = store.add_member(team, user["gid"])
    return one(request, record)


async def remove_team_user(request: Request) -> JSONResponse:
    store = store_of(request)
    team = lookup(request, request.path_params["team_gid"], "team")
    user = _user(request, (await body_data(request)).get("user"), "user")
    store.remove_member(team, user["gid"])
    return empty()


def _teams_of(store: Store, workspace: str | None) -> list[Record]:
    return [t for t in store.teams if workspace is None or t["organization"] == workspace]


async def get_team_memberships_for_team(request: Request) -> JSONResponse:
    team = lookup(request, request.path_params["team_gid"], "team")
    return page(request, store_of(request).memberships(team))


async def get_team_membership(request: Request) -> JSONResponse:
    return one(request, _membership(request, request.path_params["team_membership_gid"],
                                    ("team_membership",)))


async def get_team_memberships(request: Request) -> JSONResponse:
    store = store_of(request)
    query = request.query_params
    if query.get("team") is not None:
        team = store.get(query["team"], "team")
        if team is None:
            raise unknown_id("team", query["team"])
        return page(request, _for_user(request, store.memberships(team)))
    if query.get("user") is None or query.get("workspace") is None:
        raise ApiError(400, "Must specify team, or user and workspace")
    found = [m for t in _teams_of(store, query["workspace"]) for m in store.memberships(t)]
    return page(request, _for_user(request, found))


async def get_team_memberships_for_user(request: Request) -> JSONResponse:
    store = store_of(request)
    user = store.user_by_ref(request.path_params["user_gid"], viewer(request))
    if user is None:
        raise not_found(request.path_params["user_gid"])
    workspace = request.query_params.get("workspace")
    if workspace is None:
        raise missing("workspace")
    if store.get(workspace, "workspace") is None:
        raise unknown_id("workspace", workspace)
    found = [m for t in _teams_of(store, workspace) for m in store.memberships(t)
             if m["member"] == user["gid"]]
    return page(request, found)


ROUTES = [
    Route("/memberships", get_memberships, methods=["GET"]),
    Route("/memberships", create_membership, methods=["POST"]),
    Route("/memberships/{membership_gid}", get_membership, methods=["GET"]),
    Route("/memberships/{membership_gid}", update_membership, methods=["PUT"]),
    Route("/memberships/{membership_gid}", delete_membership, methods=["DELETE"]),
    Route("/projects/{project_gid}/addMembers", add_members, methods=["POST"]),
    Route("/projects/{project_gid}/removeMembers", remove_members, methods=["POST"]),
    Route("/projects/{project_gid}/project_memberships", get_project_memberships, methods=["GET"]),
    Route("/project_memberships/{project_membership_gid}", get_project_membership, methods=["GET"]),
    Route("/portfolios/{portfolio_gid}/addMembers", add_members, methods=["POST"]),
    Route("/portfolios/{portfolio_gid}/removeMembers", remove_members, methods=["POST"]),
    Route("/portfolios/{portfolio_gid}/portfolio_memberships", get_portfolio_memberships_for,
          methods=["GET"]),
    Route("/portfolio_memberships", get_portfolio_memberships, methods=["GET"]),
    Route("/portfolio_memberships/{portfolio_membership_gid}", get_portfolio_membership, methods=["GET"]),
    Route("/teams/{team_gid}/addUser", add_team_user, methods=["POST"]),
    Route("/teams/{team_gid}/removeUser", remove_team_user, methods=["POST"]),
    Route("/teams/{team_gid}/team_memberships", get_team_memberships_for_team, methods=["GET"]),
    Route("/team_memberships", get_team_memberships, methods=["GET"]),
    Route("/team_memberships/{team_membership_gid}", get_team_membership, methods=["GET"]),
    Route("/users/{user_gid}/team_memberships", get_team_memberships_for_user, methods=["GET"]),
]
