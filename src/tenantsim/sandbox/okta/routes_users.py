"""Users, their lifecycle, their groups and their factors."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.responses import Response

from tenantsim.sandbox.okta import errors as err
from tenantsim.sandbox.okta import factors, render
from tenantsim.sandbox.okta.call import Call, Handler, no_content, ok
from tenantsim.sandbox.okta.model import USER_TYPE_ID, User, iso
from tenantsim.sandbox.okta.query import compile_expression, lookup, page

# Okta's ``filter`` supports only these attributes and operators; ``search`` supports any.
_FILTERABLE = {"status": {"eq"}, "id": {"eq"}, "type.id": {"eq"}, "profile.login": {"eq"},
               "profile.email": {"eq"}, "profile.firstName": {"eq"}, "profile.lastName": {"eq"},
               "lastUpdated": {"eq", "gt", "ge", "lt", "le"}}
MAX_PAGE = 200


def _doc(u: User) -> dict[str, Any]:
    """What filter and search expressions see."""
    return {"id": u.id, "status": u.status, "created": iso(u.created), "lastUpdated": iso(u.last_updated),
            "activated": u.activated and iso(u.activated), "type": {"id": USER_TYPE_ID},
            "statusChanged": u.status_changed and iso(u.status_changed), "profile": u.profile}


def _target(call: Call) -> User:
    ident = call.params["id"]
    return call.org.users[call.owner_id] if ident == "me" else call.org.user(ident)


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
            users.sort(key=lambda u: (str(lookup(_doc(u), sort_by) or ""), u.id),
                       reverse=call.query("sortOrder", "asc") == "desc")
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
    return ok([render.user(call.base, u) for u in chosen], links=links)


async def create_user(call: Call) -> Response:
    body = await call.body()
    profile = body.get("profile")
    if not isinstance(profile, dict):
        raise err.validation("profile", "profile: The field cannot be left blank")
    group_ids = body.get("groupIds") or []
    if not isinstance(group_ids, list):
        raise err.validation("groupIds", "groupIds: must be a list of group ids")
    question = ((body.get("credentials") or {}).get("recovery_question") or {}).get("question")
    user = call.org.create_user(profile, password=_password(body), activate=bool(call.flag("activate", True)),
                                next_login=call.query("nextLogin"), group_ids=[str(g) for g in group_ids],
                                recovery_question=question)
    return ok(render.user(call.base, user))


async def get_user(call: Call) -> Response:
    return ok(render.user(call.base, _target(call)))


async def update_user(call: Call) -> Response:
    body = await call.body()
    profile = body.get("profile")
    if profile is not None and not isinstance(profile, dict):
        raise err.validation("profile", "profile: must be an object")
    replace = call.request.method == "PUT"
    user = call.org.update_user(_target(call), profile, _password(body), replace=replace)
    return ok(render.user(call.base, user))


async def delete_user(call: Call) -> Response:
    call.org.delete_user(_target(call))
    return no_content()


async def user_groups(call: Call) -> Response:
    return ok([render.group(call.base, g) for g in call.org.user_groups(_target(call))])


def _activation(call: Call, user: User) -> dict[str, Any]:
    token = secrets.token_urlsafe(15)
    return {"activationToken": token, "activationUrl": f"{call.base}/welcome/{token}"}


async def lifecycle(call: Call) -> Response:
    org, user, op = call.org, _target(call), call.params["op"]
    if op == "activate":
        org.activate(user)
        return ok({} if call.flag("sendEmail", True) else _activation(call, user))
    if op == "reactivate":
        org.reactivate(user)
        return ok({} if call.flag("sendEmail", False) else _activation(call, user))
    if op == "deactivate":
        org.deactivate(user)
    elif op == "suspend":
        org.suspend(user)
    elif op == "unsuspend":
        org.unsuspend(user)
    elif op == "unlock":
        org.unlock(user)
    elif op == "expire_password":
        org.expire_password(user)
        return ok(render.user(call.base, user))
    elif op == "reset_password":
        send_email = call.flag("sendEmail", None)
        if send_email is None:
            raise err.validation("sendEmail", "sendEmail: The field cannot be left blank")
        org.reset_password(user)
        if not send_email:
            return ok({"resetPasswordUrl": f"{call.base}/reset_password/{secrets.token_urlsafe(15)}"})
        return ok({})
    else:
        raise err.not_found("Operation", op)
    return Response(status_code=200)  # the spec documents these as 200 without a body


async def list_factors(call: Call) -> Response:
    user = _target(call)
    return ok([render.factor(call.base, user.id, f) for f in call.org.factors.get(user.id, {}).values()])


async def enroll_factor(call: Call) -> Response:
    user = _target(call)
    found = factors.enroll(call.org, user, await call.body(), bool(call.flag("activate", False)))
    return ok(render.factor(call.base, user.id, found))


async def get_factor(call: Call) -> Response:
    user = _target(call)
    return ok(render.factor(call.base, user.id, factors.factor(call.org, user, call.params["fid"])))


async def activate_factor(call: Call) -> Response:
    user = _target(call)
    found = factors.activate(call.org, user, call.params["fid"], await call.body())
    return ok(render.factor(call.base, user.id, found))


async def delete_factor(call: Call) -> Response:
    factors.remove(call.org, _target(call), call.params["fid"])
    return no_content()


ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/api/v1/users", list_users),
    ("POST", "/api/v1/users", create_user),
    ("GET", "/api/v1/users/{id}", get_user),
    ("POST", "/api/v1/users/{id}", update_user),
    ("PUT", "/api/v1/users/{id}", update_user),
    ("DELETE", "/api/v1/users/{id}", delete_user),
    ("GET", "/api/v1/users/{id}/groups", user_groups),
    ("POST", "/api/v1/users/{id}/lifecycle/{op}", lifecycle),
    ("GET", "/api/v1/users/{id}/factors", list_factors),
    ("POST", "/api/v1/users/{id}/factors", enroll_factor),
    ("GET", "/api/v1/users/{id}/factors/{fid}", get_factor),
    ("DELETE", "/api/v1/users/{id}/factors/{fid}", delete_factor),
    ("POST", "/api/v1/users/{id}/factors/{fid}/lifecycle/activate", activate_factor),
]
