"""Policies and their rules (``/api/v1/policies``), for the authenticator (MFA) enrolment type.

Every org has a system ``Default Policy`` of type ``MFA_ENROLL`` with a ``Default Rule``; neither can
be deleted. A new policy is evaluated before it (priority 1 unless given); priorities of the others
shift to keep them unique. Rules are kept per policy, ordered by priority, the default rule last.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tenantsim.sandbox.okta import errors as err
from tenantsim.sandbox.okta.model import iso, new_id, now

if TYPE_CHECKING:
    from tenantsim.sandbox.okta.org import OktaOrg

SUPPORTED_TYPES = ("MFA_ENROLL",)
KNOWN_TYPES = ("OKTA_SIGN_ON", "PASSWORD", "MFA_ENROLL", "IDP_DISCOVERY", "ACCESS_POLICY",
               "PROFILE_ENROLLMENT", "POST_AUTH_SESSION", "ENTITY_RISK")
AUTHENTICATOR_KEYS = ("custom_app", "custom_otp", "duo", "external_idp", "google_otp", "okta_email",
                      "okta_password", "okta_verify", "onprem_mfa", "phone_number", "rsa_token",
                      "security_question", "symantec_vip", "webauthn", "yubikey_token")
ENROLL_STATUS = ("NOT_ALLOWED", "OPTIONAL", "REQUIRED")
RULE_ENROLL = ("CHALLENGE", "LOGIN", "NEVER", "NEVER_INCLUDING_RECOVERY")
PREFIX_POLICY, PREFIX_RULE = "00p", "0pr"


@dataclass
class Rule:
    id: str
    name: str
    priority: int
    status: str
    conditions: dict[str, Any]
    actions: dict[str, Any]
    created: float
    last_updated: float
    system: bool = False


@dataclass
class Policy:
    id: str
    type: str
    name: str
    description: str | None
    priority: int
    status: str
    conditions: dict[str, Any]
    settings: dict[str, Any]
    created: float
    last_updated: float
    system: bool = False
    rules: dict[str, Rule] = field(default_factory=dict)


def dump(policies: dict[str, Policy]) -> list[dict[str, Any]]:
    return [{**vars(p), "rules": [vars(r) for r in p.rules.values()]} for p in policies.values()]


def load(data: list[dict[str, Any]] | None) -> dict[str, Policy]:
    found: dict[str, Policy] = {}
    for fields in data or []:
        rules = {r["id"]: Rule(**r) for r in fields.get("rules", [])}
        policy = Policy(**{**fields, "rules": rules})
        found[policy.id] = policy
    return found


def seed_default(org: OktaOrg, at: float) -> None:
    """The org's own MFA enrolment policy, as every org has one."""
    pid = new_id(PREFIX_POLICY, org.rng)
    settings = {"type": "AUTHENTICATORS", "authenticators": [
        {"key": "okta_password", "enroll": {"self": "REQUIRED"}},
        {"key": "okta_email", "enroll": {"self": "REQUIRED"}},
        {"key": "okta_verify", "enroll": {"self": "OPTIONAL"}},
        {"key": "google_otp", "enroll": {"self": "OPTIONAL"}},
        {"key": "security_question", "enroll": {"self": "OPTIONAL"}},
        {"key": "phone_number", "enroll": {"self": "OPTIONAL"}}]}
    policy = Policy(id=pid, type="MFA_ENROLL", name="Default Policy",
                    description="The default policy applies in all situations if no other policy applies.",
                    priority=1, status="ACTIVE",
                    conditions={"people": {"groups": {"include": [org.everyone_id]}}},
                    settings=settings, created=at, last_updated=at, system=True)
    rid = new_id(PREFIX_RULE, org.rng)
    policy.rules[rid] = Rule(id=rid, name="Default Rule", priority=99, status="ACTIVE",
                             conditions={"people": {"users": {"exclude": []}},
                                         "network": {"connection": "ANYWHERE"}},
                             actions={"enroll": {"self": "CHALLENGE"}}, created=at, last_updated=at,
                             system=True)
    org.policies[pid] = policy


