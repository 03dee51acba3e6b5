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
from tenantsim.connectors.kit.intents import UNKNOWN_OUTCOME_TRIES, Intents, made_after
from tenantsim.connectors.salesforce.client import COLLECTION_SIZE, SalesforceClient, item_error
from tenantsim.connectors.salesforce.state import SOBJECT
from tenantsim.errors import OutcomeUnknown
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
# The records a record names: with its natural key, what tells two alike records apart (two "Call" tasks).
IDENTIFYING = ("OwnerId", "AccountId", "WhatId", "WhoId", "ParentId")
# What a kind is looked up by when its natural key cannot be filtered on (a comment's body): its case.
LOOKED_UP_BY = {"casecomment": "ParentId"}


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
    """One record, exactly once; its Id (None when the ledger says it failed). A create whose answer is
    lost is not resent blindly: the kit looks it up (``lookup``) and adopts it or makes it again."""

    async def lookup(member: SalesforceClient) -> dict[str, Any] | None:
        rows = await _candidates(member, kind, [item])
        return _pick(rows, kind, item, _since(ctx, kind, item), _taken(ctx, kind))

    async def create(member: SalesforceClient) -> dict[str, Any]:
        return {"Id": await member.create(SOBJECT[kind], item.fields, once=True)}

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
    left: list[Item] = []  # intents a crash left: adopt what they made, else make them now
    for item in items:
        entry = ledger.get(kind, item.key)
        if entry is not None and entry.status == "created" and entry.platform_id:
            made[item.key] = entry.platform_id
        elif entry is not None and entry.status == "failed":
            continue
        elif entry is not None:
            left.append(item)
        else:
            ledger.intent(
                kind,
                item.key,
                parent_key=item.parent_key,
                actor=client.name,
                attrs={**item.attrs, "requested_at": datetime.now(UTC).isoformat()},
            )
            todo.append(item)
    if left:
        todo = await _adopt(ctx, client, kind, left, made) + todo
    if not todo:
        return made, problems
    await ctx.checkpoint_now()
    for start in range(0, len(todo), COLLECTION_SIZE):
        await _create_chunk(ctx, client, kind, todo[start : start + COLLECTION_SIZE], made, problems)
    return made, problems


async def _create_chunk(
    ctx: JobContext,
    client: SalesforceClient,
    kind: str,
    chunk: list[Item],
    made: dict[str, str],
    problems: list[str],
) -> None:
    """One sObject Collections call. When its answer is lost, what it made is adopted and the rest sent
    again, at most UNKNOWN_OUTCOME_TRIES times; after that their intents stay open for the next try or
    start."""
    ledger = ctx.ledger
    for attempt in range(1, UNKNOWN_OUTCOME_TRIES + 1):
        try:
            results = await client.create_many(SOBJECT[kind], [item.fields for item in chunk], once=True)
            break
        except OutcomeUnknown:
            chunk = await _adopt(ctx, client, kind, chunk, made)
            if not chunk:
                return
            if attempt == UNKNOWN_OUTCOME_TRIES:
                raise
    for item, result in zip(chunk, results, strict=False):
        if result.get("success") and result.get("id"):
            ledger.created(kind, item.key, str(result["id"]), item.attrs)
            made[item.key] = str(result["id"])
        else:
            reason = item_error(result)
            ledger.failed(kind, item.key, reason)
            problems.append(f"{SOBJECT[kind]} {item.fields.get(NATURAL_KEY[kind]) or item.key}: {reason}")


async def _adopt(
    ctx: JobContext, client: SalesforceClient, kind: str, items: list[Item], made: dict[str, str]
) -> list[Item]:
    """Each item's record, if Salesforce made it after the item's intent: recorded as created (and put in
    ``made``), each record adopted once, so two alike items get two records. Returns those not found."""
    rows = await _candidates(client, kind, items)
    taken = _taken(ctx, kind)
    missing: list[Item] = []
    for item in items:
        found = _pick(rows, kind, item, _since(ctx, kind, item), taken)
        if found is None:
            missing.append(item)
            continue
        taken.add(str(found["Id"]))
        ctx.ledger.created(kind, item.key, str(found["Id"]), item.attrs)
        made[item.key] = str(found["Id"])
    return missing


async def _candidates(client: SalesforceClient, kind: str, items: Sequence[Item]) -> list[dict[str, Any]]:
    """The records that could be these items': one query (per 200 values) on the field they are looked
    up by, with the fields they are matched on."""
    name, by = NATURAL_KEY[kind], LOOKED_UP_BY.get(kind, NATURAL_KEY[kind])
    refs = [f for f in IDENTIFYING if f != by and any(f in item.fields for item in items)]
    values = sorted({str(item.fields[by]) for item in items if item.fields.get(by) not in (None, "")})
    selected = ", ".join(dict.fromkeys(["Id", "CreatedDate", name, by, *refs]))
    rows: list[dict[str, Any]] = []
    for start in range(0, len(values), COLLECTION_SIZE):
        listed = ",".join(_quoted(v) for v in values[start : start + COLLECTION_SIZE])
        rows += await client.query(f"SELECT {selected} FROM {SOBJECT[kind]} WHERE {by} IN ({listed})")
    return rows


def _pick(
    rows: list[dict[str, Any]], kind: str, item: Item, since: str | None, taken: set[str]
) -> dict[str, Any] | None:
    """The first row that is this item's record: the same natural key and the same records named (owner,
    account, what it is about), made after the item's intent, and not already someone else's."""
    fields = [NATURAL_KEY[kind], *(f for f in IDENTIFYING if f in item.fields)]
    return next(
        (
            r
            for r in rows
            if str(r["Id"]) not in taken
            and all(_same(r.get(f), item.fields.get(f)) for f in fields)
            and made_after(r, since, "CreatedDate")
        ),
        None,
    )


def _same(found: Any, sent: Any) -> bool:
    """Text compares as SOQL compares it, without regard to case; anything else as it is."""
    if isinstance(found, str) and isinstance(sent, str):
        return found.casefold() == sent.casefold()
    return bool(found == sent)


def _since(ctx: JobContext, kind: str, item: Item) -> str | None:
    entry = ctx.ledger.get(kind, item.key)
    return entry.attrs.get("requested_at") if entry else None


def _taken(ctx: JobContext, kind: str) -> set[str]:
    """The Ids the job already holds for ``kind``: never adopted for another item."""
    return {e.platform_id for e in ctx.ledger.entries(kind) if e.platform_id}
