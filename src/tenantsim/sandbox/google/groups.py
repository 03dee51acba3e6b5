"""Groups and their members, as the Directory API manages them."""

from __future__ import annotations

import hashlib
from typing import Any

from tenantsim.sandbox.google import errors as err
from tenantsim.sandbox.google.model import Group, Member, group_id
from tenantsim.sandbox.google.tenant import _EMAIL, Tenant

ROLES = ("OWNER", "MANAGER", "MEMBER")


def find_group(tenant: Tenant, key: str) -> Group | None:
    if key in tenant.groups:
        return tenant.groups[key]
    gid = tenant.group_emails.get(key.lower())
    return tenant.groups.get(gid) if gid else None


def group(tenant: Tenant, key: str) -> Group:
    found = find_group(tenant, key)
    if found is None:
        raise err.not_found("groupKey")
    return found


def insert_group(tenant: Tenant, body: dict[str, Any], *, preexisting: bool = False) -> Group:
    email = str(body.get("email") or "").strip()
    if not email:
        raise err.required("Missing required field: email")
    if not _EMAIL.match(email):
        raise err.invalid("Invalid Input: email")
    if not tenant.in_domain(email):
        raise err.forbidden()
    if tenant.email_taken(email):
        raise err.duplicate()
    gid = group_id(tenant.rng)
    while gid in tenant.groups:
        gid = group_id(tenant.rng)
    created = Group(id=gid, email=email, name=str(body.get("name") or email.split("@")[0]),
                    description=str(body.get("description") or ""), preexisting=preexisting)
    tenant.groups[gid] = created
    tenant.group_emails[email.lower()] = gid
    tenant.members[gid] = {}
    return created


def change_group(tenant: Tenant, target: Group, body: dict[str, Any]) -> None:
    if "email" in body and str(body["email"]).lower() != target.email.lower():
        email = str(body["email"]).strip()
        if not _EMAIL.match(email):
            raise err.invalid("Invalid Input: email")
        if tenant.email_taken(email):
            raise err.duplicate()
        target.aliases.append(target.email)  # the old address keeps working, as for users
        target.email = email
        tenant.group_emails[email.lower()] = target.id
    if "name" in body:
        target.name = str(body["name"] or "")
    if "description" in body:
        target.description = str(body["description"] or "")


def delete_group(tenant: Tenant, target: Group) -> None:
    del tenant.groups[target.id]
    for key in [k for k, v in tenant.group_emails.items() if v == target.id]:
        del tenant.group_emails[key]
    tenant.members.pop(target.id, None)
    for held in tenant.members.values():
        held.pop(target.id, None)


def groups_of(tenant: Tenant, member_id: str) -> list[Group]:
    return [tenant.groups[gid] for gid, held in tenant.members.items() if member_id in held]


# -- members -------------------------------------------------------------------------------------------
def _resolve(tenant: Tenant, key: str) -> tuple[str, str, str] | None:
    """(id, email, type) of a memberKey: a user or group of the tenant, or an outside address."""
    user = tenant.find_user(key)
    if user is not None:
        return user.id, user.primary_email, "USER"
    found = find_group(tenant, key)
    if found is not None:
        return found.id, found.email, "GROUP"
    return None


def add_member(tenant: Tenant, target: Group, body: dict[str, Any]) -> Member:
    key = str(body.get("email") or body.get("id") or "").strip()
    if not key:
        raise err.required("Missing required field: memberKey")
    role = str(body.get("role") or "MEMBER").upper()
    if role not in ROLES:
        raise err.invalid("Invalid Input: role")
    resolved = _resolve(tenant, key)
    if resolved is None:
        if not _EMAIL.match(key) or tenant.in_domain(key):
            raise err.not_found("memberKey")
        # An outside address: Google gives it a stable id of its own.
        resolved = (_outside_id(key), key, "USER")
    mid, email, kind = resolved
    if mid == target.id:
        raise err.invalid("Invalid Input: memberKey")
    held = tenant.members.setdefault(target.id, {})
    if mid in held:
        raise err.duplicate("Member already exists.")
    member = Member(id=mid, email=email, role=role, type=kind)
    held[mid] = member
    return member


def _outside_id(email: str) -> str:
    digest = int.from_bytes(hashlib.sha256(email.lower().encode()).digest()[:8], "big")
    return str(10**20 + digest % 10**20)


def find_member(tenant: Tenant, target: Group, key: str) -> Member | None:
    held = tenant.members.get(target.id, {})
    if key in held:
        return held[key]
    lowered = key.lower()
    for member in held.values():
        if member.email.lower() == lowered:
            return member
    resolved = _resolve(tenant, key)
    return held.get(resolved[0]) if resolved else None


def member(tenant: Tenant, target: Group, key: str) -> Member:
    found = find_member(tenant, target, key)
    if found is None:
        raise err.not_found("memberKey")
    return found


def has_member(tenant: Tenant, target: Group, key: str) -> bool:
    """Direct or through a nested group, as members.hasMember answers."""
    if _resolve(tenant, key) is None and "@" not in key:
        raise err.invalid("Invalid Input: memberKey")
    seen: set[str] = set()
    pending = [target.id]
    while pending:
        gid = pending.pop()
        if gid in seen:
            continue
        seen.add(gid)
        for held in tenant.members.get(gid, {}).values():
            if held.id == key or held.email.lower() == key.lower():
                return True
            if held.type == "GROUP":
                pending.append(held.id)
    return False
