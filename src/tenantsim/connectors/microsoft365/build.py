"""The company in Microsoft 365, made the way an admin would: people (each with their profile on the create
call), security groups for the company's departments, offices and teams, and for each department a
Microsoft 365 group with a Team (its General channel comes with it).

Every create goes through the kit's intent discipline: an intent in the ledger before the call, the id
after. A user's userPrincipalName and a group's mailNickname are claimed for the job in the tenant first,
so no other job makes them; after a crash either is adopted only if Graph made it after the intent
(``createdDateTime``). A team lives on its group (same id), so a team found on one of the job's groups
is the job's. Nothing the customer sees names the job.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tenantsim.connectors.kit.passwords import new_password
from tenantsim.connectors.kit.refusals import refused
from tenantsim.connectors.microsoft365.client import GraphClient, is_duplicate
from tenantsim.connectors.microsoft365.people import TRACKED, create_body, profile
from tenantsim.connectors.microsoft365.state import CREATED, Tenant, department_key, nickname
from tenantsim.errors import NotFoundOnPlatform, Skippable
from tenantsim.scenario.company import ON_LEAVE, Employee, GroupSpec

ENABLED, DISABLED, DEPARTED = "enabled", "disabled", "departed"  # a user row's ``status`` attr


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def ours(found: dict[str, Any] | None) -> dict[str, Any] | None:
    """An object found inside one of the job's own containers (a channel in its team, a plan in its
    group) is the job's: dated now for the intent discipline when Graph does not date it."""
    if found is None:
        return None
    return {**found, CREATED: found.get(CREATED) or now_iso()}


async def ensure_user(tenant: Tenant, person: Employee) -> str | None:
    """Create one person (idempotent); their directory id. The people the job acts as already exist."""
    existing = tenant.user_id(person.key)
    if existing is not None:
        return existing
    ledger, upn = tenant.ctx.ledger, tenant.upn(person)
    enabled = person.status != ON_LEAVE

    async def find(client: GraphClient) -> dict[str, Any] | None:
        return await client.find_user(upn)

    async def create(client: GraphClient) -> dict[str, Any]:
        password = new_password(person.first_name, person.last_name, person.login)
        return await client.create_user(create_body(tenant, person, password, enabled=enabled))

    shown = profile(tenant, person)
    recorded: dict[str, Any] = {"upn": upn, "status": ENABLED if enabled else DISABLED, "groups": [],
                                "manager": None, "shown": {k: shown[k] for k in TRACKED}}
    try:
        return await tenant.intents().ensure("user", person.key, attrs=recorded, parent_key=None,
                                             find=find, create=create, claim=upn)
    except Skippable as exc:  # the address is someone else's in the tenant, or another job's: never adopted
        refused(ledger, "user", person.key, exc.message, recorded)
        tenant.ctx.activity("notice", f"{person.name} could not be created in Microsoft 365: {exc.message}",
                            [{"type": "user", "upn": upn}])
        return None


async def _ensure_group(tenant: Tenant, key: str, body: dict[str, Any], attrs: dict[str, Any]) -> str | None:
    mail_nickname = str(body["mailNickname"])

    async def find(client: GraphClient) -> dict[str, Any] | None:
        return await client.find_group(mail_nickname)  # the job's only if made after its intent

    async def create(client: GraphClient) -> dict[str, Any]:
        return await client.create_group(body)

    recorded = {**attrs, "nickname": mail_nickname}
    try:
        gid = await tenant.intents().ensure("group", key, attrs=recorded, parent_key=None, find=find,
                                            create=create, claim=mail_nickname)
    except Skippable as exc:  # the name is taken in the tenant, or by another job: not ours, left alone
        refused(tenant.ctx.ledger, "group", key, exc.message, recorded)
        tenant.ctx.activity("notice", f"Group \"{body['displayName']}\" was not created: {exc.message}",
                            [{"type": "group", "name": body["displayName"]}])
        return None
    if gid:
        tenant.groups[key] = gid
    return gid


async def ensure_security_group(tenant: Tenant, spec: GroupSpec) -> str | None:
    body: dict[str, Any] = {"displayName": spec.name, "mailEnabled": False, "securityEnabled": True,
                            "mailNickname": nickname(spec.name)}
    if spec.description:  # an empty one is left out: Graph refuses it
        body["description"] = spec.description
    return await _ensure_group(tenant, spec.key, body, {"name": spec.name, "kind": spec.kind,
                                                        "type": "security"})


async def ensure_department_team(tenant: Tenant, department: str) -> str | None:
    """The department's Microsoft 365 group and its Team; the group's (and team's) id."""
    key = department_key(department)
    head = tenant.company.head_of(department)
    owner = tenant.user_id(head.key) if head is not None else None
    owner = owner or next((a.user_id for a in tenant.actors), None)
    body: dict[str, Any] = {
        "displayName": department, "mailNickname": nickname(f"{department}-team"),
        "description": f"{department} at {tenant.company.name}", "mailEnabled": True,
        "securityEnabled": False, "groupTypes": ["Unified"], "visibility": "Private"}
    if owner:
        body["owners@odata.bind"] = [f"{tenant.client.graph}/users/{owner}"]
    gid = await _ensure_group(tenant, key, body, {"name": department, "kind": "department_team",
                                                  "type": "unified"})
    if gid is None:
        return None
    await ensure_team(tenant, key, gid)
    return gid


async def ensure_team(tenant: Tenant, key: str, group_id: str) -> None:
    ledger = tenant.ctx.ledger
    entry = ledger.get("team", key)
    if entry is not None and entry.status in ("created", "failed"):
        return
    if entry is None:
        ledger.intent("team", key, parent_key=key, actor=tenant.client.name,
                      attrs={"group_id": group_id, "requested_at": now_iso()})
    await tenant.ctx.checkpoint_now()
    try:
        team = await tenant.client.create_team(group_id)
    except Skippable as exc:
        if exc.status != 409 and not is_duplicate(exc):
            ledger.failed("team", key, exc.message)
            tenant.ctx.activity("notice", f"No Team was made for the group {key.split(':', 1)[-1]}: "
                                f"{exc.message}", [])
            return
        team = await tenant.client.get_team(group_id) or {"id": group_id}  # made before a restart
    ledger.created("team", key, str(team.get("id") or group_id), {"group_id": group_id})


async def general_channel(tenant: Tenant, team_id: str) -> str | None:
    try:
        channels = await tenant.client.channels(team_id)
    except NotFoundOnPlatform:
        return None
    found = next((c for c in channels if str(c.get("displayName")) == "General"), None) or (
        channels[0] if channels else None)
    return str(found["id"]) if found else None
