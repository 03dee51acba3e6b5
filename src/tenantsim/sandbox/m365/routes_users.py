"""/users, /users/{id | userPrincipalName}, manager and direct reports, /me, and deleted users."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from tenantsim.sandbox.m365 import errors as err
from tenantsim.sandbox.m365 import query as q
from tenantsim.sandbox.m365 import render
from tenantsim.sandbox.m365.call import Call, no_content, ok
from tenantsim.sandbox.m365.listing import Kind, collection, count_only
from tenantsim.sandbox.m365.model import User
from tenantsim.sandbox.m365.tenant import ref_id

USERS = Kind(
    name="user",
    resource="User",
    filterable={
        "id",
        "accountEnabled",
        "department",
        "mail",
        "userPrincipalName",
        "displayName",
        "givenName",
        "surname",
        "jobTitle",
        "mailNickname",
        "employeeId",
        "city",
        "country",
        "officeLocation",
        "usageLocation",
        "userType",
        "createdDateTime",
    },
    known=set(
        render.user_fields(
            User(id="", display_name="", user_principal_name="", mail_nickname="", created=0.0)
        )
    )
    | {"manager"},
    basic_order={"displayName", "userPrincipalName"},
    advanced_order={
        "mail",
        "givenName",
        "surname",
        "jobTitle",
        "department",
        "employeeId",
        "createdDateTime",
        "city",
        "country",
        "accountEnabled",
        "officeLocation",
        "usageLocation",
        "id",
    },
    searchable={
        "displayName",
        "mail",
        "userPrincipalName",
        "givenName",
        "surname",
        "jobTitle",
        "department",
        "mailNickname",
        "employeeId",
    },
)


def _select(call: Call) -> list[str] | None:
    selected = q.parse_select(call.query("$select"), USERS.known, "user")
    return [s for s in selected if s != "manager"] if selected else None


def _expand_manager(call: Call) -> tuple[bool, list[str] | None]:
    """``$expand=manager`` or ``manager($select=...)``: whether it was asked, and the manager's $select."""
    text = (call.query("$expand") or "").strip()
    if not text:
        return False, None
    name, _, inner = text.partition("(")
    if name.strip() != "manager":
        raise err.bad_request(
            f"Could not find a property named '{name.strip()[:40]}' on type 'microsoft.graph.user'."
        )
    inner = inner.rstrip(")").strip()
    if inner.startswith("$select="):
        return True, q.parse_select(inner[len("$select=") :], USERS.known - {"manager"}, "user")
    if inner:
        raise err.bad_request("Only $select is supported inside $expand=manager.")
    return True, None


def _render(call: Call, user: User, select: list[str] | None) -> dict[str, Any]:
    return {**render.user(user, select), **_manager_part(call, user)}


async def create_user(call: Call) -> Response:
    user = call.tenant.create_user(await call.body(), call.at)
    return ok({"@odata.context": call.context("users/$entity"), **render.user(user)}, status=201)


async def list_users(call: Call) -> Response:
    _expand_manager(call)
    select = _select(call)
    return collection(
        call,
        USERS,
        call.tenant.active_users(),
        render.user_fields,
        lambda u, _s: render.user(u, select),
        _context(call, "users"),
        extra=lambda u, data: data.update(_manager_part(call, u)),
    )


def _manager_part(call: Call, user: User) -> dict[str, Any]:
    wanted, select = _expand_manager(call)
    manager = call.tenant.manager_of(user) if wanted else None
    return {"manager": render.directory_object(manager, select)} if manager is not None else {}


def _context(call: Call, entity: str) -> str:
    selected = call.query("$select")
    return f"{entity}({selected})" if selected else entity


async def count_users(call: Call) -> Response:
    return count_only(call, USERS, call.tenant.active_users(), render.user_fields)


async def get_user(call: Call) -> Response:
    user = call.tenant.user(call.params["id"])
    return ok(
        {
            "@odata.context": call.context(_context(call, "users") + "/$entity"),
            **_render(call, user, _select(call)),
        }
    )


async def me(call: Call) -> Response:
    user = call.tenant.user(call.principal.user_id or "")
    return ok({"@odata.context": call.context("users/$entity"), **_render(call, user, _select(call))})


