"""POST /api/jobs/start with ``platforms``: one company on the embedded Okta and Asana sandboxes.

What a user sees: the start is checked platform by platform (every problem said with its place), the
job view names its platforms, the Okta org holds the company's people with the Asana token owners among
them under the same addresses, the realism report measures both tenants, and cleanup removes what the
job made on each — the org and the workspace end as they began, read back through their APIs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from google.oauth2 import service_account
from googleapiclient.discovery import build

from tenantsim.cli import build_sandbox_apps
from tenantsim.sandbox.okta import DEFAULT_TOKEN
from tenantsim.settings import Settings
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import wait_for
from tests.support.servers import free_port


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    var_dir = tmp_path_factory.mktemp("multi")
    port = free_port()
    settings = Settings(var_dir=var_dir, port=port, sandbox_rate_limit=60_000)
    with running_server(var_dir, "", sandbox_apps=build_sandbox_apps(settings), port=port,
                        sandbox_rate_limit=60_000) as server:
        yield server


def entries(srv: RunningServer) -> dict[str, dict[str, Any]]:
    """Each sandbox tenant's own fields, as the new-job form fills them."""
    form = srv.client.get("/api/sandbox").json()["form"]
    org_url = form["okta"]["fields"]["org_url"]
    okta = {"connection_type": "okta", **form["okta"]["fields"],
            "user_tokens": [{**t, "org_url": org_url} for t in form["okta"]["user_tokens"]]}
    asana = {"connection_type": "asana", **form["asana"]["fields"],
             "workspace_gid": form["asana"]["options"]["workspace_gid"][0]["value"],
             "user_tokens": form["asana"]["user_tokens"]}
    return {"okta": okta, "asana": asana}


def okta_logins(srv: RunningServer, org_url: str) -> dict[str, dict[str, Any]]:
    users: list[dict[str, Any]] = []
    with httpx.Client(headers={"Authorization": f"SSWS {DEFAULT_TOKEN}"}, timeout=30) as api:
        for params in ({"limit": 200}, {"limit": 200, "filter": 'status eq "DEPROVISIONED"'}):
            response = api.get(f"{org_url}/api/v1/users", params=params)
            while True:
                users += response.json()
                nxt = response.links.get("next", {}).get("url")
                if not nxt:
                    break
                response = api.get(nxt)
    return {u["profile"]["login"]: u for u in users}


def asana_state(base_url: str, token: str, workspace: str) -> dict[str, Any]:
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as api:
        projects = api.get("/projects", params={"workspace": workspace, "limit": 100}).json()["data"]
        users = api.get(f"/workspaces/{workspace}/users", params={"opt_fields": "name,email"}).json()["data"]
    return {"projects": sorted(p["gid"] for p in projects), "users": users}


def test_problems_are_said_with_their_platform(srv: RunningServer) -> None:
    both = entries(srv)
    okta = {k: v for k, v in both["okta"].items() if k != "org_url"}
    body = {"industry": "technology", "content_provider": "offline",
            "platforms": [okta, both["asana"], {**both["asana"]}], "user_tokens": both["okta"]["user_tokens"]}
    answer = srv.client.post("/api/jobs/start", json=body)
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert "user_tokens belongs inside each entry of platforms, not beside it" in errors
    assert "platforms[2]: asana is listed twice (one tenant per platform)" in errors
    body.pop("user_tokens")
    body["platforms"] = [okta, both["asana"]]
    body["org_sise"] = "startup"
    errors = srv.client.post("/api/jobs/start", json=body).json()["errors"]
    assert errors[0].startswith("platforms[0] (okta): Missing required field for Okta: org_url")
    assert errors[-1] == "Unknown field: org_sise (did you mean org_size?)"
    assert srv.client.get("/api/jobs").json()["jobs"] == []  # nothing was started


