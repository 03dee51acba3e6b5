"""An Okta job's people sign in during their working hours, from their offices, and open their apps:
simulated days of a company against the emulator over real loopback HTTP, read back from the System
Log as a SIEM would read it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.connectors.okta.adapter import OktaAdapter
from tenantsim.connectors.okta.connector import OktaConnector
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.jobs.simulation import Simulation
from tenantsim.sandbox.okta import DEFAULT_TOKEN, OktaSandbox, create_app
from tenantsim.scenario.events import Event
from tenantsim.scenario.signins import WORK_END, WORK_START
from tests.support.jobctx import make_context
from tests.support.servers import serve_asgi

COUNTRIES = {"US": "United States", "GB": "United Kingdom", "IE": "Ireland", "DE": "Germany", "IN": "India",
             "MX": "Mexico", "CA": "Canada"}


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[OktaSandbox, str]]:
    sandbox = create_app(users=4, seed=71, window_seconds=1.0)
    with serve_asgi(sandbox) as base:
        yield sandbox, base


async def days_of_sign_ins(sim: Simulation, days: int) -> list[Event]:
    """Every event of ``days`` simulated days, as the job would make them; the sign-ins among them."""
    end = sim.company.clock().timestamp() + days * 86400
    seen: list[Event] = []
    while sim.company.clock().timestamp() < end:
        due, kind, item = sim.director.next_due()
        if kind is None:
            sim.company.sim_now = due.isoformat()
            continue
        event = await sim.step(kind, due, item)
        if event is not None and event.kind == "sign_in":
            seen.append(event)
    return seen


async def test_people_sign_in_at_work_from_their_offices_and_open_their_apps(
        served: tuple[OktaSandbox, str], tmp_path: Path) -> None:
    sandbox, base = served
    sandbox.reset()
    config: dict[str, Any] = {
        "connection_type": "okta", "industry": "professional_services", "org_url": base,
        "org_size": "startup", "initial_users": 30, "activity_level": "high", "time_scale": 1e8,
        "max_api_capacity": 100, "sign_ins": True,
        "user_tokens": [{"name": "admin", "token": DEFAULT_TOKEN, "org_url": base}]}
    ctx = make_context(tmp_path, config, seed=29)
    connector = OktaConnector(ConnectorRuntime(budgets=BudgetRegistry(window_seconds=1.0), sandbox_mode=True))
    adapter = await connector.open_adapter(ctx)
    assert isinstance(adapter, OktaAdapter)
    sim = await Simulation.open(ctx, [adapter])
    await sim.build()
    signed = await days_of_sign_ins(sim, 3)  # three days hold at least one working day
    company = sim.company
    assert len(signed) > 30
    for event in signed:  # each at work in the person's own office clock
        person = company.people[event.person or ""]
        local = datetime.fromisoformat(event.at).astimezone(ZoneInfo(company.office_of(person).time_zone))
        assert local.weekday() < 5 and WORK_START <= local.hour + local.minute / 60 < WORK_END, event

    ids = adapter.user_ids()
    person_of = {uid: key for key, uid in ids.items()}
    log = sandbox.org.log.events()
    starts = [e for e in log if e["eventType"] == "user.session.start" and e["actor"]["id"] in person_of]
    succeeded = {e["actor"]["id"] for e in starts if e["outcome"]["result"] == "SUCCESS"}
    active = [p for p in company.active_people() if p.key in ids]
    assert len(succeeded) >= 0.8 * len(active), (len(succeeded), len(active))
    # From where they work: the office's country (a few travel), through a browser and a real address.
    home = Counter(e["client"]["geographicalContext"]["country"] ==
                   COUNTRIES[company.office_of(company.people[person_of[e["actor"]["id"]]]).country]
                   for e in starts)
    assert home[True] >= 0.9 * len(starts)
    assert all(e["client"]["ipAddress"] != "127.0.0.1" and e["client"]["userAgent"]["browser"] != "UNKNOWN"
               for e in starts)
    # They open their apps by single sign-on, and only apps they hold.
    sso = [e for e in log if e["eventType"] == "user.authentication.sso"]
    assert sso and all(e["outcome"]["result"] == "SUCCESS" for e in sso)
    # What went wrong went wrong as the events said.
    outcomes = Counter(str(e.details["outcome"]) for e in signed)
    failures = [e for e in starts if e["outcome"]["result"] == "FAILURE"]
    assert len(failures) >= outcomes["mistyped_password"]
    if outcomes["locked_out"]:
        assert any(e["eventType"] == "user.account.lock" for e in log)
    with_app = {uid for uid, held in sandbox.org.factors.items()
                if any(f.status == "ACTIVE" and f.secret for f in held.values())}
    asked = [e for e in signed if e.details["outcome"] in ("mfa_challenge", "new_country")
             and ids.get(e.person or "") in with_app]
    mfa = [e for e in log if e["eventType"] == "user.authentication.auth_via_mfa"]
    assert len([e for e in mfa if e["outcome"]["result"] == "SUCCESS"]) >= len(asked)
    assert all(u.status != "LOCKED_OUT" for u in sandbox.org.users.values())  # the help desk unlocked them

    result = await sim.cleanup()
    assert result["errors"] == []
    assert not [u for u in sandbox.org.users.values() if not u.preexisting]
    await sim.aclose()
