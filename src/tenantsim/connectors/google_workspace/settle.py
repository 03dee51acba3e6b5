"""What a crash interrupted, settled when the job starts again (``GoogleAdapter.prepare``).

Creates: an intent without an id is looked up — a user by email (adopted only if Google made it after
the intent), a group or org unit by email or path (only if it carries the job's mark), a meeting in its
organiser's calendar by its private key (only if made after the intent). Found: recorded as created.
Not found: once the seed is complete nothing will ask for that key again, so it is recorded as failed;
during the seed it is left for the seed to make when it gets there again.

Removals: a meeting is marked before it is cancelled; a mark found here is finished (404 is done).
"""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.google_workspace.calendar import KEY_PROPERTY, REMOVING
from tenantsim.connectors.google_workspace.client import GoogleClient
from tenantsim.connectors.google_workspace.state import adoptable, mark_of
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


async def _found_id(client: GoogleClient, entry: LedgerEntry, mark: str) -> str | None:
    since = entry.attrs.get("requested_at")
    if entry.kind == "user" and entry.attrs.get("email"):
        user = await client.find_user(str(entry.attrs["email"]))
        return str(user["id"]) if user is not None and made_after(user, since, "creationTime") else None
    if entry.kind == "group" and entry.attrs.get("email"):
        group = adoptable(await client.get_group(str(entry.attrs["email"])), mark, "id")
        return group["id"] if group else None
    if entry.kind == "orgunit" and entry.attrs.get("path"):
        unit = adoptable(await client.get_orgunit(str(entry.attrs["path"])), mark, "orgUnitId")
        return unit["id"] if unit else None
    if entry.kind == "event":
        event = await _find_event(client, entry)
        return str(event["id"]) if event else None
    return None


async def settle(ledger: Ledger, client: GoogleClient, *, job_id: str, seeded: bool) -> int:
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
    mark = mark_of(job_id)
    for entry in ledger.entries(statuses=["intent"]):
        if entry.platform_id:
            continue
        found = await _found_id(client, entry, mark)
        if settle_intent(ledger, entry, found, seeded=seeded, not_made=NOT_MADE):
            settled += 1
    return settled
