"""/api/okta/*, /api/validate_token and a whole Okta job through the real app, against the emulator
mounted in the server at /sandbox/okta (sandbox mode, so the loopback org URL is accepted)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tenantsim.sandbox.okta import DEFAULT_TOKEN, OktaSandbox, create_app
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import okta_body, wait_for


@pytest.fixture(scope="module")
def sandbox() -> OktaSandbox:
    return create_app(users=260, seed=5, window_seconds=1.0)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sandbox: OktaSandbox) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("okta-api"), sandbox_apps={"okta": sandbox}) as srv:
        yield srv


@pytest.fixture
def org_url(server: RunningServer) -> str:
    return f"{server.base_url}/sandbox/okta"


def test_orgs_describes_the_org_and_its_admin(server: RunningServer, org_url: str) -> None:
    body = server.client.post("/api/okta/orgs", json={"token": DEFAULT_TOKEN, "org_url": org_url}).json()
    assert body["success"] is True
    org = body["org"]
    assert org["org_url"] == org_url and org["accessible"] is True and org["org_name"] == "sandbox"
    assert org["authenticated_user"] == {"name": "Sandbox Admin", "email": "admin@sandbox-corp.example.com"}


def test_users_follows_pages_up_to_the_limit(server: RunningServer, org_url: str) -> None:
    body = server.client.post("/api/okta/users", json={"token": DEFAULT_TOKEN, "org_url": org_url,
                                                       "limit": 250}).json()
    assert body["success"] is True and body["total"] == 250 == len(body["users"])
    assert len({u["id"] for u in body["users"]}) == 250  # two Okta pages (max 200 each), no repeats
    assert set(body["users"][0]) == {"id", "name", "email", "login", "status", "created", "lastUpdated"}
    default = server.client.post("/api/okta/users", json={"token": DEFAULT_TOKEN, "org_url": org_url}).json()
    assert default["total"] == 50


def test_apps_and_groups_have_the_seed_shapes(server: RunningServer, org_url: str) -> None:
    apps = server.client.post("/api/okta/apps", json={"token": DEFAULT_TOKEN, "org_url": org_url,
                                                      "limit": 5}).json()
    assert apps["total"] == 5
    assert set(apps["apps"][0]) == {"id", "name", "label", "status", "created", "lastUpdated"}
    groups = server.client.post("/api/okta/groups", json={"token": DEFAULT_TOKEN, "org_url": org_url}).json()
    assert "Everyone" in [g["name"] for g in groups["groups"]]
    assert set(groups["groups"][0]) == {"id", "name", "description", "type", "created", "lastUpdated"}


@pytest.mark.parametrize(("body", "status", "error"), [
    ({"org_url": "https://dev-1.okta.com"}, 400, "Missing required field: token"),
    ({"token": "x"}, 400, "Missing required field: org_url"),
    ({"token": "x", "org_url": "https://evil.example.net"}, 400, None),
    ({"token": "x", "org_url": "https://dev-1.okta.com", "limit": 0}, 400, None),
    ({"token": "x", "org_url": "https://dev-1.okta.com", "limit": 1001}, 400, None),
])
def test_bad_requests_get_the_error_envelope(server: RunningServer, body: dict, status: int,
                                             error: str | None) -> None:
    response = server.client.post("/api/okta/users", json=body)
    assert response.status_code == status
    assert response.json()["success"] is False
    if error:
        assert response.json()["error"] == error


def test_a_refused_token_is_401_and_never_echoed(server: RunningServer, org_url: str) -> None:
    response = server.client.post("/api/okta/apps", json={"token": "00secret-wrong", "org_url": org_url})
    assert response.status_code == 401
    assert "00secret-wrong" not in response.text


def test_validate_token_for_okta(server: RunningServer, org_url: str) -> None:
    body = server.client.post("/api/validate_token", json={"connection_type": "okta", "token": DEFAULT_TOKEN,
                                                           "org_url": org_url}).json()
    assert body["valid"] is True and body["connection_type"] == "okta"
    assert body["user"]["email"] == "admin@sandbox-corp.example.com" and body["user"]["id"].startswith("00u")


def test_a_job_builds_the_company_and_cleanup_removes_it(server: RunningServer, sandbox: OktaSandbox,
                                                         org_url: str) -> None:
    before = set(sandbox.org.users)
    start = server.client.post("/api/jobs/start", json=okta_body(
        org_url=org_url, org_size="startup", initial_users=None, time_scale=1e6, activity_level="high",
        user_tokens=[{"name": "admin", "token": DEFAULT_TOKEN, "org_url": org_url}]))
    assert start.status_code == 200, start.text
    job_id = start.json()["job_id"]
    wait_for(lambda: len(set(sandbox.org.users) - before) >= 30, timeout=60, message="startup headcount")
    made = set(sandbox.org.users) - before
    result = server.client.post(f"/api/jobs/{job_id}/cleanup").json()
    assert result["success"] is True, result
    assert set(sandbox.org.users) == before, result  # what the org holds, whatever the counts say
    assert result["errors"] == [] and result["users_deleted"] >= len(made), (len(made), result)


def test_a_service_app_is_checked_and_runs_a_job_whose_key_is_never_shown(
        server: RunningServer, sandbox: OktaSandbox, org_url: str) -> None:
    app = sandbox.describe(org_url)["service_app"]
    assert app is not None
    key = app["private_key"]
    checked = server.client.post("/api/validate_token", json={
        "connection_type": "okta", "org_url": org_url, "client_id": app["client_id"], "private_key": key})
    assert checked.status_code == 200, checked.text
    assert checked.json()["user"]["id"] == app["client_id"] and key["d"] not in checked.text
    before = set(sandbox.org.users)
    entry = {"name": "svc", "org_url": org_url, "client_id": app["client_id"], "private_key": key}
    start = server.client.post("/api/jobs/start", json=okta_body(
        org_url=org_url, org_size="startup", initial_users=12, time_scale=1e6, user_tokens=[entry],
        custom_attributes=["employeeType", "startDate"]))
    assert start.status_code == 200, start.text
    job_id = start.json()["job_id"]
    wait_for(lambda: len(set(sandbox.org.users) - before) >= 12, timeout=60, message="the people")
    shown = server.client.get(f"/api/jobs/{job_id}").text
    assert key["d"] not in shown and key["p"] not in shown and key["q"] not in shown
    made = [sandbox.org.users[u] for u in set(sandbox.org.users) - before]
    assert all(u.profile.get("employeeType") and u.profile.get("startDate") for u in made)
    result = server.client.post(f"/api/jobs/{job_id}/cleanup").json()
    assert result["success"] is True and result["errors"] == [], result
    assert result["attributes_removed"] == 2 and set(sandbox.org.users) == before
    assert sandbox.org.schema.custom == {}
    bad = server.client.post("/api/jobs/start", json=okta_body(
        org_url=org_url, user_tokens=[{**entry, "private_key": "-----BEGIN PRIVATE KEY-----\nnot a key\n"
                                                                 "-----END PRIVATE KEY-----"}]))
    assert bad.status_code == 400 and "Invalid private_key" in bad.json()["error"]
    assert "not a key" not in bad.text
