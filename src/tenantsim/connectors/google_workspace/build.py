"""The company in Google Workspace, made the way an admin would: org units first (one per department
under the root), then groups, then people — each created in their org unit with title, department,
manager, office and phone on the create call — then their group memberships.

Every create goes through the kit's intent discipline: an intent in the ledger before the call, the id
after. Its name (a unit's path, a group's or user's address) is claimed for the job in the tenant first,
so no other job makes it. After a crash a user is adopted only if Google made it after the intent
(``creationTime``); Google dates no org unit or group, so their names are looked up before the intent,
and one found later under the claimed name is the job's. Nothing the customer sees names the job.
"""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.google_workspace.client import GoogleClient
from tenantsim.connectors.google_workspace.people import TRACKED, create_body, profile
from tenantsim.connectors.google_workspace.state import FORMER_KEY, FORMER_UNIT, Workspace
from tenantsim.connectors.kit.passwords import new_password
from tenantsim.connectors.kit.refusals import refused
from tenantsim.errors import HeldByAnotherJob, Skippable
from tenantsim.scenario.company import ON_LEAVE, Employee, GroupSpec

ACTIVE, SUSPENDED, DEPARTED = "active", "suspended", "departed"  # a user row's ``status`` attr


def unit_key(department: str) -> str:
    return f"ou:{department}"


async def ensure_unit(ws: Workspace, key: str, name: str, description: str) -> str | None:
    """An org unit ``/<name>`` under the root; its path, or None when it cannot be had. A unit of that
    name the tenant already has, or another job holds, is used as it is, and never deleted."""
    ledger, path = ws.ctx.ledger, f"/{name.replace('/', '-')}"
    entry = ledger.get("orgunit", key)
    if entry is not None and (entry.status == "created" or entry.attrs.get("borrowed")):
        return path

    async def find(client: GoogleClient) -> dict[str, Any] | None:
        found = await client.get_orgunit(path)
        return {"id": str(found["orgUnitId"])} if found is not None else None

    async def create(client: GoogleClient) -> dict[str, Any]:
        return {"id": str((await client.create_orgunit(path[1:], "/", description))["orgUnitId"])}

    attrs = {"path": path, "name": name}
    try:
        made = await ws.intents().ensure("orgunit", key, attrs=attrs, parent_key=None, find=find,
                                         create=create, claim=path, look_first=True)
        if made is None:  # the ledger says it failed
            return None
    except Skippable as exc:  # the tenant's own unit, or another job's (made by it, now or soon)
        if not isinstance(exc, HeldByAnotherJob) and await ws.client.get_orgunit(path) is None:
            refused(ledger, "orgunit", key, exc.message, attrs)
            return None
        refused(ledger, "orgunit", key, f"{exc.message}: used as it is, never deleted", attrs)
        ledger.update_attrs("orgunit", key, {"borrowed": True})
    return path


async def ensure_department_unit(ws: Workspace, department: str) -> str | None:
    return await ensure_unit(ws, unit_key(department), department, f"{department} at {ws.company.name}")


async def ensure_former_unit(ws: Workspace) -> str | None:
    return await ensure_unit(ws, FORMER_KEY, FORMER_UNIT, "Suspended accounts of people who have left")


async def group_address(ws: Workspace, spec: GroupSpec) -> str:
    """The group's address: its name's (engineering@), or, when the tenant already has that address for
    something else, one that says its kind (engineering-department@). Decided once, before the intent."""
    entry = ws.ctx.ledger.get("group", spec.key)
    if entry is not None and entry.attrs.get("email"):  # decided before (a restart): the job's own
        return str(entry.attrs["email"])
    email = ws.group_email(spec)
    # Another job holding the address makes this group there: this job's is refused (``ensure_group``)
    # rather than made a second time under another address.
    if not await ws.claim("group", email):
        return email
    # With no ledger row for this group the job never wrote its intent, so a group at the address is
    # the tenant's or another of this job's groups: never this one.
    if await ws.client.get_group(email) is None:
        return email
    local, domain = email.split("@", 1)
    return f"{local}-{spec.kind}@{domain}"


async def ensure_group(ws: Workspace, spec: GroupSpec) -> None:
    email = await group_address(ws, spec)

    async def find(client: GoogleClient) -> dict[str, Any] | None:
        return await client.get_group(email)

    async def create(client: GoogleClient) -> dict[str, Any]:
        return await client.create_group(email, spec.name, spec.description)

    attrs = {"email": email, "name": spec.name, "kind": spec.kind}
    try:
        gid = await ws.intents().ensure("group", spec.key, attrs=attrs, parent_key=None, find=find,
                                        create=create, claim=email, look_first=True)
    except Skippable as exc:  # the address is taken in the tenant, or by another job: left alone
        refused(ws.ctx.ledger, "group", spec.key, exc.message, attrs)
        ws.ctx.activity("notice", f"Group \"{spec.name}\" was not created: {exc.message}; the address "
                        f"{email} is left untouched.", [{"type": "group", "name": spec.name}])
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
                                                       find=find, create=create, claim=email)
    except Skippable as exc:  # the address is the tenant's own, or another job's
        refused(ledger, "user", person.key, exc.message, recorded)
        ws.ctx.activity("notice", f"{person.name} could not be created in Google Workspace: {exc.message}",
                        [{"type": "user", "email": email}])
        return None
