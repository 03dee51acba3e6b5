"""One Microsoft 365 tenant: its directory (users, groups, membership, managers, deleted items), its teams
and channel messages, and Planner. Every refusal raises ``GraphError`` in Graph's words."""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from typing import Any

from tenantsim.sandbox.m365 import errors as err
from tenantsim.sandbox.m365.model import (
    Bucket,
    Channel,
    Group,
    Message,
    Plan,
    Task,
    Team,
    User,
    new_id,
)
from tenantsim.sandbox.m365.planner import PlannerMixin
from tenantsim.sandbox.m365.teams import TeamsMixin

_NICKNAME = re.compile(r"^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]{1,64}$")
# What POST / PATCH /users may set, by Graph name -> attribute; passwordProfile is handled on its own.
USER_FIELDS = {
    "displayName": "display_name",
    "givenName": "given_name",
    "surname": "surname",
    "mail": "mail",
    "mailNickname": "mail_nickname",
    "jobTitle": "job_title",
    "department": "department",
    "officeLocation": "office_location",
    "usageLocation": "usage_location",
    "city": "city",
    "country": "country",
    "employeeId": "employee_id",
    "mobilePhone": "mobile_phone",
    "businessPhones": "business_phones",
    "preferredLanguage": "preferred_language",
    "accountEnabled": "account_enabled",
    "userPrincipalName": "user_principal_name",
}
GROUP_FIELDS = {
    "displayName": "display_name",
    "description": "description",
    "mailNickname": "mail_nickname",
    "visibility": "visibility",
}


def password_ok(password: str) -> bool:
    """Entra's default policy: 8 to 256 characters, three of: lower, upper, digit, symbol."""
    classes = sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    return 8 <= len(password) <= 256 and classes >= 3


