"""Sign-in: the Authentication API (``/api/v1/authn``), sessions and app SSO, with their System Log.

* ``POST /api/v1/authn`` checks a username and password. A wrong password is ``401 E0000004`` and
  counts toward lock-out (``LOCKOUT_ATTEMPTS`` in a row lock the account: ``user.account.lock``); a
  locked account answers ``{"status": "LOCKED_OUT"}``. A person with an active TOTP factor is asked for
  it (``MFA_REQUIRED``, a ``stateToken``) when signing in from a device or a country the org has not
  seen them use; otherwise, and after ``POST /api/v1/authn/factors/{id}/verify``, the answer is
  ``SUCCESS`` with a one-time ``sessionToken``. Each attempt writes ``user.session.start`` (and
  ``user.authentication.auth_via_mfa``) with the person as actor.
* ``GET /login/sessionCookieRedirect?token=...&redirectUrl=...`` trades the session token for a
  session cookie (``sid``) and redirects; ``GET /home/{app}/{id}/{link}`` with that cookie is the app's
  sign-on (``user.authentication.sso``), allowed for apps the person holds.

A trusted app (a caller with a valid API token) may forward the person's address and browser with
``X-Forwarded-For`` and ``User-Agent``, and a device with ``X-Device-Fingerprint``, as Okta allows;
the log records those.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from starlette.responses import HTMLResponse, RedirectResponse, Response

from tenantsim.sandbox.okta import errors as err
from tenantsim.sandbox.okta import factors, geoip, syslog
from tenantsim.sandbox.okta.call import Call, ok
from tenantsim.sandbox.okta.model import User, iso, now, password_matches
from tenantsim.sandbox.okta.org import OktaOrg
from tenantsim.sandbox.okta.sessions import Pending
from tenantsim.sandbox.okta.syslog import app_target, user_target

LOCKOUT_ATTEMPTS = 10  # Okta's default password policy
STATE_LIFETIME = 300
SESSION_TOKEN_LIFETIME = 300
SESSION_LIFETIME = 2 * 3600
SIGNED_IN = ("ACTIVE", "PASSWORD_EXPIRED")


def _context(call: Call, step: int, credential: str) -> dict[str, Any]:
    return {"authenticationProvider": "OKTA_AUTHENTICATION_PROVIDER",
            "credentialProvider": "OKTA_CREDENTIAL_PROVIDER", "credentialType": credential,
            "authenticationStep": step, "externalSessionId": "trs" + call.request_id[:22]}


def _as(call: Call, user: User | None) -> Call:
    """The call as the person signing in (the actor of its events)."""
    call.owner_id = user.id if user is not None else "unknown"
    return call


def _country(call: Call) -> str:
    place = geoip.locate(call.client_ip) if call.client_ip else None
    return place[2] if place else "local"


def _user_json(user: User) -> dict[str, Any]:
    profile = user.profile
    return {"id": user.id, "passwordChanged": iso(user.password_changed) if user.password_changed else None,
            "profile": {"login": profile.get("login"), "firstName": profile.get("firstName"),
                        "lastName": profile.get("lastName"), "locale": profile.get("locale") or "en",
                        "timeZone": profile.get("timezone") or "America/Los_Angeles"}}


def _success(call: Call, org: OktaOrg, user: User, device: str, country: str) -> Response:
    state = org.authn
    token = "20111" + secrets.token_urlsafe(30)
    state.session_tokens[token] = (user.id, now() + SESSION_TOKEN_LIFETIME)
    if device and device not in state.devices.setdefault(user.id, []):
        state.devices[user.id].append(device)
    if country not in state.countries.setdefault(user.id, []):
        state.countries[user.id].append(country)
    state.failures.pop(user.id, None)
    user.last_login = now()
    return ok({"expiresAt": iso(now() + SESSION_TOKEN_LIFETIME), "status": "SUCCESS", "sessionToken": token,
               "_embedded": {"user": _user_json(user)}})


async def primary(call: Call) -> Response:
    org = call.org
    body = await call.body()
    username, password = str(body.get("username") or ""), str(body.get("password") or "")
    if not username or not password:
        raise err.validation("authRequest", "username and password are required")
    try:
        user: User | None = org.user(username)
    except err.OktaApiError:
        user = None
    if user is not None and user.status == "LOCKED_OUT":
        syslog.record(_as(call, user), "user.session.start", [], result="FAILURE", reason="LOCKED_OUT",
                      auth_context=_context(call, 0, "PASSWORD"))
        return ok({"status": "LOCKED_OUT", "_embedded": {"user": _user_json(user)}})
    if user is None or user.status not in SIGNED_IN or not password_matches(user.password_hash, password):
        reason = "INVALID_CREDENTIALS" if user is not None else "VERIFICATION_ERROR"
        actor = _as(call, user)
        syslog.record(actor, "user.session.start", [], result="FAILURE", reason=reason,
                      auth_context=_context(call, 0, "PASSWORD"))
        if user is not None and user.status == "ACTIVE":
            count = org.authn.failures[user.id] = org.authn.failures.get(user.id, 0) + 1
            if count >= LOCKOUT_ATTEMPTS:
                user.set_status("LOCKED_OUT", now())
                org.authn.failures.pop(user.id, None)
                syslog.record(actor, "user.account.lock", [user_target(user)], result="FAILURE",
                              reason="LOCKED_OUT", auth_context=_context(call, 0, "PASSWORD"))
        raise err.OktaApiError(401, "E0000004", "Authentication failed", ["Authentication failed"])
    device = call.request.headers.get("x-device-fingerprint", "")
    country = _country(call)
    totp = next((f for f in org.factors.get(user.id, {}).values()
                 if f.status == "ACTIVE" and f.secret is not None), None)
    seen = org.authn.devices.get(user.id, []), org.authn.countries.get(user.id, [])
    new_device = bool(device) and device not in seen[0]
    if totp is not None and (new_device or (seen[1] and country not in seen[1])):
        state_token = "00" + secrets.token_urlsafe(30)
        org.authn.pending[state_token] = Pending(user.id, now() + STATE_LIFETIME, device, country, totp.id)
        verify = f"{call.base}/api/v1/authn/factors/{totp.id}/verify"
        return ok({"stateToken": state_token, "expiresAt": iso(now() + STATE_LIFETIME),
                   "status": "MFA_REQUIRED", "_embedded": {"user": _user_json(user), "factors": [
                       {"id": totp.id, "factorType": totp.factor_type, "provider": totp.provider,
                        "vendorName": totp.vendor_name, "profile": dict(totp.profile),
                        "_links": {"verify": {"href": verify, "hints": {"allow": ["POST"]}}}}]},
                   "_links": {"cancel": {"href": f"{call.base}/api/v1/authn/cancel",
                                         "hints": {"allow": ["POST"]}}}})
    syslog.record(_as(call, user), "user.session.start", [user_target(user)],
                  auth_context=_context(call, 0, "PASSWORD"))
    return _success(call, org, user, device, country)


async def verify_factor(call: Call) -> Response:
    org = call.org
    body = await call.body()
    pending = org.authn.pending.get(str(body.get("stateToken") or ""))
    if pending is None or pending.expires < now() or pending.factor_id != call.params["fid"]:
        raise err.OktaApiError(401, "E0000011", "Invalid token provided")
    user = org.users.get(pending.user_id)
    found = org.factors.get(pending.user_id, {}).get(pending.factor_id)
    if user is None or found is None or found.secret is None:
        raise err.OktaApiError(401, "E0000011", "Invalid token provided")
    actor = _as(call, user)
    if not factors.totp_matches(found.secret, str(body.get("passCode") or "")):
        syslog.record(actor, "user.authentication.auth_via_mfa", [user_target(user)], result="FAILURE",
                      reason="INVALID_CREDENTIALS", auth_context=_context(call, 1, "OTP"),
                      debug={"factor": found.factor_type})
        raise factors.invalid_passcode()
    del org.authn.pending[str(body["stateToken"])]
    syslog.record(actor, "user.authentication.auth_via_mfa", [user_target(user)],
                  auth_context=_context(call, 1, "OTP"), debug={"factor": found.factor_type})
    syslog.record(actor, "user.session.start", [user_target(user)],
                  auth_context=_context(call, 0, "PASSWORD"))
    return _success(call, org, user, pending.device, pending.country)


async def session_redirect(call: Call) -> Response:
    """``/login/sessionCookieRedirect``: a session token becomes a session cookie, then a redirect."""
    org = call.org
    token, target = call.query("token") or "", call.query("redirectUrl") or call.base
    found = org.authn.session_tokens.pop(token, None)
    if found is None or found[1] < now() or found[0] not in org.users:
        return RedirectResponse(f"{call.base}/login/login.htm", status_code=302)
    base_parts, target_parts = urlsplit(call.base), urlsplit(target)
    if target_parts.netloc and target_parts.netloc != base_parts.netloc:
        target = call.base  # never redirect off the org
    sid = "102" + secrets.token_urlsafe(24)
    org.authn.sessions[sid] = (found[0], now() + SESSION_LIFETIME)
    response = RedirectResponse(target, status_code=302)
    response.set_cookie("sid", sid, httponly=True, path=base_parts.path or "/")
    return response


async def app_sso(call: Call) -> Response:
    """``/home/{app}/{id}/{link}``: the app's sign-on for the session's person."""
    org = call.org
    session = org.authn.sessions.get(call.request.cookies.get("sid", ""))
    if session is None or session[1] < now() or session[0] not in org.users:
        return RedirectResponse(f"{call.base}/login/login.htm", status_code=302)
    user = org.users[session[0]]
    app = org.app(call.params["aid"])
    actor = _as(call, user)
    holds = app.status == "ACTIVE" and any(v.user.id == user.id for v in org.app_user_views(app))
    if not holds:
        syslog.record(actor, "user.authentication.sso", [app_target(app), user_target(user)],
                      result="FAILURE", reason="User is not assigned to this application",
                      auth_context=_context(call, 0, "PASSWORD"))
        return HTMLResponse("<html><body>You are not assigned to this app.</body></html>", status_code=403)
    syslog.record(actor, "user.authentication.sso", [app_target(app), user_target(user)],
                  auth_context=_context(call, 0, "PASSWORD"), debug={"initiationType": "IDP_INITIATED"})
    site = f"https://{app.name.replace('_', '-')}.example.com/sso/saml"
    assertion = secrets.token_urlsafe(48)
    return HTMLResponse('<html><body onload="document.forms[0].submit()">'
                        f'<form method="post" action="{site}">'
                        f'<input type="hidden" name="SAMLResponse" value="{assertion}"/>'
                        "</form></body></html>")
