"""The org's System Log (``GET /api/v1/logs``): what every management call writes, and how it is read.

Reading follows Okta's System Log API: ``since``/``until`` bound ``published`` (since inclusive, until
exclusive, since defaulting to seven days before until), ``filter`` is a SCIM expression over the event
(a comparison on an array such as ``target.id`` matches when any element does), ``q`` is up to ten
case-insensitive keywords that must all occur, ``limit`` is at most 1000 (default 100) and ``sortOrder``
ASCENDING (default) or DESCENDING. A request without ``until`` in ASCENDING order is a *polling*
request: its ``Link rel="next"`` is always present, so a client keeps following it to receive new
events (an empty page means "nothing new yet"). Bounded requests (``until`` given, or DESCENDING) end
when no ``next`` link is sent. ``after`` is the opaque cursor those links carry.

The log keeps the newest ``CAPACITY`` events; it lives on the org, so it is saved with it and starts
empty again on ``_sandbox/reset``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import TYPE_CHECKING, Any

from tenantsim.sandbox.okta import geoip
from tenantsim.sandbox.okta.model import App, Group, User, iso, now

if TYPE_CHECKING:
    from tenantsim.sandbox.okta.call import Call

CAPACITY = 100_000

# eventType -> (displayMessage, legacyEventType, severity)
EVENT_TYPES: dict[str, tuple[str, str, str]] = {
    "user.lifecycle.create": ("Create Okta user", "core.user.config.user_creation.success", "INFO"),
    "user.lifecycle.activate": ("Activate Okta user", "core.user.config.user_activated", "INFO"),
    "user.lifecycle.reactivate": ("Reactivate Okta user", "core.user.config.user_reactivated", "INFO"),
    "user.lifecycle.deactivate": ("Deactivate Okta user", "core.user.config.user_deactivated", "INFO"),
    "user.lifecycle.suspend": ("Suspend Okta user", "core.user.config.user_suspended", "INFO"),
    "user.lifecycle.unsuspend": ("Unsuspend Okta user", "core.user.config.user_unsuspended", "INFO"),
    "user.lifecycle.delete.initiated": ("Delete Okta user", "core.user.config.user_deleted", "INFO"),
    "user.account.update_profile": ("Update user profile for Okta", "core.user.config.profile_update.success",
                                    "INFO"),
    "user.account.reset_password": ("Reset password for Okta user", "core.user.config.password_reset",
                                    "INFO"),
    "user.account.update_password": ("Update password for Okta user",
                                     "core.user.config.password_update.success", "INFO"),
    "user.account.expire_password": ("Expire password for Okta user", "core.user.config.password_expired",
                                     "INFO"),
    "user.account.unlock": ("Unlock Okta user", "core.user.config.user_unlocked", "INFO"),
    "group.user_membership.add": ("Add user to group membership", "core.user_group_member.user_add", "INFO"),
    "group.user_membership.remove": ("Remove user from group membership",
                                     "core.user_group_member.user_remove", "INFO"),
    "group.lifecycle.create": ("Create Okta group", "core.user_group.created", "INFO"),
    "group.lifecycle.delete": ("Delete Okta group", "core.user_group.deleted", "INFO"),
    "group.profile.update": ("Update group profile", "core.user_group.profile_updated", "INFO"),
    "application.user_membership.add": ("Add user to application membership",
                                        "app.generic.provision.assign_user_to_app", "INFO"),
    "application.user_membership.remove": ("Remove user from application membership",
                                           "app.generic.unprovision.user_removed_from_app", "INFO"),
    "group.application_assignment.add": ("Add assigned application to group",
                                         "app.generic.config.app_assigned_to_group", "INFO"),
    "group.application_assignment.remove": ("Remove assigned application from group",
                                            "app.generic.config.app_unassigned_from_group", "INFO"),
    "user.mfa.factor.activate": ("Activate factor or authenticator", "core.user.factor.activate", "INFO"),
    "user.mfa.factor.deactivate": ("Reset factor for user", "core.user.factor.deactivate", "INFO"),
    "user.mfa.factor.reset_all": ("Reset all factors for user", "core.user.factor.reset_all", "INFO"),
    "user.authentication.auth_via_mfa": ("Authentication of user via MFA", "core.user.factor.attempt_success",
                                         "INFO"),
    "user.session.start": ("User login to Okta", "core.user_auth.login_success", "INFO"),
    "user.authentication.sso": ("User single sign on to app", "app.auth.sso", "INFO"),
    "user.account.lock": ("Max sign in attempts exceeded", "core.user_auth.account_locked", "WARN"),
    "policy.lifecycle.create": ("Create policy", "core.policy.add", "INFO"),
    "policy.lifecycle.delete": ("Delete policy", "core.policy.delete", "INFO"),
    "policy.lifecycle.activate": ("Activate policy", "core.policy.activate", "INFO"),
    "policy.lifecycle.deactivate": ("Deactivate policy", "core.policy.deactivate", "INFO"),
    "policy.rule.add": ("Add policy rule", "core.policy.rule.add", "INFO"),
    "policy.rule.delete": ("Delete policy rule", "core.policy.rule.delete", "INFO"),
    "system.user.schema.update": ("Update user profile schema", "core.user.schema.update", "INFO"),
}

# Where the sandbox "is": a client address always resolves to the same one of these.
_PLACES = (
    ("San Francisco", "California", "United States", "94107", 37.7697, -122.3933),
    ("New York", "New York", "United States", "10013", 40.7209, -74.0047),
    ("Austin", "Texas", "United States", "78701", 30.2713, -97.7426),
    ("Chicago", "Illinois", "United States", "60606", 41.8826, -87.6376),
    ("London", "England", "United Kingdom", "EC2A", 51.5225, -0.0847),
    ("Dublin", "Leinster", "Ireland", "D02", 53.3382, -6.2591),
)
_AUTH_CONTEXT = {"authenticationStep": 0, "externalSessionId": "unknown"}


# -- targets -------------------------------------------------------------------------------------------
def user_target(u: User) -> dict[str, Any]:
    name = f"{u.profile.get('firstName', '')} {u.profile.get('lastName', '')}".strip()
    return {"id": u.id, "type": "User", "alternateId": u.login, "displayName": name or u.login}


def group_target(g: Group) -> dict[str, Any]:
    return {"id": g.id, "type": "UserGroup", "alternateId": "unknown",
            "displayName": str(g.profile.get("name", ""))}


def app_target(a: App) -> dict[str, Any]:
    return {"id": a.id, "type": "AppInstance", "alternateId": a.label, "displayName": a.label}


def policy_target(ident: str, name: str, kind: str = "PolicyEntity") -> dict[str, Any]:
    return {"id": ident, "type": kind, "alternateId": "unknown", "displayName": name}


def app_user_target(a: App, u: User) -> dict[str, Any]:
    return {"id": u.id, "type": "AppUser", "alternateId": u.login,
            "displayName": user_target(u)["displayName"], "detailEntry": {"appInstanceId": a.id}}


# -- the log -------------------------------------------------------------------------------------------
class SystemLog:
    """Events in the order they were written; ``seq`` orders them, ``published`` never goes back."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self.entries: list[tuple[int, float, dict[str, Any]]] = []
        self.last_seq = 0
        self._texts: dict[int, str] = {}  # seq -> lower-cased text for q= (built on first use)

    def __len__(self) -> int:
        return len(self.entries)

    def append(self, event: dict[str, Any], at: float) -> None:
        if self.entries and at < self.entries[-1][1]:
            at = self.entries[-1][1]
        event["published"] = iso(at)
        self.last_seq += 1
        self.entries.append((self.last_seq, at, event))
        excess = len(self.entries) - self.capacity
        if excess >= max(1, self.capacity // 20):  # trim in batches: appends stay O(1) amortised
            for seq, _, _ in self.entries[:excess]:
                self._texts.pop(seq, None)
            del self.entries[:excess]

    def events(self) -> list[dict[str, Any]]:
        return [event for _, _, event in self.entries[-self.capacity:]]

    def text(self, seq: int, event: dict[str, Any]) -> str:
        found = self._texts.get(seq)
        if found is None:
            found = self._texts[seq] = json.dumps(event, separators=(",", ":")).lower()
        return found

    def dump(self) -> dict[str, Any]:
        return {"seq": self.last_seq, "entries": [[seq, at, event] for seq, at, event in
                                                   self.entries[-self.capacity:]]}

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> SystemLog:
        log = cls()
        if data:
            log.entries = [(int(seq), float(at), dict(event)) for seq, at, event in data["entries"]]
            log.last_seq = int(data["seq"])
        return log


def _client(call: Call) -> dict[str, Any]:
    request = call.request
    ip = call.client_ip or (request.client.host if request.client else "127.0.0.1")
    raw = request.headers.get("user-agent", "UNKNOWN")
    lowered = raw.lower()
    os_name = next((name for key, name in (("windows", "Windows"), ("iphone", "iOS"), ("android", "Android"),
                                           ("mac os x", "Mac OS X"), ("macintosh", "Mac OS X"),
                                           ("linux", "Linux")) if key in lowered), "Unknown")
    browser = next((name for key, name in (("edg/", "EDGE"), ("firefox/", "FIREFOX"), ("chrome/", "CHROME"),
                                           ("safari/", "SAFARI")) if key in lowered), "UNKNOWN")
    digest = int(hashlib.sha256(ip.encode()).hexdigest(), 16)
    city, state, country, postal, lat, lon = geoip.locate(ip) or _PLACES[digest % len(_PLACES)]
    geo = {"city": city, "state": state, "country": country, "postalCode": postal,
           "geolocation": {"lat": lat, "lon": lon}}
    return {"ipAddress": ip, "userAgent": {"rawUserAgent": raw, "os": os_name, "browser": browser},
            "geographicalContext": geo, "zone": "null",
            "device": "Computer" if browser != "UNKNOWN" else "Unknown"}


def record(call: Call, event_type: str, targets: list[dict[str, Any]], *, result: str = "SUCCESS",
           reason: str | None = None, debug: dict[str, Any] | None = None,
           auth_context: dict[str, Any] | None = None) -> None:
    """Write one event for this call: the token's user as actor, the caller as client."""
    message, legacy, severity = EVENT_TYPES[event_type]
    admin = call.org.users.get(call.owner_id)
    service = call.org.oauth.apps.get(call.owner_id)
    if admin is not None:
        actor = user_target(admin)
    elif service is not None:  # a service app's access token: the app is the actor
        actor = {"id": service.client_id, "type": "PublicClientApp", "alternateId": service.client_id,
                 "displayName": service.label}
    else:
        actor = {"id": call.owner_id, "type": "User", "alternateId": "unknown", "displayName": "unknown"}
    client = _client(call)
    ip = str(client["ipAddress"])
    outcome: dict[str, Any] = {"result": result}
    if reason:
        outcome["reason"] = reason
    query = call.request.url.query
    debug_data = {"requestId": call.request_id, "requestUri": call.path,
                  "url": call.path + (f"?{query}" if query else ""), **(debug or {})}
    transaction: dict[str, Any] = {"type": "WEB", "id": call.request_id}
    if call.token_id:
        transaction["detail"] = {"requestApiTokenId": call.token_id}
    event = {
        "uuid": str(uuid.uuid4()), "published": "", "eventType": event_type, "version": "0",
        "displayMessage": message, "severity": severity, "legacyEventType": legacy,
        "actor": actor, "client": client, "outcome": outcome, "target": targets,
        "authenticationContext": {**_AUTH_CONTEXT, **(auth_context or {})}, "securityContext": {},
        "request": {"ipChain": [{"ip": ip, "version": "V6" if ":" in ip else "V4",
                                 "geographicalContext": client["geographicalContext"]}]},
        "transaction": transaction, "debugContext": {"debugData": debug_data},
    }
    call.org.log.append(event, now())
