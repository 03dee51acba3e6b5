"""Cleanup in dependency order: the job's groups (a Microsoft 365 group takes its Team, the Team's channels
and messages, and its Planner plans with their buckets and tasks along), then its users.

Only objects in the job's ledger are touched: an intent without an id is looked up by its name (a user's
userPrincipalName, a group's mailNickname) and adopted only if Graph made it after the intent (the name
was claimed for the job before it, so no other job made it). 404 means already gone. What lives inside a
group is marked deleted once its group is; each object is marked as soon as it is gone, so a cleanup
that stops half way resumes where it stopped, and a second one deletes nothing. The people the job
acted as existed before it and are never deleted. Counts are of objects this run removed.
"""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.base import JobContext
from tenantsim.connectors.kit.concurrency import bounded
from tenantsim.connectors.kit.intents import made_after
from tenantsim.connectors.microsoft365.client import GraphClient
from tenantsim.connectors.microsoft365.state import CREATED
from tenantsim.errors import NotFoundOnPlatform, PlatformError
from tenantsim.store.ledger_types import Ledger, LedgerEntry

PENDING = ("created", "intent")
INSIDE = {"team": "teams_deleted", "channel": "channels_deleted", "message": "messages_deleted",
          "plan": "plans_deleted", "bucket": "buckets_deleted", "task": "tasks_deleted"}


async def platform_id(client: GraphClient, entry: LedgerEntry) -> str | None:
    """The Graph id of a ledger row, or of the object an unsettled intent made (if it made one)."""
    if entry.platform_id:
        return entry.platform_id
    since = entry.attrs.get("requested_at")
    if not since:  # the intent of a create refused before it was made (``kit/refusals.py``)
        return None
    found = None
    if entry.kind == "user" and entry.attrs.get("upn"):
        found = await client.find_user(str(entry.attrs["upn"]))
    elif entry.kind == "group" and entry.attrs.get("nickname"):
        found = await client.find_group(str(entry.attrs["nickname"]))
    return str(found["id"]) if found is not None and made_after(found, str(since), CREATED) else None


def group_key_of(ledger: Ledger, entry: LedgerEntry) -> str | None:
    """The ledger key of the group an object lives in."""
    parent = entry.parent_key
    if entry.kind in ("team", "channel", "plan"):
        return parent
    if entry.kind in ("bucket", "task"):
        plan = ledger.get("plan", str(parent))
        return plan.parent_key if plan is not None else None
    if entry.kind == "message":
        task = ledger.get("task", str(parent))
        return group_key_of(ledger, task) if task is not None else None
    return None


async def cleanup_job(ctx: JobContext, client: GraphClient) -> dict[str, Any]:
    ledger = ctx.ledger
    result: dict[str, Any] = {"users_deleted": 0, "groups_deleted": 0, **dict.fromkeys(INSIDE.values(), 0),
                              "errors": []}

    def failed(entry: LedgerEntry, exc: PlatformError) -> None:
        label = entry.attrs.get("upn") or entry.attrs.get("name") or entry.key
        result["errors"].append(f"{entry.kind} {label}: {exc.message}")

    async def remove(entry: LedgerEntry, counter: str, delete: Any) -> None:
        try:
            found = await platform_id(client, entry)
            if found is not None:
                await ctx.checkpoint_now()
                await delete(found)
                result[counter] += 1
        except NotFoundOnPlatform:
            pass
        except PlatformError as exc:
            return failed(entry, exc)
        ledger.deleted(entry.kind, entry.key)

    await bounded(ledger.entries("group", statuses=PENDING),
                  lambda e: remove(e, "groups_deleted", client.delete_group))
    for kind, counter in INSIDE.items():  # gone with their group
        for entry in ledger.entries(kind, statuses=PENDING):
            group = ledger.get("group", str(group_key_of(ledger, entry)))
            if group is not None and group.status not in PENDING:
                if entry.platform_id and group.status == "deleted":
                    result[counter] += 1
                ledger.deleted(kind, entry.key)
    await bounded(ledger.entries("user", statuses=PENDING),
                  lambda e: remove(e, "users_deleted", client.delete_user))
    return result
