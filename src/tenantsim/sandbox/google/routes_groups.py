"""/admin/directory/v1/groups and their members."""

from __future__ import annotations

from starlette.responses import Response

from tenantsim.sandbox.google import errors as err
from tenantsim.sandbox.google import groups as g
from tenantsim.sandbox.google import query as q
from tenantsim.sandbox.google import render
from tenantsim.sandbox.google.call import Call, no_content, ok


async def insert_group(call: Call) -> Response:
    created = g.insert_group(call.tenant, await call.body())
    return ok(render.group(call.tenant, created))


async def get_group(call: Call) -> Response:
    return ok(render.group(call.tenant, g.group(call.tenant, call.params["groupKey"])))


async def list_groups(call: Call) -> Response:
    tenant = call.tenant
    customer, domain, user_key = call.query("customer"), call.query("domain"), call.query("userKey")
    if not customer and not domain and not user_key:
        raise err.bad_request()
    if customer and not tenant.is_customer(customer):
        raise err.bad_request()
    if domain and domain.lower() != tenant.domain.lower():
        raise err.forbidden()
    if user_key:
        member = tenant.find_user(user_key)
        found = g.find_group(tenant, user_key) if member is None else None
        if member is None and found is None:
            raise err.not_found("userKey")
        teams = g.groups_of(tenant, member.id if member is not None else found.id)  # type: ignore[union-attr]
    else:
        teams = list(tenant.groups.values())
    call.enum("orderBy", ("email",))
    descending = call.enum("sortOrder", ("ASCENDING", "DESCENDING"), "ASCENDING") == "DESCENDING"
    size = q.max_results(call.query("maxResults"), 200, 200)
    chunk, following = q.page(teams, lambda t: [t.email.lower(), t.id], call.query("pageToken"), size,
                              descending)
    return ok(render.collection("admin#directory#groups", "groups",
                                [render.group(tenant, t) for t in chunk], following))


async def update_group(call: Call) -> Response:
    team = g.group(call.tenant, call.params["groupKey"])
    g.change_group(call.tenant, team, await call.body())
    return ok(render.group(call.tenant, team))


async def delete_group(call: Call) -> Response:
    g.delete_group(call.tenant, g.group(call.tenant, call.params["groupKey"]))
    return no_content()


async def insert_member(call: Call) -> Response:
    team = g.group(call.tenant, call.params["groupKey"])
    return ok(render.member(g.add_member(call.tenant, team, await call.body())))


async def list_members(call: Call) -> Response:
    team = g.group(call.tenant, call.params["groupKey"])
    held = list(call.tenant.members.get(team.id, {}).values())
    roles = call.query("roles")
    if roles:
        wanted = {r.strip().upper() for r in roles.split(",")}
        if not wanted <= set(g.ROLES):
            raise err.invalid("Invalid Input: roles")
        held = [m for m in held if m.role in wanted]
    size = q.max_results(call.query("maxResults"), 200, 200)
    chunk, following = q.page(held, lambda m: [m.email.lower(), m.id], call.query("pageToken"), size)
    return ok(render.collection("admin#directory#members", "members", [render.member(m) for m in chunk],
                                following))


async def get_member(call: Call) -> Response:
    team = g.group(call.tenant, call.params["groupKey"])
    return ok(render.member(g.member(call.tenant, team, call.params["memberKey"])))


async def update_member(call: Call) -> Response:
    team = g.group(call.tenant, call.params["groupKey"])
    held = g.member(call.tenant, team, call.params["memberKey"])
    body = await call.body()
    if "role" in body:
        role = str(body["role"] or "").upper()
        if role not in g.ROLES:
            raise err.invalid("Invalid Input: role")
        held.role = role
    if "delivery_settings" in body:
        held.delivery_settings = str(body["delivery_settings"])
    return ok(render.member(held))


async def delete_member(call: Call) -> Response:
    team = g.group(call.tenant, call.params["groupKey"])
    held = g.member(call.tenant, team, call.params["memberKey"])
    del call.tenant.members[team.id][held.id]
    return no_content()


async def has_member(call: Call) -> Response:
    team = g.group(call.tenant, call.params["groupKey"])
    return ok({"isMember": g.has_member(call.tenant, team, call.params["memberKey"])})


_GROUPS = "/admin/directory/v1/groups"
_MEMBERS = _GROUPS + "/{groupKey}/members"
ROUTES = [
    ("POST", _GROUPS, insert_group, "group"),
    ("GET", _GROUPS, list_groups, "group"),
    ("GET", _GROUPS + "/{groupKey}", get_group, "group"),
    ("PUT", _GROUPS + "/{groupKey}", update_group, "group"),
    ("PATCH", _GROUPS + "/{groupKey}", update_group, "group"),
    ("DELETE", _GROUPS + "/{groupKey}", delete_group, "group"),
    ("POST", _MEMBERS, insert_member, "member"),
    ("GET", _MEMBERS, list_members, "member"),
    ("GET", _MEMBERS + "/{memberKey}", get_member, "member"),
    ("PUT", _MEMBERS + "/{memberKey}", update_member, "member"),
    ("PATCH", _MEMBERS + "/{memberKey}", update_member, "member"),
    ("DELETE", _MEMBERS + "/{memberKey}", delete_member, "member"),
    ("GET", _GROUPS + "/{groupKey}/hasMember/{memberKey}", has_member, "member"),
]
