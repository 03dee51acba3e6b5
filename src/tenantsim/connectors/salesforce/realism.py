"""How real a Salesforce job's org looks, read back through SOQL.

The job's records are the ledger's rows; what they are now is what Salesforce answers. Measures:

* pipeline moves per open deal a month — real pipelines move a stage every few weeks;
* win rate of the deals that closed — B2B win rates sit around 20–35 %;
* open cases as a share of all cases — a healthy support queue holds 10–40 % open;
* activities (tasks, events, case comments) per rep per business day — reps log a handful a day;
* records owned by someone who is not one of the org's active users (none in a real org).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tenantsim.connectors.kit.measures import in_range, none_expected, share, simulated_months
from tenantsim.connectors.salesforce.client import SalesforceClient
from tenantsim.connectors.salesforce.people import read_users
from tenantsim.connectors.salesforce.state import CASE_OPEN, OPEN_STAGES, SOBJECT, WON
from tenantsim.scenario.company import Company
from tenantsim.scenario.rates import DAYS_PER_MONTH
from tenantsim.store.ledger_types import LedgerEntry

MOVES = "stage moves per deal a month"
WIN_RATE = "win rate of closed deals (%)"
OPEN_CASES = "open cases (%)"
ACTIVITIES = "activities per rep per business day"
ORPHANS = "records owned by no active user"
MOVES_BAND = (0.3, 4.0)
WIN_BAND = (15.0, 45.0)
OPEN_CASE_BAND = (5.0, 50.0)
ACTIVITY_BAND = (0.2, 8.0)
CHUNK = 200


async def read(
    client: SalesforceClient, sobject: str, fields: str, ids: Sequence[str]
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for start in range(0, len(ids), CHUNK):
        quoted = ",".join(f"'{i}'" for i in ids[start : start + CHUNK])
        found += await client.query(f"SELECT {fields} FROM {sobject} WHERE Id IN ({quoted})")
    return found


async def measure(
    client: SalesforceClient, entries: list[LedgerEntry], company: Company
) -> list[dict[str, Any]]:
    ids: dict[str, list[str]] = {}
    moves = 0
    for e in entries:
        if e.status == "created" and e.platform_id:
            ids.setdefault(e.kind, []).append(e.platform_id)
            if e.kind == "opportunity":
                moves += int(e.attrs.get("moves") or 0)
    deals = await read(client, "Opportunity", "Id, StageName, OwnerId", ids.get("opportunity", []))
    cases = await read(client, "Case", "Id, Status, OwnerId", ids.get("case", []))
    months = simulated_months(company)
    closed = [d for d in deals if d.get("StageName") not in OPEN_STAGES]
    won = sum(1 for d in closed if d.get("StageName") == WON)
    open_cases = sum(1 for c in cases if c.get("Status") in CASE_OPEN)
    users = {u.id for u in await read_users(client)}
    owned = [*deals, *cases]
    for kind in ("account", "lead"):
        owned += await read(client, SOBJECT[kind], "Id, OwnerId", ids.get(kind, []))
    orphans = sum(1 for r in owned if r.get("OwnerId") not in users)
    activities = sum(len(ids.get(k, [])) for k in ("task", "event", "casecomment"))
    business_days = max(1.0, months * DAYS_PER_MONTH * 5 / 7)
    reps = max(1, len(users))
    return [
        # Over every deal: a closed deal's moves were made while it was open.
        in_range(MOVES, moves / max(1, len(deals)) / months if months > 0 else 0.0, *MOVES_BAND),
        in_range(WIN_RATE, 100.0 * share(won, len(closed)), *WIN_BAND),
        in_range(OPEN_CASES, 100.0 * share(open_cases, len(cases)), *OPEN_CASE_BAND),
        in_range(ACTIVITIES, activities / reps / business_days, *ACTIVITY_BAND),
        none_expected(ORPHANS, orphans),
    ]
