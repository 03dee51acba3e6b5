"""Users, workspaces and teams: who is in the tenant (team membership changes: routes_memberships)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tenantsim.sandbox.asana.store import Record
from tenantsim.sandbox.asana.web import (
    ApiError,
    lookup,
    missing,
    not_found,
    one,
    page,
    store_of,
    unknown_id,
    viewer,
)


def _user_ref(request: Request, gid: str) -> Record:
    """A user by gid, email or ``me`` (Asana takes all three wherever a user is named)."""
    user = store_of(request).user_by_ref(gid, viewer(request))
    if user is None:
        raise not_found(gid)
    return user


def _workspace_param(request: Request, required: bool = True) -> Record | None:
    gid = request.query_params.get("workspace")
    if gid is None:
        if required:
            raise missing("workspace")
        return None
    record = store_of(request).get(gid, "workspace")
    if record is None:
        raise unknown_id("workspace", gid)
    return record


async def get_user(request: Request) -> JSONResponse:
    return one(request, _user_ref(request, request.path_params["user_gid"]))


async def get_users(request: Request) -> JSONResponse:
    workspace = _workspace_param(request, required=False)
    team_gid = request.query_params.get("team")
    if workspace is None and team_gid is None:
        raise ApiError(400, "Must specify exactly one of workspace or team")
    store = store_of(request)
    if team_gid is not None:
        team = store.get(team_gid, "team")
        if team is None:
            raise unknown_id("team", team_gid)
        members = set(store.team_members(team))
        return page(request, [u for u in store.users() if u["gid"] in members])
    return page(request, store.users())


async def get_workspaces(request: Request) -> JSONResponse:
    return page(request, store_of(request).workspaces())


async def get_workspace(request: Request) -> JSONResponse:
    return one(request, lookup(request, request.path_params["workspace_gid"], "workspace"))


async def get_workspace_users(request: Request) -> JSONResponse:
    lookup(request, request.path_params["workspace_gid"], "workspace")
    return page(request, store_of(request).users())


def _org_teams(request: Request, workspace: Record) -> list[Record]:
    if not workspace["is_organization"]:
        raise ApiError(400, "This workspace is not an organization, and so does not have teams")
    return [t for t in store_of(request).of_type("team") if t["organization"] == workspace["gid"]]


async def get_workspace_teams(request: Request) -> JSONResponse:
    workspace = lookup(request, request.path_params["workspace_gid"], "workspace")
    return page(request, _org_teams(request, workspace))


async def get_user_teams(request: Request) -> JSONResponse:
    user = _user_ref(request, request.path_params["user_gid"])
    organization = request.query_params.get("organization")
    if organization is None:
        raise missing("organization")
    workspace = store_of(request).get(organization, "workspace")
    if workspace is None:
        raise unknown_id("organization", organization)
    store = store_of(request)
    return page(request, [t for t in _org_teams(request, workspace) if user["gid"] in store.team_members(t)])


async def get_team(request: Request) -> JSONResponse:
    return one(request, lookup(request, request.path_params["team_gid"], "team"))


async def get_team_users(request: Request) -> JSONResponse:
    team = lookup(request, request.path_params["team_gid"], "team")
    store = store_of(request)
    members = set(store.team_members(team))
    return page(request, [u for u in store.users() if u["gid"] in members])


ROUTES = [
    Route("/users", get_users, methods=["GET"]),
    Route("/users/{user_gid}", get_user, methods=["GET"]),
    Route("/users/{user_gid}/teams", get_user_teams, methods=["GET"]),
    Route("/workspaces", get_workspaces, methods=["GET"]),
    Route("/workspaces/{workspace_gid}", get_workspace, methods=["GET"]),
    Route("/workspaces/{workspace_gid}/users", get_workspace_users, methods=["GET"]),
    Route("/workspaces/{workspace_gid}/teams", get_workspace_teams, methods=["GET"]),
    Route("/teams/{team_gid}", get_team, methods=["GET"]),
    Route("/teams/{team_gid}/users", get_team_users, methods=["GET"]),
]
