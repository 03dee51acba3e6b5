"""One conformance suite, one line per adapter (DESIGN.md example 4): each adapter against its emulator
over real loopback HTTP — build the company, reflect every event kind it handles, finish an event a
crash interrupted, clean up — asserting the platform's own state, read back through its API, against
the company. Never against our activity log."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tenantsim.jobs.context import RunningJobContext
from tenantsim.jobs.simulation import Simulation
from tenantsim.scenario import invariants
from tenantsim.scenario.events import ACCESS_KINDS, HR_KINDS, PROJECT_KINDS, WORK_KINDS
from tenantsim.store.ledger_types import Ledger
from tests.conformance.asana_case import AsanaCase
from tests.conformance.google_case import GoogleCase
from tests.conformance.m365_case import M365Case
from tests.conformance.okta_case import OktaCase
from tests.conformance.salesforce_case import SalesforceCase
from tests.support.jobctx import make_context

CASES = [OktaCase(), AsanaCase(), GoogleCase(), SalesforceCase(), M365Case()]  # one line per adapter
ORDER = (*HR_KINDS, *ACCESS_KINDS, *WORK_KINDS, *PROJECT_KINDS)


class LedgerIds(dict[str, dict[str, str]]):
    """kind -> key -> platform id of everything the job made (a kind it made nothing of: empty), and the
    ledger itself, for what only a platform holds (Asana's Status values, tags and comment texts)."""

    def __init__(self, ledger: Ledger) -> None:
        super().__init__()
        self.ledger = ledger
        for entry in ledger.entries(statuses=["created"]):
            if entry.platform_id:
                self.setdefault(entry.kind, {})[entry.key] = entry.platform_id

    def __missing__(self, kind: str) -> dict[str, str]:
        return {}


def ledger_ids(ctx: RunningJobContext) -> LedgerIds:
    return LedgerIds(ctx.ledger)


def ledger_rows(ctx: RunningJobContext) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [(e.kind, e.key, e.status, e.attrs) for e in ctx.ledger.entries()]


async def open_simulation(case: Any, ctx: RunningJobContext) -> Simulation:
    adapter = await case.connector().open_adapter(ctx)
    return await Simulation.open(ctx, [adapter])


async def drive(sim: Simulation, kind: str) -> bool:
    """One event of ``kind`` now, or at the scheduled moment for a scheduled kind; False if none fits."""
    company = sim.company
    item = next((i for i in company.agenda if i["kind"] == kind), None)
    for attempt in range(6):
        at = company.clock() + timedelta(hours=attempt + 1)
        if item is not None:
            at = max(at, company.clock().fromisoformat(item["at"]))
        if await sim.step(kind, at, item) is not None:
            return True
        item = None
    return False


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_platform_shows_the_company_through_every_event_and_cleans_up(
    case: Any, tmp_path: Path
) -> None:
    with case.tenant() as base:
        before = await case.snapshot(base)
        ctx = make_context(tmp_path, case.config(base, 40), seed=5)
        sim = await open_simulation(case, ctx)
        await sim.build()
        assert invariants.problems(sim.company) == []
        assert await case.mismatches(base, sim.company, ledger_ids(ctx)) == []
        handled = [k for k in ORDER if k in {kind for a in sim.adapters for kind in a.handles}]
        for kind in handled:
            assert await drive(sim, kind), f"no {kind} event could happen"
            assert invariants.problems(sim.company) == [], kind
        assert await case.mismatches(base, sim.company, ledger_ids(ctx)) == []

        # A crash between the company's change and the platform's: the event is found pending on restart.
        event = await sim.director.apply(case.crash_kind, sim.company.clock() + timedelta(days=1))
        assert event is not None
        sim.save()
        await sim.aclose()
        ctx = make_context(tmp_path, case.config(base, 40), seed=5)
        sim = await open_simulation(case, ctx)
        assert sim.company.pending is not None
        # The platform is behind when the event's change is in the company; a work event's change is made
        # by the adapter (its work state lives in the ledger): it must show there once reflected.
        in_company = event.kind not in WORK_KINDS or case.company_holds_work
        if in_company:
            assert await case.mismatches(base, sim.company, ledger_ids(ctx)) != []  # the platform is behind
        rows = ledger_rows(ctx)
        await sim.finish_pending()
        assert sim.company.pending is None
        if not in_company:
            assert ledger_rows(ctx) != rows, f"the pending {event.kind} changed nothing"
        assert await case.mismatches(base, sim.company, ledger_ids(ctx)) == []

        result = await sim.cleanup()
        assert not result.get("errors")
        assert await case.snapshot(base) == before  # zero residue
        await sim.aclose()


BROKEN = {  # a deliberately broken platform call -> the event that must then show a mismatch
    "transfer keeps the old group": ("remove_member", "transfer", "in groups"),
    "promotion keeps the title": ("update_profile", "promotion", "title"),
}


@pytest.mark.parametrize("breakage", list(BROKEN))
async def test_the_suite_fails_when_an_okta_event_is_not_reflected(
    breakage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A suite that cannot fail proves nothing: break one call and the platform no longer agrees."""
    from tenantsim.connectors.okta.client import OktaClient

    method, kind, symptom = BROKEN[breakage]
    case = OktaCase()
    with case.tenant() as base:
        ctx = make_context(tmp_path, case.config(base, 40), seed=5)
        sim = await open_simulation(case, ctx)
        await sim.build()
        real = getattr(OktaClient, method)

        async def broken(self: OktaClient, user_or_group: str, payload: Any) -> Any:
            if method == "update_profile":  # the title never reaches Okta
                return await real(self, user_or_group, {k: v for k, v in payload.items() if k != "title"})
            return None  # the membership is never removed

        monkeypatch.setattr(OktaClient, method, broken)
        assert await drive(sim, kind)
        problems = await case.mismatches(base, sim.company, ledger_ids(ctx))
        assert any(symptom in p for p in problems), problems
        await sim.aclose()


async def test_the_suite_fails_when_an_asana_priority_is_not_reflected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The priority update's custom-field write never reaches Asana: the ledger says what the job set,
    Asana still shows the old value, and the suite says so."""
    from tenantsim.connectors.asana.client import AsanaClient

    case = AsanaCase()
    with case.tenant() as base:
        ctx = make_context(tmp_path, case.config(base, 40), seed=5)
        sim = await open_simulation(case, ctx)
        await sim.build()
        field = ctx.ledger.get("custom_field", "priority")
        assert field is not None and field.platform_id
        real = AsanaClient.put

        async def broken(self: AsanaClient, path: str, data: dict[str, Any], **params: Any) -> Any:
            values = data.get("custom_fields") or {}
            if field.platform_id not in values:
                return await real(self, path, data, **params)
            rest = {gid: value for gid, value in values.items() if gid != field.platform_id}
            data = {k: v for k, v in data.items() if k != "custom_fields"} | (
                {"custom_fields": rest} if rest else {}
            )
            return await real(self, path, data, **params) if data else None  # the priority never arrives

        monkeypatch.setattr(AsanaClient, "put", broken)
        assert await drive(sim, "update_priority")
        problems = await case.mismatches(base, sim.company, ledger_ids(ctx))
        assert any("Priority" in p for p in problems), problems
        await sim.aclose()