def of_type(org: OktaOrg, kind: str | None) -> list[Policy]:
    if not kind:
        raise err.validation("type", "type: The field cannot be left blank")
    if kind not in KNOWN_TYPES:
        raise err.validation("type", f"type: '{kind}' is not a valid policy type")
    return sorted((p for p in org.policies.values() if p.type == kind), key=lambda p: p.priority)


def policy(org: OktaOrg, pid: str) -> Policy:
    found = org.policies.get(pid)
    if found is None:
        raise err.not_found("Policy", pid)
    return found


def _groups(org: OktaOrg, conditions: Any, where: str) -> dict[str, Any]:
    if conditions is None:
        return {}
    if not isinstance(conditions, dict):
        raise err.validation(where, f"{where}: must be an object")
    groups = ((conditions.get("people") or {}).get("groups") or {})
    for side in ("include", "exclude"):
        for gid in groups.get(side) or []:
            if gid not in org.groups:
                raise err.validation(where, f"{where}.people.groups.{side}: Group {gid} does not exist")
    return dict(conditions)


def _settings(settings: Any) -> dict[str, Any]:
    if settings is None:
        return {"type": "AUTHENTICATORS", "authenticators": []}
    if not isinstance(settings, dict):
        raise err.validation("settings", "settings: must be an object")
    for item in settings.get("authenticators") or []:
        if not isinstance(item, dict) or item.get("key") not in AUTHENTICATOR_KEYS:
            raise err.validation("settings", "settings.authenticators: unknown authenticator key "
                                 f"{item.get('key') if isinstance(item, dict) else item!r}")
        if (item.get("enroll") or {}).get("self", "NOT_ALLOWED") not in ENROLL_STATUS:
            raise err.validation("settings", "settings.authenticators.enroll.self: must be one of "
                                 + ", ".join(ENROLL_STATUS))
    return dict(settings)


def create(org: OktaOrg, body: dict[str, Any], activate: bool) -> Policy:
    kind = body.get("type")
    if kind not in KNOWN_TYPES:
        raise err.validation("type", "type: The field cannot be left blank" if not kind else
                             f"type: '{kind}' is not a valid policy type")
    if kind not in SUPPORTED_TYPES:
        raise err.validation("type", f"type: this org does not manage {kind} policies through this API")
    name = str(body.get("name") or "").strip()
    if not name:
        raise err.validation("name", "name: The field cannot be left blank")
    if len(name) > 255:
        raise err.validation("name", "name: The field is too long")
    siblings = of_type(org, str(kind))
    if any(p.name.lower() == name.lower() for p in siblings):
        raise err.validation("name", f"name: {err.ALREADY_EXISTS}")
    at = now()
    pid = new_id(PREFIX_POLICY, org.rng)
    found = Policy(id=pid, type=str(kind), name=name, description=body.get("description"), priority=0,
                   status="ACTIVE" if activate else "INACTIVE",
                   conditions=_groups(org, body.get("conditions"), "conditions"),
                   settings=_settings(body.get("settings")), created=at, last_updated=at)
    _place(siblings, found, body.get("priority"))
    org.policies[pid] = found
    return found


def _place(siblings: list[Policy], new: Policy, wanted: Any) -> None:
    """Insert ``new`` at ``wanted`` (default 1) among the non-system policies; the system one stays last."""
    ordinary = [p for p in siblings if not p.system]
    position = wanted if isinstance(wanted, int) and not isinstance(wanted, bool) and wanted >= 1 else 1
    position = min(position, len(ordinary) + 1)
    ordinary.insert(position - 1, new)
    for index, item in enumerate(ordinary, start=1):
        item.priority = index
    for item in siblings:
        if item.system:
            item.priority = len(ordinary) + 1


def delete(org: OktaOrg, found: Policy) -> None:
    if found.system:
        raise err.OktaApiError(403, "E0000006", "You do not have permission to perform the requested action",
                               ["The default policy cannot be deleted."])
    del org.policies[found.id]
    rest = [p for p in of_type(org, found.type) if not p.system]
    for index, item in enumerate(rest, start=1):
        item.priority = index


def set_status(found: Policy, status: str) -> None:
    if found.system and status == "INACTIVE":
        raise err.validation("status", "The default policy cannot be deactivated.")
    found.status = status
    found.last_updated = now()


