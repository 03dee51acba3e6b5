"""Groups, memberships, the app catalogue, and app assignments to users and to groups."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from tenantsim.sandbox.okta import errors as err
from tenantsim.sandbox.okta import render
from tenantsim.sandbox.okta.call import Call, Handler, no_content, ok
from tenantsim.sandbox.okta.model import App, Group, User, iso
from tenantsim.sandbox.okta.query import compile_expression, page
from tenantsim.sandbox.okta.syslog import app_target, app_user_target, group_target, user_target

_GROUP_FILTERABLE = {"id": {"eq"}, "type": {"eq"}, "lastUpdated": {"eq", "gt", "ge", "lt", "le"},
                     "lastMembershipUpdated": {"eq", "gt", "ge", "lt", "le"}}
_APP_FILTERABLE = {"id": {"eq"}, "status": {"eq"}, "name": {"eq"}, "user.id": {"eq"}, "group.id": {"eq"}}


def _group_doc(g: Group) -> dict[str, Any]:
    return {"id": g.id, "type": g.type, "created": iso(g.created), "lastUpdated": iso(g.last_updated),
            "lastMembershipUpdated": iso(g.last_membership_updated), "profile": g.profile}


def _member(call: Call) -> User:
    found = call.org.users.get(call.params["uid"])
    if found is None:
        raise err.not_found("User", call.params["uid"])
    return found


async def list_groups(call: Call) -> Response:
    groups = list(call.org.groups.values())
    q, filt, search = call.query("q"), call.query("filter"), call.query("search")
    limit = call.limit(300 if q else 10_000, 10_000)
    if search:
        predicate = compile_expression(search)
        groups = [g for g in groups if predicate(_group_doc(g))]
    elif filt:
        predicate = compile_expression(filt, _GROUP_FILTERABLE)
        groups = [g for g in groups if predicate(_group_doc(g))]
    elif q:
        groups = [g for g in groups if str(g.profile.get("name", "")).lower().startswith(q.lower())]
    chosen, last = page(groups, lambda g: g.seq, call.query("after"), limit, call.org.seq_of)
    links = call.links("/api/v1/groups", limit, last.id if last else None)
    return ok([render.group(call.base, g) for g in chosen], links=links)


async def create_group(call: Call) -> Response:
    profile = (await call.body()).get("profile")
    if not isinstance(profile, dict):
        raise err.validation("profile", "profile: The field cannot be left blank")
    group = call.org.create_group(profile)
    call.audit("group.lifecycle.create", [group_target(group)])
    return ok(render.group(call.base, group))


async def get_group(call: Call) -> Response:
    return ok(render.group(call.base, call.org.group(call.params["gid"])))


async def replace_group(call: Call) -> Response:
    profile = (await call.body()).get("profile")
    if not isinstance(profile, dict):
        raise err.validation("profile", "profile: The field cannot be left blank")
    group = call.org.replace_group(call.org.group(call.params["gid"]), profile)
    call.audit("group.profile.update", [group_target(group)])
    return ok(render.group(call.base, group))


async def delete_group(call: Call) -> Response:
    group = call.org.group(call.params["gid"])
    call.org.delete_group(group)
    call.audit("group.lifecycle.delete", [group_target(group)])
    return no_content()


async def group_users(call: Call) -> Response:
    group = call.org.group(call.params["gid"])
    limit = call.limit(1000, 10_000)
    members = sorted(call.org.group_members(group), key=lambda u: u.seq)
    chosen, last = page(members, lambda u: u.seq, call.query("after"), limit, call.org.seq_of)
    links = call.links(f"/api/v1/groups/{group.id}/users", limit, last.id if last else None)
    return ok([render.user(call.base, u) for u in chosen], links=links)


async def add_member(call: Call) -> Response:
    user = _member(call)
    was_member = user.id in call.org.members.get(call.params["gid"], {})
    call.org.add_member(call.params["gid"], user)
    if not was_member:
        group = call.org.groups[call.params["gid"]]
        call.audit("group.user_membership.add", [user_target(user), group_target(group)])
    return no_content()


async def remove_member(call: Call) -> Response:
    user = _member(call)
    was_member = user.id in call.org.members.get(call.params["gid"], {})
    call.org.remove_member(call.params["gid"], user)
    if was_member:
        call.audit("group.user_membership.remove",
                   [user_target(user), group_target(call.org.groups[call.params["gid"]])])
    return no_content()


async def group_apps(call: Call) -> Response:
    group = call.org.group(call.params["gid"])
    limit = call.limit(20, 200)
    chosen, last = page(call.org.group_apps(group), lambda a: a.seq, call.query("after"), limit,
                        call.org.seq_of)
    links = call.links(f"/api/v1/groups/{group.id}/apps", limit, last.id if last else None)
    return ok([render.app(call.base, a) for a in chosen], links=links)


# -- apps --------------------------------------------------------------------------------------------
def _app(call: Call) -> App:
    return call.org.app(call.params["aid"])


async def list_apps(call: Call) -> Response:
    apps = list(call.org.apps.values())
    q, filt = call.query("q"), call.query("filter")
    limit = call.limit(200, 200)
    if filt:
        predicate = compile_expression(filt, _APP_FILTERABLE)
        by_user, by_group = "user.id" in filt, "group.id" in filt
        apps = [a for a in apps if predicate(_app_doc(call, a, by_user, by_group))]
    if q:
        needle = q.lower()
        apps = [a for a in apps if a.name.lower().startswith(needle) or a.label.lower().startswith(needle)]
    chosen, last = page(apps, lambda a: a.seq, call.query("after"), limit, call.org.seq_of)
    links = call.links("/api/v1/apps", limit, last.id if last else None)
    return ok([render.app(call.base, a) for a in chosen], links=links)


def _app_doc(call: Call, app: App, by_user: bool, by_group: bool) -> dict[str, Any]:
    """What an apps filter sees; ``user.id``/``group.id`` hold every user/group assigned the app."""
    doc: dict[str, Any] = {"id": app.id, "status": app.status, "name": app.name}
    if by_user:  # directly or through a group, as Okta answers ``user.id eq``
        doc["user"] = {"id": [v.user.id for v in call.org.app_user_views(app)]}
    if by_group:
        doc["group"] = {"id": list(call.org.app_groups.get(app.id, {}))}
    return doc


async def get_app(call: Call) -> Response:
    return ok(render.app(call.base, _app(call)))


async def list_app_users(call: Call) -> Response:
    app = _app(call)
    limit = call.limit(50, 500)
    views = call.org.app_user_views(app)
    q = call.query("q")
    if q:
        views = [v for v in views if any(str(v.user.profile.get(k) or "").lower().startswith(q.lower())
                                         for k in ("firstName", "lastName", "email", "login"))]
    chosen, last = page(views, lambda v: v.user.seq, call.query("after"), limit, call.org.seq_of)
    links = call.links(f"/api/v1/apps/{app.id}/users", limit, last.user.id if last else None)
    return ok([render.app_user(call.base, app.id, v) for v in chosen], links=links)


async def assign_user(call: Call) -> Response:
    app, body = _app(call), await call.body()
    uid = body.get("id")
    if not uid:
        raise err.validation("id", "id: The field cannot be left blank")
    if body.get("scope", "USER") != "USER":
        raise err.validation("scope", "scope: Only USER scope can be assigned directly")
    user = call.org.users.get(str(uid))
    if user is None:
        raise err.not_found("User", str(uid))
    credentials = body.get("credentials") or {}
    was_assigned = user.id in call.org.app_users.get(app.id, {})
    call.org.assign_user(app, user, body.get("profile") or {}, credentials.get("userName"))
    if not was_assigned:
        call.audit("application.user_membership.add",
                   [app_user_target(app, user), app_target(app), user_target(user)])
    return ok(render.app_user(call.base, app.id, call.org.app_user_view(app, user)))


async def get_app_user(call: Call) -> Response:
    app = _app(call)
    return ok(render.app_user(call.base, app.id, call.org.app_user_view(app, _member(call))))


async def unassign_user(call: Call) -> Response:
    app, user = _app(call), _member(call)
    call.org.unassign_user(app, user)
    call.audit("application.user_membership.remove",
               [app_user_target(app, user), app_target(app), user_target(user)])
    return no_content()


async def list_app_groups(call: Call) -> Response:
    app = _app(call)
    limit = call.limit(20, 200)
    assigned = [(call.org.groups[gid], a) for gid, a in call.org.app_groups.get(app.id, {}).items()
                if gid in call.org.groups]
    assigned.sort(key=lambda pair: pair[0].seq)
    chosen, last = page(assigned, lambda pair: pair[0].seq, call.query("after"), limit, call.org.seq_of)
    links = call.links(f"/api/v1/apps/{app.id}/groups", limit, last[0].id if last else None)
    return ok([render.group_assignment(call.base, app.id, g.id, a) for g, a in chosen], links=links)


async def get_app_group(call: Call) -> Response:
    app = _app(call)
    found = call.org.app_groups.get(app.id, {}).get(call.params["gid"])
    if found is None:
        raise err.not_found("ApplicationGroupAssignment", call.params["gid"])
    return ok(render.group_assignment(call.base, app.id, call.params["gid"], found))


async def assign_group(call: Call) -> Response:
    app, body = _app(call), await call.body()
    group = call.org.group(call.params["gid"])
    priority = body.get("priority", 0)
    if not isinstance(priority, int):
        raise err.validation("priority", "priority: must be an integer")
    was_assigned = group.id in call.org.app_groups.get(app.id, {})
    assignment = call.org.assign_group(app, group, priority, body.get("profile") or {})
    if not was_assigned:
        call.audit("group.application_assignment.add", [app_target(app), group_target(group)])
    return ok(render.group_assignment(call.base, app.id, group.id, assignment))


async def unassign_group(call: Call) -> Response:
    app, gid = _app(call), call.params["gid"]
    call.org.unassign_group(app, gid)
    group = call.org.groups.get(gid)
    target = group_target(group) if group else {"id": gid, "type": "UserGroup", "alternateId": "unknown",
                                                 "displayName": "unknown"}
    call.audit("group.application_assignment.remove", [app_target(app), target])
    return no_content()


ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/api/v1/groups", list_groups),
    ("POST", "/api/v1/groups", create_group),
    ("GET", "/api/v1/groups/{gid}", get_group),
    ("PUT", "/api/v1/groups/{gid}", replace_group),
    ("DELETE", "/api/v1/groups/{gid}", delete_group),
    ("GET", "/api/v1/groups/{gid}/users", group_users),
    ("PUT", "/api/v1/groups/{gid}/users/{uid}", add_member),
    ("DELETE", "/api/v1/groups/{gid}/users/{uid}", remove_member),
    ("GET", "/api/v1/groups/{gid}/apps", group_apps),
    ("GET", "/api/v1/apps", list_apps),
    ("GET", "/api/v1/apps/{aid}", get_app),
    ("GET", "/api/v1/apps/{aid}/users", list_app_users),
    ("POST", "/api/v1/apps/{aid}/users", assign_user),
    ("GET", "/api/v1/apps/{aid}/users/{uid}", get_app_user),
    ("DELETE", "/api/v1/apps/{aid}/users/{uid}", unassign_user),
    ("GET", "/api/v1/apps/{aid}/groups", list_app_groups),
    ("GET", "/api/v1/apps/{aid}/groups/{gid}", get_app_group),
    ("PUT", "/api/v1/apps/{aid}/groups/{gid}", assign_group),
    ("DELETE", "/api/v1/apps/{aid}/groups/{gid}", unassign_group),
]
