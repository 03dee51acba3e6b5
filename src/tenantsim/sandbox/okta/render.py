"""JSON shapes of the spec's User, Group, Application, AppUser, ApplicationGroupAssignment, UserFactor.

Objects are stored without URLs; ``base`` is the org URL of the current request (scheme, host and any
mount prefix), so links are right when the emulator is mounted under /sandbox/okta.
"""

from __future__ import annotations

from typing import Any

from tenantsim.sandbox.okta.model import USER_TYPE_ID, App, Assignment, Factor, Group, User, iso
from tenantsim.sandbox.okta.org import AppUserView


def _href(url: str, **extra: Any) -> dict[str, Any]:
    return {"href": url, **extra}


def _opt(ts: float | None) -> str | None:
    return None if ts is None else iso(ts)


# Lifecycle links Okta offers for each status (a client can discover what is allowed).
_USER_ACTIONS = {
    "ACTIVE": ("suspend", "resetPassword", "expirePassword", "forgotPassword", "changeRecoveryQuestion",
               "deactivate", "changePassword"),
    "SUSPENDED": ("unsuspend", "deactivate"),
    "STAGED": ("activate", "deactivate"),
    "PROVISIONED": ("reactivate", "resetPassword", "deactivate"),
    "RECOVERY": ("reactivate", "resetPassword", "deactivate"),
    "PASSWORD_EXPIRED": ("resetPassword", "expirePassword", "deactivate", "changePassword"),
    "LOCKED_OUT": ("unlock", "resetPassword", "deactivate"),
    "DEPROVISIONED": ("activate",),
}
_ACTION_PATHS = {"resetPassword": "lifecycle/reset_password",
                 "expirePassword": "lifecycle/expire_password",
                 "forgotPassword": "credentials/forgot_password",
                 "changePassword": "credentials/change_password",
                 "changeRecoveryQuestion": "credentials/change_recovery_question"}


def user(base: str, u: User) -> dict[str, Any]:
    url = f"{base}/api/v1/users/{u.id}"
    links: dict[str, Any] = {"self": _href(url), "schema": _href(f"{base}/api/v1/meta/schemas/user/default"),
                             "type": _href(f"{base}/api/v1/meta/types/user/{USER_TYPE_ID}")}
    for action in _USER_ACTIONS.get(u.status, ()):
        path = _ACTION_PATHS.get(action, f"lifecycle/{action}")
        links[action] = _href(f"{url}/{path}", method="POST")
    credentials: dict[str, Any] = {"provider": {"type": "OKTA", "name": "OKTA"}}
    if u.has_password:
        credentials["password"] = {}
    if u.recovery_question:
        credentials["recovery_question"] = {"question": u.recovery_question}
    return {"id": u.id, "status": u.status, "created": iso(u.created), "activated": _opt(u.activated),
            "statusChanged": _opt(u.status_changed), "lastLogin": _opt(u.last_login),
            "lastUpdated": iso(u.last_updated), "passwordChanged": _opt(u.password_changed),
            "transitioningToStatus": u.transitioning, "type": {"id": USER_TYPE_ID},
            "profile": dict(u.profile), "credentials": credentials, "_links": links}


def group(base: str, g: Group) -> dict[str, Any]:
    url = f"{base}/api/v1/groups/{g.id}"
    logo = [{"name": size, "href": f"{base}/assets/img/logos/groups/okta-{size}.png", "type": "image/png"}
            for size in ("medium", "large")]
    return {"id": g.id, "created": iso(g.created), "lastUpdated": iso(g.last_updated),
            "lastMembershipUpdated": iso(g.last_membership_updated), "objectClass": ["okta:user_group"],
            "type": g.type, "profile": dict(g.profile),
            "_links": {"self": _href(url), "logo": logo, "users": _href(f"{url}/users"),
                       "apps": _href(f"{url}/apps")}}


