"""The objects of an emulated Okta org, stored without URLs (links are rendered per request)."""

from __future__ import annotations

import hashlib
import random
import secrets
import string
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_BASE62 = string.digits + string.ascii_letters

# Okta ids are 20 characters: a 3-character type prefix and 17 random ones.
PREFIX_USER = "00u"
PREFIX_GROUP = "00g"
PREFIX_APP = "0oa"
PREFIX_FACTOR = {"question": "ufs", "sms": "mbl", "call": "clf", "email": "emf", "push": "opf",
                 "token:software:totp": "ost", "token:hotp": "chf", "webauthn": "fwf", "u2f": "fuf"}
USER_TYPE_ID = "oty1defaultusertype0"


def new_id(prefix: str, rng: random.Random) -> str:
    return prefix + "".join(rng.choice(_BASE62) for _ in range(17))


def iso(ts: float) -> str:
    """Okta's timestamp format: 2024-01-15T10:30:00.000Z."""
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now() -> float:
    return time.time()


def hash_password(password: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 1000).hex()
    return f"{salt}${digest}"


def password_matches(stored: str | None, password: str) -> bool:
    if not stored or "$" not in stored:
        return False
    salt = stored.split("$", 1)[0]
    return secrets.compare_digest(stored, hash_password(password, salt))


@dataclass
class User:
    id: str
    seq: int
    status: str
    profile: dict[str, Any]
    created: float
    last_updated: float
    status_changed: float | None = None
    activated: float | None = None
    last_login: float | None = None
    password_changed: float | None = None
    has_password: bool = False
    password_hash: str | None = None  # salted hash: what the Authentication API checks a password against
    recovery_question: str | None = None
    transitioning: str | None = None
    preexisting: bool = False

    @property
    def login(self) -> str:
        return str(self.profile.get("login", ""))

    def set_status(self, status: str, at: float) -> None:
        self.status = status
        self.status_changed = at
        self.last_updated = at


@dataclass
class Group:
    id: str
    seq: int
    type: str  # OKTA_GROUP | BUILT_IN
    profile: dict[str, Any]
    created: float
    last_updated: float
    last_membership_updated: float
    preexisting: bool = False


@dataclass
class App:
    id: str
    seq: int
    name: str
    label: str
    sign_on_mode: str
    created: float
    last_updated: float
    status: str = "ACTIVE"


@dataclass
class Assignment:
    """A user's direct (USER-scope) app assignment or a group's app assignment."""

    created: float
    last_updated: float
    profile: dict[str, Any] = field(default_factory=dict)
    user_name: str | None = None
    priority: int = 0
    preexisting: bool = False


@dataclass
class Factor:
    id: str
    factor_type: str
    provider: str
    status: str
    profile: dict[str, Any]
    created: float
    last_updated: float
    secret: str | None = None  # a TOTP factor's shared secret (base32)

    @property
    def vendor_name(self) -> str:
        return "GOOGLE" if self.provider == "GOOGLE" else "OKTA"
