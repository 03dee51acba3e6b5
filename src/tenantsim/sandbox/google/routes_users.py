"""/admin/directory/v1/users: insert, get, list, update, patch, delete."""

from __future__ import annotations

from starlette.responses import Response

from tenantsim.sandbox.google import errors as err
from tenantsim.sandbox.google import query as q
from tenantsim.sandbox.google import render
from tenantsim.sandbox.google.call import Call, no_content, ok
from tenantsim.sandbox.google.model import User

_PROJECTIONS = ("basic", "custom", "full")
_ORDER = {"email": lambda u: [u.primary_email.lower(), u.id],
          "givenName": lambda u: [u.given_name.lower(), u.primary_email.lower(), u.id],
          "familyName": lambda u: [u.family_name.lower(), u.primary_email.lower(), u.id]}


async def insert_user(call: Call) -> Response:
    body = await call.body()
    user = call.tenant.insert_user(body, call.at)
    return ok(render.user(call.tenant, user))


async def get_user(call: Call) -> Response:
    call.enum("projection", _PROJECTIONS)
    call.enum("viewType", ("admin_view", "domain_public"))
    return ok(render.user(call.tenant, call.tenant.user(call.params["userKey"])))


async def list_users(call: Call) -> Response:
    tenant = call.tenant
    customer, domain = call.query("customer"), call.query("domain")
    if not customer and not domain:
        raise err.bad_request()
    if customer and not tenant.is_customer(customer):
        raise err.bad_request()
    if domain and domain.lower() != tenant.domain.lower():
        raise err.forbidden()
    call.enum("projection", _PROJECTIONS)
    order = call.enum("orderBy", tuple(_ORDER), "email") or "email"
    descending = call.enum("sortOrder", ("ASCENDING", "DESCENDING"), "ASCENDING") == "DESCENDING"
    size = q.max_results(call.query("maxResults"), 100, 500)
    users: list[User] = list(tenant.users.values())
    if (call.query("showDeleted") or "").lower() == "true":
        users = []  # deleted users are gone at once here: nothing to undelete
    if call.query("query"):
        keep = q.user_filter(tenant, call.query("query") or "")
        users = [u for u in users if keep(u)]
    chunk, following = q.page(users, _ORDER[order], call.query("pageToken"), size, descending)
    return ok(render.collection("admin#directory#users", "users",
                                [render.user(tenant, u) for u in chunk], following))


async def update_user(call: Call) -> Response:
    user = call.tenant.user(call.params["userKey"])
    call.tenant.change_user(user, await call.body())
    return ok(render.user(call.tenant, user))


async def delete_user(call: Call) -> Response:
    user = call.tenant.user(call.params["userKey"])
    if user.primary_email.lower() == (call.subject or "").lower():
        raise err.invalid("Invalid Input: cannot delete the calling administrator")
    call.tenant.delete_user(user)
    return no_content()


async def make_admin(call: Call) -> Response:
    """isAdmin is read-only on users: this is how a super admin is made or unmade."""
    user = call.tenant.user(call.params["userKey"])
    body = await call.body()
    if not isinstance(body.get("status"), bool):
        raise err.required("Missing required field: status")
    if user.suspended and body["status"]:
        raise err.invalid("Invalid Input: user is suspended")
    user.is_admin = bool(body["status"])
    return no_content()


_USERS = "/admin/directory/v1/users"
ROUTES = [
    ("POST", _USERS, insert_user, "user"),
    ("GET", _USERS, list_users, "user"),
    ("GET", _USERS + "/{userKey}", get_user, "user"),
    ("PUT", _USERS + "/{userKey}", update_user, "user"),
    ("PATCH", _USERS + "/{userKey}", update_user, "user"),
    ("DELETE", _USERS + "/{userKey}", delete_user, "user"),
    ("POST", _USERS + "/{userKey}/makeAdmin", make_admin, "user"),
]
