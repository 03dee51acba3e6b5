"""Users, their lifecycle, their groups and their factors."""

from __future__ import annotations

import re
import secrets
from typing import Any

from starlette.responses import Response

from tenantsim.sandbox.okta import errors as err
from tenantsim.sandbox.okta import factors, render, syslog
from tenantsim.sandbox.okta.call import Call, Handler, no_content, ok
from tenantsim.sandbox.okta.model import USER_TYPE_ID, App, User, hash_password, iso
from tenantsim.sandbox.okta.query import compile_expression, lookup, page
from tenantsim.sandbox.okta.syslog import app_target, group_target, user_target

# Okta's ``filter`` supports only these attributes and operators; ``search`` supports any.
_FILTERABLE = {"status": {"eq"}, "id": {"eq"}, "type.id": {"eq"}, "profile.login": {"eq"},
               "profile.email": {"eq"}, "profile.firstName": {"eq"}, "profile.lastName": {"eq"},
               "lastUpdated": {"eq", "gt", "ge", "lt", "le"}}
MAX_PAGE = 200
_EXPIRE_AT_CREATE = "Could not create user. To create a user and expire their password immediately,"
_NEXT_LOGIN_NEEDS_ACTIVATE = f"{_EXPIRE_AT_CREATE} `activate` must be true."
_NEXT_LOGIN_NEEDS_PASSWORD = f"{_EXPIRE_AT_CREATE} a password must be specified."


def _doc(u: User) -> dict[str, Any]:
    """What filter and search expressions see."""
    return {"id": u.id, "status": u.status, "created": iso(u.created), "lastUpdated": iso(u.last_updated),
            "activated": u.activated and iso(u.activated), "type": {"id": USER_TYPE_ID},
            "statusChanged": u.status_changed and iso(u.status_changed), "profile": u.profile}


def _project(call: Call, rendered: dict[str, Any]) -> dict[str, Any]:
    """``fields=id,status,profile:(firstName,city)``: only those properties (``id`` always)."""
    raw = call.query("fields")
    if not raw:
        return rendered
    wanted: dict[str, list[str] | None] = {}
    for part in re.findall(r"[\w.]+:\([^)]*\)|[^,]+", raw):
        name, _, inner = part.strip().partition(":(")
        listed = [f.strip() for f in inner.rstrip(")").split(",") if f.strip()]
        wanted[name.strip()] = listed if inner else None
    out: dict[str, Any] = {"id": rendered["id"]}
    for name, subfields in wanted.items():
        if name not in rendered:
            continue
        value = rendered[name]
        if subfields is not None and isinstance(value, dict):
            value = {key: value[key] for key in subfields if key in value}
        out[name] = value
    return out


def _target(call: Call) -> User:
    ident = call.params["id"]
    if ident == "me":  # a service app's token has no user behind it
        found = call.org.users.get(call.owner_id)
        if found is None:
            raise err.not_found("User", "me")
        return found
    return call.org.user(ident)


def _password(body: dict[str, Any]) -> str | None:
    value = ((body.get("credentials") or {}).get("password") or {}).get("value")
    return None if value is None else str(value)


async def list_users(call: Call) -> Response:
    users = list(call.org.users.values())
    q, filt, search = call.query("q"), call.query("filter"), call.query("search")
    limit = call.limit(10 if q else MAX_PAGE, MAX_PAGE)
    if search:
        predicate = compile_expression(search)
        users = [u for u in users if predicate(_doc(u))]
        sort_by = call.query("sortBy")
        if sort_by:
            return _sorted_page(call, users, sort_by, call.limit(MAX_PAGE, MAX_PAGE))
    elif filt:
        predicate = compile_expression(filt, _FILTERABLE)
        users = [u for u in users if predicate(_doc(u))]
    else:  # plain listing and q= leave out deactivated users
        users = [u for u in users if u.status != "DEPROVISIONED"]
        if q:
            needle = q.lower()
            users = [u for u in users if any(str(u.profile.get(k) or "").lower().startswith(needle)
                                             for k in ("firstName", "lastName", "email"))]
    chosen, last = page(users, lambda u: u.seq, call.query("after"), limit, call.org.seq_of)
    links = call.links("/api/v1/users", limit, last.id if last else None)
    return ok([_project(call, render.user(call.base, u)) for u in chosen], links=links)


def _sorted_page(call: Call, users: list[User], sort_by: str, limit: int) -> Response:
    """A search sorted by another field than creation order: the cursor is a position in that order.

    The cursor names the last user of the page; the next page starts after that user's (sort value, id),
    so following ``next`` visits every matching user once even while users change in between.
    """
    descending = (call.query("sortOrder") or "asc").lower() == "desc"

    def key(u: User) -> tuple[str, str]:
        return (str(lookup(_doc(u), sort_by) or "").lower(), u.id)

    users.sort(key=key, reverse=descending)
    after = call.query("after")
    start = 0
    if after:
        anchor = call.org.users.get(after)
        if anchor is None:
            raise err.validation("after", "after: Invalid cursor")
        mark = key(anchor)
        start = next((i for i, u in enumerate(users) if (key(u) < mark if descending else key(u) > mark)),
                     len(users))
    chosen = users[start:start + limit]
    more = start + limit < len(users)
    links = call.links("/api/v1/users", limit, chosen[-1].id if more and chosen else None)
    return ok([_project(call, render.user(call.base, u)) for u in chosen], links=links)


