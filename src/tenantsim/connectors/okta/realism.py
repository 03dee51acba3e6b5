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

from tenantsim.connectors.kit.measures import DEPARTURES as DEPARTURES
from tenantsim.connectors.kit.measures import HIRES as HIRES
from tenantsim.connectors.kit.measures import MANAGERS_ELSEWHERE as MANAGERS_ELSEWHERE
from tenantsim.connectors.kit.measures import ON_LEAVE as ON_LEAVE
from tenantsim.connectors.kit.measures import created_users, read_by_id, workforce
from tenantsim.connectors.okta.client import OktaClient
from tenantsim.scenario.company import Company
from tenantsim.store.ledger_types import LedgerEntry

GONE = "DEPROVISIONED"


async def read_users(client: OktaClient, ids: set[str]) -> dict[str, dict[str, Any]]:
    """Okta's user record for every id it still holds, by id."""
    found: dict[str, dict[str, Any]] = {}
    for listing in (client.users(), client.users(filter=f'status eq "{GONE}"')):
        async for user in listing:
            if str(user.get("id")) in ids:
                found[str(user["id"])] = user
    await read_by_id(found, ids, client.get_user)
    return found


def _profile(user: dict[str, Any]) -> dict[str, Any]:
    return dict(user.get("profile") or {})


async def managers_elsewhere(client: OktaClient, users: dict[str, dict[str, Any]]) -> int:
    """Active users whose manager sits in another department, unless that manager is the chief
    executive (who has no manager). A manager outside the job's users is read by id."""
    known = dict(users)
    wanted = {str(_profile(u).get("managerId")) for u in users.values() if _profile(u).get("managerId")}
    await read_by_id(known, wanted, client.get_user)
    count = 0
    for user in users.values():
        manager = known.get(str(_profile(user).get("managerId") or ""))
        if user.get("status") != "ACTIVE" or manager is None or not _profile(manager).get("managerId"):
            continue
        if _profile(manager).get("department") != _profile(user).get("department"):
            count += 1
    return count


async def measure(client: OktaClient, entries: list[LedgerEntry], company: Company) -> list[dict[str, Any]]:
    key_of = created_users(entries)
    users = await read_users(client, set(key_of))
    employed = [u for u in users.values() if u.get("status") != GONE]
    return workforce(company, key_of, users, employed=len(employed),
                     departed=sum(1 for u in users.values() if u.get("status") == GONE),
                     on_leave=sum(1 for u in employed if u.get("status") == "SUSPENDED"),
                     managers_elsewhere=await managers_elsewhere(client, users))
