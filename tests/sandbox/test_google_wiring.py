"""The Google Workspace emulator as a product: describe() and its job object, persistence, mounting under
the tenantsim server, the CLI, and the job objects of the Okta and Asana emulators."""

from __future__ import annotations

from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount
from typer.testing import CliRunner

from tenantsim.cli import app as cli_app
from tenantsim.cli import build_sandbox_apps
from tenantsim.sandbox.asana import create_app as create_asana
from tenantsim.sandbox.google import create_app
from tenantsim.sandbox.okta import create_app as create_okta
from tenantsim.settings import Settings
from tests.sandbox.google_support import CALENDAR_SCOPES, CheckedHttp, Session, bearer
from tests.support.apiserver import running_server
from tests.support.servers import serve_asgi

BASE = "http://127.0.0.1:5103"


def test_describe_holds_exactly_what_a_google_workspace_job_needs() -> None:
    sandbox = create_app(seed=7, users=3)
    described = sandbox.describe(BASE + "/")
    job = described["job"]
    assert set(job) == {"connection_type", "customer", "domain", "admin_email", "service_account_key",
                        "api_base_url"}
    assert job["connection_type"] == "google_workspace" and job["api_base_url"] == BASE
    assert job["customer"].startswith("C0") and job["customer"] == described["customer_id"]
    assert described["customer"] == "my_customer"
    assert job["domain"] == "sandbox-corp.example.com"
    assert job["admin_email"] == "admin@sandbox-corp.example.com"
    key = job["service_account_key"]
    assert {"type", "project_id", "private_key_id", "private_key", "client_email", "client_id",
            "token_uri"} <= set(key)
    assert key["type"] == "service_account" and key["token_uri"] == BASE + "/token"
    assert key["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    assert key["client_email"].endswith(".iam.gserviceaccount.com")
    assert described["counts"] == {"users": 4, "groups": 4, "org_units": 6}
    assert (described["rate_limit"], described["project_rate_limit"]) == (2400, 24000)  # Google's defaults
    # The same seed gives the same tenant and key on every run, another seed another one.
    assert create_app(seed=7, users=3).describe(BASE)["job"] == job
    other = create_app(seed=8, users=3).describe(BASE)["job"]
    assert other["service_account_key"]["private_key"] != key["private_key"]
    assert other["customer"] != job["customer"]


def test_persistence_round_trip(tmp_path: Path) -> None:
    state = tmp_path / "google.json"
    sandbox = create_app(users=4, state_path=state)
    with serve_asgi(sandbox) as base, httpx.Client(base_url=base, timeout=10) as http:
        info = sandbox.service_account_info(base)
        admin = bearer(http, info, sub=sandbox.tenant.admin_email)
        made = http.post("/admin/directory/v1/users", headers=admin, json={
            "primaryEmail": "kept.person@sandbox-corp.example.com", "password": "Correct-Horse-42",
            "name": {"givenName": "Kept", "familyName": "Person"},
            "relations": [{"type": "manager", "value": sandbox.tenant.admin_email}]}).json()
        http.post("/admin/directory/v1/customer/my_customer/orgunits", headers=admin,
                  json={"name": "Kept Unit", "parentOrgUnitPath": "/"})
        group = http.post("/admin/directory/v1/groups", headers=admin,
                          json={"email": "kept@sandbox-corp.example.com", "name": "Kept"}).json()
        http.post(f"/admin/directory/v1/groups/{group['id']}/members", headers=admin,
                  json={"email": made["primaryEmail"]})
        theirs = bearer(http, info, sub=made["primaryEmail"], scope=" ".join(CALENDAR_SCOPES))
        event = http.post("/calendar/v3/calendars/primary/events", headers=theirs, json={
            "summary": "Kept meeting", "start": {"dateTime": "2026-04-01T10:00:00Z"},
            "end": {"dateTime": "2026-04-01T11:00:00Z"}}).json()
    sandbox.save()
    saved = state.read_text()
    assert "PRIVATE KEY" not in saved and "ya29." not in saved  # keys come from the seed, tokens die

    restored = create_app(users=4, state_path=state)
    tenant = restored.tenant
    kept = tenant.find_user("kept.person@sandbox-corp.example.com")
    assert kept is not None and kept.id == made["id"] and kept.manager_email() == tenant.admin_email
    assert tenant.find_org_unit("/Kept Unit") is not None
    assert kept.id in tenant.members[group["id"]]
    calendar = tenant.events["kept.person@sandbox-corp.example.com"]
    assert calendar[event["id"]].data["summary"] == "Kept meeting"
    with serve_asgi(restored) as base:
        session = Session(restored, base, CheckedHttp(base))
        fresh = session.directory().users().insert(body={
            "primaryEmail": "new.person@sandbox-corp.example.com", "password": "Correct-Horse-42",
            "name": {"givenName": "New", "familyName": "Person"}}).execute()
        assert fresh["id"] in restored.tenant.users and len(restored.tenant.users) == 7  # admin, 4, kept, new
    # Another domain is another tenant: the file is not restored, and is kept aside on the first save.
    other = create_app(users=4, domain="elsewhere.example.org", state_path=state)
    assert other.tenant.find_user("kept.person@sandbox-corp.example.com") is None


def test_mounted_under_a_prefix_the_official_client_reaches_it() -> None:
    sandbox = create_app(users=3)
    host = Starlette(routes=[Mount("/sandbox/google", app=sandbox)])
    with serve_asgi(host) as root:
        base = root + "/sandbox/google"
        session = Session(sandbox, base, CheckedHttp(base))
        assert session.info["token_uri"] == base + "/token"
        page = session.directory().users().list(customer="my_customer").execute()
        assert len(page["users"]) == 4
        assert "items" in session.calendar().events().list(calendarId="primary").execute()


def test_the_server_embeds_it_and_api_sandbox_lists_it(tmp_path: Path) -> None:
    apps = build_sandbox_apps(Settings(var_dir=tmp_path, sandbox_users=3))
    assert set(apps) >= {"okta", "asana", "google"}
    with running_server(tmp_path, sandbox_apps=apps) as srv:
        listed = srv.client.get("/api/sandbox")
        assert listed.status_code == 200, listed.text
        google = listed.json()["tenants"]["google"]
        assert google["job"]["api_base_url"] == f"http://127.0.0.1:{srv.settings.port}/sandbox/google"
        described = srv.client.get("/sandbox/google/_sandbox/describe").json()
        assert described["job"]["customer"] == google["job"]["customer"]


def test_okta_and_asana_describe_name_their_job_fields() -> None:
    okta = create_okta(tokens=["00first", "00second"], users=2).describe(BASE + "/sandbox/okta")
    assert okta["job"] == {"connection_type": "okta", "org_url": BASE + "/sandbox/okta", "user_tokens": [
        {"name": "admin1", "token": "00first", "org_url": BASE + "/sandbox/okta"},
        {"name": "admin2", "token": "00second", "org_url": BASE + "/sandbox/okta"}]}
    asana = create_asana(users=3).describe(BASE + "/sandbox/asana")
    job = asana["job"]
    assert job["connection_type"] == "asana" and job["workspace_gid"] == asana["workspaces"][0]["gid"]
    assert job["base_url"] == BASE + "/sandbox/asana/api/1.0"
    assert [t["token"] for t in job["user_tokens"]] == [u["token"] for u in asana["users"] if u["token"]]
    assert all(set(t) == {"name", "token"} and t["name"] for t in job["user_tokens"])


def test_the_cli_has_a_google_sandbox_command() -> None:
    result = CliRunner().invoke(cli_app, ["sandbox", "google", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output and "--rate-limit" in result.output
