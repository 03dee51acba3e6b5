"""A company person's Okta profile and passwords.

Logins and emails live on a reserved example.com sub-domain (``Company.domain``), so no mail can reach
a real person.
"""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.kit.passwords import new_password
from tenantsim.scenario.company import Company, Employee

__all__ = ["new_password", "profile_for", "user_summary"]


def profile_for(company: Company, person: Employee, manager_id: str | None) -> dict[str, Any]:
    """Okta's base profile attributes an HR-driven org fills in, all from the company."""
    login = company.email(person)
    office = company.office_of(person)
    manager = company.people.get(person.manager or "")
    return {
        "login": login, "email": login, "firstName": person.first_name, "lastName": person.last_name,
        "displayName": person.name, "nickName": person.first_name, "title": person.title,
        "department": person.department, "division": person.department, "organization": company.name,
        "costCenter": person.cost_center, "employeeNumber": person.employee_number, "userType": "Employee",
        "city": office.city or None, "countryCode": office.country, "timezone": office.time_zone,
        "locale": office.locale, "preferredLanguage": office.locale.split("_")[0],
        "manager": manager.name if manager is not None and manager_id else None,
        "managerId": manager_id,
    }


def user_summary(user: dict[str, Any]) -> dict[str, Any]:
    """The seed's item shape for POST /api/okta/users."""
    profile = user.get("profile") or {}
    name = f"{profile.get('firstName') or ''} {profile.get('lastName') or ''}".strip()
    return {"id": user.get("id"), "name": name or profile.get("login"), "email": profile.get("email"),
            "login": profile.get("login"), "status": user.get("status"), "created": user.get("created"),
            "lastUpdated": user.get("lastUpdated")}
