"""One Workspace tenant (a customer with one domain): its users, groups, org units and calendars.

The directory's users live here; groups and members are in ``groups.py``, org units in ``orgunits.py``,
calendar events in ``calendar.py``. All of them raise ``GoogleApiError`` with Google's words.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from typing import Any

from tenantsim.sandbox.google import errors as err
from tenantsim.sandbox.google.model import Event, Group, Member, OrgUnit, User, customer_id, user_id

ROOT_OU_ID = "id:03ph8a2z0root"
_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
# What users.insert / update / patch may set; anything else in a body is read-only or unsupported here.
_LIST_FIELDS = {"organizations": "organizations", "relations": "relations", "locations": "locations",
                "phones": "phones", "addresses": "addresses", "externalIds": "external_ids"}


@dataclass
class Tenant:
    domain: str
    seed: int
    rng: random.Random = field(init=False)
    customer_id: str = field(init=False)
    admin_email: str = ""
    users: dict[str, User] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)  # lower-cased primary email or alias -> user id
    groups: dict[str, Group] = field(default_factory=dict)
    group_emails: dict[str, str] = field(default_factory=dict)  # lower-cased email or alias -> group id
    members: dict[str, dict[str, Member]] = field(default_factory=dict)  # group id -> member id -> member
    org_units: dict[str, OrgUnit] = field(default_factory=dict)
    events: dict[str, dict[str, Event]] = field(default_factory=dict)  # calendar (email) -> id -> event

    def __post_init__(self) -> None:
        self.rng = random.Random(f"google-tenant-{self.seed}")
        self.customer_id = customer_id(self.rng)

    # -- keys --------------------------------------------------------------------------------------
    def is_customer(self, value: str | None) -> bool:
        return value in ("my_customer", self.customer_id)

    def in_domain(self, email: str) -> bool:
        return email.lower().rsplit("@", 1)[-1] == self.domain.lower()

    def find_user(self, key: str) -> User | None:
        """A userKey: the user's id, primary email or one of its aliases."""
        if key in self.users:
            return self.users[key]
        uid = self.emails.get(key.lower())
        return self.users.get(uid) if uid else None

    def user(self, key: str) -> User:
        found = self.find_user(key)
        if found is None:
            raise err.not_found("userKey")
        return found

    def email_taken(self, email: str) -> bool:
        return email.lower() in self.emails or email.lower() in self.group_emails

    # -- users -------------------------------------------------------------------------------------
    def insert_user(self, body: dict[str, Any], at: float, *, preexisting: bool = False) -> User:
        raw_name = body.get("name")
        name: dict[str, Any] = raw_name if isinstance(raw_name, dict) else {}
        given, family = str(name.get("givenName") or "").strip(), str(name.get("familyName") or "").strip()
        if not given:
            raise err.invalid("Invalid Given/Family Name: GivenName")
        if not family:
            raise err.invalid("Invalid Given/Family Name: FamilyName")
        email = self._checked_email(body.get("primaryEmail"))
        self._check(body)
        if not body.get("password") or not isinstance(body.get("password"), str):
            raise err.invalid("Invalid Password")
        if self.email_taken(email):
            raise err.duplicate()
        user = User(id=self._new_user_id(), primary_email=email, given_name=given, family_name=family,
                    org_unit_path="/", created=at, preexisting=preexisting)
        user.password_hash = hashlib.sha256(str(body["password"]).encode()).hexdigest()
        self._apply(user, body)
        self.users[user.id] = user
        self.emails[email.lower()] = user.id
        self.events.setdefault(email.lower(), {})
        return user

    def change_user(self, user: User, body: dict[str, Any]) -> None:
        """users.update and users.patch alike: Google documents patch semantics for both (fields left out
        are kept, repeated fields given replace the old list, null clears). Everything is checked before
        anything changes, so a refused call leaves the user as it was."""
        self._check(body)
        given, family = user.given_name, user.family_name
        name = body.get("name")
        if isinstance(name, dict):
            given = str(name.get("givenName", given) or "").strip()
            family = str(name.get("familyName", family) or "").strip()
            if not given:
                raise err.invalid("Invalid Given/Family Name: GivenName")
            if not family:
                raise err.invalid("Invalid Given/Family Name: FamilyName")
        email = None
        if "primaryEmail" in body and str(body["primaryEmail"]).lower() != user.primary_email.lower():
            email = self._checked_email(body["primaryEmail"])
            if self.email_taken(email):
                raise err.duplicate()
        user.given_name, user.family_name = given, family
        if email is not None:
            # A renamed user keeps the old address as an alias, so mail to it still arrives.
            old = user.primary_email
            user.aliases.append(old)
            user.primary_email = email
            self.emails[email.lower()] = user.id
            self.events[email.lower()] = self.events.pop(old.lower(), {})
            for event in self.events[email.lower()].values():
                event.calendar = email.lower()
        if isinstance(body.get("password"), str) and body["password"]:
            user.password_hash = hashlib.sha256(body["password"].encode()).hexdigest()
        self._apply(user, body)

    def _check(self, body: dict[str, Any]) -> None:
        """What users.insert / update / patch refuse in the fields ``_apply`` sets."""
        path = str(body.get("orgUnitPath") or "/")
        if path != "/" and self.find_org_unit(path) is None:
            raise err.invalid("Invalid Input: INVALID_OU_ID")
        for key in _LIST_FIELDS:
            if body.get(key) is not None and not isinstance(body[key], list):
                raise err.invalid(f"Invalid Input: {key}")

    def _apply(self, user: User, body: dict[str, Any]) -> None:
        if "orgUnitPath" in body:
            unit = self.find_org_unit(str(body["orgUnitPath"] or "/"))
            user.org_unit_path = unit.path if unit is not None else "/"
        for key, attr in _LIST_FIELDS.items():
            if key in body:
                setattr(user, attr, body[key] or None)
        if "suspended" in body:
            suspended = bool(body["suspended"])
            if suspended and not user.suspended:
                user.suspension_reason = "ADMIN"
            if not suspended:
                user.suspension_reason = None
            user.suspended = suspended
        if "changePasswordAtNextLogin" in body:
            user.change_password = bool(body["changePasswordAtNextLogin"])
        if "includeInGlobalAddressList" in body:
            user.include_in_gal = bool(body["includeInGlobalAddressList"])
        if "recoveryEmail" in body:
            user.recovery_email = str(body["recoveryEmail"] or "") or None

    def delete_user(self, user: User) -> None:
        del self.users[user.id]
        for key in [k for k, v in self.emails.items() if v == user.id]:
            del self.emails[key]
        for held in self.members.values():
            held.pop(user.id, None)
        self.events.pop(user.primary_email.lower(), None)

    def _checked_email(self, value: Any) -> str:
        email = str(value or "").strip()
        if not _EMAIL.match(email):
            raise err.invalid("Invalid Input: primary_user_email")
        if not self.in_domain(email):
            raise err.forbidden()
        return email

    def _new_user_id(self) -> str:
        while True:
            uid = user_id(self.rng)
            if uid not in self.users:
                return uid

    # -- org units (the lookup every module needs; changes are in orgunits.py) -----------------------
    def find_org_unit(self, key: str) -> OrgUnit | None:
        """An org unit by id ("id:..."), full path ("/Sales/East") or path without the leading slash."""
        if key.startswith("id:"):
            return self.org_units.get(key)
        path = "/" + key.strip("/")
        for unit in self.org_units.values():
            if unit.path.lower() == path.lower():
                return unit
        return None