async def update_user(call: Call) -> Response:
    user = call.tenant.user(call.params["id"])
    call.tenant.update_user(user, await call.body())
    return no_content()


async def delete_user(call: Call) -> Response:
    user = call.tenant.user(call.params["id"])
    if user.id == call.principal.user_id:
        raise err.bad_request("A user cannot delete themselves.")
    call.tenant.delete_user(user, call.at)
    return no_content()


async def get_manager(call: Call) -> Response:
    user = call.tenant.user(call.params["id"])
    manager = call.tenant.manager_of(user)
    if manager is None:
        raise err.not_found("manager")
    return ok(
        {
            "@odata.context": call.context("directoryObjects/$entity"),
            **render.directory_object(manager, _select(call)),
        }
    )


async def set_manager(call: Call) -> Response:
    user = call.tenant.user(call.params["id"])
    body = await call.body()
    ref = body.get("@odata.id")
    if not isinstance(ref, str) or not ref:
        raise err.bad_request("Invalid request body: an '@odata.id' reference is required.")
    call.tenant.set_manager(user, call.tenant.user(ref_id(ref)))
    return no_content()


async def remove_manager(call: Call) -> Response:
    user = call.tenant.user(call.params["id"])
    if call.tenant.manager_of(user) is None:
        raise err.not_found("manager")
    user.manager_id = None
    return no_content()


async def direct_reports(call: Call) -> Response:
    user = call.tenant.user(call.params["id"])
    select = _select(call)
    return collection(
        call,
        USERS,
        call.tenant.direct_reports(user),
        render.user_fields,
        lambda u, _s: render.directory_object(u, select),
        "directoryObjects",
    )


# -- deleted items ------------------------------------------------------------------------------------
async def deleted_users(call: Call) -> Response:
    gone = [u for u in call.tenant.users.values() if u.deleted_at is not None]
    select = _select(call)
    return collection(
        call,
        USERS,
        gone,
        render.user_fields,
        lambda u, _s: render.user(u, select),
        "directory/deletedItems/microsoft.graph.user",
    )


async def deleted_item(call: Call) -> Response:
    found = call.tenant.find_user(call.params["id"], deleted=True)
    if found is None:
        raise err.not_found(call.params["id"])
    return ok(
        {
            "@odata.context": call.context("directory/deletedItems/$entity"),
            **render.directory_object(found, ["id", "displayName", "userPrincipalName", "deletedDateTime"]),
        }
    )


async def restore_item(call: Call) -> Response:
    restored = call.tenant.restore(call.params["id"])
    if isinstance(restored, User):
        return ok(
            {"@odata.context": call.context("directoryObjects/$entity"), **render.directory_object(restored)}
        )
    return ok(
        {
            "@odata.context": call.context("directoryObjects/$entity"),
            "@odata.type": "#microsoft.graph.group",
            **render.group(call.tenant, restored),
        }
    )


async def purge_item(call: Call) -> Response:
    call.tenant.purge(call.params["id"])
    return no_content()


_U = "/v1.0/users"
# (method, path template, handler, family, action, identity metering: "list" | "item" | None)
ROUTES = [
    ("POST", _U, create_user, "user", "write"),
    ("GET", _U, list_users, "user", "read"),
    ("GET", _U + "/$count", count_users, "user", "read"),
    ("GET", "/v1.0/me", me, "me", "read"),
    ("GET", _U + "/{id}", get_user, "user", "read"),
    ("PATCH", _U + "/{id}", update_user, "user", "write"),
    ("DELETE", _U + "/{id}", delete_user, "user", "write"),
    ("GET", _U + "/{id}/manager", get_manager, "user", "read"),
    ("PUT", _U + "/{id}/manager/$ref", set_manager, "user", "write"),
    ("DELETE", _U + "/{id}/manager/$ref", remove_manager, "user", "write"),
    ("GET", _U + "/{id}/directReports", direct_reports, "user", "read"),
    ("GET", "/v1.0/directory/deletedItems/microsoft.graph.user", deleted_users, "user", "read"),
    ("GET", "/v1.0/directory/deletedItems/{id}", deleted_item, "user", "read"),
    ("POST", "/v1.0/directory/deletedItems/{id}/restore", restore_item, "user", "write"),
    ("DELETE", "/v1.0/directory/deletedItems/{id}", purge_item, "user", "write"),
]
