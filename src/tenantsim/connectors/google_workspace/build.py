"""The company in Google Workspace, made the way an admin would: org units first (one per department
under the root), then groups, then people — each created in their org unit with title, department,
manager, office and phone on the create call — then their group memberships.

Every create goes through the kit's intent discipline: an intent in the ledger before the call, the id
after; after a crash a user is adopted only if Google made it after the intent (``creationTime``), an
org unit or group only if it carries the job's mark.
"""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.google_workspace.client import GoogleClient
from tenantsim.connectors.google_workspace.people import TRACKED, create_body, profile
from tenantsim.connectors.google_workspace.state import FORMER_KEY, FORMER_UNIT, Workspace, adoptable
from tenantsim.connectors.kit.passwords import new_password
from tenantsim.errors import Skippable
from tenantsim.scenario.company import ON_LEAVE, Employee, GroupSpec

ACTIVE, SUSPENDED, DEPARTED = "active", "suspended", "departed"  # a user row's ``status`` attr


def unit_key(department: str) -> str:
    return f"ou:{department}"


async def ensure_unit(ws: Workspace, key: str, name: str, description: str) -> str | None:
    """An org unit ``/<name>`` under the root; its path, or None when it cannot be had. A unit of that
    name the tenant already has (not the job's) is used as it is, and never deleted."""
    ledger, path = ws.ctx.ledger, f"/{name.replace('/', '-')}"
    entry = ledger.get("orgunit", key)
    if entry is not None and (entry.status == "created" or entry.attrs.get("borrowed")):
        return path

    async def find(client: GoogleClient) -> dict[str, Any] | None:
        return adoptable(await client.get_orgunit(path), ws.mark, "orgUnitId")

    async def create(client: GoogleClient) -> dict[str, Any]:
        made = await client.create_orgunit(path[1:], "/", f"{description} {ws.mark}".strip())
        return {"id": str(made["orgUnitId"])}

    try:
        made = await ws.intents().ensure("orgunit", key, attrs={"path": path, "name": name}, parent_key=None,
                                         find=find, create=create)
        if made is None:  # the ledger says it failed
            return None
    except Skippable as exc:
        if await ws.client.get_orgunit(path) is None:
            ledger.failed("orgunit", key, exc.message)
            return None
        ledger.update_attrs("orgunit", key, {"borrowed": True})
        ledger.failed("orgunit", key, f"{path} already exists and is not the job's: used, never deleted")
    return path


async def ensure_department_unit(ws: Workspace, department: str) -> str | None:
    return await ensure_unit(ws, unit_key(department), department, f"{department} at {ws.company.name}")


async def ensure_former_unit(ws: Workspace) -> str | None:
    return await ensure_unit(ws, FORMER_KEY, FORMER_UNIT, "Suspended accounts of people who have left")


async def group_address(ws: Workspace, spec: GroupSpec) -> str:
    """The group's address: its name's (engineering@), or, when the tenant already has that address for
    something else, one that says its kind (engineering-department@). Decided once, before the intent."""
    entry = ws.ctx.ledger.get("group", spec.key)
    if entry is not None and entry.attrs.get("email"):
        return str(entry.attrs["email"])
    email = ws.group_email(spec)
    found = await ws.client.get_group(email)
    if found is None or adoptable(found, ws.mark, "id") is not None:
        return email
    local, domain = email.split("@", 1)
    return f"{local}-{spec.kind}@{domain}"


async def ensure_group(ws: Workspace, spec: GroupSpec) -> None:
    email = await group_address(ws, spec)

    async def find(client: GoogleClient) -> dict[str, Any] | None:
        return adoptable(await client.get_group(email), ws.mark, "id")

    async def create(client: GoogleClient) -> dict[str, Any]:
        return await client.create_group(email, spec.name, f"{spec.description} {ws.mark}".strip())

    try:
        gid = await ws.intents().ensure("group", spec.key, attrs={"email": email, "name": spec.name,
                                                                  "kind": spec.kind},
                                        parent_key=None, find=find, create=create)
    except Skippable as exc:  # the address is taken in the tenant: not ours, left alone
        ws.ctx.ledger.failed("group", spec.key, exc.message)
        ws.ctx.activity("notice", f"Group \"{spec.name}\" was not created: {email} is already taken in the "
                        "Workspace, and is left untouched.", [{"type": "group", "name": spec.name}])
        return
    if gid:
        ws.groups[spec.key] = gid


async def ensure_person(ws: Workspace, person: Employee) -> str | None:
    """Create one person (idempotent) in their department's org unit; returns their Google id."""
    ledger = ws.ctx.ledger
    entry = ledger.get("user", person.key)
    if entry is not None and entry.status == "created" and entry.platform_id:
        return entry.platform_id
    if await ensure_department_unit(ws, person.department) is None:
        return None
    email = str(ws.address(person))
    suspended = person.status == ON_LEAVE

    async def find(client: GoogleClient) -> dict[str, Any] | None:
        return await client.find_user(email)

    async def create(client: GoogleClient) -> dict[str, Any]:
        password = new_password(person.first_name, person.last_name, person.login)
        return await client.create_user(create_body(ws, person, password, suspended=suspended))

    shown = profile(ws, person)
    recorded = {"email": email, "status": SUSPENDED if suspended else ACTIVE, "groups": [],
                "shown": {k: shown[k] for k in TRACKED}}
    try:
        return await ws.intents("creationTime").ensure("user", person.key, attrs=recorded, parent_key=None,
                                                       find=find, create=create)
    except Skippable as exc:
        ledger.failed("user", person.key, exc.message)
        ws.ctx.activity("notice", f"{person.name} could not be created in Google Workspace: {exc.message}",
                        [{"type": "user", "email": email}])
        return None
