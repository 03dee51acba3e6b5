"""A job saved by the previous version — its company without tasks, its tasks only in the Asana ledger —
keeps running: on load the company adopts the ledger's tasks under their own keys, and the work after that
changes them, read back through the Asana API as the company says."""

from __future__ import annotations

from pathlib import Path

from tenantsim.scenario import invariants
from tenantsim.store import company_repo
from tests.conformance.asana_case import AsanaCase
from tests.conformance.test_conformance import drive, ledger_ids, open_simulation
from tests.connectors.asana_support import asana_api, company_task_mismatches
from tests.support.jobctx import make_context


async def test_an_asana_job_saved_without_company_tasks_carries_on(tmp_path: Path) -> None:
    case = AsanaCase()
    with case.tenant() as base:
        ctx = make_context(tmp_path, case.config(base, 3), seed=7)
        sim = await open_simulation(case, ctx)
        await sim.build()
        sim.save()
        await sim.aclose()
        # What the previous version stored: the same company, without tasks.
        older = company_repo.load(ctx.engine, ctx.job_id)
        assert older is not None and older.pop("tasks")
        company_repo.save(ctx.engine, ctx.job_id, older, dict(ctx.progress))

        ctx = make_context(tmp_path, case.config(base, 3), seed=7)
        sim = await open_simulation(case, ctx)
        company = sim.company
        recorded = {e.key: e.attrs for e in ctx.ledger.entries("task", ["created"])}
        top = {k: t for k, t in company.tasks.items() if t.parent is None}
        assert set(top) == set(recorded)
        assert all(top[k].name == a["name"] and top[k].done == a["completed"] for k, a in recorded.items())
        assert {k for k, t in company.tasks.items() if t.parent} == {
            e.key for e in ctx.ledger.entries("subtask", ["created"])}
        for kind in ("move_task", "complete_task", "reassign_task", "comment", "create_task", "add_subtask"):
            assert await drive(sim, kind), kind
        await sim.fast_forward(days=2)
        async with asana_api(base, case._tenants[base].tokens[0]) as api:
            assert await company_task_mismatches(api, ctx.ledger, company, case._workspace(base)) == []
        assert await case.mismatches(base, company, ledger_ids(ctx)) == []
        assert [p for p in invariants.task_problems(company) if "done in section" not in p] == []
        await sim.cleanup()
        await sim.aclose()
