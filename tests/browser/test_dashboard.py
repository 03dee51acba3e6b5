"""The dashboard in headless Chromium, against a real server with the embedded sandbox Okta org.

A new user's path: open /, start a sandbox Okta job from the form, watch activity arrive without a
reload, pause and resume, clean up and see it finish. Screenshots are kept in test-artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser.support import ARTIFACTS, needs_chromium
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import okta_body, wait_for
from tests.support.fake_platform import FakeConnector
from tests.support.quiet import stays_quiet

pytestmark = needs_chromium


def log_count(page: Any) -> int:
    return int(page.locator("#log li[data-entry]").count())


def wait_for_more_entries(page: Any, than: int, timeout: float = 20_000) -> None:
    page.wait_for_function(f"document.querySelectorAll('#log li[data-entry]').length > {than}",
                           timeout=timeout)


def events_of(srv: RunningServer, job_id: str) -> int:
    return int(srv.client.get(f"/api/jobs/{job_id}").json()["events_total"])


def start_witness(srv: RunningServer) -> str:
    """A second sandbox Okta job, built and producing events: time passing, for a paused one to sit out."""
    tenant = srv.client.get("/api/sandbox").json()["tenants"]["okta"]
    org_url = tenant["org_url"]
    body = okta_body(org_url=org_url, org_size="startup", initial_users=3, time_scale=604800,
                     working_hours="always", activity_level="high",
                     user_tokens=[{"name": "admin", "token": tenant["tokens"][0], "org_url": org_url}])
    job_id: str = srv.client.post("/api/jobs/start", json=body).json()["job_id"]
    wait_for(lambda: events_of(srv, job_id) >= 1, timeout=60, message="the witness job's first event")
    return job_id


def test_new_user_starts_watches_pauses_and_cleans_up_a_sandbox_okta_job(
        sandbox_server: RunningServer, page: Any) -> None:
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(sandbox_server.base_url + "/")
    expect(page.get_by_text("No jobs yet")).to_be_visible()
    page.get_by_role("link", name="Start your first job").click()

    # The form, filled by the sandbox button; the token is checked as soon as it is in.
    page.get_by_role("button", name="Use the sandbox tenant").click()
    expect(page.locator("[data-token-check]").first).to_contain_text("Valid", timeout=15_000)
    expect(page.locator("#org-check")).to_contain_text("reachable", timeout=15_000)
    page.fill("[name=initial_users]", "4")
    page.select_option("[name=time_scale]", "604800")  # four people change little: a week a second
    page.select_option("[name=working_hours]", "always")
    page.locator("label", has_text="High").click()
    page.screenshot(path=str(ARTIFACTS / "dashboard-new-job.png"), full_page=True)
    page.locator("#start").click()
    page.wait_for_url("**/#/jobs/job_*", timeout=30_000)
    job_id = page.url.rsplit("/", 1)[-1]
    page.evaluate("window.__sameDocument = true")  # gone if anything reloads the page

    # Live: the build finishes and entries keep arriving while we only watch.
    expect(page.locator("#build-phase")).to_have_text("done", timeout=60_000)
    expect(page.locator("#live")).to_have_text("live")

    # The company's own clock: weekday, date and time where it is, running on at the job's speed.
    expect(page.locator("#sim-panel h2")).to_have_text("Simulated time")
    expect(page.locator("#sim-time")).to_have_text(re.compile(r"^\d{2}:\d{2}"), timeout=20_000)
    expect(page.locator("#sim-date")).to_have_text(re.compile(r"\d{4}"))
    expect(page.locator("#sim-pace")).to_contain_text("real time")
    shown = page.locator("#sim-time").text_content()
    expect(page.locator("#sim-time")).not_to_have_text(shown or "", timeout=10_000)  # a week a second
    before = log_count(page)
    wait_for_more_entries(page, before + 3)
    assert page.evaluate("window.__sameDocument === true")

    # Pause: the status changes and the log goes quiet while another job on the server goes on (an
    # event already in flight may still land); resume: it moves again.
    witness = start_witness(sandbox_server)
    page.locator("[data-act=pause]").click()
    expect(page.locator("#job-sub .status")).to_have_text("paused")
    expect(page.locator("#sim-pace")).to_contain_text("standing still")
    quiet = stays_quiet(lambda: log_count(page), lambda: events_of(sandbox_server, witness), in_flight=1,
                        what="the paused job's log")
    page.locator("[data-act=resume]").click()
    expect(page.locator("#job-sub .status")).to_have_text("running")
    wait_for_more_entries(page, quiet + 2)
    page.screenshot(path=str(ARTIFACTS / "dashboard-job-live.png"), full_page=True)

    # Cleanup, confirmed in the dialog, with progress until it finishes.
    page.locator("[data-act=cleanup]").click()
    page.locator("#dialog [data-confirm]").click()
    expect(page.locator("#cleanup-panel h2")).to_have_text("Cleanup finished", timeout=60_000)
    expect(page.locator("#job-sub .status")).to_have_text("cleaned")
    expect(page.locator("#objects [data-kind=total]")).to_have_text("0")
    page.screenshot(path=str(ARTIFACTS / "dashboard-job-cleaned.png"), full_page=True)
    view = sandbox_server.client.get(f"/api/jobs/{job_id}").json()
    assert view["status"] == "cleaned"
    assert sum(view["created_objects"].values()) == 0
    assert sum(view["created_objects_total"].values()) > 0

    page.get_by_role("link", name="Jobs", exact=True).click()
    expect(page.locator(f"tr[data-id='{job_id}'] .status")).to_have_text("cleaned")
    sandbox_server.client.post(f"/api/jobs/{witness}/stop")
    page.screenshot(path=str(ARTIFACTS / "dashboard-jobs.png"), full_page=True)
    assert page.errors == []  # type: ignore[attr-defined]


def test_asks_for_the_api_key_once_and_remembers_it_for_the_tab(tmp_path: Path, page: Any) -> None:
    from playwright.sync_api import expect

    key = "browser-test-key-0123456789"
    with running_server(tmp_path, connectors={"okta": FakeConnector("okta")}, api_key=key) as srv:
        page.goto(srv.base_url + "/")
        dialog = page.locator("#dialog")
        expect(dialog).to_contain_text("API key needed")
        page.fill("#dialog input[name=key]", "wrong-key")
        page.locator("#dialog button[value=ok]").click()
        expect(dialog).to_contain_text("API key needed")  # refused: asked again
        page.fill("#dialog input[name=key]", key)
        page.locator("#dialog button[value=ok]").click()
        expect(page.get_by_text("No jobs yet")).to_be_visible()
        expect(dialog).not_to_be_visible()
        page.reload()
        expect(page.get_by_text("No jobs yet")).to_be_visible()
        expect(dialog).not_to_be_visible()
        assert page.errors == []  # type: ignore[attr-defined]
