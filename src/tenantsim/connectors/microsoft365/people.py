"""A company person as an Entra ID user: the fields an HR-fed directory fills in (title, department,
office, usage location and country from the office, city, employee id, a work phone that never rings).
The manager is a ``manager`` reference; departments are security groups (``build.py``)."""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.kit.phones import fictional_phone
from tenantsim.connectors.microsoft365.state import Tenant
from tenantsim.scenario.company import Employee

# The fields the company changes over time; a converge patches the ones that differ from the record.
TRACKED = ("displayName", "givenName", "surname", "jobTitle", "department", "officeLocation", "usageLocation",
           "country", "city", "employeeId", "businessPhones")


def profile(tenant: Tenant, person: Employee) -> dict[str, Any]:
    """The tracked fields of ``person`` as Graph should show them now."""
    company = tenant.company
    office = company.office_of(person)
    number = int(person.employee_number) if person.employee_number.isdigit() else sum(map(ord, person.key))
    return {
        "displayName": person.name, "givenName": person.first_name, "surname": person.last_name,
        "jobTitle": person.title, "department": person.department, "officeLocation": office.name,
        "usageLocation": office.country or "US", "country": office.country or None,
        "city": office.city or None,
        "employeeId": person.employee_number,
        "businessPhones": [fictional_phone(office.country, number)],
    }


def create_body(tenant: Tenant, person: Employee, password: str, *, enabled: bool) -> dict[str, Any]:
    upn = tenant.upn(person)
    body = {"accountEnabled": enabled, "userPrincipalName": upn, "mail": upn, "mailNickname": person.login,
            "passwordProfile": {"password": password, "forceChangePasswordNextSignIn": False},
            **profile(tenant, person)}
    return {key: value for key, value in body.items() if value is not None}