def test_one_company_on_okta_and_asana(srv: RunningServer) -> None:
    both = entries(srv)
    org_url, asana = both["okta"]["org_url"], both["asana"]
    tokens = [t["token"] for t in asana["user_tokens"]]
    before_okta = set(okta_logins(srv, org_url))
    before_asana = asana_state(asana["base_url"], tokens[0], asana["workspace_gid"])
    body = {"industry": "technology", "org_size": "startup", "content_provider": "offline",
            "time_scale": 200_000, "platforms": [both["okta"], asana]}
    started = srv.client.post("/api/jobs/start", json=body)
    assert started.status_code == 200, started.text
    job_id = started.json()["job_id"]
    assert started.json()["connection_type"] == "okta"

    def lived() -> dict[str, Any] | None:
        view = srv.client.get(f"/api/jobs/{job_id}").json()
        assert view["status"] in ("pending", "running"), view.get("last_error")
        return view if view["seeded"] and view["events_total"] >= 20 else None

    view = wait_for(lived, timeout=180, message="the job to build on both platforms and live")
    assert view["platforms"] == ["okta", "asana"] and view["job_name"] == "Technology on Okta + Asana"
    assert not any(token in str(view) for token in tokens)  # each platform's tokens are sealed, masked
    assert srv.client.post(f"/api/jobs/{job_id}/pause").status_code == 200

    made = {login: u for login, u in okta_logins(srv, org_url).items() if login not in before_okta}
    assert len(made) >= 30  # the startup's people, not only the three token owners
    members = asana_state(asana["base_url"], tokens[0], asana["workspace_gid"])["users"]
    owners = [m for m in members if m["name"].split()[0].lower() in {t["name"] for t in asana["user_tokens"]}]
    assert len(owners) == 3
    for member in owners:  # the people the job acts as in Asana are the same people in Okta
        user = made.get(member["email"])
        assert user is not None, member
        assert f"{user['profile']['firstName']} {user['profile']['lastName']}" == member["name"]
        assert user["status"] == "ACTIVE"

    measured = srv.client.get(f"/api/jobs/{job_id}/realism").json()["measures"]
    assert {m["platform"] for m in measured} == {"okta", "asana"}

    result = srv.client.post(f"/api/jobs/{job_id}/cleanup").json()
    assert result["success"] is True and result["errors"] == [], result
    assert set(result["platforms"]) == {"okta", "asana"}
    assert result["users_deleted"] == len(made)
    assert set(okta_logins(srv, org_url)) == before_okta
    after = asana_state(asana["base_url"], tokens[0], asana["workspace_gid"])
    assert after["projects"] == before_asana["projects"]


def test_a_clone_onto_google_workspace_keeps_the_company(srv: RunningServer) -> None:
    """An Okta job's company, cloned onto the Google Workspace sandbox: the same people with the same
    departments, titles and managers, read back through the Directory API."""
    org_url = entries(srv)["okta"]["org_url"]
    okta = entries(srv)["okta"]
    before_okta = set(okta_logins(srv, org_url))
    body = {"industry": "retail", "org_size": "startup", "initial_users": 14, "content_provider": "offline",
            "time_scale": 1, **{k: v for k, v in okta.items()}}
    job_id = srv.client.post("/api/jobs/start", json=body).json()["job_id"]
    wait_for(lambda: srv.client.get(f"/api/jobs/{job_id}").json()["seeded"], timeout=120, message="build")
    assert srv.client.post(f"/api/jobs/{job_id}/stop").status_code == 200
    google = srv.client.get("/api/sandbox").json()["form"]["google_workspace"]["fields"]
    directory = google_directory(google)
    before_google = {u["primaryEmail"] for u in google_users(directory, google)}
    refused = srv.client.post(f"/api/jobs/{job_id}/clone", json={"connection_type": "google_workspace"})
    assert refused.status_code == 400
    assert "needs its own user_tokens or service_account_key" in refused.json()["error"]
    clone = srv.client.post(f"/api/jobs/{job_id}/clone",
                            json={"connection_type": "google_workspace", **google, "time_scale": 1})
    assert clone.status_code == 200, clone.text
    clone_id = clone.json()["job_id"]
    wait_for(lambda: srv.client.get(f"/api/jobs/{clone_id}").json()["seeded"], timeout=120, message="clone")
    assert srv.client.post(f"/api/jobs/{clone_id}/stop").status_code == 200

    in_okta = {}
    everyone = okta_logins(srv, org_url)
    by_id = {u["id"]: login for login, u in everyone.items()}
    for login, user in everyone.items():
        if login not in before_okta and user["status"] == "ACTIVE":
            profile = user["profile"]
            manager = by_id.get(profile.get("managerId") or "")
            in_okta[login.split("@")[0]] = (profile["department"], profile["title"],
                                            manager.split("@")[0] if manager else None)
    in_google = {}
    for user in google_users(directory, google):
        org = (user.get("organizations") or [{}])[0]
        if user["suspended"] or user["primaryEmail"] in before_google:
            continue
        manager = next((r["value"] for r in user.get("relations") or [] if r["type"] == "manager"), None)
        in_google[user["primaryEmail"].split("@")[0]] = (org["department"], org["title"],
                                                         manager.split("@")[0] if manager else None)
    assert len(in_okta) >= 12 and in_google == in_okta
    for job in (clone_id, job_id):
        assert srv.client.post(f"/api/jobs/{job}/cleanup").json()["errors"] == []
    assert {u["primaryEmail"] for u in google_users(directory, google)} == before_google


def google_directory(fields: dict[str, Any]) -> Any:
    """The sandbox tenant through Google's own client, as the service account acting for the admin."""
    key = json.loads(fields["service_account_key"])
    credentials = service_account.Credentials.from_service_account_info(
        key, scopes=["https://www.googleapis.com/auth/admin.directory.user"]).with_subject(fields["admin_email"])
    return build("admin", "directory_v1", credentials=credentials, static_discovery=True,
                 cache_discovery=False, client_options={"api_endpoint": fields["api_base_url"] + "/"})


def google_users(directory: Any, fields: dict[str, Any]) -> list[dict[str, Any]]:
    request = directory.users().list(customer=fields["customer"], maxResults=500, projection="full")
    users: list[dict[str, Any]] = []
    while request is not None:
        page = request.execute()
        users += page.get("users", [])
        request = directory.users().list_next(request, page)
    return users
