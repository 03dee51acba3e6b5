"""How real a Google Workspace job's tenant looks, read back through the Directory API.

The job's users are the ledger's user rows; what they are now is what Google answers. The domain's users
are listed page by page and only the job's kept; a ledger id the listing does not show is asked for by
id (gone from the tenant: not counted). A suspended user in ``/Former Employees`` has left; any other
suspended user is on leave.

Measures: hires and departures per 100 staff per simulated month, the share of staff on leave, and
active people whose manager (their ``manager`` relation) is in another department (the chief executive,
who has no manager, excepted).
"""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.google_workspace.client import GoogleClient
from tenantsim.connectors.google_workspace.state import FORMER_UNIT
from tenantsim.connectors.kit.measures import created_users, read_by_id, workforce
from tenantsim.scenario.company import Company
from tenantsim.store.ledger_types import LedgerEntry


def gone(user: dict[str, Any]) -> bool:
    return bool(user.get("suspended")) and str(user.get("orgUnitPath") or "") == f"/{FORMER_UNIT}"


def department(user: dict[str, Any]) -> str | None:
    for org in user.get("organizations") or []:
        if isinstance(org, dict) and org.get("primary", True):
            return str(org.get("department") or "") or None
    return None


def manager_email(user: dict[str, Any]) -> str | None:
    for relation in user.get("relations") or []:
        if isinstance(relation, dict) and relation.get("type") == "manager":
            return str(relation.get("value") or "").lower() or None
    return None


async def read_users(client: GoogleClient, ids: set[str]) -> dict[str, dict[str, Any]]:
    """Google's user record for every id it still holds, by id."""
    found: dict[str, dict[str, Any]] = {}
    async for user in client.users():
        if str(user.get("id")) in ids:
            found[str(user["id"])] = user
    await read_by_id(found, ids, client.get_user)
    return found


async def managers_elsewhere(client: GoogleClient, users: dict[str, dict[str, Any]]) -> int:
    by_email = {str(u.get("primaryEmail") or "").lower(): u for u in users.values()}
    count = 0
    for user in users.values():
        boss_email = manager_email(user)
        if user.get("suspended") or not boss_email:
            continue
        boss = by_email.get(boss_email)
        if boss is None:
            boss = await client.find_user(boss_email)
            if boss is None:
                continue
            by_email[boss_email] = boss
        if manager_email(boss) and department(boss) != department(user):
            count += 1
    return count


async def measure(client: GoogleClient, entries: list[LedgerEntry],
                  company: Company) -> list[dict[str, Any]]:
    key_of = created_users(entries)
    users = await read_users(client, set(key_of))
    employed = [u for u in users.values() if not gone(u)]
    return workforce(company, key_of, users, employed=len(employed), departed=len(users) - len(employed),
                     on_leave=sum(1 for u in employed if u.get("suspended")),
                     managers_elsewhere=await managers_elsewhere(client, employed_by_id(users)))


def employed_by_id(users: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {uid: u for uid, u in users.items() if not gone(u)}