def add_rule(org: OktaOrg, found: Policy, body: dict[str, Any], activate: bool) -> Rule:
    name = str(body.get("name") or "").strip()
    if not name:
        raise err.validation("name", "name: The field cannot be left blank")
    if any(r.name.lower() == name.lower() for r in found.rules.values()):
        raise err.validation("name", f"name: {err.ALREADY_EXISTS}")
    if body.get("type") not in (None, found.type):
        raise err.validation("type", f"type: a rule of a {found.type} policy must be of type {found.type}")
    actions = body.get("actions") or {}
    enroll = ((actions.get("enroll") if isinstance(actions, dict) else None) or {}).get("self", "CHALLENGE")
    if enroll not in RULE_ENROLL:
        raise err.validation("actions", "actions.enroll.self: must be one of " + ", ".join(RULE_ENROLL))
    conditions = body.get("conditions") or {}
    if not isinstance(conditions, dict):
        raise err.validation("conditions", "conditions: must be an object")
    for uid in ((conditions.get("people") or {}).get("users") or {}).get("exclude") or []:
        if uid not in org.users:
            raise err.validation("conditions", f"conditions.people.users.exclude: User {uid} does not exist")
    at = now()
    rid = new_id(PREFIX_RULE, org.rng)
    rule = Rule(id=rid, name=name, priority=0, status="ACTIVE" if activate else "INACTIVE",
                conditions=dict(conditions), actions={"enroll": {"self": enroll}}, created=at,
                last_updated=at)
    ordinary = sorted((r for r in found.rules.values() if not r.system), key=lambda r: r.priority)
    wanted = body.get("priority")
    position = wanted if isinstance(wanted, int) and not isinstance(wanted, bool) and wanted >= 1 else \
        len(ordinary) + 1
    ordinary.insert(min(position, len(ordinary) + 1) - 1, rule)
    for index, item in enumerate(ordinary, start=1):
        item.priority = index
    found.rules[rid] = rule
    found.last_updated = at
    return rule


def rule(found: Policy, rid: str) -> Rule:
    got = found.rules.get(rid)
    if got is None:
        raise err.not_found("PolicyRule", rid)
    return got


def delete_rule(found: Policy, got: Rule) -> None:
    if got.system:
        raise err.OktaApiError(403, "E0000006", "You do not have permission to perform the requested action",
                               ["The default rule cannot be deleted."])
    del found.rules[got.id]


def render(base: str, p: Policy) -> dict[str, Any]:
    url = f"{base}/api/v1/policies/{p.id}"
    toggle = "deactivate" if p.status == "ACTIVE" else "activate"
    links: dict[str, Any] = {"self": {"href": url, "hints": {"allow": ["GET", "PUT"] if p.system else
                                                            ["GET", "PUT", "DELETE"]}},
                             "rules": {"href": f"{url}/rules", "hints": {"allow": ["GET", "POST"]}}}
    if not p.system:
        links[toggle] = {"href": f"{url}/lifecycle/{toggle}", "hints": {"allow": ["POST"]}}
    return {"id": p.id, "status": p.status, "name": p.name, "description": p.description,
            "priority": p.priority, "system": p.system, "conditions": p.conditions, "created": iso(p.created),
            "lastUpdated": iso(p.last_updated), "settings": p.settings, "type": p.type, "_links": links}


def render_rule(base: str, p: Policy, r: Rule) -> dict[str, Any]:
    url = f"{base}/api/v1/policies/{p.id}/rules/{r.id}"
    toggle = "deactivate" if r.status == "ACTIVE" else "activate"
    links: dict[str, Any] = {"self": {"href": url, "hints": {"allow": ["GET", "PUT"] if r.system else
                                                            ["GET", "PUT", "DELETE"]}}}
    if not r.system:
        links[toggle] = {"href": f"{url}/lifecycle/{toggle}", "hints": {"allow": ["POST"]}}
    return {"id": r.id, "status": r.status, "name": r.name, "priority": r.priority, "created": iso(r.created),
            "lastUpdated": iso(r.last_updated), "system": r.system, "conditions": r.conditions,
            "actions": r.actions, "type": p.type, "_links": links}
