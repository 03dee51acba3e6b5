"""The dashboard's rough edges, as a new user meets them: a job that does not exist, chart colours,
the rate-limit panels, figures of a finished job, long numbers, long URLs, the token rows, and the
header on a phone."""

from __future__ import annotations

import re
from typing import Any

from tenantsim.scenario.events import ACCESS_KINDS, HR_KINDS
from tenantsim.store import activity_repo
from tests.browser.support import ARTIFACTS, needs_chromium
from tests.support.apiserver import RunningServer
from tests.support.bodies import okta_body, wait_for
from tests.support.servers import free_port

pytestmark = needs_chromium

# Where each line of an element's text ends: the character before every line break.
LINE_ENDS = """(el) => {
  const ends = [];
  let top = null, previous = "";
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      if (!rect) continue;
      if (top !== null && rect.top > top + 2) ends.push(previous);
      top = rect.top;
      previous = node.data[i];
    }
  }
  return ends;
}"""


def test_a_job_that_does_not_exist_says_so(fake_server: RunningServer, page: Any) -> None:
    from playwright.sync_api import expect

    page.goto(f"{fake_server.base_url}/#/jobs/job_doesnotexist")
    expect(page.locator("#not-found")).to_contain_text("There is no job job_doesnotexist")
    expect(page.locator("h1")).to_have_text("Job not found")
    expect(page.get_by_text("Loading…")).to_have_count(0)
    expect(page.locator("#build-panel")).to_have_count(0)  # no empty cards waiting for it
    page.get_by_role("link", name="Back to all jobs").click()
    expect(page.get_by_text("No jobs yet")).to_be_visible()
    assert page.errors == []  # type: ignore[attr-defined]


def test_each_event_type_has_its_own_colour(fake_server: RunningServer, page: Any) -> None:
    from playwright.sync_api import expect

    job_id = fake_server.client.post("/api/jobs/start", json=okta_body(time_scale=1)).json()["job_id"]
    fake_server.client.post(f"/api/jobs/{job_id}/stop")
    kinds = (*HR_KINDS, *ACCESS_KINDS)  # an Okta job's events: hires, departures, … MFA enrolment
    engine = fake_server.app.state.engine
    for kind in kinds:
        for _ in range(5):  # the busiest types, so each has its place in the legend
            activity_repo.append(engine, job_id, kind, f"Something of kind {kind} happened.")

    page.goto(fake_server.base_url + "/")
    legend = page.locator("#events-chart .legend span")
    expect(legend.first).to_be_visible()
    shown = {item.text_content(): item.get_attribute("style") for item in legend.all()}
    def plain(name: str) -> str:
        return re.sub(r"[^a-z]", "", name.lower())

    assert {plain(k) for k in kinds} <= {plain(k) for k in shown}
    assert len(set(shown.values())) == len(shown), f"two event types share a colour: {shown}"

    page.goto(f"{fake_server.base_url}/#/jobs/{job_id}")
    expect(page.locator("#log li[data-entry]").first).to_be_visible()
    colours: dict[str, set[str]] = {}
    for tag in page.locator("#log .etype").all():
        colours.setdefault(tag.get_attribute("title") or "", set()).add(tag.get_attribute("style") or "")
    assert set(kinds) <= set(colours)
    assert all(len(c) == 1 for c in colours.values()), "a type changed colour between log lines"
    assert len({next(iter(c)) for c in colours.values()}) == len(colours), f"shared colours: {colours}"
    assert page.errors == []  # type: ignore[attr-defined]


def _sandbox_jobs(srv: RunningServer) -> tuple[str, str, str]:
    sandbox = srv.client.get("/api/sandbox").json()
    okta = sandbox["tenants"]["okta"]
    org_url = okta["org_url"]
    okta_job = srv.client.post("/api/jobs/start", json=okta_body(
        org_url=org_url, org_size="startup", initial_users=4, time_scale=604800, working_hours="always",
        user_tokens=[{"name": "admin", "token": okta["tokens"][0], "org_url": org_url}])).json()["job_id"]
    asana = sandbox["form"]["asana"]
    workspace = asana["options"]["workspace_gid"][0]["value"]
    asana_job = srv.client.post("/api/jobs/start", json={
        **asana["fields"], "workspace_gid": workspace, "user_tokens": asana["user_tokens"],
        "industry": "media", "initial_projects": 1, "content_provider": "offline", "time_scale": 3600,
        "working_hours": "always",
    }).json()["job_id"]
    for job_id in (okta_job, asana_job):
        wait_for(lambda job_id=job_id: srv.client.get(f"/api/jobs/{job_id}").json()["seeded"], timeout=90,
                 message="the build")
    return okta_job, asana_job, org_url


