"""The people a job made, as the service remembers them (ledger attrs), and their Okta profiles.

Logins and emails live on a reserved example.com sub-domain, so no mail can reach a real person.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import asdict, dataclass, field
from typing import Any

from tenantsim.connectors.base import LedgerEntry
from tenantsim.content.base import Person

HEADCOUNTS = {"startup": 30, "midsize": 200, "enterprise": 2000}
ACTIVE = "ACTIVE"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "company"


def email_domain(company_name: str) -> str:
    """RFC 2606 reserves example.com: addresses there never deliver."""
    return f"{slug(company_name)}.example.com"


def headcount(config: dict[str, Any]) -> int:
    if config.get("initial_users"):
        return max(1, int(config["initial_users"]))
    return HEADCOUNTS.get(str(config.get("org_size") or "startup"), HEADCOUNTS["startup"])


def new_password(*avoid: str) -> str:
    """A strong random password that meets Okta's default policy; it is never stored or logged."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(14)) + "-Aa7"
        lowered = candidate.lower()
        if not any(len(part) >= 3 and part.lower() in lowered for part in avoid):
            return candidate


@dataclass
class Worker:
    """One person the job created in Okta."""

    key: str
    user_id: str
    login: str
    first_name: str
    last_name: str
    department: str
    title: str
    level: int
    location: str
    employee_number: str
    cost_center: str
    manager_key: str | None
    status: str = ACTIVE
    groups: list[str] = field(default_factory=list)  # ledger keys of the groups they are in
    factors: list[str] = field(default_factory=list)  # factor types enrolled
    leave_until: str | None = None  # simulated time their leave ends (ISO)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def attrs(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_entry(cls, entry: LedgerEntry) -> Worker | None:
        attrs = dict(entry.attrs)
        if entry.platform_id is None or "login" not in attrs:
            return None
        known = {name for name in cls.__dataclass_fields__}
        values = {k: v for k, v in attrs.items() if k in known}
        values.update(key=entry.key, user_id=entry.platform_id)
        try:
            return cls(**values)
        except TypeError:  # adopted after a crash, before its details were saved: the seed or hire fills them
            return None

    @classmethod
    def from_person(cls, person: Person, user_id: str, login: str, groups: list[str]) -> Worker:
        return cls(key=person.key, user_id=user_id, login=login, first_name=person.first_name,
                   last_name=person.last_name, department=person.department, title=person.title,
                   level=person.level, location=person.location, employee_number=person.employee_number,
                   cost_center=person.cost_center, manager_key=person.manager_key, groups=groups)


def profile_for(person: Person, *, domain: str, company: str, manager: Worker | None) -> dict[str, Any]:
    """Okta's base profile attributes an HR-driven org fills in."""
    login = f"{person.login}@{domain}"
    city = person.location.split(",")[0].strip()
    profile: dict[str, Any] = {
        "login": login, "email": login, "firstName": person.first_name, "lastName": person.last_name,
        "displayName": person.display_name, "nickName": person.first_name, "title": person.title,
        "department": person.department, "division": person.department, "organization": company,
        "costCenter": person.cost_center, "employeeNumber": person.employee_number, "userType": "Employee",
        "city": city, "locale": "en_US", "preferredLanguage": "en",
    }
    if manager is not None:
        profile["manager"] = manager.name
        profile["managerId"] = manager.user_id
    return profile


def user_summary(user: dict[str, Any]) -> dict[str, Any]:
    """The seed's item shape for POST /api/okta/users."""
    profile = user.get("profile") or {}
    name = f"{profile.get('firstName') or ''} {profile.get('lastName') or ''}".strip()
    return {"id": user.get("id"), "name": name or profile.get("login"), "email": profile.get("email"),
            "login": profile.get("login"), "status": user.get("status"), "created": user.get("created"),
            "lastUpdated": user.get("lastUpdated")}
