"""Cleanup with every bucket busy at once: the job's MFA policy first (it names the groups); then, side
by side, the users (deactivate, then delete: the users' buckets) and the app grants (the apps bucket) —
each group's grants before the group, the people's own grants last, since deactivating a person already
drops theirs (no call is spent on a grant whose person is gone); the custom profile attributes last.

Only objects in the job's ledger are touched. 404 means already gone. Each object is marked deleted as
soon as it is, so a cleanup that stops half way resumes where it stopped, and a second one deletes
nothing. Counts are of objects this run actually removed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tenantsim.connectors.base import JobContext
from tenantsim.connectors.kit.concurrency import bounded
from tenantsim.connectors.kit.intents import made_after
from tenantsim.connectors.okta.orgconfig import (
    ATTRIBUTE,
    POLICY,
    RULE,
    remove_attributes,
    remove_mfa_policy,
)
from tenantsim.connectors.okta.pool import OktaClientPool
from tenantsim.errors import NotFoundOnPlatform, PlatformError, Skippable
from tenantsim.store.ledger_types import LedgerEntry

PENDING = ("created", "intent")


async def _user_id(pool: OktaClientPool, entry: LedgerEntry) -> str | None:
    """The Okta id of a ledger user; an intent without one is looked up by its (job-unique) login and
    adopted only if Okta created it after the intent was written."""
    if entry.platform_id:
        return entry.platform_id
    login, requested_at = entry.attrs.get("login"), entry.attrs.get("requested_at")
    if not login or not requested_at:
        return None
    found = await pool.acting_as(entry.actor).client.find_user_by_login(str(login))
    if not made_after(found, str(requested_at)):
        return None
    assert found is not None
    return str(found["id"])


async def cleanup_job(ctx: JobContext, pool: OktaClientPool) -> dict[str, Any]:
    ledger = ctx.ledger
    result: dict[str, Any] = {"users_deleted": 0, "groups_deleted": 0, "assignments_removed": 0, "errors": []}
    users = {e.key: e for e in ledger.entries("user")}
    groups = {e.key: e for e in ledger.entries("group")}

    def failed(kind: str, label: str, exc: PlatformError) -> None:
        result["errors"].append(f"{kind} {label}: {exc.message}")

    async def remove_assignment(entry: LedgerEntry, *, owners: dict[str, LedgerEntry], owner_attr: str,
                                label: str, unassign: Callable[[Any, str, str], Awaitable[None]]) -> None:
        """An app grant to a person or a group: the grant's own id, else its owner's (one ledger walk)."""
        owner = owners.get(str(entry.attrs.get(owner_attr)))
        owner_id = entry.platform_id or (owner.platform_id if owner else None)
        if owner_id:
            await ctx.checkpoint_now()
            try:
                await unassign(pool.acting_as(entry.actor).client, str(entry.attrs["app_id"]), owner_id)
                result["assignments_removed"] += 1
            except NotFoundOnPlatform:
                pass
            except PlatformError as exc:
                return failed(label, str(entry.attrs.get("app_label") or entry.key), exc)
        ledger.deleted(entry.kind, entry.key)

    async def remove_user_assignment(entry: LedgerEntry) -> None:
        user = ledger.get("user", str(entry.attrs.get("user_key")))
        if user is not None and user.status == "deleted":  # Okta dropped it when the user was deactivated
            ledger.deleted(entry.kind, entry.key)
            return
        await remove_assignment(entry, owners=users, owner_attr="user_key", label="app assignment",
                                unassign=lambda client, app, uid: client.unassign_user_from_app(app, uid))

    async def remove_group_assignment(entry: LedgerEntry) -> None:
        await remove_assignment(entry, owners=groups, owner_attr="group_key", label="group app assignment",
                                unassign=lambda client, app, gid: client.unassign_group_from_app(app, gid))

    async def remove_user(entry: LedgerEntry) -> None:
        client = pool.acting_as(entry.actor).client
        label = str(entry.attrs.get("login") or entry.key)
        try:
            user_id = await _user_id(pool, entry)
            if user_id is not None:
                await ctx.checkpoint_now()
                user = await client.get_user(user_id)
                if user.get("status") != "DEPROVISIONED":
                    try:
                        await client.deactivate(user_id)
                    except Skippable:  # refused for its status: a resent call whose first went through
                        if (await client.get_user(user_id)).get("status") != "DEPROVISIONED":
                            raise
                await client.delete_user(user_id)  # on a deactivated user, DELETE deletes
                result["users_deleted"] += 1
        except NotFoundOnPlatform:
            pass
        except PlatformError as exc:
            return failed("user", label, exc)
        ledger.deleted("user", entry.key)

    async def remove_group(entry: LedgerEntry) -> None:
        label = str(entry.attrs.get("name") or entry.key)
        try:
            group_id = entry.platform_id
            if group_id is None and entry.attrs.get("requested_at"):
                found = await pool.acting_as(entry.actor).client.find_group_by_name(label)
                if found is not None and made_after(found, str(entry.attrs["requested_at"])):
                    group_id = str(found["id"])
            if group_id is not None:
                await ctx.checkpoint_now()
                await pool.acting_as(entry.actor).client.delete_group(group_id)
                result["groups_deleted"] += 1
        except NotFoundOnPlatform:
            pass
        except PlatformError as exc:
            return failed("group", label, exc)
        ledger.deleted("group", entry.key)

    policies = bool(ledger.entries(POLICY, statuses=PENDING) or ledger.entries(RULE, statuses=PENDING))
    if policies:  # the MFA policy names the job's groups: it goes first
        result["policies_deleted"] = await remove_mfa_policy(ledger, pool, result["errors"])

    async def grants_and_groups() -> None:
        await bounded(ledger.entries("app_group_assignment", statuses=PENDING), remove_group_assignment)
        await bounded(ledger.entries("group", statuses=PENDING), remove_group)
        await bounded(ledger.entries("app_assignment", statuses=PENDING), remove_user_assignment)

    async def accounts() -> None:
        await bounded(ledger.entries("user", statuses=PENDING), remove_user)

    await bounded([grants_and_groups, accounts], lambda lane: lane())  # the first failure stops both
    if ledger.entries(ATTRIBUTE, statuses=PENDING):  # last: the people holding values are gone by now
        result["attributes_removed"] = await remove_attributes(ledger, pool, result["errors"])
    return result