def test_rate_limits_finished_jobs_long_numbers_and_urls(sandbox_server: RunningServer, page: Any) -> None:
    from playwright.sync_api import Route, expect

    srv = sandbox_server
    # Token checks against tenants no job works in: a refused Okta org, a refused Asana.
    for body in ({"token": "00abc", "org_url": "http://127.0.0.1:9"},
                 {"api_key": "1/abc", "base_url": f"http://127.0.0.1:{free_port()}/api/1.0"}):
        assert srv.client.post("/api/validate_token", json=body).status_code == 502
    okta_job, asana_job, org_url = _sandbox_jobs(srv)
    job_tenants = {f"okta:{org_url.split('://')[1]}", f"asana:{org_url.split('/')[2]}"}
    listed = srv.client.get("/api/ratelimits").json()["tenants"]
    assert {row["tenant"] for row in listed} == job_tenants

    # The overview's panel: the tenants of jobs, and only them.
    page.goto(srv.base_url + "/")
    heads = page.locator("#rate-chart .rl-tenant-head")
    expect(heads).to_have_count(2)
    assert {h.get_attribute("title") for h in heads.all()} == job_tenants

    # Asana reports no limit in its headers: its panel shows what the budget knows, as the list does.
    page.goto(f"{srv.base_url}/#/jobs/{asana_job}")
    left = page.locator("#limits [data-bucket] .rl-left")
    expect(left.first).to_have_text(re.compile(r"^[\d,]+/[\d,]+ left$"))
    expect(page.locator("#limits")).not_to_contain_text("no limit")
    expect(page.locator("#figures [data-figure=headroom]")).to_have_text(re.compile(r"\d+%$"))
    width = page.locator("#limits .rl-bar > i").first.evaluate("(el) => el.style.width")
    assert width.endswith("%") and float(width[:-1]) > 0

    # The org URL wraps only after its separators, never inside a word.
    page.goto(f"{srv.base_url}/#/jobs/{okta_job}")
    org = page.locator("#config [data-config=org_url]")
    expect(org).to_have_text(org_url)
    assert set(org.evaluate(LINE_ENDS)) <= {"/", ".", ":"}
    page.goto(f"{srv.base_url}/#/new?sandbox=1")
    tenant = page.locator("#summary [data-summary=tenant]")
    expect(tenant).to_have_text(org_url)
    assert set(tenant.evaluate(LINE_ENDS)) <= {"/", ".", ":"}

    # A cleaned job has no events per hour and no rate-limit head-room, on the list or its page.
    assert srv.client.post(f"/api/jobs/{okta_job}/cleanup").json()["success"] is True
    page.goto(f"{srv.base_url}/#/jobs/{okta_job}")
    expect(page.locator("#job-sub .status")).to_have_text("cleaned")
    expect(page.locator("#figures [data-figure=events-per-hour]")).to_have_text("–")
    expect(page.locator("#figures [data-figure=headroom]")).to_have_text("–")

    # A fast job's rate, rounded to what a person reads: "26.7K", not "26,736.1".
    def fast(route: Route) -> None:
        data = route.fetch().json()
        for job in data["jobs"]:
            if job["job_id"] == asana_job:
                job["events_per_hour"] = 26736.1
        route.fulfill(json=data)

    page.route("**/api/overview*", fast)
    page.goto(srv.base_url + "/")
    cleaned = page.locator(f"tr[data-id='{okta_job}']")
    expect(cleaned.locator(".status")).to_have_text("cleaned")
    expect(cleaned.locator("[data-col=events-per-hour]")).to_have_text("–")
    expect(cleaned.locator("[data-col=headroom]")).to_have_text("–")
    running = page.locator(f"tr[data-id='{asana_job}']")
    expect(running.locator("[data-col=events-per-hour]")).to_have_text("26.7K")
    expect(page.locator("[data-stat=events-per-hour] .stat-value")).to_have_text("26.7K")
    expect(running.locator("[data-col=headroom]")).not_to_have_text("–")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-jobs-two-platforms.png"), full_page=True)
    srv.client.post(f"/api/jobs/{asana_job}/stop")
    assert page.errors == []  # type: ignore[attr-defined]


def test_every_token_row_can_be_removed(fake_server: RunningServer, page: Any) -> None:
    from playwright.sync_api import expect

    page.goto(f"{fake_server.base_url}/#/new")
    rows = page.locator("#tokens [data-token]")
    expect(rows).to_have_count(1)
    first = rows.first
    expect(first.get_by_role("button", name="Remove")).to_be_visible()
    first.locator("[name=token_value]").fill("good-first")
    first.get_by_role("button", name="Remove").click()
    expect(rows).to_have_count(1)  # the last row goes, and an empty one is there to type into
    expect(rows.first.locator("[name=token_value]")).to_have_value("")

    rows.first.locator("[name=token_value]").fill("good-one")
    page.get_by_role("button", name="Add another token").click()
    expect(rows).to_have_count(2)
    rows.nth(1).locator("[name=token_value]").fill("good-two")
    rows.first.get_by_role("button", name="Remove").click()
    expect(rows).to_have_count(1)
    expect(rows.first.locator("[name=token_value]")).to_have_value("good-two")
    assert page.errors == []  # type: ignore[attr-defined]


def test_the_header_fits_one_row_on_a_phone(sandbox_server: RunningServer, browser: Any) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(sandbox_server.base_url + "/")
        expect(page.locator("#sandbox-badge")).to_be_visible()
        expect(page.locator("#health")).to_have_class(re.compile(r"\bok\b"))
        bar = page.locator("header.topbar")
        box = bar.bounding_box()
        assert box is not None and box["height"] <= 56
        overflow = bar.evaluate("(el) => el.scrollWidth - el.clientWidth")
        assert overflow <= 0, f"the header is {overflow}px wider than the phone"
        for part in ("header .brand", "header .nav a >> nth=0", "header .nav a >> nth=1", "#sandbox-badge"):
            inner = page.locator(part).bounding_box()
            assert inner is not None
            assert inner["y"] >= box["y"] and inner["y"] + inner["height"] <= box["y"] + box["height"], part
            assert inner["x"] + inner["width"] <= 360, f"{part} is off the screen"
            assert page.locator(part).evaluate(LINE_ENDS) == [], f"{part} wraps"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"))
    finally:
        context.close()

