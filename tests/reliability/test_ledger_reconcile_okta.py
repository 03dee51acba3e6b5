"""Intent ledger, Okta side, at the exact crash windows: a person created but not recorded is adopted
by login, not created twice; an access review or a departure interrupted between the Okta call and
the ledger update is settled on the next start, so the ledger keeps matching the org exactly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import and_, update

from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.connectors.okta.connector import OktaConnector
from tenantsim.connectors.okta.settle import DEPARTING, REMOVING
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.jobs.context import RunningJobContext
from tenantsim.jobs.simulation import Simulation
from tenantsim.sandbox.okta import DEFAULT_TOKEN, OktaSandbox, create_app
from tenantsim.store.tables import ledger
from tests.reliability.truth import OKTA_KINDS, assert_ledger_matches
from tests.support.jobctx import make_context
from tests.support.servers import serve_asgi


def org_objects(sandbox: OktaSandbox) -> set[tuple[str, str]]:
    org = sandbox.org
    return ({("user", u.id) for u in org.users.values()} | {("group", g.id) for g in org.groups.values()}
            | {("app_assignment", f"{a}:{u}") for a, held in org.app_users.items() for u in held}
            | {("app_group_assignment", f"{a}:{g}") for a, held in org.app_groups.items() for g in held})


@pytest.fixture
def job(tmp_path: Path) -> Iterator[tuple[OktaSandbox, RunningJobContext, set[tuple[str, str]]]]:
    sandbox = create_app(users=6, seed=3, window_seconds=1.0)
    with serve_asgi(sandbox) as base:
        config = {"connection_type": "okta", "industry": "technology", "org_url": base, "org_size": "startup",
                  "initial_users": 15, "time_scale": 1e6,
                  "user_tokens": [{"name": "admin", "token": DEFAULT_TOKEN, "org_url": base}]}
        yield sandbox, make_context(tmp_path, config, seed=5), org_objects(sandbox)


async def reopen(ctx: RunningJobContext) -> Simulation:
    """What a (re)started job does: open the adapter, settle, load or found the company."""
    connector = OktaConnector(ConnectorRuntime(budgets=BudgetRegistry(window_seconds=1.0), sandbox_mode=True))
    return await Simulation.open(ctx, [await connector.open_adapter(ctx)])


def mark(ctx: RunningJobContext, kind: str, key: str, **values: Any) -> None:
    row = and_(ledger.c.job_id == ctx.job_id, ledger.c.platform == "okta", ledger.c.kind == kind,
               ledger.c.key == key)
    with ctx.engine.begin() as conn:
        conn.execute(update(ledger).where(row).values(**values))


async def seed_with_grants(ctx: RunningJobContext) -> None:
    """The seed, then access requests, so several people hold apps directly."""
    sim = await reopen(ctx)
    await sim.build()
    for hours in range(1, 5):
        await sim.step("app_grant", sim.company.clock() + timedelta(hours=hours))
    await sim.aclose()


async def test_interrupted_creates_and_removals_are_settled(job: Any) -> None:
    sandbox, ctx, before = job
    await seed_with_grants(ctx)
    org = sandbox.org
    people = ctx.ledger.entries("user", ("created",))
    direct = ctx.ledger.entries("app_assignment", ("created",))
    assert len(people) >= 10 and direct, "the seed made people and direct app grants"

    # 1. A person Okta created whose id never reached the ledger.
    unrecorded = people[-1]
    mark(ctx, "user", unrecorded.key, status="intent", platform_id=None)
    # 2. An access review that removed the grant, then died before the ledger said so.
    revoked = direct[0]
    ctx.ledger.update_attrs("app_assignment", revoked.key, {REMOVING: True})
    owner = next(e for e in people if e.key == revoked.attrs["user_key"])
    org.app_users[str(revoked.attrs["app_id"])].pop(str(owner.platform_id))
    # 3. A departure that deactivated someone (Okta dropped their grants), then died.
    leaver = next(e for e in people if e.key not in (unrecorded.key, owner.key)
                  and any(d.attrs.get("user_key") == e.key for d in direct))
    ctx.ledger.update_attrs("user", leaver.key, {DEPARTING: True})
    org.deactivate(org.users[str(leaver.platform_id)])
    # 4. A departure marked but never sent.
    stayer = next(e for e in people if e.key not in {unrecorded.key, owner.key, leaver.key})
    ctx.ledger.update_attrs("user", stayer.key, {DEPARTING: True})

    users_before = len(org.users)
    again = await reopen(ctx)  # what a restarted server does
    try:
        await again.build()  # the resumed seed meets the unrecorded person again
        adopted = ctx.ledger.get("user", unrecorded.key)
        assert adopted is not None and adopted.status == "created"
        assert adopted.platform_id == unrecorded.platform_id and len(org.users) == users_before
        assert ctx.ledger.get("app_assignment", revoked.key).status == "deleted"  # type: ignore[union-attr]
        assert ctx.ledger.get("user", leaver.key).attrs["status"] == "DEPROVISIONED"  # type: ignore[union-attr]
        grants = ctx.ledger.entries("app_assignment", ("created",))
        kept = [e for e in grants if e.attrs.get("user_key") == leaver.key]
        assert not kept, "Okta dropped the leaver's grants; so did the ledger"
        assert ctx.ledger.get("user", stayer.key).attrs["status"] == "ACTIVE"  # type: ignore[union-attr]
        assert not ctx.ledger.get("user", stayer.key).attrs[DEPARTING]  # type: ignore[union-attr]
        assert_ledger_matches(ctx.ledger.entries(), org_objects(sandbox) - before, OKTA_KINDS)
        await again.cleanup()
        assert org_objects(sandbox) - before == set()
    finally:
        await again.aclose()


async def test_event_intents_left_by_a_crash_are_settled_at_start(job: Any) -> None:
    sandbox, ctx, before = job
    await seed_with_grants(ctx)
    ctx.checkpoint(seeded=True)  # from here on, only events make things: nothing revisits a key
    org = sandbox.org
    grants = ctx.ledger.entries("app_assignment", ("created",))
    teams = ctx.ledger.entries("app_group_assignment", ("created",))
    assert len(grants) >= 2 and teams
    granted, never_sent, team = grants[0], grants[1], teams[0]
    for entry in (granted, never_sent, team):
        mark(ctx, entry.kind, entry.key, status="intent", platform_id=None)
    owner = ctx.ledger.get("user", str(never_sent.attrs["user_key"]))
    assert owner is not None
    org.app_users[str(never_sent.attrs["app_id"])].pop(str(owner.platform_id))  # the call never went out

    again = await reopen(ctx)
    await again.aclose()
    assert ctx.ledger.get("app_assignment", granted.key).platform_id == granted.platform_id  # type: ignore[union-attr]
    assert ctx.ledger.get("app_group_assignment", team.key).status == "created"  # type: ignore[union-attr]
    missing = ctx.ledger.get("app_assignment", never_sent.key)
    assert missing is not None and missing.status == "failed" and "interrupted" in str(missing.error)
    assert ctx.ledger.entries(statuses=("intent",)) == []
    assert_ledger_matches(ctx.ledger.entries(), org_objects(sandbox) - before, OKTA_KINDS)
