"""Cleanup in the seed's order — subtasks, tasks, projects, custom fields, tags, portfolios — for ledger
objects only, each deleted with the token of the user who created it. 404 counts as done, so a rerun
(or a resumed run) finishes the job without harm. Counts are cumulative over the ledger, so running it
twice reports the same figures."""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.asana.pool import AsanaClientPool
from tenantsim.connectors.base import JobContext
from tenantsim.connectors.kit.concurrency import bounded, in_flight
from tenantsim.errors import PlatformError
from tenantsim.store.ledger_types import LedgerEntry

ORDER = (
    ("subtask", "/tasks/{}"),
    ("task", "/tasks/{}"),
    ("project", "/projects/{}"),
    ("custom_field", "/custom_fields/{}"),
    ("tag", "/tags/{}"),
    ("portfolio", "/portfolios/{}"),
)
# Objects that go away with their parent: marked deleted once the parent is gone.
IMPLIED = {"comment": "task", "section": "project"}


async def cleanup(ctx: JobContext, pool: AsanaClientPool) -> dict[str, Any]:
    errors: list[dict[str, Any]] = []
    failed_projects: list[dict[str, Any]] = []
    for kind, path in ORDER:

        async def remove(entry: LedgerEntry, kind: str = kind, path: str = path) -> None:
            await ctx.checkpoint_now()
            member = pool.by_label(entry.actor) or pool.members[0]  # creator's token; else any valid one
            try:
                gone_now = await member.client.delete(path.format(entry.platform_id))
            except PlatformError as exc:
                ctx.ledger.failed(kind, entry.key, exc.message)
                error = {
                    "kind": kind,
                    "id": entry.platform_id,
                    "name": entry.attrs.get("name"),
                    "error": exc.message,
                }
                errors.append(error)
                if kind == "project":
                    failed_projects.append(
                        {"gid": entry.platform_id, "name": entry.attrs.get("name"), "error": exc.message}
                    )
                return
            ctx.ledger.deleted(kind, entry.key)
            if gone_now:
                ctx.activity(
                    "cleanup_deleted",
                    f"Deleted the {kind.replace('_', ' ')} “{entry.attrs.get('name') or entry.platform_id}”.",
                    [{"type": kind, "id": entry.platform_id}],
                )

        # Each token deletes what it made, all tokens at once: each is paced by its own budget.
        await bounded(_pending(ctx, kind), remove, parallel=in_flight(pool))
    _mark_implied(ctx)
    deleted = {kind: len(ctx.ledger.entries(kind, ("deleted",))) for kind, _ in ORDER}
    total_projects = len([e for e in ctx.ledger.entries("project") if e.platform_id])
    return {
        "deleted_projects": deleted["project"],
        "deleted_tasks": deleted["task"],
        "deleted_subtasks": deleted["subtask"],
        "total_projects": total_projects,
        "failed_projects": failed_projects,
        "deleted_custom_fields": deleted["custom_field"],
        "deleted_tags": deleted["tag"],
        "deleted_portfolios": deleted["portfolio"],
        "errors": errors,
    }


def _pending(ctx: JobContext, kind: str) -> list[LedgerEntry]:
    """Objects of this kind that exist (or may exist) on Asana: created, or failed to delete before."""
    entries = ctx.ledger.entries(kind, ("created", "failed"))
    return [e for e in entries if e.platform_id]


def _mark_implied(ctx: JobContext) -> None:
    for kind, parent_kind in IMPLIED.items():
        for entry in ctx.ledger.entries(kind, ("created",)):
            parent = ctx.ledger.get(parent_kind, entry.parent_key) if entry.parent_key else None
            if parent is None or parent.status == "deleted":
                ctx.ledger.deleted(kind, entry.key)
