"""/groups: security and Microsoft 365 groups, their members and owners, and deleted groups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from tenantsim.sandbox.m365 import errors as err
from tenantsim.sandbox.m365 import query as q
from tenantsim.sandbox.m365 import render
from tenantsim.sandbox.m365.call import Call, no_content, ok
from tenantsim.sandbox.m365.listing import Kind, collection, count_only
from tenantsim.sandbox.m365.model import Group
from tenantsim.sandbox.m365.routes_users import USERS
from tenantsim.sandbox.m365.tenant import ref_id

GROUPS = Kind(
    name="group",
    resource="Group",
    filterable={
        "id",
        "displayName",
        "mailNickname",
        "mail",
        "mailEnabled",
        "securityEnabled",
        "groupTypes",
        "visibility",
        "createdDateTime",
        "resourceProvisioningOptions",
    },
    known=set(render.GROUP_DEFAULT),
    basic_order={"displayName"},
    advanced_order={"mail", "mailNickname", "createdDateTime", "id"},
    searchable={"displayName", "description", "mail", "mailNickname"},
)


def _fields(call: Call) -> Callable[[Group], dict[str, Any]]:
    return lambda g: render.group_fields(call.tenant, g)


async def create_group(call: Call) -> Response:
    group = call.tenant.create_group(await call.body(), call.at)
    if call.principal.user_id and group.unified and not group.owners:
        group.owners.append(call.principal.user_id)  # a user who creates a Microsoft 365 group owns it
    return ok(
        {"@odata.context": call.context("groups/$entity"), **render.group(call.tenant, group)}, status=201
    )


async def list_groups(call: Call) -> Response:
    select = q.parse_select(call.query("$select"), GROUPS.known, "group")
    context = f"groups({call.query('$select')})" if select else "groups"
    return collection(
        call,
        GROUPS,
        call.tenant.active_groups(),
        _fields(call),
        lambda g, _s: render.group(call.tenant, g, select),
        context,
    )


async def count_groups(call: Call) -> Response:
    return count_only(call, GROUPS, call.tenant.active_groups(), _fields(call))


async def get_group(call: Call) -> Response:
    group = call.tenant.group(call.params["id"])
    select = q.parse_select(call.query("$select"), GROUPS.known, "group")
    return ok({"@odata.context": call.context("groups/$entity"), **render.group(call.tenant, group, select)})


async def update_group(call: Call) -> Response:
    call.tenant.update_group(call.tenant.group(call.params["id"]), await call.body())
    return no_content()


async def delete_group(call: Call) -> Response:
    call.tenant.delete_group(call.tenant.group(call.params["id"]), call.at)
    return no_content()


def _people(call: Call, group: Group, owners: bool) -> Response:
    held = group.owners if owners else group.members
    users = [u for u in (call.tenant.find_user(uid) for uid in held) if u is not None]
    select = q.parse_select(call.query("$select"), USERS.known - {"manager"}, "user")
    return collection(
        call,
        USERS,
        users,
        render.user_fields,
        lambda u, _s: render.directory_object(u, select),
        "directoryObjects",
    )


async def list_members(call: Call) -> Response:
    return _people(call, call.tenant.group(call.params["id"]), owners=False)


async def list_owners(call: Call) -> Response:
    return _people(call, call.tenant.group(call.params["id"]), owners=True)


async def _add(call: Call, owner: bool) -> Response:
    group = call.tenant.group(call.params["id"])
    body = await call.body()
    ref = body.get("@odata.id")
    if not isinstance(ref, str) or not ref:
        raise err.bad_request("Invalid request body: an '@odata.id' reference is required.")
    call.tenant.add_member(group, call.tenant.user(ref_id(ref)), owner=owner)
    return no_content()


async def add_member(call: Call) -> Response:
    return await _add(call, owner=False)


async def add_owner(call: Call) -> Response:
    return await _add(call, owner=True)


async def remove_member(call: Call) -> Response:
    call.tenant.remove_member(call.tenant.group(call.params["id"]), call.params["member"], owner=False)
    return no_content()


async def remove_owner(call: Call) -> Response:
    call.tenant.remove_member(call.tenant.group(call.params["id"]), call.params["member"], owner=True)
    return no_content()


async def deleted_groups(call: Call) -> Response:
    gone = [g for g in call.tenant.groups.values() if g.deleted_at is not None]
    return collection(
        call,
        GROUPS,
        gone,
        _fields(call),
        lambda g, _s: render.group(call.tenant, g),
        "directory/deletedItems/microsoft.graph.group",
    )


_G = "/v1.0/groups"
ROUTES = [
    ("POST", _G, create_group, "group", "create"),
    ("GET", _G, list_groups, "group", "read"),
    ("GET", _G + "/$count", count_groups, "group", "read"),
    ("GET", _G + "/{id}", get_group, "group", "read"),
    ("PATCH", _G + "/{id}", update_group, "group", "write"),
    ("DELETE", _G + "/{id}", delete_group, "group", "write"),
    ("GET", _G + "/{id}/members", list_members, "group", "read"),
    ("POST", _G + "/{id}/members/$ref", add_member, "member", "write"),
    ("DELETE", _G + "/{id}/members/{member}/$ref", remove_member, "member", "write"),
    ("GET", _G + "/{id}/owners", list_owners, "group", "read"),
    ("POST", _G + "/{id}/owners/$ref", add_owner, "member", "write"),
    ("DELETE", _G + "/{id}/owners/{member}/$ref", remove_owner, "member", "write"),
    ("GET", "/v1.0/directory/deletedItems/microsoft.graph.group", deleted_groups, "group", "read"),
]
