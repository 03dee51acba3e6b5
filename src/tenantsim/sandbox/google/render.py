"""Directory objects as the API returns them (kinds, etags, Google's field names and omissions)."""

from __future__ import annotations

from typing import Any

from tenantsim.sandbox.google.model import Group, Member, OrgUnit, User, etag, iso
from tenantsim.sandbox.google.tenant import ROOT_OU_ID, Tenant


def user(tenant: Tenant, person: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "admin#directory#user",
        "id": person.id,
        "primaryEmail": person.primary_email,
        "name": {"givenName": person.given_name, "familyName": person.family_name,
                 "fullName": person.full_name},
        "isAdmin": person.is_admin,
        "isDelegatedAdmin": False,
        "lastLoginTime": iso(person.last_login) if person.last_login else "1970-01-01T00:00:00.000Z",
        "creationTime": iso(person.created),
        "agreedToTerms": person.last_login is not None,
        "suspended": person.suspended,
        "archived": False,
        "changePasswordAtNextLogin": person.change_password,
        "ipWhitelisted": False,
        "emails": [{"address": person.primary_email, "primary": True},
                   *({"address": alias} for alias in person.aliases)],
        "customerId": tenant.customer_id,
        "orgUnitPath": person.org_unit_path,
        "isMailboxSetup": True,
        "isEnrolledIn2Sv": False,
        "isEnforcedIn2Sv": False,
        "includeInGlobalAddressList": person.include_in_gal,
    }
    if person.aliases:
        data["aliases"] = list(person.aliases)
    if person.suspended:
        data["suspensionReason"] = person.suspension_reason or "ADMIN"
    for key, value in (("organizations", person.organizations), ("relations", person.relations),
                       ("locations", person.locations), ("phones", person.phones),
                       ("addresses", person.addresses), ("externalIds", person.external_ids)):
        if value:
            data[key] = value
    if person.recovery_email:
        data["recoveryEmail"] = person.recovery_email
    data["etag"] = etag(data)
    return data


def group(tenant: Tenant, team: Group) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "admin#directory#group",
        "id": team.id,
        "email": team.email,
        "name": team.name,
        "directMembersCount": str(len(tenant.members.get(team.id, {}))),  # int64: a string on the wire
        "description": team.description,
        "adminCreated": team.admin_created,
        "nonEditableAliases": [f"{team.email}.test-google-a.com"],  # Google's built-in test alias
    }
    if team.aliases:
        data["aliases"] = list(team.aliases)
    data["etag"] = etag(data)
    return data


def member(held: Member) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": "admin#directory#member", "id": held.id, "email": held.email,
                            "role": held.role, "type": held.type, "status": held.status}
    if held.type == "USER":
        data["delivery_settings"] = held.delivery_settings
    data["etag"] = etag(data)
    return data


def org_unit(tenant: Tenant, unit: OrgUnit) -> dict[str, Any]:
    parent = tenant.find_org_unit(unit.parent_path) if unit.parent_path != "/" else None
    data: dict[str, Any] = {
        "kind": "admin#directory#orgUnit",
        "name": unit.name,
        "description": unit.description,
        "orgUnitPath": unit.path,
        "orgUnitId": unit.id,
        "parentOrgUnitPath": unit.parent_path,
        "parentOrgUnitId": parent.id if parent is not None else ROOT_OU_ID,
    }
    if unit.block_inheritance:
        data["blockInheritance"] = True
    data["etag"] = etag(data)
    return data


def collection(kind: str, key: str, items: list[dict[str, Any]], next_token: str | None) -> dict[str, Any]:
    """A list response: Google leaves out an empty list and the token of the last page."""
    data: dict[str, Any] = {"kind": kind}
    if items:
        data[key] = items
    data["etag"] = etag([item.get("etag") for item in items])
    if next_token:
        data["nextPageToken"] = next_token
    return data
