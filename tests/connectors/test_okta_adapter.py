"""End to end over real loopback HTTP: seed a 50-person company into the Okta emulator, check what
Okta holds, run every kind of event at compressed time, clean up, and find only the org's own objects."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.connectors.okta.adapter import OktaAdapter
from tenantsim.connectors.okta.connector import OktaConnector
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.errors import AuthError
from tenantsim.jobs.context import RunningJobContext
from tenantsim.jobs.simulation import Simulation
from tenantsim.sandbox.okta import DEFAULT_TOKEN, OktaSandbox, create_app
from tests.conformance.test_conformance import drive
from tests.support.jobctx import activity_types, make_context
from tests.support.servers import serve_asgi

EVENT_ORDER = ("hire", "departure", "leave", "transfer", "promotion", "app_grant", "app_revoke",
               "password_reset", "mfa_enrollment", "return_from_leave")


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[OktaSandbox, str]]:
    sandbox = create_app(users=12, seed=21, window_seconds=1.0)
    with serve_asgi(sandbox) as base:
        yield sandbox, base


def job_config(base: str, **extra: Any) -> dict[str, Any]:
    return {"connection_type": "okta", "industry": "technology", "org_url": base, "org_size": "startup",
            "initial_users": 50, "time_scale": 1e8, "max_api_capacity": 100,
            "user_tokens": [{"name": "admin", "token": DEFAULT_TOKEN, "org_url": base},
                            {"name": "revoked", "token": "00no-longer-valid", "org_url": base}], **extra}


async def open_sim(ctx: RunningJobContext) -> Simulation:
    connector = OktaConnector(ConnectorRuntime(budgets=BudgetRegistry(window_seconds=1.0), sandbox_mode=True))
    adapter = await connector.open_adapter(ctx)
    assert isinstance(adapter, OktaAdapter)
    return await Simulation.open(ctx, [adapter])


def snapshot(sandbox: OktaSandbox) -> dict[str, Any]:
    org = sandbox.org
    return {"users": set(org.users), "groups": set(org.groups),
            "direct": {(a, u) for a, held in org.app_users.items() for u in held},
            "group_grants": {(a, g) for a, held in org.app_groups.items() for g in held},
            "policies": set(org.policies)}


async def test_seed_events_and_cleanup_leave_only_the_org_own_objects(served: tuple[OktaSandbox, str],
                                                                       tmp_path: Path) -> None:
    sandbox, base = served
    sandbox.reset()
    before = snapshot(sandbox)
    ctx = make_context(tmp_path, job_config(base), seed=11)
    service = await open_sim(ctx)
    assert "notice" in activity_types(ctx)  # the refused token is reported, the job goes on
    await service.build()

    org = sandbox.org
    made = [u for u in org.users.values() if not u.preexisting]
    assert len(made) == 50
    assert all(u.status in ("ACTIVE", "SUSPENDED") and u.has_password for u in made)
    on_leave = [u for u in made if u.status == "SUSPENDED"]  # a real company always has someone away
    assert len(on_leave) == sum(p.status == "on_leave" for p in service.company.people.values()) <= 5
    assert all(u.login.endswith(".example.com") and u.profile["email"] == u.login for u in made)
    roots = [u for u in made if not u.profile.get("managerId")]
    assert len(roots) == 1 and roots[0].profile["title"] == "Chief Executive Officer"
    for user in made:
        for field in ("department", "title", "employeeNumber", "costCenter", "countryCode", "timezone",
                      "organization"):
            assert user.profile.get(field), (field, user.login)
        if user.profile.get("managerId"):
            boss = org.users[user.profile["managerId"]].profile
            assert user.profile["manager"] == f"{boss['firstName']} {boss['lastName']}"
    new_groups = [g for g in org.groups.values() if not g.preexisting]
    names = {g.profile["name"] for g in new_groups}
    assert "Engineering" in names and any(n.endswith("Office") for n in names)
    # memberships: everyone is in their department group and an office group
    by_name = {g.profile["name"]: g for g in new_groups}
    for user in made:
        assert user.id in org.members[by_name[user.profile["department"]].id]
    # apps granted by department to groups, plus a few individual grants
    github = next(a for a in org.apps.values() if a.label == "GitHub")
    assert by_name["Engineering"].id in org.app_groups[github.id]
    engineers = [u for u in made if u.profile["department"] == "Engineering"]
    assert {v.user.id for v in org.app_user_views(github)} >= {u.id for u in engineers}
    direct = snapshot(sandbox)["direct"] - before["direct"]
    assert direct, "some people hold an app directly"
    # As few calls as an admin would make: one create per person (groups given as groupIds, no
    # membership calls), one call per group, apps granted per department group, not per person.
    calls = sandbox.stats.as_dict()["buckets"]
    grants = snapshot(sandbox)["group_grants"] - before["group_grants"]
    assert calls["users"]["requests"] >= 50
    assert calls["groups"]["requests"] == len(new_groups)
    assert calls["apps"]["requests"] == len(grants) + len(direct) + 1  # + listing the catalogue

    for kind in EVENT_ORDER:
        assert await drive(service, kind), kind
    logged = set(activity_types(ctx))
    assert set(EVENT_ORDER) <= logged
    assert any(u.status == "DEPROVISIONED" for u in org.users.values() if not u.preexisting)
    assert sum(len(org.factors.get(u.id, {})) for u in org.users.values()) >= 1

    result = await service.cleanup()
    # the seed's four totals, and the job's MFA enrollment policy (with its rule)
    assert set(result) == {"users_deleted", "groups_deleted", "assignments_removed", "errors",
                           "policies_deleted"}
    assert result["policies_deleted"] == 1
    assert result["errors"] == []
    assert result["users_deleted"] >= 51 and result["groups_deleted"] == len(new_groups)
    assert result["assignments_removed"] > 0
    after = snapshot(sandbox)
    assert after["users"] == before["users"] and after["groups"] == before["groups"]
    assert after["direct"] == before["direct"] and after["group_grants"] == before["group_grants"]
    assert after["policies"] == before["policies"]
    again = await service.cleanup()
    assert again == {"users_deleted": 0, "groups_deleted": 0, "assignments_removed": 0, "errors": []}
    await service.aclose()


async def test_open_adapter_refuses_when_no_token_works(served: tuple[OktaSandbox, str],
                                                        tmp_path: Path) -> None:
    _, base = served
    config = job_config(base, user_tokens=[{"name": "bad", "token": "00nope", "org_url": base}])
    ctx = make_context(tmp_path, config)
    connector = OktaConnector(ConnectorRuntime(budgets=BudgetRegistry(window_seconds=1.0), sandbox_mode=True))
    with pytest.raises(AuthError):
        await connector.open_adapter(ctx)


async def test_parallel_work_stops_at_once_on_a_stop_signal() -> None:
    from tenantsim.connectors.kit.concurrency import bounded
    from tenantsim.errors import JobStopping

    finished: list[int] = []

    async def work(item: int) -> None:
        await asyncio.sleep(0.01 * item)
        if item == 3:
            raise JobStopping("stop")
        finished.append(item)

    with pytest.raises(JobStopping):
        await bounded(list(range(20)), work)
    assert finished == [0, 1, 2]  # nothing after the signal went on in the background


async def test_seed_resumes_after_a_stop_and_never_claims_what_it_did_not_make(
        served: tuple[OktaSandbox, str], tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from tenantsim.connectors.okta.people import profile_for
    from tenantsim.errors import JobStopping

    sandbox, base = served
    sandbox.reset()
    before = set(sandbox.org.users)
    ctx = make_context(tmp_path, job_config(base, initial_users=20), seed=5)
    service = await open_sim(ctx)
    company = service.company
    people = list(company.people.values())
    # Someone in the org already has the login the job wants for one person: that account is not ours.
    taken = profile_for(company, people[-1], None)
    sandbox.org.create_user(taken, password=None, activate=True,
                            at=(datetime.now(UTC) - timedelta(hours=1)).timestamp())
    # A create whose response was lost: the intent is in the ledger, the user exists in Okta.
    lost = profile_for(company, people[-2], None)
    ctx.ledger.intent("user", people[-2].key, actor="admin",
                      attrs={"login": lost["login"],
                             "requested_at": (datetime.now(UTC) - timedelta(seconds=5)).isoformat()})
    lost_user = sandbox.org.create_user(lost, password=None, activate=True)

    calls = 0
    real_checkpoint = ctx.checkpoint_now

    async def stop_after_a_while() -> None:
        nonlocal calls
        calls += 1
        if calls == 20:
            raise JobStopping("pause")
        await real_checkpoint()

    ctx.checkpoint_now = stop_after_a_while  # type: ignore[method-assign]
    with pytest.raises(JobStopping):
        await service.build()
    await service.aclose()
    ctx.checkpoint_now = real_checkpoint  # type: ignore[method-assign]

    resumed = await open_sim(ctx)
    await resumed.build()
    made = set(sandbox.org.users) - before
    # 18 people made by the job, the one whose create response was lost (adopted, not made twice),
    # and the account that already had the last person's login (left alone, that person skipped)
    assert len(made) == 20
    assert ctx.ledger.get("user", people[-2].key).platform_id == lost_user.id  # adopted, not duplicated
    refused = ctx.ledger.get("user", people[-1].key)
    assert refused is not None and refused.status == "failed" and refused.platform_id is None
    result = await resumed.cleanup()
    assert result["users_deleted"] == 19 and result["errors"] == []
    assert set(sandbox.org.users) - before == {sandbox.org.user(taken["login"]).id}
    await resumed.aclose()
