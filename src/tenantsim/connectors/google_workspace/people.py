"""A company person as a Google Directory user: the fields an HR-fed Workspace fills in.

Org units follow departments (``/<Department>``; departed people wait in ``/Former Employees``), since
that is what admins hang policies on; offices are the user's work address and desk location; teams
and communities are groups. The manager is a ``manager`` relation naming their email.
"""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.google_workspace.state import Workspace
from tenantsim.connectors.kit.phones import fictional_phone
from tenantsim.scenario.company import Employee

# The fields the company changes over time; a converge patches the ones that differ from the record.
TRACKED = ("orgUnitPath", "organizations", "relations", "locations", "addresses", "phones", "externalIds")


def profile(ws: Workspace, person: Employee) -> dict[str, Any]:
    """The tracked fields of ``person`` as Google should show them now."""
    company = ws.company
    office = company.office_of(person)
    manager = company.people.get(person.manager or "")
    relations = [{"type": "manager", "value": ws.address(manager)}] if manager is not None else []
    number = int(person.employee_number) if person.employee_number.isdigit() else sum(map(ord, person.key))
    area = office.city or office.name
    return {
        "orgUnitPath": ws.unit_path(person.department),
        "organizations": [{"name": company.name, "title": person.title, "department": person.department,
                           "costCenter": person.cost_center, "location": office.name, "type": "work",
                           "primary": True}],
        "relations": relations,
        "locations": [{"type": "desk", "area": area, "buildingId": office.name}],
        "addresses": [_address(office.city, office.country, office.name)],
        "phones": [{"type": "work", "value": fictional_phone(office.country, number), "primary": True}],
        "externalIds": [{"type": "organization", "value": person.employee_number}],
    }


def _address(city: str, country: str, label: str) -> dict[str, Any]:
    parts = {"type": "work", "locality": city, "countryCode": country, "formatted": label, "primary": True}
    return {key: value for key, value in parts.items() if value}


def create_body(ws: Workspace, person: Employee, password: str, *, suspended: bool) -> dict[str, Any]:
    return {"primaryEmail": ws.address(person), "password": password, "changePasswordAtNextLogin": False,
            "name": {"givenName": person.first_name, "familyName": person.last_name},
            "suspended": suspended, **profile(ws, person)}
