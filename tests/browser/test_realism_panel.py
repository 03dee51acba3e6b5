"""The job page's Realism panel: nothing is read from the platform until asked; then a table of the
platform's measures with a tick or a cross per row, and the server's error in place when there is one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tenantsim.connectors.okta import realism as okta_realism
from tests.browser.support import ARTIFACTS, needs_chromium
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import okta_body, wait_for
from tests.support.fake_platform import FakeConnector

pytestmark = needs_chromium


def test_check_realism_shows_the_measures(sandbox_server: RunningServer, page: Any) -> None:
    from playwright.sync_api import expect

    tenant = sandbox_server.client.get("/api/sandbox").json()["tenants"]["okta"]
    org_url = tenant["org_url"]
    body = okta_body(org_url=org_url, org_size="startup", initial_users=8, time_scale=1_000_000,
                     user_tokens=[{"name": "admin", "token": tenant["tokens"][0], "org_url": org_url}])
    job_id = sandbox_server.client.post("/api/jobs/start", json=body).json()["job_id"]
    wait_for(lambda: sandbox_server.client.get(f"/api/jobs/{job_id}").json()["seeded"], timeout=60,
             message="the build")

    page.goto(f"{sandbox_server.base_url}/#/jobs/{job_id}")
    expect(page.locator("#realism-panel h2")).to_have_text("Realism")
    expect(page.locator("#realism table")).to_have_count(0)  # not read until asked
    page.get_by_role("button", name="Check realism").click()
    rows = page.locator("#realism tbody tr")
    expect(rows).to_have_count(4, timeout=20_000)
    expect(rows.first).to_contain_text(okta_realism.HIRES)
    expect(page.locator(f"#realism tr[data-measure='{okta_realism.MANAGERS_ELSEWHERE}'] .mark")
           ).to_have_text("✓")
    assert page.locator("#realism .mark").all_text_contents()[0] in ("✓", "✗")
    expect(page.locator("#realism-when")).to_contain_text("read ")
    expect(page.locator("#realism-check")).to_have_text("Check again")
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#realism-panel").screenshot(path=str(ARTIFACTS / "dashboard-realism.png"))
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_job_still_building_says_so(tmp_path: Path, page: Any) -> None:
    from playwright.sync_api import expect

    connectors = {"okta": FakeConnector("okta", seed_count=100, delay=2.0)}
    with running_server(tmp_path, connectors=connectors) as srv:
        job_id = srv.client.post("/api/jobs/start", json=okta_body()).json()["job_id"]
        page.goto(f"{srv.base_url}/#/jobs/{job_id}")
        page.get_by_role("button", name="Check realism").click()
        expect(page.locator("#realism .error-box")).to_contain_text("has not built its company yet")
        srv.client.post(f"/api/jobs/{job_id}/stop")
