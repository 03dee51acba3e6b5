"""The objects of an emulated Workspace tenant, kept as the API's own JSON field names where they are
stored as given (organizations, relations, ...), so render and persistence stay one-to-one."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_LOWER36 = string.digits + string.ascii_lowercase
_BASE32HEX = "0123456789abcdefghijklmnopqrstuv"  # Calendar event ids use this alphabet


def user_id(rng: random.Random) -> str:
    """Directory user ids are 21-digit decimal strings."""
    return str(rng.randint(10**20, 2 * 10**20 - 1))


def group_id(rng: random.Random) -> str:
    return "0" + "".join(rng.choice(_LOWER36) for _ in range(14))


def org_unit_id(rng: random.Random) -> str:
    return "id:03ph8a2z" + "".join(rng.choice(_LOWER36) for _ in range(6))


def customer_id(rng: random.Random) -> str:
    return "C0" + "".join(rng.choice(_LOWER36) for _ in range(7))


def event_id(rng: random.Random) -> str:
    return "".join(rng.choice(_BASE32HEX) for _ in range(26))


def iso(ts: float) -> str:
    """Google's timestamp format: 2024-01-15T10:30:00.000Z."""
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def etag(data: Any) -> str:
    """A strong entity tag derived from the representation: it changes exactly when the object does."""
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).digest()
    return '"' + base64.urlsafe_b64encode(digest).decode().rstrip("=") + '"'


@dataclass
class User:
    id: str
    primary_email: str
    given_name: str
    family_name: str
    org_unit_path: str
    created: float
    password_hash: str = ""  # never rendered
    is_admin: bool = False
    suspended: bool = False
    suspension_reason: str | None = None
    last_login: float | None = None
    change_password: bool = False
    aliases: list[str] = field(default_factory=list)
    organizations: list[dict[str, Any]] | None = None
    relations: list[dict[str, Any]] | None = None
    locations: list[dict[str, Any]] | None = None
    phones: list[dict[str, Any]] | None = None
    addresses: list[dict[str, Any]] | None = None
    external_ids: list[dict[str, Any]] | None = None
    recovery_email: str | None = None
    include_in_gal: bool = True
    preexisting: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def manager_email(self) -> str | None:
        for relation in self.relations or []:
            if isinstance(relation, dict) and relation.get("type") == "manager":
                return str(relation.get("value") or "") or None
        return None


@dataclass
class Group:
    id: str
    email: str
    name: str
    description: str = ""
    admin_created: bool = True
    aliases: list[str] = field(default_factory=list)
    preexisting: bool = False


@dataclass
class Member:
    id: str
    email: str
    role: str = "MEMBER"  # OWNER | MANAGER | MEMBER
    type: str = "USER"  # USER | GROUP | CUSTOMER | EXTERNAL
    status: str = "ACTIVE"
    delivery_settings: str = "ALL_MAIL"


@dataclass
class OrgUnit:
    id: str
    name: str
    parent_path: str  # "/" for a top-level unit
    description: str = ""
    block_inheritance: bool = False
    preexisting: bool = False

    @property
    def path(self) -> str:
        return ("" if self.parent_path == "/" else self.parent_path) + "/" + self.name


@dataclass
class Event:
    id: str
    calendar: str  # the owner's primary email
    data: dict[str, Any]  # the writable fields as given: summary, start, end, attendees, recurrence...
    created: float
    updated: float
    status: str = "confirmed"  # confirmed | tentative | cancelled
    sequence: int = 0
    creator: str = ""
    organizer: str = ""
    preexisting: bool = False
