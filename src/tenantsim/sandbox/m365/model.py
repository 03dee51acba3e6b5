"""The objects of an emulated Microsoft 365 tenant. Flat dataclasses (``vars()`` is their saved form);
nested Graph values (assignments, checklists, message bodies) are kept as the API's own JSON."""

from __future__ import annotations

import base64
import random
import string
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_PLANNER_ALPHABET = string.ascii_letters + string.digits + "-_"


def new_id(rng: random.Random) -> str:
    """Directory object ids are GUIDs."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def planner_id(rng: random.Random) -> str:
    """Planner ids are 28 URL-safe characters."""
    return "".join(rng.choice(_PLANNER_ALPHABET) for _ in range(28))


def channel_id(rng: random.Random) -> str:
    return "19:" + "".join(rng.choice(string.hexdigits.lower()[:16]) for _ in range(32)) + "@thread.tacv2"


def iso(ts: float) -> str:
    """Graph's timestamps: 2024-01-15T10:30:00Z (directory) — Teams and Planner add milliseconds."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(ts: float) -> str:
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def planner_etag(kind: str, version: int) -> str:
    """Planner's weak etags wrap a base64 version stamp: W/"JzEtVGFzayAgQEBAQEBAQEBAQEBAQEBAQEBARCc=" ."""
    stamp = f"'{version}-{kind:<6}" + "@" * 20 + chr(64 + min(version, 26)) + "'"
    return 'W/"' + base64.b64encode(stamp.encode()).decode() + '"'


@dataclass
class User:
    id: str
    display_name: str
    user_principal_name: str
    mail_nickname: str
    created: float
    given_name: str | None = None
    surname: str | None = None
    mail: str | None = None
    job_title: str | None = None
    department: str | None = None
    office_location: str | None = None
    usage_location: str | None = None
    city: str | None = None
    country: str | None = None
    employee_id: str | None = None
    mobile_phone: str | None = None
    business_phones: list[str] = field(default_factory=list)
    preferred_language: str | None = None
    account_enabled: bool = True
    password_hash: str = ""  # never rendered
    force_change_password: bool = True
    manager_id: str | None = None
    is_admin: bool = False
    deleted_at: float | None = None
    preexisting: bool = False


@dataclass
class Group:
    id: str
    display_name: str
    mail_nickname: str
    mail_enabled: bool
    security_enabled: bool
    created: float
    group_types: list[str] = field(default_factory=list)
    description: str | None = None
    mail: str | None = None
    visibility: str | None = None
    members: list[str] = field(default_factory=list)  # user ids, in the order they were added
    owners: list[str] = field(default_factory=list)
    deleted_at: float | None = None
    preexisting: bool = False

    @property
    def unified(self) -> bool:
        return "Unified" in self.group_types


@dataclass
class Team:
    id: str  # the id of its group
    created: float
    internal_id: str
    description: str | None = None
    is_archived: bool = False
    preexisting: bool = False


@dataclass
class Channel:
    id: str
    team_id: str
    display_name: str
    created: float
    description: str | None = None
    membership_type: str = "standard"
    is_general: bool = False
    preexisting: bool = False


@dataclass
class Message:
    id: str
    team_id: str
    channel_id: str
    created: float
    body: dict[str, Any]
    sender: dict[str, Any]  # the chatMessageFromIdentitySet's "user"
    reply_to_id: str | None = None
    subject: str | None = None
    importance: str = "normal"
    preexisting: bool = False


@dataclass
class Plan:
    id: str
    title: str
    group_id: str
    created: float
    created_by: dict[str, Any]
    version: int = 1
    preexisting: bool = False


@dataclass
class Bucket:
    id: str
    name: str
    plan_id: str
    order_hint: str
    version: int = 1
    preexisting: bool = False


@dataclass
class Task:
    id: str
    plan_id: str
    bucket_id: str | None
    title: str
    created: float
    created_by: dict[str, Any]
    order_hint: str
    assignments: dict[str, Any] = field(default_factory=dict)
    percent_complete: int = 0
    priority: int = 5
    start: str | None = None
    due: str | None = None
    completed: float | None = None
    completed_by: dict[str, Any] | None = None
    applied_categories: dict[str, Any] = field(default_factory=dict)
    conversation_thread_id: str | None = None
    description: str = ""
    checklist: dict[str, Any] = field(default_factory=dict)
    references: dict[str, Any] = field(default_factory=dict)
    preview_type: str = "automatic"
    version: int = 1
    details_version: int = 1
    preexisting: bool = False
