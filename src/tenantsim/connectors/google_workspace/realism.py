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
from tenantsim.connectors.kit.concurrency import bounded
from tenantsim.connectors.kit.measures import (
    hired_after_founding,
    in_range,
    none_expected,
    share,
    simulated_months,
)
from tenantsim.errors import NotFoundOnPlatform
from tenantsim.scenario.company import Company
from tenantsim.store.ledger_types import LedgerEntry

HIRES = "hires per 100 staff a month"
DEPARTURES = "departures per 100 staff a month"
ON_LEAVE = "staff on leave (%)"
MANAGERS_ELSEWHERE = "managers outside the department"
RATE_BAND = (0.5, 8.0)  # per 100 a month: JOLTS hires and separations, with room for size and noise
LEAVE_BAND = (0.5, 6.0)  # percent of staff: BLS CPS absences


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

    async def one(uid: str) -> None:
        try:
            found[uid] = await client.get_user(uid)
        except NotFoundOnPlatform:
            pass

    await bounded(sorted(ids - set(found)), one)
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
    key_of = {str(e.platform_id): e.key for e in entries
              if e.kind == "user" and e.status == "created" and e.platform_id}
    users = await read_users(client, set(key_of))
    employed = [u for u in users.values() if not gone(u)]
    departed = len(users) - len(employed)
    on_leave = sum(1 for u in employed if u.get("suspended"))
    joined = hired_after_founding(company)
    hires = sum(1 for uid in users if key_of[uid] in joined)
    now = len(employed)
    staff = max(1.0, (now + (now - hires + departed)) / 2)  # average headcount over the period
    months = simulated_months(company)

    def per_100_a_month(count: int) -> float:
        return 100.0 * count / staff / months if months > 0 else 0.0

    return [
        in_range(HIRES, per_100_a_month(hires), *RATE_BAND),
        in_range(DEPARTURES, per_100_a_month(departed), *RATE_BAND),
        in_range(ON_LEAVE, 100.0 * share(on_leave, now), *LEAVE_BAND),
        none_expected(MANAGERS_ELSEWHERE, await managers_elsewhere(client, employed_by_id(users))),
    ]


def employed_by_id(users: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {uid: u for uid, u in users.items() if not gone(u)}
