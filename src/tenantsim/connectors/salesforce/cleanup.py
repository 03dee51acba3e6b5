"""Cleanup in dependency order — case comments, tasks and events, cases, opportunities, contacts, leads,
accounts — removing exactly what the ledger holds, 200 records to a call (sObject Collections).

An intent without an Id (a crash mid-call) is looked up by its natural key and removed only if
Salesforce made it after the intent. A record already gone (deleted by hand, or with its account)
counts as done. Each record is marked deleted in the ledger as soon as it is, so a cleanup that stops
half way resumes where it stopped, and a second one deletes nothing. Counts are of records this run
removed.
"""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.base import JobContext
from tenantsim.connectors.salesforce.client import COLLECTION_SIZE, SalesforceClient, item_error
from tenantsim.connectors.salesforce.ledgered import NATURAL_KEY, find
from tenantsim.connectors.salesforce.state import CLEANUP_ORDER, SOBJECT
from tenantsim.errors import PlatformError
from tenantsim.store.ledger_types import LedgerEntry

PENDING = ("created", "intent")
GONE = frozenset({"ENTITY_IS_DELETED", "NOT_FOUND", "INVALID_CROSS_REFERENCE_KEY"})
# The ledger attr that holds each kind's natural key (what ``find`` looks an unsettled intent up by).
NATURAL_ATTR = {
    "account": "name",
    "contact": "email",
    "opportunity": "name",
    "case": "subject",
    "lead": "email",
    "task": "subject",
    "event": "subject",
}


def counter(kind: str) -> str:
    return {"opportunity": "opportunities_deleted", "casecomment": "case_comments_deleted"}.get(
        kind, f"{kind}s_deleted"
    )


async def _settled_id(client: SalesforceClient, entry: LedgerEntry) -> str | None:
    if entry.platform_id:
        return entry.platform_id
    attr = NATURAL_ATTR.get(entry.kind)
    if attr is None or not entry.attrs.get(attr) or NATURAL_KEY.get(entry.kind) is None:
        return None
    found = await find(client, entry.kind, entry.attrs[attr], entry.attrs.get("requested_at"))
    return str(found["Id"]) if found else None


async def cleanup_job(ctx: JobContext, client: SalesforceClient) -> dict[str, Any]:
    ledger = ctx.ledger
    result: dict[str, Any] = {counter(kind): 0 for kind in CLEANUP_ORDER}
    result["errors"] = []
    for kind in CLEANUP_ORDER:
        entries = ledger.entries(kind, statuses=PENDING)
        targets: list[tuple[LedgerEntry, str]] = []
        for entry in entries:
            try:
                record_id = await _settled_id(client, entry)
            except PlatformError as exc:
                result["errors"].append(f"{SOBJECT[kind]} {entry.key}: {exc.message}")
                continue
            if record_id is None:  # an intent that made nothing
                ledger.deleted(kind, entry.key)
            else:
                targets.append((entry, record_id))
        for start in range(0, len(targets), COLLECTION_SIZE):
            chunk = targets[start : start + COLLECTION_SIZE]
            await ctx.checkpoint_now()
            try:
                answers = await client.delete_many([record_id for _, record_id in chunk])
            except PlatformError as exc:
                result["errors"].append(f"{SOBJECT[kind]}: {exc.message}")
                continue
            for (entry, _record_id), answer in zip(chunk, answers, strict=False):
                codes = {
                    str(e.get("statusCode") or e.get("errorCode"))
                    for e in answer.get("errors") or []
                    if isinstance(e, dict)
                }
                if answer.get("success"):
                    result[counter(kind)] += 1
                elif not codes & GONE:
                    result["errors"].append(
                        f"{SOBJECT[kind]} {entry.attrs.get(NATURAL_ATTR.get(kind, '')) or entry.key}: "
                        f"{item_error(answer)}"
                    )
                    continue
                ledger.deleted(kind, entry.key)
    return result
