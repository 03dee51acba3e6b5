"""How real a Microsoft 365 job's tenant looks, read back through Microsoft Graph.

The job's users are the ledger's user rows; what they are now is what Graph answers (a ledger id Graph no
longer knows is not counted). A user whose sign-in is blocked and who is in no group has left; one who is
blocked but still in their groups is on leave.

Measures: hires and departures per 100 staff per simulated month, the share of staff on leave, active
people whose manager is in another department (the chief executive, who has none, excepted), and the
share of the job's Planner tasks that are complete.
"""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.kit.concurrency import bounded
from tenantsim.connectors.kit.measures import created_users, in_range, share, workforce
from tenantsim.connectors.microsoft365.client import GraphClient
from tenantsim.errors import NotFoundOnPlatform
from tenantsim.scenario.company import Company
from tenantsim.store.ledger_types import LedgerEntry

COMPLETED = "completed share of Planner tasks"
COMPLETED_BAND = (0.2, 0.8)
SELECT = "id,userPrincipalName,accountEnabled,department"


async def group_members(client: GraphClient, entries: list[LedgerEntry]) -> set[str]:
    """Everyone in one of the job's groups now."""
    members: set[str] = set()
    for entry in entries:
        if entry.kind == "group" and entry.status == "created" and entry.platform_id:
            try:
                members.update(str(m.get("id")) for m in await client.members(str(entry.platform_id)))
            except NotFoundOnPlatform:
                continue
    return members


async def read_users(client: GraphClient, ids: set[str], members: set[str]) -> dict[str, dict[str, Any]]:
    """Graph's record of every id it still holds, with its manager and whether it is in any group."""
    found: dict[str, dict[str, Any]] = {}

    async def one(uid: str) -> None:
        try:
            user = await client.get_user(uid, SELECT)
        except NotFoundOnPlatform:
            return
        user["manager"] = await client.get_manager(uid)
        user["in_groups"] = uid in members
        found[uid] = user

    await bounded(sorted(ids), one)
    return found


def gone(user: dict[str, Any]) -> bool:
    return not user.get("accountEnabled", True) and not user.get("in_groups")


async def completed_share(client: GraphClient, entries: list[LedgerEntry]) -> float | None:
    plans = [e.platform_id for e in entries if e.kind == "plan" and e.status == "created" and e.platform_id]
    done = total = 0
    for plan in plans:
        try:
            tasks = await client.plan_tasks(str(plan))
        except NotFoundOnPlatform:
            continue
        total += len(tasks)
        done += sum(1 for t in tasks if int(t.get("percentComplete") or 0) == 100)
    return share(done, total) if total else None


async def measure(client: GraphClient, entries: list[LedgerEntry], company: Company) -> list[dict[str, Any]]:
    key_of = created_users(entries)
    users = await read_users(client, set(key_of), await group_members(client, entries))
    employed = {uid: u for uid, u in users.items() if not gone(u)}
    elsewhere = 0
    for user in employed.values():
        boss = employed.get(str((user.get("manager") or {}).get("id")))
        if user.get("accountEnabled", True) and boss is not None and boss.get("manager") is not None \
                and (boss.get("department") or "") != (user.get("department") or ""):
            elsewhere += 1  # (the chief executive, who has no manager, may lead any department's head)
    measures = workforce(company, key_of, users, employed=len(employed), departed=len(users) - len(employed),
                         on_leave=sum(1 for u in employed.values() if not u.get("accountEnabled", True)),
                         managers_elsewhere=elsewhere)
    completed = await completed_share(client, entries)
    if completed is not None:
        measures.append(in_range(COMPLETED, completed, *COMPLETED_BAND))
    return measures
