"""Custom profile attributes (job field ``custom_attributes``): which the job adds to the org's user
schema, how each is defined there, and each person's value, all from the company.

``true`` takes the industry's usual set; a list names them. The job adds an attribute only when the org
does not have it already, records what it added in its ledger (kind ``schema_attribute``), fills the
attributes on every person it makes or changes, and at cleanup removes only what it added.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from tenantsim.errors import InputError
from tenantsim.scenario.company import Company, Employee


@dataclass(frozen=True)
class Attribute:
    name: str
    title: str
    description: str
    type: str  # string | integer | boolean
    enum: tuple[str, ...] = ()
    max_length: int | None = None

    def definition(self) -> dict[str, Any]:
        """The property as ``definitions.custom.properties.<name>`` of Okta's user schema."""
        prop: dict[str, Any] = {"title": self.title, "description": self.description, "type": self.type,
                                "required": False, "mutability": "READ_WRITE", "scope": "NONE",
                                "permissions": [{"principal": "SELF", "action": "READ_ONLY"}],
                                "master": {"type": "PROFILE_MASTER"}}
        if self.enum:
            prop["enum"] = list(self.enum)
            prop["oneOf"] = [{"const": value, "title": value} for value in self.enum]
        if self.max_length:
            prop["minLength"], prop["maxLength"] = 1, self.max_length
        return prop


EMPLOYEE_TYPES = ("Full-Time", "Part-Time", "Contractor", "Intern")
CLEARANCES = ("None", "Confidential", "Secret", "Top Secret")
CATALOGUE: dict[str, Attribute] = {a.name: a for a in (
    Attribute("employeeType", "Employee type", "Employment type from the HR system", "string",
              EMPLOYEE_TYPES),
    Attribute("costCenterCode", "Cost center code", "Finance code of the person's department", "string",
              max_length=20),
    Attribute("startDate", "Start date", "First working day (YYYY-MM-DD)", "string", max_length=10),
    Attribute("jobLevel", "Job level", "Career level, 1 (entry) to 8 (executive)", "integer"),
    Attribute("clearanceLevel", "Clearance level", "Highest security clearance held", "string", CLEARANCES),
)}
COMMON = ("employeeType", "costCenterCode", "startDate", "jobLevel")
BY_INDUSTRY = {"government": (*COMMON, "clearanceLevel"), "energy": (*COMMON, "clearanceLevel")}
TOP_LEVEL = 7  # Employee.level: 0 chief executive ... 7 junior


def check_choice(value: Any) -> Any:
    """The job field as given: absent, true/false, or a list of known attribute names."""
    if value is None or isinstance(value, bool):
        return value
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise InputError("Invalid custom_attributes: true (the industry's usual attributes) or a list of "
                         f"names from: {', '.join(CATALOGUE)}")
    unknown = [v for v in value if v not in CATALOGUE]
    if unknown:
        raise InputError(f"Invalid custom_attributes: unknown attribute {unknown[0]} (known: "
                         f"{', '.join(CATALOGUE)})")
    return list(dict.fromkeys(value))


def chosen(config: dict[str, Any], industry: str) -> list[Attribute]:
    """The attributes a job's config asks for."""
    value = config.get("custom_attributes")
    if value is True:
        return [CATALOGUE[name] for name in BY_INDUSTRY.get(industry, COMMON)]
    if isinstance(value, list):
        return [CATALOGUE[name] for name in value if name in CATALOGUE]
    return []


def _share(person: Employee, salt: str) -> float:
    """A stable number in [0, 1) per person: the same person gets the same value on every platform."""
    digest = hashlib.sha256(f"{salt}:{person.key}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def value_of(name: str, company: Company, person: Employee) -> Any:
    if name == "employeeType":
        share = _share(person, "employment")
        if person.level >= TOP_LEVEL and share < 0.08:
            return "Intern"
        return "Contractor" if share > 0.95 else "Part-Time" if share > 0.91 else "Full-Time"
    if name == "costCenterCode":
        return f"CC-{person.cost_center}"[:20]
    if name == "startDate":
        return person.hired_at[:10] or None
    if name == "jobLevel":
        return TOP_LEVEL + 1 - person.level
    if name == "clearanceLevel":
        if person.level <= 3:
            return CLEARANCES[3 if person.level <= 1 else 2]
        return CLEARANCES[1 if _share(person, "clear") < 0.6 else 0]
    raise KeyError(name)


def values_for(names: list[str], company: Company, person: Employee) -> dict[str, Any]:
    return {name: value_of(name, company, person) for name in names}
