"""What a crash interrupted, settled when the job starts again (``GoogleAdapter.prepare``).

Creates: an intent without an id is looked up — a user, group or org unit by its name (``lookup.py``:
a user only if Google made it after the intent, a group or unit if it is there at all, its name having
been looked up absent before the intent), a meeting in its organiser's calendar by its private key (only
if made after the intent). Found: recorded as created.
Not found: once the seed is complete nothing will ask for that key again, so it is recorded as failed;
during the seed it is left for the seed to make when it gets there again.

Removals: a meeting is marked before it is cancelled; a mark found here is finished (404 is done).
"""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.google_workspace.calendar import KEY_PROPERTY, REMOVING
from tenantsim.connectors.google_workspace.client import GoogleClient
from tenantsim.connectors.google_workspace.lookup import made_id
from tenantsim.connectors.kit.intents import made_after, settle_intent
from tenantsim.errors import AuthError, NotFoundOnPlatform
from tenantsim.store.ledger_types import Ledger, LedgerEntry

NOT_MADE = "interrupted before Google made it; nothing was created"


async def _find_event(client: GoogleClient, entry: LedgerEntry) -> dict[str, Any] | None:
    organiser, slot = entry.attrs.get("organiser_email"), entry.attrs.get("slot")
    if not organiser or not slot:
        return None
    try:
        async for event in client.events(str(organiser)):
            private = (event.get("extendedProperties") or {}).get("private") or {}
            if private.get(KEY_PROPERTY) == slot and made_after(event, entry.attrs.get("requested_at")):
                return event
    except (AuthError, NotFoundOnPlatform):  # the organiser cannot act now (suspended, gone)
        return None
    return None


async def _found_id(client: GoogleClient, entry: LedgerEntry) -> str | None:
    if entry.kind == "event":
        event = await _find_event(client, entry)
        return str(event["id"]) if event else None
    return await made_id(client, entry)


async def settle(ledger: Ledger, client: GoogleClient, *, seeded: bool) -> int:
    """Settle interrupted creates and removals; returns how many rows were settled."""
    settled = 0
    for entry in ledger.entries("event", statuses=["created"]):
        if not entry.attrs.get(REMOVING):
            continue
        try:
            await client.delete_event(str(entry.attrs.get("organiser_email")), str(entry.platform_id))
        except NotFoundOnPlatform:
            pass
        except AuthError:
            continue  # the organiser cannot act now: cleanup takes it with their account
        ledger.deleted("event", entry.key)
        settled += 1
    for entry in ledger.entries(statuses=["intent"]):
        if entry.platform_id:
            continue
        found = await _found_id(client, entry)
        if settle_intent(ledger, entry, found, seeded=seeded, not_made=NOT_MADE):
            settled += 1
    return settled
