"""The kit's intent discipline for Salesforce: one record (``Intents.ensure``) and 200 at a time (sObject
Collections).

Every record gets an intent in the ledger before its create call and its Id after. A record whose intent
has no Id (a crash mid-call) is looked up by its natural key (an Account's Name, a Contact's Email…) and
adopted only if Salesforce made it after the intent (``CreatedDate``), so nobody else's record is claimed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tenantsim.connectors.base import JobContext
from tenantsim.connectors.kit.intents import Intents, made_after
from tenantsim.connectors.salesforce.client import SalesforceClient, item_error
from tenantsim.connectors.salesforce.state import SOBJECT
from tenantsim.store.ledger_types import LedgerEntry

# The field that names a record of each kind well enough to find it again after a crash.
NATURAL_KEY = {
    "account": "Name",
    "contact": "Email",
    "opportunity": "Name",
    "case": "Subject",
    "lead": "Email",
    "task": "Subject",
    "event": "Subject",
    "casecomment": "CommentBody",
}
FILTERABLE = {"account", "contact", "opportunity", "case", "lead", "task", "event"}  # CommentBody is not


@dataclass
class Item:
    key: str
    fields: dict[str, Any]
    attrs: dict[str, Any] = field(default_factory=dict)
    parent_key: str | None = None


def _quoted(value: Any) -> str:
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


async def find(client: SalesforceClient, kind: str, value: Any, since: str | None) -> dict[str, Any] | None:
    """The record of ``kind`` whose natural key is ``value``, made after ``since``; None if there is none."""
    if kind not in FILTERABLE or value in (None, "") or not since:
        return None
    name = NATURAL_KEY[kind]
    rows = await client.query(
        f"SELECT Id, CreatedDate FROM {SOBJECT[kind]} WHERE {name} = {_quoted(value)} "
        "ORDER BY CreatedDate DESC LIMIT 5"
    )
    return next((r for r in rows if made_after(r, since, "CreatedDate")), None)


def intents(ctx: JobContext, client: SalesforceClient) -> Intents[SalesforceClient]:
    def member_for(entry: LedgerEntry | None, kind: str, key: str) -> SalesforceClient:
        return client

    return Intents(
        ctx.ledger,
        ctx.checkpoint_now,
        member_for,
        lambda c: c.name,
        id_field="Id",
        created_field="CreatedDate",
    )


async def ensure_one(ctx: JobContext, client: SalesforceClient, kind: str, item: Item) -> str | None:
    """One record, exactly once; its Id (None when the ledger says it failed)."""
    natural = item.fields.get(NATURAL_KEY[kind])

    async def lookup(member: SalesforceClient) -> dict[str, Any] | None:
        entry = ctx.ledger.get(kind, item.key)
        return await find(member, kind, natural, entry.attrs.get("requested_at") if entry else None)

    async def create(member: SalesforceClient) -> dict[str, Any]:
        return {"Id": await member.create(SOBJECT[kind], item.fields)}

    return await intents(ctx, client).ensure(
        kind, item.key, attrs=item.attrs, parent_key=item.parent_key, find=lookup, create=create
    )


async def ensure_many(
    ctx: JobContext, client: SalesforceClient, kind: str, items: Sequence[Item]
) -> tuple[dict[str, str], list[str]]:
    """Many records of one kind, 200 to a call; (key -> Id of each that exists, problems). A record
    Salesforce refuses is marked failed in the ledger and named in the problems; the rest go on."""
    ledger = ctx.ledger
    made: dict[str, str] = {}
    problems: list[str] = []
    todo: list[Item] = []
    for item in items:
        entry = ledger.get(kind, item.key)
        if entry is not None and entry.status == "created" and entry.platform_id:
            made[item.key] = entry.platform_id
        elif entry is not None and entry.status == "failed":
            continue
        elif entry is not None:  # an intent a crash left: adopt what it made, else make it now
            found = await find(
                client, kind, item.fields.get(NATURAL_KEY[kind]), entry.attrs.get("requested_at")
            )
            if found is not None:
                ledger.created(kind, item.key, str(found["Id"]), item.attrs)
                made[item.key] = str(found["Id"])
            else:
                todo.append(item)
        else:
            ledger.intent(
                kind,
                item.key,
                parent_key=item.parent_key,
                actor=client.name,
                attrs={**item.attrs, "requested_at": datetime.now(UTC).isoformat()},
            )
            todo.append(item)
    if not todo:
        return made, problems
    await ctx.checkpoint_now()
    results = await client.create_many(SOBJECT[kind], [item.fields for item in todo])
    for item, result in zip(todo, results, strict=False):
        if result.get("success") and result.get("id"):
            ledger.created(kind, item.key, str(result["id"]), item.attrs)
            made[item.key] = str(result["id"])
        else:
            reason = item_error(result)
            ledger.failed(kind, item.key, reason)
            problems.append(f"{SOBJECT[kind]} {item.fields.get(NATURAL_KEY[kind]) or item.key}: {reason}")
    return made, problems
