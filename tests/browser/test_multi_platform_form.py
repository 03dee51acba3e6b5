"""One company on several platforms, from the dashboard: the new-job form takes several platforms, each
with its own section filled from its sandbox tenant; the job page and the jobs list show every platform;
the company is read back through each platform's own API. A refused start lists each platform's
problems, and a single platform's form still sends the seed's body."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.browser.support import ARTIFACTS, needs_chromium
from tests.support.apiserver import RunningServer
from tests.support.bodies import wait_for

pytestmark = needs_chromium

START = "**/api/jobs/start"


def okta_users(srv: RunningServer) -> dict[str, dict[str, Any]]:
    """The sandbox Okta org's users by login, read through Okta's API with the sandbox's SSWS token."""
    tenant = srv.client.get("/api/sandbox").json()["tenants"]["okta"]
    answer = httpx.get(f"{tenant['org_url']}/api/v1/users", params={"limit": 200},
                       headers={"Authorization": f"SSWS {tenant['tokens'][0]}", "Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    return {u["profile"]["login"]: u for u in answer.json()}


def asana_projects(srv: RunningServer) -> dict[str, dict[str, Any]]:
    """The sandbox Asana workspace's projects by gid, read through Asana's API with a user's token."""
    tenant = srv.client.get("/api/sandbox").json()["tenants"]["asana"]
    workspace = tenant["workspaces"][0]["gid"]
    answer = httpx.get(f"{tenant['base_url']}/projects", params={"workspace": workspace, "limit": 100},
                       headers={"Authorization": f"Bearer {tenant['users'][0]['token']}"})
    assert answer.status_code == 200, answer.text
    return {p["gid"]: p for p in answer.json()["data"]}


def pick_several(page: Any, *labels: str) -> None:
    """Turn the picker into checkboxes and tick these platforms (by their label) besides the first."""
    page.get_by_text("One company on several platforms").click()
    for label in labels:
        page.locator("label.choice", has_text=label).click()


def section(page: Any, connection_type: str) -> Any:
    return page.locator(f"form .platform-section[data-platform='{connection_type}']")


def test_one_company_on_okta_and_asana_from_the_form(sandbox_server: RunningServer, page: Any) -> None:
    from playwright.sync_api import expect

    users_before = okta_users(sandbox_server)
    projects_before = asana_projects(sandbox_server)
    page.goto(sandbox_server.base_url + "/#/new")
    expect(page.locator("label.choice input[value=okta]")).to_be_checked()
    pick_several(page, "Asana")
    okta, asana = section(page, "okta"), section(page, "asana")
    expect(okta).to_be_visible()
    expect(asana).to_be_visible()
    # Identity platforms first; the company's fields once.
    assert page.locator("form .platform-section").evaluate_all(
        "(els) => els.map((el) => el.dataset.platform)") == ["okta", "asana"]
    expect(page.locator("form [name=industry]")).to_have_count(1)
    expect(page.locator("form [name=org_size][value=startup]")).to_have_count(1)
    expect(page.locator("form [name=initial_projects]")).to_have_count(1)

    # Each section from its own sandbox tenant; each token checked against its own platform.
    okta.get_by_role("button", name="Use the sandbox tenant").click()
    expect(okta.locator("[data-token-check]").first).to_contain_text("Valid", timeout=15_000)
    expect(okta.locator("#org-check")).to_contain_text("reachable", timeout=15_000)
    expect(asana.locator("[name=token_value]")).to_have_value("")  # not filled until asked
    asana.get_by_role("button", name="Use the sandbox tenant").click()
    expect(asana.locator("[data-token-check]").first).to_contain_text("Valid", timeout=15_000)
    expect(asana.locator("#workspace-check")).to_contain_text("workspace", timeout=15_000)
    expect(page.locator("#summary [data-summary=platforms]")).to_have_text("Okta + Asana")
    page.fill("[name=initial_users]", "6")
    page.fill("[name=initial_projects]", "2")
    page.select_option("[name=time_scale]", "604800")
    page.screenshot(path=str(ARTIFACTS / "dashboard-new-job-several-platforms.png"), full_page=True)

    with page.expect_request(START) as sent:
        page.locator("#start").click()
    body = json.loads(sent.value.post_data or "{}")
    assert "connection_type" not in body and "user_tokens" not in body
    assert body["org_size"] == "startup" and body["initial_users"] == 6 and body["initial_projects"] == 2
    assert [p["connection_type"] for p in body["platforms"]] == ["okta", "asana"]
    okta_entry, asana_entry = body["platforms"]
    assert okta_entry["org_url"].endswith("/sandbox/okta")
    assert okta_entry["user_tokens"]
    assert all(t["org_url"] == okta_entry["org_url"] for t in okta_entry["user_tokens"])
    assert asana_entry["workspace_gid"] and len(asana_entry["user_tokens"]) >= 2
    assert "org_size" not in okta_entry and "initial_projects" not in asana_entry

    page.wait_for_url("**/#/jobs/job_*", timeout=30_000)
    job_id = page.url.rsplit("/", 1)[-1]
    chips = page.locator("#job-sub .platform-chip")
    expect(chips).to_have_count(2)
    expect(chips.nth(0)).to_have_attribute("data-platform", "okta")
    expect(chips.nth(0)).to_contain_text("Okta")
    expect(chips.nth(1)).to_contain_text("Asana")
    expect(page.locator("#build-phase")).to_have_text("done", timeout=90_000)
    view = sandbox_server.client.get(f"/api/jobs/{job_id}").json()
    assert view["platforms"] == ["okta", "asana"]

    # The company, read back through each platform's own API: new people in Okta (the Asana token
    # owners among them, by address), new projects in the Asana workspace.
    users_after = okta_users(sandbox_server)
    hired = {login: u for login, u in users_after.items() if login not in users_before}
    assert len(hired) >= 4, f"only {len(hired)} people made in Okta"
    projects_after = asana_projects(sandbox_server)
    made = {gid: p for gid, p in projects_after.items() if gid not in projects_before}
    assert made, "no project made in Asana"
    # Realism, grouped by platform.
    page.get_by_role("button", name="Check realism").click()
    groups = page.locator("#realism tbody[data-platform]")
    expect(groups).to_have_count(2, timeout=30_000)
    expect(page.locator("#realism tbody[data-platform=okta] tr.group-head")).to_contain_text("Okta")
    expect(page.locator("#realism tbody[data-platform=asana] tr[data-measure]").first).to_be_visible()
    page.locator("#realism-panel").screenshot(path=str(ARTIFACTS / "dashboard-realism-several-platforms.png"))
    # The jobs list: both marks.
    page.get_by_role("link", name="Jobs", exact=True).click()
    row = page.locator(f"tr[data-id='{job_id}'] [data-col=platform]")
    expect(row.locator(".platform-mark")).to_have_count(2)
    expect(row).to_contain_text("Okta + Asana")
    page.screenshot(path=str(ARTIFACTS / "dashboard-jobs-several-platforms.png"), full_page=True)

    # Cleanup: each platform's own counts.
    page.locator(f"tr[data-id='{job_id}'] a.job-name").click()
    page.locator("[data-act=cleanup]").click()
    expect(page.locator("#dialog")).to_contain_text("/sandbox/okta")
    page.locator("#dialog [data-confirm]").click()
    expect(page.locator("#cleanup-panel h2")).to_have_text("Cleanup finished", timeout=90_000)
    expect(page.locator("#cleanup-platforms [data-platform-result=okta]")).to_contain_text("users deleted")
    expect(page.locator("#cleanup-platforms [data-platform-result=asana]")).to_contain_text("deleted")
    page.screenshot(path=str(ARTIFACTS / "dashboard-job-several-platforms-cleaned.png"), full_page=True)
    assert not set(okta_users(sandbox_server)) - set(users_before), "cleanup left people in Okta"
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_refused_start_shows_each_platforms_problems(sandbox_server: RunningServer, page: Any) -> None:
    from playwright.sync_api import expect

    page.goto(sandbox_server.base_url + "/#/new")
    pick_several(page, "Asana")
    asana = section(page, "asana")
    asana.get_by_role("button", name="Use the sandbox tenant").click()
    expect(asana.locator("[data-token-check]").first).to_contain_text("Valid", timeout=15_000)
    started: list[Any] = []
    page.on("request", lambda r: started.append(r) if r.url.endswith("/api/jobs/start") else None)
    page.locator("#start").click()  # Okta's section left empty: the server says what it lacks
    problems = page.locator("#form-error li")
    expect(problems.first).to_contain_text("platforms[0] (okta)")
    expect(page.locator("#form-error")).to_contain_text("org_url")
    expect(page.locator("#form-error")).not_to_contain_text("(asana)")
    expect(page.locator("#start")).to_be_enabled()
    assert len(started) == 1
    assert sandbox_server.client.get("/api/jobs").json()["jobs"] == []
    assert page.errors == []  # type: ignore[attr-defined]


def test_the_platforms_can_be_changed_without_losing_what_was_typed(sandbox_server: RunningServer,
                                                                      page: Any) -> None:
    from playwright.sync_api import expect

    page.goto(sandbox_server.base_url + "/#/new")
    page.get_by_role("button", name="Use the sandbox tenant").click()  # one platform: as before
    expect(page.locator("#tokens [data-token-check]").first).to_contain_text("Valid", timeout=15_000)
    page.locator("label", has_text="High").click()
    pick_several(page, "Asana")
    expect(section(page, "okta").locator("[data-token]")).to_have_count(1)
    expect(section(page, "okta").locator("[data-token-check]").first).to_contain_text("Valid")
    expect(page.locator("[name=activity_level][value=high]")).to_be_checked()
    expect(page.locator("#tokens")).to_have_count(0)  # one list per section now
    # Back to one platform: Okta's section as it was, the single-platform layout again.
    page.locator("label.choice", has_text="Asana").click()
    expect(page.locator("form .platform-section")).to_have_count(0)
    expect(page.locator("#tokens [data-token-check]").first).to_contain_text("Valid")
    expect(page.get_by_role("button", name="Use the sandbox tenant")).to_have_count(1)
    # A template of one company on two platforms picks both (and is not offered for one alone).
    expect(page.locator("[name=template] option[value=startup-tech-okta-asana]")).to_have_count(0)
    page.goto(sandbox_server.base_url + "/#/new?template=startup-tech-okta-asana")
    expect(page.locator("form .platform-section")).to_have_count(2)
    expect(page.locator("[name=template]")).to_have_value("startup-tech-okta-asana")
    expect(page.locator("[name=initial_projects]")).to_have_value("4")
    assert page.errors == []  # type: ignore[attr-defined]


def test_google_workspaces_key_is_a_masked_box_and_its_section_starts_a_job(sandbox_server: RunningServer,
                                                                             page: Any) -> None:
    from playwright.sync_api import expect

    page.goto(sandbox_server.base_url + "/#/new")
    pick_several(page, "Google Workspace", "Asana")
    page.locator("label.choice", has_text="Okta").click()  # Google's people, Asana's work
    google = section(page, "google_workspace")
    expect(google).to_be_visible()
    expect(section(page, "okta")).to_have_count(0)
    box = google.locator("textarea[name=service_account_key]")
    expect(box).to_be_visible()
    assert box.evaluate("(el) => getComputedStyle(el).fontFamily").lower().find("mono") >= 0
    assert box.evaluate("(el) => getComputedStyle(el).webkitTextSecurity") == "disc"
    google.get_by_role("button", name="Use the sandbox tenant").click()
    section(page, "asana").get_by_role("button", name="Use the sandbox tenant").click()
    key = box.input_value()
    assert json.loads(key)["type"] == "service_account"
    expect(google.locator("[data-key-check]")).to_contain_text("A key of ")
    expect(google.locator("[data-token]")).to_have_count(0)  # the key is its credential: no token rows
    summary = page.locator("#summary")
    expect(summary.locator("[data-summary=tenant-google_workspace]")).to_contain_text("admin@")
    expect(summary.locator("[data-summary=tenant-google_workspace]")).to_contain_text("key given")
    assert "PRIVATE KEY" not in (summary.text_content() or "")
    google.get_by_role("button", name="Show").click()
    assert box.evaluate("(el) => getComputedStyle(el).webkitTextSecurity") == "none"
    asana_check = section(page, "asana").locator("[data-token-check]").first
    expect(asana_check).to_contain_text("Valid", timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "dashboard-new-job-google-asana.png"), full_page=True)
    page.fill("[name=initial_users]", "5")
    page.fill("[name=initial_projects]", "1")
    page.select_option("[name=time_scale]", "604800")

    with page.expect_request(START) as sent:
        page.locator("#start").click()
    body = json.loads(sent.value.post_data or "{}")
    assert [p["connection_type"] for p in body["platforms"]] == ["google_workspace", "asana"]
    google_entry = body["platforms"][0]
    assert json.loads(google_entry["service_account_key"])["type"] == "service_account"
    assert "user_tokens" not in google_entry
    page.wait_for_url("**/#/jobs/job_*", timeout=30_000)
    chips = page.locator("#job-sub .platform-chip")
    expect(chips).to_have_count(2)
    expect(chips.nth(0)).to_contain_text("Google Workspace")
    expect(page.locator("#config")).not_to_contain_text("PRIVATE KEY")
    assert page.errors == []  # type: ignore[attr-defined]


def test_one_platform_still_sends_the_seeds_body(sandbox_server: RunningServer, page: Any) -> None:
    from playwright.sync_api import expect

    tenants = sandbox_server.client.get("/api/sandbox").json()["tenants"]
    page.goto(sandbox_server.base_url + "/#/new")
    page.get_by_role("button", name="Use the sandbox tenant").click()
    expect(page.locator("#tokens [data-token-check]").first).to_contain_text("Valid", timeout=15_000)
    with page.expect_request(START) as sent:
        page.locator("#start").click()
    body = json.loads(sent.value.post_data or "{}")
    org_url = tenants["okta"]["org_url"]
    zone = body.pop("timezone")
    assert zone
    assert body == {
        "connection_type": "okta", "industry": "technology", "activity_level": "medium",
        "working_hours": "always", "time_scale": 3600, "content_provider": "offline", "max_api_capacity": 100,
        "job_name": "Sandbox Okta demo", "org_url": org_url, "org_size": "startup",
        "user_tokens": [{"name": "admin1", "token": tenants["okta"]["tokens"][0], "org_url": org_url}],
    }
    page.wait_for_url("**/#/jobs/job_*", timeout=30_000)
    expect(page.locator("#job-sub .platform")).to_contain_text("Okta")
    expect(page.locator("#job-sub .platform-chip")).to_have_count(0)
    job_id = page.url.rsplit("/", 1)[-1]
    sandbox_server.client.post(f"/api/jobs/{job_id}/stop")

    # Asana alone, as before: connection_type, workspace and tokens at the top.
    page.goto(sandbox_server.base_url + "/#/new?type=asana")
    page.get_by_role("button", name="Use the sandbox tenant").click()
    expect(page.locator("#tokens [data-token-check]").first).to_contain_text("Valid", timeout=15_000)
    with page.expect_request(START) as sent:
        page.locator("#start").click()
    body = json.loads(sent.value.post_data or "{}")
    assert body["connection_type"] == "asana" and "platforms" not in body
    assert body["workspace_gid"] == tenants["asana"]["workspaces"][0]["gid"]
    assert [t["name"] for t in body["user_tokens"]] == ["ava", "liam", "maya"]
    page.wait_for_url("**/#/jobs/job_*", timeout=30_000)
    wait_for(lambda: sandbox_server.client.get("/api/jobs").json()["jobs"], message="the Asana job")
    for job in sandbox_server.client.get("/api/jobs").json()["jobs"]:
        sandbox_server.client.post(f"/api/jobs/{job['job_id']}/stop")
    assert page.errors == []  # type: ignore[attr-defined]
