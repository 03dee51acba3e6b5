"""The state of one emulated Okta org and the rules Okta applies to it.

Everything a handler may change goes through here, so status rules and errors live in one place.
Apps a user holds are computed: direct (USER scope) assignments plus those of groups the user is in.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from tenantsim.sandbox.okta import errors as err
from tenantsim.sandbox.okta.model import (
    PREFIX_GROUP,
    PREFIX_USER,
    App,
    Assignment,
    Factor,
    Group,
    User,
    hash_password,
    new_id,
    now,
)
from tenantsim.sandbox.okta.oauth import OAuthState
from tenantsim.sandbox.okta.policies import Policy
from tenantsim.sandbox.okta.schema import UserSchema
from tenantsim.sandbox.okta.schema import check_profile as check_schema
from tenantsim.sandbox.okta.sessions import AuthnState
from tenantsim.sandbox.okta.syslog import SystemLog

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
REQUIRED_PROFILE = ("login", "email", "firstName", "lastName")


@dataclass
class AppUserView:
    user: User
    scope: str  # USER | GROUP
    assignment: Assignment
    group_id: str | None = None


class OktaOrg:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"okta-ids-{seed}")
        self.users: dict[str, User] = {}
        self.logins: dict[str, str] = {}  # lower-cased login -> user id
        self.groups: dict[str, Group] = {}
        self.members: dict[str, dict[str, float]] = {}  # group id -> user id -> added at
        self.apps: dict[str, App] = {}
        self.app_users: dict[str, dict[str, Assignment]] = {}  # app id -> user id -> direct assignment
        self.app_groups: dict[str, dict[str, Assignment]] = {}  # app id -> group id -> assignment
        self.factors: dict[str, dict[str, Factor]] = {}  # user id -> factor id -> factor
        self.token_owner: dict[str, str] = {}
        self.everyone_id = ""
        self.seq_of: dict[str, int] = {}  # every id ever issued -> its order (cursors of deleted objects)
        self.last_seq = 0  # the order number of the newest id
        self.log = SystemLog()  # the System Log: every management call writes its event here
        self.oauth = OAuthState()  # service apps and the access tokens issued to them
        self.schema = UserSchema()  # the default user type's profile schema (its custom properties)
        self.policies: dict[str, Policy] = {}  # id -> policy (with its rules)
        self.authn = AuthnState()  # sign-ins under way, sessions, devices and countries seen

    def next_seq(self, ident: str) -> int:
        self.last_seq += 1
        self.seq_of[ident] = self.last_seq
        return self.last_seq

    # -- users -----------------------------------------------------------------------------------
    def user(self, ident: str) -> User:
        """By id, login, or login short name (Okta accepts all three)."""
        found = self.users.get(ident)
        if found is None:
            uid = self.logins.get(ident.lower())
            if uid is None and "@" not in ident:
                uid = next((i for login, i in self.logins.items() if login.split("@")[0] == ident.lower()),
                           None)
            found = self.users.get(uid or "")
        if found is None:
            raise err.not_found("User", ident)
        return found

    def check_profile(self, profile: dict[str, Any], user_id: str | None = None) -> None:
        causes = [f"{name}: The field cannot be left blank" for name in REQUIRED_PROFILE
                  if not str(profile.get(name) or "").strip()]
        login = str(profile.get("login") or "")
        if login and not _EMAIL.match(login):
            causes.append("login: Username must be in the form of an email address")
        email = str(profile.get("email") or "")
        if email and not _EMAIL.match(email):
            causes.append("email: Does not match required pattern")
        for name, limit in (("firstName", 50), ("lastName", 50), ("login", 100), ("email", 100)):
            if len(str(profile.get(name) or "")) > limit:
                causes.append(f"{name}: The field is too long")
        if causes:
            raise err.validation(causes[0].split(":")[0], *causes)
        check_schema(self.schema, profile, "newUser" if user_id is None else "profile")
        owner = self.logins.get(login.lower())
        if owner is not None and owner != user_id:
            raise err.validation("login", f"login: {err.ALREADY_EXISTS}")

    @staticmethod
    def check_password(password: str, profile: dict[str, Any]) -> None:
        problems = []
        if len(password) < 8:
            problems.append("at least 8 characters")
        if not re.search(r"[a-z]", password) or not re.search(r"[A-Z]", password):
            problems.append("a lowercase letter and an uppercase letter")
        if not re.search(r"\d", password):
            problems.append("a number")
        lowered = password.lower()
        parts = [str(profile.get("firstName") or ""), str(profile.get("lastName") or ""),
                 str(profile.get("login") or "").split("@")[0]]
        if any(len(part) >= 3 and part.lower() in lowered for part in parts):
            problems.append("no parts of your username or name")
        if problems:
            raise err.validation("password", "password: Password requirements were not met. Password "
                                 "requirements: " + ", ".join(problems) + ".")

    def create_user(self, profile: dict[str, Any], *, password: str | None, activate: bool,
                    next_login: str | None = None, group_ids: list[str] | None = None,
                    recovery_question: str | None = None, at: float | None = None,
                    preexisting: bool = False) -> User:
        at = now() if at is None else at
        self.check_profile(profile)
        if password is not None:
            self.check_password(password, profile)
        groups = [self._group_for_membership(gid, as_validation=True) for gid in group_ids or []]
        uid = new_id(PREFIX_USER, self.rng)
        user = User(id=uid, seq=self.next_seq(uid), status="STAGED", profile=dict(profile), created=at,
                    last_updated=at, has_password=password is not None,
                    recovery_question=recovery_question, preexisting=preexisting)
        if password is not None:
            user.password_changed = at
            user.password_hash = hash_password(password)
        if activate:
            self._activate(user, at)
            if next_login == "changePassword" and user.has_password:
                user.set_status("PASSWORD_EXPIRED", at)
        self.users[uid] = user
        self.logins[user.login.lower()] = uid
        for group in groups:
            self.members[group.id][uid] = at
            group.last_membership_updated = at
        return user

    def _activate(self, user: User, at: float) -> None:
        # A user without a password cannot sign in yet: Okta keeps them PROVISIONED.
        user.set_status("ACTIVE" if user.has_password else "PROVISIONED", at)
        user.activated = at

    def update_user(self, user: User, profile: dict[str, Any] | None, password: str | None,
                    *, replace: bool) -> User:
        if user.status == "DEPROVISIONED":
            raise err.wrong_status()
        at = now()
        if profile is not None:
            merged = dict(profile) if replace else {**user.profile, **profile}
            self.check_profile(merged, user.id)
            if merged.get("login", "").lower() != user.login.lower():
                self.logins.pop(user.login.lower(), None)
                self.logins[str(merged["login"]).lower()] = user.id
            user.profile = merged
        if password is not None:
            self.check_password(password, user.profile)
            user.has_password = True
            user.password_hash = hash_password(password)
            user.password_changed = at
            if user.status in ("PASSWORD_EXPIRED", "RECOVERY"):
                user.set_status("ACTIVE", at)
        user.last_updated = at
        return user

    # -- lifecycle: the status each operation allows, as the spec states it --------------------------
    def activate(self, user: User) -> None:
        if user.status == "ACTIVE":
            raise err.already_active()
        if user.status not in ("STAGED", "DEPROVISIONED"):
            raise err.wrong_status()
        self._activate(user, now())

    def deactivate(self, user: User) -> None:
        if user.status == "DEPROVISIONED":
            raise err.wrong_status()
        user.set_status("DEPROVISIONED", now())
        # Deactivation deprovisions the user from every app; group memberships are kept.
        for assigned in self.app_users.values():
            assigned.pop(user.id, None)

    def suspend(self, user: User) -> None:
        if user.status != "ACTIVE":
            raise err.validation("status", "Cannot suspend a user that is not ACTIVE")
        user.set_status("SUSPENDED", now())

    def unsuspend(self, user: User) -> None:
        if user.status != "SUSPENDED":
            raise err.validation("status", "Cannot unsuspend a user that is not SUSPENDED")
        user.set_status("ACTIVE", now())

    def reactivate(self, user: User) -> None:
        if user.status not in ("PROVISIONED", "RECOVERY"):
            raise err.wrong_status()
        user.set_status("PROVISIONED", now())

    def unlock(self, user: User) -> None:
        if user.status not in ("LOCKED_OUT", "ACTIVE"):
            raise err.wrong_status()
        user.set_status("ACTIVE", now())
        self.authn.failures.pop(user.id, None)

    def expire_password(self, user: User) -> None:
        allowed = ("ACTIVE", "PASSWORD_EXPIRED", "RECOVERY", "LOCKED_OUT")
        if user.status not in allowed or not user.has_password:
            raise err.wrong_status()
        user.set_status("PASSWORD_EXPIRED", now())

    def reset_password(self, user: User) -> None:
        if user.status in ("DEPROVISIONED", "STAGED", "SUSPENDED"):
            raise err.wrong_status()
        user.set_status("RECOVERY", now())

    def delete_user(self, user: User) -> bool:
        """Okta's two-step delete. Returns True when the user is gone, False when only deactivated."""
        if user.status != "DEPROVISIONED":
            self.deactivate(user)
            return False
        self.users.pop(user.id, None)
        self.logins.pop(user.login.lower(), None)
        for members in self.members.values():
            members.pop(user.id, None)
        self.factors.pop(user.id, None)
        return True

    # -- groups ----------------------------------------------------------------------------------
    def group(self, gid: str) -> Group:
        found = self.groups.get(gid)
        if found is None:
            raise err.not_found("UserGroup", gid)
        return found

    def _group_for_membership(self, gid: str, *, as_validation: bool = False) -> Group:
        found = self.groups.get(gid)
        if found is None:
            if as_validation:
                raise err.validation("groupIds", f"groupIds: Group {gid} does not exist")
            raise err.not_found("UserGroup", gid)
        if found.type != "OKTA_GROUP":
            raise err.forbidden()
        return found

    def check_group_name(self, profile: dict[str, Any], group_id: str | None = None) -> str:
        name = str(profile.get("name") or "").strip()
        if not name:
            raise err.validation("name", "name: The field cannot be left blank")
        if len(name) > 255:
            raise err.validation("name", "name: The field is too long")
        clash = next((g for g in self.groups.values() if g.profile.get("name", "").lower() == name.lower()
                      and g.id != group_id), None)
        if clash is not None:
            raise err.validation("name", f"name: {err.ALREADY_EXISTS}")
        return name

    def create_group(self, profile: dict[str, Any], *, kind: str = "OKTA_GROUP", at: float | None = None,
                     preexisting: bool = False) -> Group:
        at = now() if at is None else at
        self.check_group_name(profile)
        gid = new_id(PREFIX_GROUP, self.rng)
        group = Group(id=gid, seq=self.next_seq(gid), type=kind, profile=dict(profile), created=at,
                      last_updated=at, last_membership_updated=at, preexisting=preexisting)
        self.groups[gid] = group
        self.members[gid] = {}
        return group

    def replace_group(self, group: Group, profile: dict[str, Any]) -> Group:
        if group.type != "OKTA_GROUP":
            raise err.forbidden()
        self.check_group_name(profile, group.id)
        group.profile = dict(profile)
        group.last_updated = now()
        return group

    def delete_group(self, group: Group) -> None:
        if group.type == "BUILT_IN":
            raise err.forbidden()
        self.groups.pop(group.id, None)
        self.members.pop(group.id, None)
        for assigned in self.app_groups.values():
            assigned.pop(group.id, None)

    def add_member(self, gid: str, user: User) -> None:
        group = self._group_for_membership(gid)
        if user.id not in self.members[group.id]:
            self.members[group.id][user.id] = now()
            group.last_membership_updated = now()

    def remove_member(self, gid: str, user: User) -> None:
        group = self._group_for_membership(gid)
        if self.members[group.id].pop(user.id, None) is not None:
            group.last_membership_updated = now()

    def group_members(self, group: Group) -> list[User]:
        if group.id == self.everyone_id:
            return list(self.users.values())
        return [self.users[uid] for uid in self.members.get(group.id, {}) if uid in self.users]

    def user_groups(self, user: User) -> list[Group]:
        return [g for g in self.groups.values() if g.id == self.everyone_id or user.id in self.members[g.id]]

    # -- apps ------------------------------------------------------------------------------------
    def app(self, aid: str) -> App:
        found = self.apps.get(aid)
        if found is None:
            raise err.not_found("AppInstance", aid)
        return found

    def assign_user(self, app: App, user: User, profile: dict[str, Any], user_name: str | None) -> Assignment:
        if user.status == "DEPROVISIONED":
            raise err.wrong_status()
        direct = self.app_users.setdefault(app.id, {})
        at = now()
        found = direct.get(user.id)
        if found is None:
            found = direct[user.id] = Assignment(created=at, last_updated=at)
        found.profile.update(profile)
        found.user_name = user_name or found.user_name
        found.last_updated = at
        return found

    def unassign_user(self, app: App, user: User) -> None:
        if self.app_users.get(app.id, {}).pop(user.id, None) is None:
            raise err.not_found("AppUser", user.id)

    def app_user_views(self, app: App) -> list[AppUserView]:
        """Who holds the app: direct assignments first by scope, then members of assigned groups."""
        views: dict[str, AppUserView] = {}
        for uid, assignment in self.app_users.get(app.id, {}).items():
            if uid in self.users:
                views[uid] = AppUserView(self.users[uid], "USER", assignment)
        for gid, assignment in self.app_groups.get(app.id, {}).items():
            group = self.groups.get(gid)
            if group is None:
                continue
            for user in self.group_members(group):
                if user.id not in views and user.status != "DEPROVISIONED":
                    views[user.id] = AppUserView(user, "GROUP", assignment, gid)
        return sorted(views.values(), key=lambda v: v.user.seq)

    def app_user_view(self, app: App, user: User) -> AppUserView:
        found = next((v for v in self.app_user_views(app) if v.user.id == user.id), None)
        if found is None:
            raise err.not_found("AppUser", user.id)
        return found

    def assign_group(self, app: App, group: Group, priority: int, profile: dict[str, Any]) -> Assignment:
        assigned = self.app_groups.setdefault(app.id, {})
        at = now()
        found = assigned.get(group.id)
        if found is None:
            found = assigned[group.id] = Assignment(created=at, last_updated=at)
        found.priority = priority
        found.profile = dict(profile)
        found.last_updated = at
        return found

    def unassign_group(self, app: App, gid: str) -> None:
        if self.app_groups.get(app.id, {}).pop(gid, None) is None:
            raise err.not_found("ApplicationGroupAssignment", gid)

    def group_apps(self, group: Group) -> list[App]:
        return [self.apps[aid] for aid, assigned in self.app_groups.items() if group.id in assigned]
