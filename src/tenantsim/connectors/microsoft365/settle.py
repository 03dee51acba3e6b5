"""What a crash interrupted, settled when the job starts again (``M365Adapter.prepare``).

An intent without an id is looked up: a user by userPrincipalName and a group by mailNickname (each adopted
only if Graph made it after the intent; the name was the job's claim), a team on its group. Found:
recorded as created. Not found: once the seed is complete nothing will ask for that key again, so it is
recorded as failed; during the seed it is left for the seed to make when it gets there again. Objects
inside the job's own containers (channels, plans, buckets, tasks) are found again by the build itself.
A channel message whose post was interrupted is never posted a second time: it is recorded as failed.
"""

from __future__ import annotations

from tenantsim.connectors.kit.intents import settle_intent
from tenantsim.connectors.microsoft365.cleanup import platform_id
from tenantsim.connectors.microsoft365.client import GraphClient
from tenantsim.store.ledger_types import Ledger

NOT_MADE = "interrupted before Microsoft 365 made it; nothing was created"
NOT_POSTED = "interrupted while posting; not posted again (a message may show once)"


async def settle(ledger: Ledger, client: GraphClient, *, seeded: bool) -> int:
    """Settle interrupted creates; returns how many rows were settled."""
    settled = 0
    for entry in ledger.entries(statuses=["intent"]):
        if entry.platform_id:
            continue
        found: str | None = None
        if entry.kind in ("user", "group"):
            found = await platform_id(client, entry)
        elif entry.kind == "team" and entry.attrs.get("group_id"):
            team = await client.get_team(str(entry.attrs["group_id"]))
            found = str(team.get("id") or entry.attrs["group_id"]) if team else None
        elif entry.kind == "message":
            ledger.failed("message", entry.key, NOT_POSTED)
            settled += 1
            continue
        else:
            continue
        if settle_intent(ledger, entry, found, seeded=seeded, not_made=NOT_MADE):
            settled += 1
    return settled
