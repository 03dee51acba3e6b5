"""The Microsoft 365 emulator as a product: Graph's throttling (resource units, Retry-After, the throttle
headers, per-channel message limits), faults, stats and reset, describe() and its job object, persistence,
mounting under the tenantsim server and the CLI."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from typer.testing import CliRunner

from tenantsim.cli import app as cli_app
from tenantsim.cli import build_sandbox_apps
from tenantsim.sandbox.m365 import create_app
from tenantsim.settings import Settings
from tests.sandbox.m365_support import Session, open_session
from tests.support.apiserver import running_server
from tests.support.clock import Clock

BASE = "http://127.0.0.1:5105"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def session(tmp_path_factory: pytest.TempPathFactory, clock: Clock) -> Iterator[Session]:
    sandbox = create_app(users=4, rate_limit=10, channel_rate_limit=3, clock=clock)
    with open_session(sandbox, tmp_path_factory.getbasetemp()) as opened:
        yield opened


# -- throttling ----------------------------------------------------------------------------------------
def test_directory_calls_spend_resource_units_and_get_429_with_retry_after(
    session: Session, clock: Clock
) -> None:
    with session.http(session.app_token()) as http:
        listed = http.get("/v1.0/users")
        assert listed.headers["x-ms-resource-unit"] == "2"  # a list costs two units
        assert "x-ms-throttle-limit-percentage" not in listed.headers
        one = http.get(f"/v1.0/users/admin@{session.described['domain']}", params={"$select": "id"})
        assert one.headers["x-ms-resource-unit"] == "1"  # $select never takes a call below one
        for _ in range(3):
            http.get("/v1.0/users")  # 3 + 6 = 9 of 10 units
        warned = http.get("/v1.0/users/" + session.described["users"][0]["id"])
        assert warned.status_code == 200 and warned.headers["x-ms-throttle-limit-percentage"] == "1.0"
        throttled = http.get("/v1.0/users")
        assert throttled.status_code == 429
        assert 1 <= int(throttled.headers["Retry-After"]) <= 10
        assert throttled.json()["error"]["code"] == "Request_ThrottledTemporarily"
        assert throttled.headers["request-id"]
        # Teams and Planner are not metered in the directory's units.
        assert http.get(f"/v1.0/teams/{next(iter(session.sandbox.tenant.teams))}").status_code == 200
        clock.now += 10  # the next window: no sleeping
        assert http.get("/v1.0/users").status_code == 200
    stats = session.sandbox.stats.as_dict()["buckets"]
    assert stats["user"]["throttled"] == 1


def test_the_sdk_sees_the_429(session: Session) -> None:
    graph = session.graph(session.secret_credential())

    async def scenario() -> ODataError:
        for _ in range(5):
            await graph.users.get()
        with pytest.raises(ODataError) as throttled:
            await graph.users.get()
        return throttled.value

    error = asyncio.run(scenario())
    assert error.response_status_code == 429
    assert error.response_headers is not None and "retry-after" in {k.lower() for k in error.response_headers}


def test_messages_are_limited_per_channel(session: Session, clock: Clock) -> None:
    tenant = session.sandbox.tenant
    team = next(iter(tenant.teams.values()))
    announcements = next(c for c in tenant.channels.values() if c.display_name == "Announcements")
    token = session.described["users"][1]["token"]
    with session.http(token) as http:
        for _ in range(3):
            ok = http.post(
                f"/v1.0/teams/{team.id}/channels/{team.internal_id}/messages",
                json={"body": {"content": "hello"}},
            )
            assert ok.status_code == 201
        limited = http.post(
            f"/v1.0/teams/{team.id}/channels/{team.internal_id}/messages", json={"body": {"content": "hello"}}
        )
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        assert limited.json()["error"]["code"] == "TooManyRequests"
        other = http.post(
            f"/v1.0/teams/{team.id}/channels/{announcements.id}/messages",
            json={"body": {"content": "another channel"}},
        )
        assert other.status_code == 201
        clock.now += 10
        assert (
            http.post(
                f"/v1.0/teams/{team.id}/channels/{team.internal_id}/messages",
                json={"body": {"content": "later"}},
            ).status_code
            == 201
        )


def test_the_budget_follows_the_tenant_size() -> None:
    assert create_app(users=10).describe(BASE)["rate_limit"] == 3500
    assert create_app(users=60).describe(BASE)["rate_limit"] == 5000
    assert create_app(users=4, rate_limit=42).describe(BASE)["rate_limit"] == 42


# -- faults, stats, reset ---------------------------------------------------------------------------------
def test_a_lost_answer_still_makes_the_change(session: Session) -> None:
    """``lost``: the group is created and kept, and the connection drops before the answer."""
    with session.http() as admin, session.http(session.app_token()) as http:
        admin.post("/_sandbox/faults", json={"fault_rate": 1.0, "kinds": ["lost"]})
        with pytest.raises(httpx.TransportError):
            http.post("/v1.0/groups", json={"displayName": "Lost Answer", "mailEnabled": False,
                                           "mailNickname": "lostanswer", "securityEnabled": True})
        admin.post("/_sandbox/faults", json={"fault_rate": 0.0})
        found = http.get("/v1.0/groups", params={"$filter": "displayName eq 'Lost Answer'"})
        assert [g["mailNickname"] for g in found.json()["value"]] == ["lostanswer"]


def test_faults_stats_and_reset(session: Session) -> None:
    with session.http() as admin, session.http(session.app_token()) as http:
        assert admin.post("/_sandbox/faults", json={"fault_rate": 1.0, "kinds": ["error"]}).status_code == 200
        failed = http.get("/v1.0/groups")
        assert failed.status_code == 503 and failed.json()["error"]["code"] == "serviceNotAvailable"
        assert failed.headers["Retry-After"]
        admin.post("/_sandbox/faults", json={"fault_rate": 0.0})
        made = http.post(
            "/v1.0/groups",
            json={
                "displayName": "Temp",
                "mailEnabled": False,
                "mailNickname": "temp",
                "securityEnabled": True,
            },
        )
        assert made.status_code == 201
        stats = admin.get("/_sandbox/stats").json()
        assert stats["stats"]["buckets"]["group"]["faults"] == 1 and stats["groups"] >= 1
        reset = admin.post("/_sandbox/reset").json()
        assert reset["reset"] is True and "job" not in reset and "client_secret" not in reset
        assert http.get(f"/v1.0/groups/{made.json()['id']}").status_code == 404
        # Tokens are not tenant data: the app's token still works after a reset.
        assert http.get("/v1.0/users").status_code == 200


# -- describe and the job ---------------------------------------------------------------------------------
def test_describe_holds_exactly_what_a_microsoft365_job_needs() -> None:
    sandbox = create_app(seed=7, users=3)
    described = sandbox.describe(BASE + "/")
    job = described["job"]
    assert set(job) == {
        "connection_type",
        "tenant_id",
        "client_id",
        "client_secret",
        "domain",
        "api_base_url",
        "user_tokens",
    }
    assert job["connection_type"] == "microsoft365" and job["api_base_url"] == BASE
    assert job["tenant_id"] == described["tenant_id"] and job["client_id"] == described["client_id"]
    assert job["domain"] == "sandbox-corp.example.com"
    assert described["graph_base_url"] == BASE + "/v1.0"
    assert described["token_endpoint"] == f"{BASE}/{job['tenant_id']}/oauth2/v2.0/token"
    assert [t["name"] for t in job["user_tokens"]] == [u["name"] for u in described["users"]]
    assert len(job["user_tokens"]) == 4 and job["user_tokens"][0]["name"] == "Sandbox Admin"
    assert all(set(t) == {"name", "token"} for t in job["user_tokens"])
    claims = jwt.decode(job["user_tokens"][1]["token"], options={"verify_signature": False})
    assert claims["oid"] == described["users"][1]["id"] and claims["idtyp"] == "user"
    # All Company, IT Admins and one security group per department of the three people.
    assert described["counts"] == {"users": 4, "groups": 5, "teams": 1, "plans": 1}
    # The same seed gives the same tenant, app and tokens on every run; another seed another one.
    assert create_app(seed=7, users=3).describe(BASE)["job"] == job
    other = create_app(seed=8, users=3).describe(BASE)["job"]
    assert other["tenant_id"] != job["tenant_id"] and other["client_secret"] != job["client_secret"]


def test_persistence_round_trip(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    state = tmp_path / "m365.json"
    sandbox = create_app(users=4, state_path=state)
    with open_session(sandbox, tmp_path_factory.getbasetemp()) as session:
        with session.http(session.app_token()) as http:
            made = http.post(
                "/v1.0/users",
                json={
                    "accountEnabled": True,
                    "displayName": "Kept Person",
                    "mailNickname": "kept.person",
                    "userPrincipalName": "kept.person@sandbox-corp.example.com",
                    "passwordProfile": {"password": "Correct-Horse-42"},
                },
            ).json()
            http.put(
                f"/v1.0/users/{made['id']}/manager/$ref",
                json={
                    "@odata.id": f"https://graph.microsoft.com/v1.0/users/{session.described['users'][0]['id']}"
                },
            )
            group = http.post(
                "/v1.0/groups",
                json={
                    "displayName": "Kept",
                    "mailEnabled": True,
                    "mailNickname": "kept",
                    "securityEnabled": False,
                    "groupTypes": ["Unified"],
                },
            ).json()
            http.post(
                f"/v1.0/groups/{group['id']}/members/$ref",
                json={"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{made['id']}"},
            )
            assert http.put(f"/v1.0/groups/{group['id']}/team", json={}).status_code == 201
            plan = http.post("/v1.0/planner/plans", json={"title": "Kept plan", "owner": group["id"]}).json()
            task = http.post("/v1.0/planner/tasks", json={"title": "Kept task", "planId": plan["id"]}).json()
        token = sandbox.delegated_token(made["id"])
        with session.http(token) as theirs:
            channel = sandbox.tenant.teams[group["id"]].internal_id
            posted = theirs.post(
                f"/v1.0/teams/{group['id']}/channels/{channel}/messages",
                json={"body": {"content": "kept message"}},
            )
            assert posted.status_code == 201
    sandbox.save()
    saved = state.read_text()
    assert "Correct-Horse-42" not in saved and sandbox.app.client_secret not in saved
    assert "PRIVATE KEY" not in saved

    restored = create_app(users=4, state_path=state)
    tenant = restored.tenant
    kept = tenant.find_user("kept.person@sandbox-corp.example.com")
    assert kept is not None and kept.id == made["id"] and kept.manager_id == sandbox.seeded_ids[0]
    assert made["id"] in tenant.groups[group["id"]].members and group["id"] in tenant.teams
    assert tenant.tasks[task["id"]].title == "Kept task"
    assert [m.body["content"] for m in tenant.messages.values() if m.team_id == group["id"]] == [
        "kept message"
    ]
    assert restored.describe(BASE)["job"] == sandbox.describe(BASE)["job"]  # the job's credentials still work
    new_ids = {create_app(users=4, state_path=state).tenant._new_id() for _ in range(2)}
    assert not new_ids & set(tenant.users)
    # Another domain is another tenant: the file is not restored.
    other = create_app(users=4, domain="elsewhere.example.org", state_path=state)
    assert other.tenant.find_user("kept.person@sandbox-corp.example.com") is None


# -- mounting and the CLI -----------------------------------------------------------------------------------
def test_mounted_under_a_prefix_the_official_sdk_reaches_it(tmp_path_factory: pytest.TempPathFactory) -> None:
    sandbox = create_app(users=3)
    with open_session(sandbox, tmp_path_factory.getbasetemp(), mount="/sandbox/m365") as session:
        assert session.base.endswith("/sandbox/m365")
        assert session.described["token_endpoint"].startswith(session.base + "/")
        # MSAL finds the token endpoint below the mount through the tenant's OpenID configuration.
        graph = session.graph(session.secret_credential())
        users = asyncio.run(graph.users.get())
        assert users is not None and len(users.value or []) == 4
        assert users.value is not None and users.value[0].id in sandbox.tenant.users


def test_the_server_embeds_it_and_api_sandbox_lists_it(tmp_path: Path) -> None:
    apps = build_sandbox_apps(Settings(var_dir=tmp_path, sandbox_users=3))
    assert "m365" in apps
    with running_server(tmp_path, sandbox_apps=apps) as srv:
        listed = srv.client.get("/api/sandbox")
        assert listed.status_code == 200, listed.text
        m365 = listed.json()["tenants"]["m365"]
        assert m365["job"]["api_base_url"] == f"http://127.0.0.1:{srv.settings.port}/sandbox/m365"
        info = srv.client.get("/sandbox/m365/_sandbox/describe").json()
        granted = srv.client.post(
            f"/sandbox/m365/{info['tenant_id']}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": info["client_id"],
                "client_secret": info["client_secret"],
                "scope": "https://graph.microsoft.com/.default",
            },
        )
        assert granted.status_code == 200
        users = srv.client.get(
            "/sandbox/m365/v1.0/users", headers={"Authorization": f"Bearer {granted.json()['access_token']}"}
        )
        assert users.status_code == 200 and users.json()["value"]


def test_the_cli_has_an_m365_sandbox_command() -> None:
    result = CliRunner().invoke(cli_app, ["sandbox", "m365", "--help"])
    assert result.exit_code == 0
    assert (
        "--port" in result.output and "--rate-limit" in result.output and "--window-seconds" in result.output
    )
