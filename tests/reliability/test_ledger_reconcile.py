"""Intent ledger, Asana side: a crash between "Asana made it" and "the ledger has its id" neither
duplicates nor orphans anything; a crash before the call leaves a failed row with its reason; a failed
create is recorded with its reason; progress is written in the ledger row's transaction.

The crash is staged exactly: after a real seed, chosen ledger rows are put back to bare intents (as
if the process died before recording the gid), optionally with the object removed from the emulator
(as if it died before the call), and then a new adapter opens the job (``open_adapter`` + ``prepare``)
like a restarted server would.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import and_, update

from tenantsim.connectors.asana.adapter import AsanaAdapter
from tenantsim.connectors.asana.connector import AsanaConnector
from tenantsim.connectors.asana.reconcile import NOT_MADE
from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.errors import Retriable
from tenantsim.jobs.context import RunningJobContext
from tenantsim.sandbox.asana import AsanaSandbox, create_app
from tenantsim.store import jobs_repo
from tenantsim.store.tables import ledger
from tests.connectors.asana_support import found
from tests.support.jobctx import make_context
from tests.support.servers import serve_asgi


def made(sandbox: AsanaSandbox) -> Counter[str]:
    return Counter(o["resource_type"] for o in sandbox.store.made_since_start())


def forget(ctx: RunningJobContext, kind: str, key: str) -> None:
    """What a kill -9 right after the create call leaves: the intent, without the platform id."""
    row = and_(ledger.c.job_id == ctx.job_id, ledger.c.kind == kind, ledger.c.key == key)
    with ctx.engine.begin() as conn:
        conn.execute(update(ledger).where(row).values(status="intent", platform_id=None))


def connector() -> AsanaConnector:
    return AsanaConnector(ConnectorRuntime(budgets=BudgetRegistry(window_seconds=2), sandbox_mode=True))


async def opened(ctx: RunningJobContext) -> AsanaAdapter:
    """What a (re)started job does first: open the adapter and let it settle the ledger."""
    adapter = await connector().open_adapter(ctx)
    await adapter.prepare()
    return adapter


async def build(adapter: AsanaAdapter, ctx: RunningJobContext) -> None:
    await adapter.build(await found(ctx, adapter))


@pytest.fixture
def seeded(tmp_path: Path) -> Any:
    sandbox = create_app(users=3, seed=12, window_seconds=2)
    org = sandbox.store.organization["gid"]
    with serve_asgi(sandbox) as url:
        config = {"connection_type": "asana", "industry": "technology", "workspace_gid": org,
                  "initial_projects": 1, "base_url": f"{url}/api/1.0", "seed": 4,
                  "user_tokens": [{"name": f"u{i}", "token": t} for i, t in enumerate(sandbox.tokens)]}
        ctx = make_context(tmp_path, config, seed=4)
        yield sandbox, ctx


async def test_created_but_unrecorded_objects_are_adopted_not_duplicated(seeded: Any) -> None:
    sandbox, ctx = seeded
    first = await opened(ctx)
    await build(first, ctx)
    await first.aclose()
    before = made(sandbox)
    picks = {kind: ctx.ledger.entries(kind, ("created",))[-1] for kind in
             ("project", "task", "subtask", "comment", "tag", "custom_field", "portfolio")}
    for kind, entry in picks.items():
        forget(ctx, kind, entry.key)

    again = await opened(ctx)  # what a restarted server does
    try:
        for kind, entry in picks.items():
            now = ctx.ledger.get(kind, entry.key)
            assert now is not None and now.status == "created" and now.platform_id == entry.platform_id, kind
        await build(again, ctx)  # resumes: nothing is made twice
        assert made(sandbox) == before
        await again.cleanup()
        assert made(sandbox) == Counter(), "the adopted objects were cleaned up too"
    finally:
        await again.aclose()


async def test_intents_that_never_reached_asana_are_failed_with_a_reason_then_retried(seeded: Any) -> None:
    sandbox, ctx = seeded
    first = await opened(ctx)
    await build(first, ctx)
    await first.aclose()
    before = made(sandbox)
    task = ctx.ledger.entries("task", ("created",))[0]
    tag = ctx.ledger.entries("tag", ("created",))[0]
    for kind, entry in (("task", task), ("tag", tag)):  # the process died before the create call
        record = sandbox.store.records[str(entry.platform_id)]
        if kind == "task":
            for child in sandbox.store.subtasks(record["gid"]):
                sandbox.store.delete_task(child)
            sandbox.store.delete_task(record)
        else:
            sandbox.store.delete_tag(record)
        forget(ctx, kind, entry.key)
    for entry in ctx.ledger.entries("subtask") + ctx.ledger.entries("comment"):
        if entry.parent_key == task.key:  # they went with their task: as if never made
            forget(ctx, entry.kind, entry.key)

    again = await opened(ctx)
    try:
        settled = ctx.ledger.get("task", task.key)
        assert settled is not None and settled.status == "failed" and settled.error == NOT_MADE
        assert ctx.ledger.entries(statuses=("intent",)) == []
        await build(again, ctx)  # the build makes them again, once
        assert ctx.ledger.get("task", task.key).status == "created"  # type: ignore[union-attr]
        assert ctx.ledger.get("tag", tag.key).status == "created"  # type: ignore[union-attr]
        assert made(sandbox)["task"] == before["task"] and made(sandbox)["tag"] == before["tag"]
    finally:
        await again.aclose()


async def test_same_named_objects_from_before_the_intent_are_never_adopted(seeded: Any) -> None:
    sandbox, ctx = seeded
    legacy_tag = next(r for r in sandbox.store.of_type("tag") if r["name"] == "legacy")
    legacy_tag["created_at"] -= 3600  # made an hour before the job, as pre-existing objects are
    ctx.ledger.intent("tag", "tag:99", actor="u0", attrs={"name": "legacy"})
    legacy_field = next(r for r in sandbox.store.of_type("custom_field") if r["name"] == "Legacy Score")
    ctx.ledger.intent("custom_field", "legacy", actor="u0", attrs={"name": "Legacy Score", "role": "legacy"})
    service = await opened(ctx)
    await service.aclose()
    for kind, key in (("tag", "tag:99"), ("custom_field", "legacy")):
        entry = ctx.ledger.get(kind, key)
        assert entry is not None and entry.status == "failed" and entry.platform_id is None
    assert legacy_tag["gid"] in sandbox.store.records and legacy_field["gid"] in sandbox.store.records


async def test_a_failed_create_is_recorded_with_its_reason(seeded: Any) -> None:
    sandbox, ctx = seeded
    service = await opened(ctx)
    try:
        builder = service.builder
        sandbox.faults.update({"fault_rate": 1.0, "kinds": ["error"]})  # Asana is down
        with pytest.raises(Retriable):
            await builder.create_tag(0, "quick-win", "light-green", service.pool.members[0])
        entry = ctx.ledger.get("tag", "tag:0")
        assert entry is not None and entry.status == "failed" and "500" in str(entry.error)
        assert ctx.ledger.entries(statuses=("intent",)) == []
    finally:
        sandbox.faults.update({"fault_rate": 0.0})
        await service.aclose()


async def test_progress_is_written_with_the_ledger_row(seeded: Any) -> None:
    _, ctx = seeded
    ctx.ledger.intent("task", "task:e1", actor="u0", attrs={"name": "x"})
    ctx.record_created("task", "task:e1", "12345", {"section": 0}, asana_task_seq=1)
    row = jobs_repo.get_job(ctx.engine, ctx.job_id)
    assert row is not None and row["progress"]["asana_task_seq"] == 1
    assert ctx.ledger.get("task", "task:e1").platform_id == "12345"  # type: ignore[union-attr]
