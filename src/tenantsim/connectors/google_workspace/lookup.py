"""The object an intent left without an id made, found by its name (settle and cleanup): a user by its
primary email, a group by its address, an org unit by its path — or None when it is not the job's.

A user is the job's only if Google made it after the intent (``creationTime``). Google dates no group
or org unit, but their names were claimed for the job and looked up absent before the intent was
written (``Intents.ensure(look_first=True)``), so one found under the name now is the job's.
"""

from __future__ import annotations

from tenantsim.connectors.google_workspace.client import GoogleClient
from tenantsim.connectors.kit.intents import made_after
from tenantsim.store.ledger_types import LedgerEntry


async def made_id(client: GoogleClient, entry: LedgerEntry) -> str | None:
    since, attrs = entry.attrs.get("requested_at"), entry.attrs
    if not since:  # the intent of a create refused before it was made (``kit/refusals.py``)
        return None
    if entry.kind == "user" and attrs.get("email"):
        user = await client.find_user(str(attrs["email"]))
        return str(user["id"]) if user is not None and made_after(user, str(since), "creationTime") else None
    if entry.kind == "group" and attrs.get("email"):
        group = await client.get_group(str(attrs["email"]))  # found at all: the look-first rule
        return str(group["id"]) if group is not None else None
    if entry.kind == "orgunit" and attrs.get("path"):
        unit = await client.get_orgunit(str(attrs["path"]))  # found at all: the look-first rule
        return str(unit["orgUnitId"]) if unit is not None else None
    return None
