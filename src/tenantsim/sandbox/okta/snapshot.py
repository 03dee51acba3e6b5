"""An Okta org's tenant data as JSON-friendly values and back: what ``persist.py`` saves.

Model objects are flat dataclasses, so ``vars(obj)`` is their JSON form and ``Type(**fields)`` rebuilds
them. Every attribute of ``OktaOrg`` is saved: the id generator's state too, so ids issued after a
restore never repeat one issued before it.
"""

from __future__ import annotations

from typing import Any

from tenantsim.sandbox.okta import policies
from tenantsim.sandbox.okta.model import App, Assignment, Factor, Group, User
from tenantsim.sandbox.okta.oauth import OAuthState
from tenantsim.sandbox.okta.org import OktaOrg
from tenantsim.sandbox.okta.schema import UserSchema
from tenantsim.sandbox.okta.sessions import AuthnState
from tenantsim.sandbox.okta.syslog import SystemLog
from tenantsim.sandbox.persist import rng_state, set_rng_state


def _assignments(table: dict[str, dict[str, Assignment]]) -> dict[str, dict[str, Any]]:
    return {app_id: {holder: vars(a) for holder, a in held.items()} for app_id, held in table.items()}


def _load_assignments(data: dict[str, dict[str, Any]]) -> dict[str, dict[str, Assignment]]:
    return {app_id: {holder: Assignment(**a) for holder, a in held.items()} for app_id, held in data.items()}


def dump_org(org: OktaOrg) -> dict[str, Any]:
    """Live references, not copies: serialise the result before the org changes again."""
    return {
        "rng": rng_state(org.rng),
        "users": [vars(u) for u in org.users.values()],
        "logins": org.logins,
        "groups": [vars(g) for g in org.groups.values()],
        "members": org.members,
        "apps": [vars(a) for a in org.apps.values()],
        "app_users": _assignments(org.app_users),
        "app_groups": _assignments(org.app_groups),
        "factors": {uid: [vars(f) for f in held.values()] for uid, held in org.factors.items()},
        "token_owner": org.token_owner,
        "everyone_id": org.everyone_id,
        "seq_of": org.seq_of,
        "seq": org.last_seq,
        "log": org.log.dump(),
        "oauth": org.oauth.dump(),
        "schema": org.schema.dump(),
        "policies": policies.dump(org.policies),
        "authn": org.authn.dump(),
    }


def load_org(data: dict[str, Any]) -> OktaOrg:
    org = OktaOrg(seed=0)
    set_rng_state(org.rng, data["rng"])
    org.users = {u.id: u for u in (User(**fields) for fields in data["users"])}
    org.logins = {str(login): str(uid) for login, uid in data["logins"].items()}
    org.groups = {g.id: g for g in (Group(**fields) for fields in data["groups"])}
    org.members = {gid: {uid: float(at) for uid, at in held.items()} for gid, held in data["members"].items()}
    org.apps = {a.id: a for a in (App(**fields) for fields in data["apps"])}
    org.app_users = _load_assignments(data["app_users"])
    org.app_groups = _load_assignments(data["app_groups"])
    org.factors = {uid: {f.id: f for f in (Factor(**fields) for fields in held)}
                   for uid, held in data["factors"].items()}
    org.token_owner = {str(token): str(uid) for token, uid in data["token_owner"].items()}
    org.everyone_id = str(data["everyone_id"])
    org.seq_of = {str(ident): int(seq) for ident, seq in data["seq_of"].items()}
    org.last_seq = int(data["seq"])
    org.log = SystemLog.load(data.get("log"))  # files saved before the System Log existed have none
    org.oauth = OAuthState.load(data.get("oauth"))  # nor before service apps, schemas and policies
    org.schema = UserSchema.load(data.get("schema"))
    org.policies = policies.load(data.get("policies"))
    org.authn = AuthnState.load(data.get("authn"))  # sessions and MFA steps under way are not kept
    return org