def hash_password(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


@dataclass
class Tenant(TeamsMixin, PlannerMixin):
    domain: str
    seed: int
    tenant_id: str = ""
    rng: random.Random = field(init=False)
    users: dict[str, User] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)  # "channel id/message id" -> message
    plans: dict[str, Plan] = field(default_factory=dict)
    buckets: dict[str, Bucket] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    last_message_ms: int = 0
    operations: dict[str, list[Any]] = field(default_factory=dict)  # teamsAsyncOperation id -> [team, at]

    def __post_init__(self) -> None:
        self.rng = random.Random(f"m365-tenant-{self.seed}")
        if not self.tenant_id:
            self.tenant_id = new_id(self.rng)

    # -- lookups ----------------------------------------------------------------------------------
    def find_user(self, key: str, *, deleted: bool = False) -> User | None:
        """A user by id or userPrincipalName (case-insensitive)."""
        found = self.users.get(key)
        if found is None:
            lowered = key.lower()
            found = next((u for u in self.users.values() if u.user_principal_name.lower() == lowered), None)
        if found is None or (found.deleted_at is not None) != deleted:
            return None
        return found

    def user(self, key: str) -> User:
        found = self.find_user(key)
        if found is None:
            raise err.not_found(key)
        return found

    def active_users(self) -> list[User]:
        return [u for u in self.users.values() if u.deleted_at is None]

    def group(self, key: str) -> Group:
        found = self.groups.get(key)
        if found is None or found.deleted_at is not None:
            raise err.not_found(key)
        return found

    def active_groups(self) -> list[Group]:
        return [g for g in self.groups.values() if g.deleted_at is None]

    def _new_id(self) -> str:
        while True:
            candidate = new_id(self.rng)
            if candidate not in self.users and candidate not in self.groups:
                return candidate

    def _upn_taken(self, upn: str, but: str | None = None) -> bool:
        return any(u.user_principal_name.lower() == upn.lower() and u.id != but for u in self.users.values())

    def _check_upn(self, upn: Any) -> str:
        text = str(upn or "").strip()
        local, at, domain = text.rpartition("@")
        if not at or not local or not _NICKNAME.match(local.replace("@", "")):
            raise err.bad_request(
                "Invalid value specified for property 'userPrincipalName' of resource 'User'."
            )
        if domain.lower() != self.domain.lower():
            raise err.bad_request(
                "The domain portion of the userPrincipalName property is invalid. You must use "
                "one of the verified domain names in your organization."
            )
        return text

    # -- users ------------------------------------------------------------------------------------
    def create_user(self, body: dict[str, Any], at: float, *, preexisting: bool = False) -> User:
        for name in ("accountEnabled", "displayName", "mailNickname", "userPrincipalName", "passwordProfile"):
            if body.get(name) in (None, ""):
                raise err.bad_request(
                    f"Property '{name}' is required when creating the user."
                    if name != "passwordProfile"
                    else "Property 'passwordProfile' is required when creating the user."
                )
        upn = self._check_upn(body["userPrincipalName"])
        self._check_user_fields(body)
        profile = body["passwordProfile"]
        password = profile.get("password") if isinstance(profile, dict) else None
        if not isinstance(password, str) or not password_ok(password):
            raise err.bad_request(
                "The specified password does not comply with password complexity requirements. "
                "Please provide a different password."
            )
        if self._upn_taken(upn):
            raise err.duplicate("userPrincipalName")
        user = User(
            id=self._new_id(),
            display_name=str(body["displayName"]),
            user_principal_name=upn,
            mail_nickname=str(body["mailNickname"]),
            created=at,
            preexisting=preexisting,
            password_hash=hash_password(password),
        )
        user.force_change_password = bool(profile.get("forceChangePasswordNextSignIn", True))
        self._apply_user(user, body)
        self.users[user.id] = user
        return user

    def _check_user_fields(self, body: dict[str, Any]) -> None:
        for name, value in body.items():
            if name in ("passwordProfile",) or name.startswith("@odata"):
                continue
            if name not in USER_FIELDS:
                raise err.bad_request(
                    f"Property '{name}' is read-only or does not exist on type 'microsoft.graph.user'."
                    if name[:1].islower()
                    else f"Invalid property '{name}'."
                )
            if name == "accountEnabled" and not isinstance(value, bool):
                raise err.bad_request(
                    "Invalid value specified for property 'accountEnabled' of resource 'User'."
                )
            if name == "businessPhones" and not isinstance(value, list):
                raise err.bad_request(
                    "Invalid value specified for property 'businessPhones' of resource 'User'."
                )
            if name == "mailNickname" and not _NICKNAME.match(str(value or "")):
                raise err.bad_request(
                    "Invalid value specified for property 'mailNickname' of resource 'User'."
                )
            if name == "usageLocation" and value is not None and not re.fullmatch(r"[A-Z]{2}", str(value)):
                raise err.bad_request(
                    "Invalid value specified for property 'usageLocation' of resource 'User'."
                )

    def _apply_user(self, user: User, body: dict[str, Any]) -> None:
        for name, attr in USER_FIELDS.items():
            if name in body and name != "userPrincipalName":
                value = body[name]
                setattr(user, attr, value if value != "" else None)

    def update_user(self, user: User, body: dict[str, Any]) -> None:
        """PATCH: checked in full before anything changes, so a refused call leaves the user as it was."""
        self._check_user_fields(body)
        if "displayName" in body and not body["displayName"]:
            raise err.bad_request("Invalid value specified for property 'displayName' of resource 'User'.")
        upn = None
        if "userPrincipalName" in body:
            upn = self._check_upn(body["userPrincipalName"])
            if self._upn_taken(upn, but=user.id):
                raise err.duplicate("userPrincipalName")
        password = None
        if "passwordProfile" in body:
            profile = body["passwordProfile"]
            password = profile.get("password") if isinstance(profile, dict) else None
            if not isinstance(password, str) or not password_ok(password):
                raise err.bad_request(
                    "The specified password does not comply with password complexity "
                    "requirements. Please provide a different password."
                )
        if upn is not None:
            user.user_principal_name = upn
        if password is not None:
            user.password_hash = hash_password(password)
        self._apply_user(user, body)

    def delete_user(self, user: User, at: float) -> None:
        """Soft delete: the user goes to deleted items for 30 days, out of every group and reporting line."""
        user.deleted_at = at
        for group in self.groups.values():
            if user.id in group.members:
                group.members.remove(user.id)
            if user.id in group.owners:
                group.owners.remove(user.id)
        for other in self.users.values():
            if other.manager_id == user.id:
                other.manager_id = None
        user.manager_id = None

    def restore(self, object_id: str) -> User | Group:
        user = self.users.get(object_id)
        if user is not None and user.deleted_at is not None:
            if self._upn_taken(user.user_principal_name, but=user.id):
                raise err.duplicate("userPrincipalName")
            user.deleted_at = None
            return user
        group = self.groups.get(object_id)
        if group is not None and group.deleted_at is not None:
            group.deleted_at = None
            return group
        raise err.not_found(object_id)

    def purge(self, object_id: str) -> None:
        user = self.users.get(object_id)
        if user is not None and user.deleted_at is not None:
            del self.users[object_id]
            return
        group = self.groups.get(object_id)
        if group is not None and group.deleted_at is not None:
            self._drop_group(group)
            return
        raise err.not_found(object_id)

    def set_manager(self, user: User, manager: User) -> None:
        if manager.id == user.id:
            raise err.bad_request("Invalid value specified for property 'manager' of resource 'User'.")
        seen, walker = set(), manager
        while walker.manager_id and walker.manager_id not in seen:  # a loop in the hierarchy is refused
            if walker.manager_id == user.id:
                raise err.bad_request(
                    "Circular reference detected for property 'manager' of resource 'User'."
                )
            seen.add(walker.manager_id)
            walker = self.users.get(walker.manager_id) or walker
        user.manager_id = manager.id

    def manager_of(self, user: User) -> User | None:
        if user.manager_id is None:
            return None
        manager = self.users.get(user.manager_id)
        return manager if manager is not None and manager.deleted_at is None else None

    def direct_reports(self, user: User) -> list[User]:
        return [u for u in self.active_users() if u.manager_id == user.id]

    # -- groups -----------------------------------------------------------------------------------
    def create_group(self, body: dict[str, Any], at: float, *, preexisting: bool = False) -> Group:
        for name in ("displayName", "mailEnabled", "mailNickname", "securityEnabled"):
            if body.get(name) is None or body.get(name) == "":
                raise err.bad_request(f"Invalid value specified for property '{name}' of resource 'Group'.")
        types = body.get("groupTypes") or []
        if not isinstance(types, list) or any(t not in ("Unified", "DynamicMembership") for t in types):
            raise err.bad_request("Invalid value specified for property 'groupTypes' of resource 'Group'.")
        nickname = str(body["mailNickname"])
        if not _NICKNAME.match(nickname) or "@" in nickname:
            raise err.bad_request("Invalid value specified for property 'mailNickname' of resource 'Group'.")
        unified = "Unified" in types
        if bool(body["mailEnabled"]) and not unified:
            raise err.bad_request("Cannot create a mail-enabled security groups and or distribution list.")
        if unified and not body["mailEnabled"]:
            raise err.bad_request("A Microsoft 365 group must be mail-enabled.")
        if unified and any(
            g.unified and g.mail_nickname.lower() == nickname.lower() for g in self.active_groups()
        ):
            raise err.duplicate("mailNickname")
        members = self._bound_users(body.get("members@odata.bind"))
        owners = self._bound_users(body.get("owners@odata.bind"))
        group = Group(
            id=self._new_id(),
            display_name=str(body["displayName"]),
            mail_nickname=nickname,
            mail_enabled=bool(body["mailEnabled"]),
            security_enabled=bool(body["securityEnabled"]),
            created=at,
            group_types=list(types),
            description=body.get("description") or None,
            preexisting=preexisting,
        )
        if unified:
            group.mail = f"{nickname}@{self.domain}"
            group.visibility = str(body.get("visibility") or "Public")
        group.members = [u.id for u in members]
        group.owners = [u.id for u in owners]
        self.groups[group.id] = group
        return group

    def _bound_users(self, refs: Any) -> list[User]:
        if refs is None:
            return []
        if not isinstance(refs, list):
            raise err.bad_request(
                "Invalid value for a navigation property binding: a list of URLs is expected."
            )
        return [self.user(ref_id(str(ref))) for ref in refs]

    def update_group(self, group: Group, body: dict[str, Any]) -> None:
        for name in body:
            if name not in GROUP_FIELDS and not name.startswith("@odata"):
                raise err.bad_request(
                    f"Property '{name}' is read-only or does not exist on type 'microsoft.graph.group'."
                )
        if "displayName" in body and not body["displayName"]:
            raise err.bad_request("Invalid value specified for property 'displayName' of resource 'Group'.")
        for name, attr in GROUP_FIELDS.items():
            if name in body:
                setattr(group, attr, body[name])

    def delete_group(self, group: Group, at: float) -> None:
        """Microsoft 365 groups go to deleted items (with their team and plans hidden); security groups are
        deleted at once, as Entra does."""
        if group.unified:
            group.deleted_at = at
        else:
            self._drop_group(group)

    def _drop_group(self, group: Group) -> None:
        self.groups.pop(group.id, None)
        if self.teams.pop(group.id, None) is not None:
            for cid in [c.id for c in self.channels.values() if c.team_id == group.id]:
                del self.channels[cid]
            for key in [k for k, m in self.messages.items() if m.team_id == group.id]:
                del self.messages[key]
        for plan in [p for p in self.plans.values() if p.group_id == group.id]:
            self.delete_plan(plan)

    def add_member(self, group: Group, user: User, *, owner: bool = False) -> None:
        held = group.owners if owner else group.members
        if user.id in held:
            raise err.bad_request(
                "One or more added object references already exist for the following modified "
                f"properties: '{'owners' if owner else 'members'}'."
            )
        held.append(user.id)

    def remove_member(self, group: Group, object_id: str, *, owner: bool = False) -> None:
        held = group.owners if owner else group.members
        if object_id not in held:
            raise err.not_found(object_id)
        if owner and group.unified and len(group.owners) == 1 and object_id in self.teams:
            raise err.bad_request(
                "The group must have at least one owner, hence this owner cannot be removed."
            )
        held.remove(object_id)


def ref_id(ref: str) -> str:
    """The object id at the end of an ``@odata.id`` / ``@odata.bind`` URL: .../users/{id}, .../users('{id}'),
    .../directoryObjects/{id}."""
    text = ref.strip().rstrip("/")
    quoted = re.search(r"\('([^']+)'\)$", text)
    if quoted:
        return quoted.group(1)
    return text.rsplit("/", 1)[-1]