async def create_user(call: Call) -> Response:
    body = await call.body()
    profile = body.get("profile")
    if not isinstance(profile, dict):
        raise err.validation("profile", "profile: The field cannot be left blank")
    group_ids = body.get("groupIds") or []
    if not isinstance(group_ids, list):
        raise err.validation("groupIds", "groupIds: must be a list of group ids")
    question = ((body.get("credentials") or {}).get("recovery_question") or {}).get("question")
    activate, next_login = bool(call.flag("activate", True)), call.query("nextLogin")
    password = _password(body)
    if next_login == "changePassword":
        if not activate:
            raise err.OktaApiError(400, "E0000125", _NEXT_LOGIN_NEEDS_ACTIVATE, [_NEXT_LOGIN_NEEDS_ACTIVATE])
        if password is None:
            raise err.OktaApiError(400, "E0000124", _NEXT_LOGIN_NEEDS_PASSWORD, [_NEXT_LOGIN_NEEDS_PASSWORD])
    user = call.org.create_user(profile, password=password, activate=activate, next_login=next_login,
                                group_ids=[str(g) for g in group_ids], recovery_question=question)
    call.audit("user.lifecycle.create", [user_target(user)])
    if user.status != "STAGED":
        call.audit("user.lifecycle.activate", [user_target(user)])
    for gid in dict.fromkeys(str(g) for g in group_ids):
        call.audit("group.user_membership.add", [user_target(user), group_target(call.org.groups[gid])])
    return ok(render.user(call.base, user))


async def get_user(call: Call) -> Response:
    return ok(_project(call, render.user(call.base, _target(call))))


async def update_user(call: Call) -> Response:
    body = await call.body()
    profile = body.get("profile")
    if profile is not None and not isinstance(profile, dict):
        raise err.validation("profile", "profile: must be an object")
    replace = call.request.method == "PUT"
    password = _password(body)
    user = call.org.update_user(_target(call), profile, password, replace=replace)
    if profile is not None:
        call.audit("user.account.update_profile", [user_target(user)])
    if password is not None:
        call.audit("user.account.update_password", [user_target(user)])
    return ok(render.user(call.base, user))


async def delete_user(call: Call) -> Response:
    user = _target(call)
    gone = call.org.delete_user(user)
    event = "user.lifecycle.delete.initiated" if gone else "user.lifecycle.deactivate"
    call.audit(event, [user_target(user)])
    return no_content()


async def user_groups(call: Call) -> Response:
    return ok([render.group(call.base, g) for g in call.org.user_groups(_target(call))])


def _activation(call: Call, user: User) -> dict[str, Any]:
    token = secrets.token_urlsafe(15)
    return {"activationToken": token, "activationUrl": f"{call.base}/welcome/{token}"}


def _temp_password() -> str:
    """Meets the default password policy: upper, lower, digit, 8+ characters."""
    return "Tmp" + secrets.token_urlsafe(9).replace("-", "x").replace("_", "y") + "7a"


async def lifecycle(call: Call) -> Response:
    org, user, op = call.org, _target(call), call.params["op"]
    if op == "activate":
        org.activate(user)
        call.audit("user.lifecycle.activate", [user_target(user)])
        return ok({} if call.flag("sendEmail", True) else _activation(call, user))
    if op == "reactivate":
        org.reactivate(user)
        call.audit("user.lifecycle.reactivate", [user_target(user)])
        return ok({} if call.flag("sendEmail", False) else _activation(call, user))
    if op == "deactivate":
        held = _direct_apps(call, user)
        org.deactivate(user)
        call.audit("user.lifecycle.deactivate", [user_target(user)])
        for app in held:  # deactivation deprovisions the user from every app
            call.audit("application.user_membership.remove", [user_target(user), app_target(app)])
    elif op in ("suspend", "unsuspend"):
        (org.suspend if op == "suspend" else org.unsuspend)(user)
        call.audit(f"user.lifecycle.{op}", [user_target(user)])
    elif op == "unlock":
        org.unlock(user)
        call.audit("user.account.unlock", [user_target(user)])
    elif op in ("expire_password", "expire_password_with_temp_password"):
        temp = op.endswith("temp_password") or bool(call.flag("tempPassword", False))
        if temp and user.status in ("ACTIVE", "PASSWORD_EXPIRED", "RECOVERY", "LOCKED_OUT"):
            user.has_password = True  # the temporary password replaces whatever the user had
        org.expire_password(user)
        call.audit("user.account.expire_password", [user_target(user)])
        if temp:
            user.password_changed = user.status_changed
            temporary = _temp_password()
            user.password_hash = hash_password(temporary)
            return ok({"tempPassword": temporary})
        return ok(render.user(call.base, user))
    elif op == "reset_password":
        send_email = call.flag("sendEmail", None)
        if send_email is None:
            raise err.validation("sendEmail", "sendEmail: The field cannot be left blank")
        org.reset_password(user)
        call.audit("user.account.reset_password", [user_target(user)])
        if not send_email:
            return ok({"resetPasswordUrl": f"{call.base}/reset_password/{secrets.token_urlsafe(15)}"})
        return ok({})
    elif op == "reset_factors":
        if user.status == "DEPROVISIONED":
            raise err.wrong_status()
        removed = call.org.factors.pop(user.id, {})
        call.audit("user.mfa.factor.reset_all", [user_target(user)], factorCount=len(removed))
    else:
        raise err.not_found("Operation", op)
    return Response(status_code=200)  # the spec documents these as 200 without a body


