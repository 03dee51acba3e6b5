"""The org unit tree: "/" is the root (never listed), every other unit has a parent path."""

from __future__ import annotations

from typing import Any

from tenantsim.sandbox.google import errors as err
from tenantsim.sandbox.google.model import OrgUnit, org_unit_id
from tenantsim.sandbox.google.tenant import ROOT_OU_ID, Tenant


def org_unit(tenant: Tenant, key: str) -> OrgUnit:
    found = tenant.find_org_unit(key)
    if found is None:
        raise err.org_unit_not_found()
    return found


def _parent_path(tenant: Tenant, body: dict[str, Any]) -> str:
    if body.get("parentOrgUnitId"):
        key = str(body["parentOrgUnitId"])
        if key == ROOT_OU_ID:
            return "/"
        found = tenant.find_org_unit(key)
        if found is None:
            raise err.invalid("Invalid Parent Orgunit Id")
        return found.path
    path = str(body.get("parentOrgUnitPath") or "")
    if not path:
        raise err.required("Missing required field: parentOrgUnitPath")
    if path == "/":
        return "/"
    found = tenant.find_org_unit(path)
    if found is None:
        raise err.invalid("Invalid Parent Orgunit Id")
    return found.path


def _check_name(tenant: Tenant, name: str, parent: str, exclude: str | None = None) -> None:
    if not name or "/" in name:
        raise err.invalid("Invalid Ou Name")
    for unit in tenant.org_units.values():
        same_place = unit.parent_path.lower() == parent.lower() and unit.name.lower() == name.lower()
        if unit.id != exclude and same_place:
            raise err.duplicate("Invalid Ou Id")


def insert_org_unit(tenant: Tenant, body: dict[str, Any], *, preexisting: bool = False) -> OrgUnit:
    name = str(body.get("name") or "").strip()
    if not name:
        raise err.required("Missing required field: name")
    parent = _parent_path(tenant, body)
    _check_name(tenant, name, parent)
    uid = org_unit_id(tenant.rng)
    while uid in tenant.org_units:
        uid = org_unit_id(tenant.rng)
    unit = OrgUnit(id=uid, name=name, parent_path=parent, description=str(body.get("description") or ""),
                   block_inheritance=bool(body.get("blockInheritance", False)), preexisting=preexisting)
    tenant.org_units[uid] = unit
    return unit


def change_org_unit(tenant: Tenant, unit: OrgUnit, body: dict[str, Any]) -> None:
    """Renaming or moving a unit moves its whole subtree and the users in it."""
    old = unit.path
    name = str(body["name"]).strip() if "name" in body else unit.name
    parent = _parent_path(tenant, body) if ("parentOrgUnitPath" in body or "parentOrgUnitId" in body) \
        else unit.parent_path
    if parent.lower() == old.lower() or parent.lower().startswith(old.lower() + "/"):
        raise err.invalid("Invalid Parent Orgunit Id")
    if (name, parent) != (unit.name, unit.parent_path):
        _check_name(tenant, name, parent, exclude=unit.id)
    unit.name, unit.parent_path = name, parent
    if "description" in body:
        unit.description = str(body["description"] or "")
    if "blockInheritance" in body:
        unit.block_inheritance = bool(body["blockInheritance"])
    new = unit.path
    if new == old:
        return
    for other in tenant.org_units.values():
        if other.parent_path == old or other.parent_path.startswith(old + "/"):
            other.parent_path = new + other.parent_path[len(old):]
    for user in tenant.users.values():
        if user.org_unit_path == old or user.org_unit_path.startswith(old + "/"):
            user.org_unit_path = new + user.org_unit_path[len(old):]


def delete_org_unit(tenant: Tenant, unit: OrgUnit) -> None:
    """Google refuses to delete a unit that still holds users or child units."""
    path = unit.path
    if any(other.parent_path == path for other in tenant.org_units.values()):
        raise err.condition_not_met("Cannot delete an org unit that has child org units")
    if any(user.org_unit_path == path for user in tenant.users.values()):
        raise err.condition_not_met("Cannot delete an org unit that has users")
    del tenant.org_units[unit.id]


def listed(tenant: Tenant, start: str, kind: str) -> list[OrgUnit]:
    """orgunits.list: ``children`` (the default), ``all`` below ``start``, or ``allIncludingParent``."""
    base = "/" if start in ("", "/") else org_unit(tenant, start).path
    units = sorted(tenant.org_units.values(), key=lambda u: u.path.lower())
    if kind == "children":
        return [u for u in units if u.parent_path == base]
    below = [u for u in units if base == "/" or u.path.startswith(base + "/")]
    if kind == "allIncludingParent" and base != "/":
        return [org_unit(tenant, base), *below]
    return below
