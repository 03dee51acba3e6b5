"""Cleanup in dependency order: calendar meetings (as their organisers), groups (their memberships go
with them), users, then org units, leaf first (Google refuses to delete a unit that holds users or units).

Only objects in the job's ledger are touched; an intent without an id is looked up by its name and
adopted only if it is the job's (``lookup.py``). 404 means already gone. Each object is marked deleted
as soon as it is, so a cleanup that stops half way resumes where it stopped, and a second one deletes
nothing. Counts are of objects this run removed.
"""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.base import JobContext
from tenantsim.connectors.google_workspace.client import GoogleClient
from tenantsim.connectors.google_workspace.lookup import made_id
from tenantsim.connectors.kit.concurrency import bounded
from tenantsim.errors import AuthError, NotFoundOnPlatform, PlatformError
from tenantsim.store.ledger_types import LedgerEntry

PENDING = ("created", "intent")


async def _platform_id(client: GoogleClient, entry: LedgerEntry) -> str | None:
    """The Google id of a ledger row, or of the object an unsettled intent made (if it made one)."""
    if entry.platform_id:
        return entry.platform_id
    return await made_id(client, entry)  # None for a meeting: it is deleted with its organiser's account


async def cleanup_job(ctx: JobContext, client: GoogleClient) -> dict[str, Any]:
    ledger = ctx.ledger
    result: dict[str, Any] = {"users_deleted": 0, "groups_deleted": 0, "orgunits_deleted": 0,
                              "events_deleted": 0, "errors": []}
    with_owner: list[LedgerEntry] = []  # meetings whose organiser cannot act: they go with the account

    def failed(kind: str, entry: LedgerEntry, exc: PlatformError) -> None:
        label = entry.attrs.get("email") or entry.attrs.get("path") or entry.attrs.get("summary") or entry.key
        result["errors"].append(f"{kind} {label}: {exc.message}")

    async def remove_event(entry: LedgerEntry) -> None:
        if entry.platform_id:
            await ctx.checkpoint_now()
            try:
                await client.delete_event(str(entry.attrs.get("organiser_email")), entry.platform_id)
                result["events_deleted"] += 1
            except NotFoundOnPlatform:
                pass
            except AuthError:
                with_owner.append(entry)
                return
            except PlatformError as exc:
                return failed("event", entry, exc)
        ledger.deleted("event", entry.key)

    async def remove(entry: LedgerEntry, counter: str, delete: Any) -> None:
        try:
            platform_id = await _platform_id(client, entry)
            if platform_id is not None:
                await ctx.checkpoint_now()
                await delete(entry, platform_id)
                result[counter] += 1
        except NotFoundOnPlatform:
            pass
        except PlatformError as exc:
            return failed(entry.kind, entry, exc)
        ledger.deleted(entry.kind, entry.key)

    async def remove_group(entry: LedgerEntry) -> None:
        await remove(entry, "groups_deleted", lambda _e, gid: client.delete_group(gid))

    async def remove_user(entry: LedgerEntry) -> None:
        await remove(entry, "users_deleted", lambda _e, uid: client.delete_user(uid))

    async def remove_unit(entry: LedgerEntry) -> None:
        await remove(entry, "orgunits_deleted", lambda e, _id: client.delete_orgunit(str(e.attrs["path"])))

    await bounded(ledger.entries("event", statuses=PENDING), remove_event)
    await bounded(ledger.entries("group", statuses=PENDING), remove_group)
    await bounded(ledger.entries("user", statuses=PENDING), remove_user)
    for entry in with_owner:  # Google deletes a deleted user's calendar with them
        owner = ledger.get("user", str(entry.parent_key))
        if owner is not None and owner.status == "deleted":
            result["events_deleted"] += 1
            ledger.deleted("event", entry.key)
    units = ledger.entries("orgunit", statuses=PENDING)
    for depth in sorted({str(e.attrs.get("path") or "").count("/") for e in units}, reverse=True):
        await bounded([e for e in units if str(e.attrs.get("path") or "").count("/") == depth], remove_unit)
    return result