def _direct_apps(call: Call, user: User) -> list[App]:
    return [call.org.apps[aid] for aid, held in call.org.app_users.items()
            if user.id in held and aid in call.org.apps]


async def app_links(call: Call) -> Response:
    """The apps a user holds, directly or through a group, as the end-user dashboard lists them."""
    user = _target(call)
    links = []
    for order, app in enumerate(a for a in call.org.apps.values() if a.status == "ACTIVE"
                                and any(v.user.id == user.id for v in call.org.app_user_views(a))):
        link_name = f"{app.name}_link"
        links.append({"id": user.id, "appAssignmentId": "0ua" + app.id[3:10] + user.id[10:],
                      "appInstanceId": app.id, "appName": app.name, "credentialsSetup": False,
                      "hidden": False,
                      "label": app.label, "linkUrl": f"{call.base}/home/{app.name}/{app.id}/{link_name}",
                      "logoUrl": f"{call.base}/assets/img/logos/{app.name}.png", "sortOrder": order})
    return ok(links)


async def list_factors(call: Call) -> Response:
    user = _target(call)
    return ok([render.factor(call.base, user.id, f) for f in call.org.factors.get(user.id, {}).values()])


async def enroll_factor(call: Call) -> Response:
    user = _target(call)
    found = factors.enroll(call.org, user, await call.body(), bool(call.flag("activate", False)))
    if found.status == "ACTIVE":
        call.audit("user.mfa.factor.activate", [user_target(user)], factorType=found.factor_type,
                   factorId=found.id)
    rendered = render.factor(call.base, user.id, found)
    if found.secret is not None and found.status == "PENDING_ACTIVATION":
        rendered["_embedded"] = {"activation": factors.activation(call.base, user, found)}
    return ok(rendered)


async def get_factor(call: Call) -> Response:
    user = _target(call)
    return ok(render.factor(call.base, user.id, factors.factor(call.org, user, call.params["fid"])))


async def activate_factor(call: Call) -> Response:
    user = _target(call)
    found = factors.activate(call.org, user, call.params["fid"], await call.body())
    call.audit("user.mfa.factor.activate", [user_target(user)], factorType=found.factor_type,
               factorId=found.id)
    return ok(render.factor(call.base, user.id, found))


async def verify_factor(call: Call) -> Response:
    user = _target(call)
    try:
        found = factors.verify(call.org, user, call.params["fid"], await call.body())
    except err.OktaApiError as exc:
        if exc.code == "E0000068":
            syslog.record(call, "user.authentication.auth_via_mfa", [user_target(user)], result="FAILURE",
                          reason="INVALID_CREDENTIALS")
        raise
    call.audit("user.authentication.auth_via_mfa", [user_target(user)], factorType=found.factor_type,
               factorId=found.id)
    return ok({"factorResult": "SUCCESS"})


async def delete_factor(call: Call) -> Response:
    user = _target(call)
    found = factors.factor(call.org, user, call.params["fid"])
    factors.remove(call.org, user, found.id)
    call.audit("user.mfa.factor.deactivate", [user_target(user)], factorType=found.factor_type,
               factorId=found.id)
    return no_content()


ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/api/v1/users", list_users),
    ("POST", "/api/v1/users", create_user),
    ("GET", "/api/v1/users/{id}", get_user),
    ("POST", "/api/v1/users/{id}", update_user),
    ("PUT", "/api/v1/users/{id}", update_user),
    ("DELETE", "/api/v1/users/{id}", delete_user),
    ("GET", "/api/v1/users/{id}/groups", user_groups),
    ("GET", "/api/v1/users/{id}/appLinks", app_links),
    ("POST", "/api/v1/users/{id}/lifecycle/{op}", lifecycle),
    ("GET", "/api/v1/users/{id}/factors", list_factors),
    ("POST", "/api/v1/users/{id}/factors", enroll_factor),
    ("GET", "/api/v1/users/{id}/factors/{fid}", get_factor),
    ("DELETE", "/api/v1/users/{id}/factors/{fid}", delete_factor),
    ("POST", "/api/v1/users/{id}/factors/{fid}/lifecycle/activate", activate_factor),
    ("POST", "/api/v1/users/{id}/factors/{fid}/verify", verify_factor),
]