def app(base: str, a: App) -> dict[str, Any]:
    url = f"{base}/api/v1/apps/{a.id}"
    settings: dict[str, Any] = {"app": {}, "notifications": {"vpn": {"network": {"connection": "DISABLED"}}}}
    if a.sign_on_mode == "SAML_2_0":
        site = f"https://{a.name.replace('_', '-')}.example.com"
        settings["signOn"] = {
            "ssoAcsUrl": f"{site}/sso/saml", "audience": site, "recipient": f"{site}/sso/saml",
            "destination": f"{site}/sso/saml", "subjectNameIdTemplate": "${user.userName}",
            "subjectNameIdFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
            "signatureAlgorithm": "RSA_SHA256", "digestAlgorithm": "SHA256",
            "allowMultipleAcsEndpoints": False, "assertionSigned": True, "honorForceAuthn": True,
            "requestCompressed": False, "responseSigned": True,
            "authnContextClassRef": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"}
    if a.sign_on_mode == "BOOKMARK":
        slug = a.label.lower().replace(" ", "-")
        settings["app"] = {"requestIntegration": False, "url": f"https://intranet.{slug}.example.com/"}
    credentials: dict[str, Any] = {"userNameTemplate": {"template": "${source.login}", "type": "BUILT_IN"},
                                   "signing": {"kid": f"{a.id[:8]}signingkey"}}
    return {
        "id": a.id, "orn": f"orn:okta:idp:sandbox:apps:{a.name}:{a.id}", "name": a.name, "label": a.label,
        "status": a.status, "created": iso(a.created), "lastUpdated": iso(a.last_updated),
        "accessibility": {"selfService": False},
        "visibility": {"autoSubmitToolbar": False, "autoLaunch": False, "hide": {"iOS": False, "web": False},
                       "appLinks": {f"{a.name}_link": True}},
        "features": [], "signOnMode": a.sign_on_mode, "credentials": credentials, "settings": settings,
        "licensing": {"seatCount": 0},
        "_links": {"self": _href(url), "users": _href(f"{url}/users"), "groups": _href(f"{url}/groups"),
                   "deactivate": _href(f"{url}/lifecycle/deactivate"),
                   "metadata": _href(f"{url}/sso/saml/metadata", type="application/xml"),
                   "appLinks": [_href(f"{base}/home/{a.name}/{a.id}/{a.name}_link", name=f"{a.name}_link",
                                      type="text/html")],
                   "logo": [_href(f"{base}/assets/img/logos/{a.name}.png", name="medium", type="image/png")]},
    }


def app_user(base: str, app_id: str, view: AppUserView) -> dict[str, Any]:
    u, assignment = view.user, view.assignment
    links: dict[str, Any] = {"app": _href(f"{base}/api/v1/apps/{app_id}"),
                             "user": _href(f"{base}/api/v1/users/{u.id}")}
    if view.group_id is not None:
        links["group"] = _href(f"{base}/api/v1/groups/{view.group_id}")
    return {"id": u.id, "created": iso(assignment.created),
            "lastUpdated": iso(assignment.last_updated), "scope": view.scope,
            "status": "ACTIVE" if u.status != "DEPROVISIONED" else "INACTIVE",
            "statusChanged": iso(assignment.created), "passwordChanged": None, "syncState": "DISABLED",
            "credentials": {"userName": assignment.user_name or u.login}, "profile": dict(assignment.profile),
            "_links": links}


def group_assignment(base: str, app_id: str, group_id: str, assignment: Assignment) -> dict[str, Any]:
    return {"id": group_id, "lastUpdated": iso(assignment.last_updated), "priority": assignment.priority,
            "profile": dict(assignment.profile),
            "_links": {"self": _href(f"{base}/api/v1/apps/{app_id}/groups/{group_id}"),
                       "app": _href(f"{base}/api/v1/apps/{app_id}"),
                       "group": _href(f"{base}/api/v1/groups/{group_id}")}}


def factor(base: str, user_id: str, f: Factor) -> dict[str, Any]:
    url = f"{base}/api/v1/users/{user_id}/factors/{f.id}"
    links: dict[str, Any] = {"self": _href(url, hints={"allow": ["GET", "DELETE"]}),
                             "user": _href(f"{base}/api/v1/users/{user_id}")}
    if f.status == "PENDING_ACTIVATION":
        links["activate"] = _href(f"{url}/lifecycle/activate", hints={"allow": ["POST"]})
    elif f.factor_type != "question":
        links["verify"] = _href(f"{url}/verify", hints={"allow": ["POST"]})
    return {"id": f.id, "factorType": f.factor_type, "provider": f.provider, "vendorName": f.vendor_name,
            "status": f.status, "created": iso(f.created), "lastUpdated": iso(f.last_updated),
            "profile": dict(f.profile), "_links": links}
