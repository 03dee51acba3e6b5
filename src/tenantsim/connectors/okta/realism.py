"""How real an Okta job's org looks, read back through the Okta API.

The job's users are the ledger's user rows; what they are now (status, department, manager) is what
Okta answers, not what the job recorded. The org is listed page by page (Okta's plain listing leaves out
deactivated users, so those come from a second, filtered listing) and only the job's users are kept;
a ledger id neither listing shows is asked for by id (gone from the org: not counted).

Measures: hires and departures per 100 staff per simulated month, the share of staff on leave
(suspended), and active people whose manager is in another department (the chief executive, the user
without a manager, excepted). People moved twice within 90 days is not measured here: the Users API
shows a person as they are now, with no history of their moves.
"""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.kit.concurrency import bounded
from tenantsim.connectors.kit.measures import (
    hired_after_founding,
    in_range,
    none_expected,
    share,
    simulated_months,
)
from tenantsim.connectors.okta.client import OktaClient
from tenantsim.errors import NotFoundOnPlatform
from tenantsim.scenario.company import Company
from tenantsim.store.ledger_types import LedgerEntry

HIRES = "hires per 100 staff a month"
DEPARTURES = "departures per 100 staff a month"
ON_LEAVE = "staff on leave (%)"
MANAGERS_ELSEWHERE = "managers outside the department"
RATE_BAND = (0.5, 8.0)  # per 100 a month: JOLTS hires and separations, with room for size and noise
LEAVE_BAND = (0.5, 6.0)  # percent of staff: BLS CPS absences
GONE = "DEPROVISIONED"


async def read_users(client: OktaClient, ids: set[str]) -> dict[str, dict[str, Any]]:
    """Okta's user record for every id it still holds, by id."""
    found: dict[str, dict[str, Any]] = {}
    for listing in (client.users(), client.users(filter=f'status eq "{GONE}"')):
        async for user in listing:
            if str(user.get("id")) in ids:
                found[str(user["id"])] = user

    async def one(uid: str) -> None:
        try:
            found[uid] = await client.get_user(uid)
        except NotFoundOnPlatform:
            pass

    await bounded(sorted(ids - set(found)), one)
    return found


def _profile(user: dict[str, Any]) -> dict[str, Any]:
    return dict(user.get("profile") or {})


async def managers_elsewhere(client: OktaClient, users: dict[str, dict[str, Any]]) -> int:
    """Active users whose manager sits in another department, unless that manager is the chief
    executive (who has no manager). A manager outside the job's users is read by id."""
    known = dict(users)
    wanted = {str(_profile(u).get("managerId")) for u in users.values() if _profile(u).get("managerId")}

    async def one(uid: str) -> None:
        try:
            known[uid] = await client.get_user(uid)
        except NotFoundOnPlatform:
            pass

    await bounded(sorted(wanted - set(known)), one)
    count = 0
    for user in users.values():
        manager = known.get(str(_profile(user).get("managerId") or ""))
        if user.get("status") != "ACTIVE" or manager is None or not _profile(manager).get("managerId"):
            continue
        if _profile(manager).get("department") != _profile(user).get("department"):
            count += 1
    return count


async def measure(client: OktaClient, entries: list[LedgerEntry], company: Company) -> list[dict[str, Any]]:
    key_of = {str(e.platform_id): e.key for e in entries
              if e.kind == "user" and e.status == "created" and e.platform_id}
    users = await read_users(client, set(key_of))
    employed = [u for u in users.values() if u.get("status") != GONE]
    departed = sum(1 for u in users.values() if u.get("status") == GONE)
    on_leave = sum(1 for u in employed if u.get("status") == "SUSPENDED")
    # Hires: the company's people who joined after it was founded (the initial build made the others),
    # counted when Okta holds their account, whatever its status now.
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
        none_expected(MANAGERS_ELSEWHERE, await managers_elsewhere(client, users)),
    ]
