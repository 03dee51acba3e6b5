"""What a crash interrupted, settled when the job starts again.

Creates: an intent without an id is looked up — a person by login, a group by name (both adopted only
if Okta made them after the intent was written), an app grant by asking the app. Found: recorded as
created. Not found: once the seed is complete nothing will ask for that key again, so it is recorded as
failed with the reason; during the seed it is left for the seed to make when it gets there again.

Removals during activity: an access review (app_revoke) and a departure (deactivate, which makes Okta
drop the person's app assignments) mark their ledger row *before* the call; a mark found here means the
job died between the call and the ledger update, and is settled. So the ledger never names an object
Okta no longer holds, and never misses one it does.
"""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.kit.intents import made_after, settle_intent
from tenantsim.connectors.okta.pool import Member, OktaClientPool
from tenantsim.errors import NotFoundOnPlatform
from tenantsim.store.ledger_types import Ledger, LedgerEntry

NOT_MADE = "interrupted before Okta made it; nothing was created"

REMOVING = "removing"  # app_assignment attr: an unassign call may have been made
DEPARTING = "departing"  # user attr: a deactivate call may have been made
DEPROVISIONED = "DEPROVISIONED"


def assignments_gone_with(ledger: Ledger, person_key: str) -> None:
    """Okta removes a deactivated person's app assignments: so does the ledger."""
    for entry in ledger.entries("app_assignment", statuses=["created"]):
        if entry.attrs.get("user_key") == person_key:
            ledger.deleted("app_assignment", entry.key)


async def settle(ledger: Ledger, pool: OktaClientPool) -> int:
    """Finish removals a crash interrupted; returns how many rows were settled."""
    settled = 0
    users = {e.key: e for e in ledger.entries("user", statuses=["created"])}
    for entry in ledger.entries("app_assignment", statuses=["created"]):
        if not entry.attrs.get(REMOVING):
            continue
        user = users.get(str(entry.attrs.get("user_key")))
        member = pool.acting_as(entry.actor)
        if user is not None and user.platform_id:
            try:  # unassigning again is harmless; 404 means it was done
                await member.client.unassign_user_from_app(str(entry.attrs["app_id"]), user.platform_id)
            except NotFoundOnPlatform:
                pass
        ledger.deleted("app_assignment", entry.key)
        settled += 1
    for user in users.values():
        if not user.attrs.get(DEPARTING) or not user.platform_id:
            continue
        try:
            found = await pool.members[0].client.get_user(user.platform_id)
            status = str(found.get("status"))
        except NotFoundOnPlatform:
            status = DEPROVISIONED
        changes: dict[str, object] = {DEPARTING: False}
        if status == DEPROVISIONED:  # the deactivation happened: record what it did
            changes["status"] = DEPROVISIONED
            assignments_gone_with(ledger, user.key)
        ledger.update_attrs("user", user.key, changes)
        settled += 1
    return settled


def _made_after(found: dict[str, Any] | None, entry: LedgerEntry) -> bool:
    return made_after(found, entry.attrs.get("requested_at") or entry.recorded_at)


async def _granted(member: Member, path: str, scope: str | None) -> bool:
    try:
        found = await member.client.call("GET", path)
    except NotFoundOnPlatform:
        return False
    return scope is None or (isinstance(found, dict) and found.get("scope") == scope)


async def settle_intents(ledger: Ledger, pool: OktaClientPool, seeded: bool) -> int:
    """Settle creates a crash left without an id; returns how many were settled."""
    settled = 0
    for entry in ledger.entries(statuses=["intent"]):
        if entry.platform_id:
            continue
        member = pool.acting_as(entry.actor)
        found_id: str | None = None
        if entry.kind == "user" and entry.attrs.get("login"):
            user = await member.client.find_user_by_login(str(entry.attrs["login"]))
            found_id = str(user["id"]) if user is not None and _made_after(user, entry) else None
        elif entry.kind == "group" and entry.attrs.get("name"):
            group = await member.client.find_group_by_name(str(entry.attrs["name"]))
            found_id = str(group["id"]) if group is not None and _made_after(group, entry) else None
        elif entry.kind in ("app_assignment", "app_group_assignment"):
            owner_kind, owner_key = (("user", entry.attrs.get("user_key")) if entry.kind == "app_assignment"
                                     else ("group", entry.attrs.get("group_key")))
            owner = ledger.get(owner_kind, str(owner_key)) if owner_key else None
            if owner is not None and owner.platform_id:
                where = "users" if owner_kind == "user" else "groups"
                path = f"/api/v1/apps/{entry.attrs.get('app_id')}/{where}/{owner.platform_id}"
                if await _granted(member, path, "USER" if owner_kind == "user" else None):
                    found_id = owner.platform_id
        else:
            continue
        if settle_intent(ledger, entry, found_id, seeded=seeded, not_made=NOT_MADE):
            settled += 1
    return settled
