"""The sign-in state of an org (see ``authn.py``): MFA steps under way, session tokens and sessions,
and what the org has seen of each person (devices, countries, wrong passwords in a row)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Pending:
    user_id: str
    expires: float
    device: str
    country: str
    factor_id: str


@dataclass
class AuthnState:
    """Who is signing in and who is signed in; devices and countries the org has seen per person."""

    failures: dict[str, int] = field(default_factory=dict)  # user id -> wrong passwords in a row
    devices: dict[str, list[str]] = field(default_factory=dict)  # user id -> device fingerprints seen
    countries: dict[str, list[str]] = field(default_factory=dict)  # user id -> countries signed in from
    pending: dict[str, Pending] = field(default_factory=dict)  # stateToken -> an MFA step to finish
    session_tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # token -> (user, expiry)
    sessions: dict[str, tuple[str, float]] = field(default_factory=dict)  # sid -> (user, expiry)

    def dump(self) -> dict[str, Any]:
        """What outlives a restart: the devices and countries seen, and failures counting to a lock."""
        return {"failures": self.failures, "devices": self.devices, "countries": self.countries}

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> AuthnState:
        data = data or {}
        return cls(failures=dict(data.get("failures") or {}), devices=dict(data.get("devices") or {}),
                   countries=dict(data.get("countries") or {}))
