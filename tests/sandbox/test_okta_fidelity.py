"""Fidelity the Okta emulator owes real clients: found by pointing Okta's own SDK and plain HTTP at it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from okta.client import Client as OktaClient
from okta.pagination import PaginationHelper

from tenantsim.sandbox.okta import DEFAULT_TOKEN, OktaSandbox, create_app
from tests.sandbox.okta_support import assert_conforms, client, pages, person, schema_errors, with_password
from tests.support.servers import serve_asgi


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[OktaSandbox, str]]:
    sandbox = create_app(users=23, seed=8)
    with serve_asgi(sandbox) as base:
        yield sandbox, base


@pytest.fixture
def http(served: tuple[OktaSandbox, str]) -> Iterator[httpx.Client]:
    sandbox, base = served
    sandbox.reset()
    with client(base) as http:
        yield http


@pytest.fixture
def allow_plain_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")


def sdk_client(base: str) -> OktaClient:
    return OktaClient({"orgUrl": base, "token": DEFAULT_TOKEN, "raiseException": False,
                       "rateLimit": {"maxRetries": 1}})


# -- the official SDK ----------------------------------------------------------------------------------
@pytest.mark.usefixtures("allow_plain_http")
async def test_sdk_reads_the_system_log_with_a_filter_and_follows_the_cursor(
        served: tuple[OktaSandbox, str]) -> None:
    sandbox, base = served
    sandbox.reset()
    with client(base) as http:
        for index in range(7):
            http.post("/api/v1/groups", json={"profile": {"name": f"SDK Log {index}"}})
        http.post("/api/v1/users", json=with_password(person("sdk.log@acme.example.com")))
    sdk = sdk_client(base)
    names: list[str] = []
    after: str | None = None
    pages_read = 0
    while True:  # a bounded (DESCENDING) read ends when no next link comes back
        events, response, error = await sdk.list_log_events(filter='eventType eq "group.lifecycle.create"',
                                                            limit=3, sort_order="DESCENDING", after=after)
        assert error is None, error
        assert all(e.event_type == "group.lifecycle.create" and e.outcome.result == "SUCCESS" for e in events)
        assert all(e.actor.id == sandbox.org.token_owner[DEFAULT_TOKEN] for e in events)
        names.extend(e.target[0].display_name for e in events)
        pages_read += 1
        after = PaginationHelper.extract_next_cursor(response.headers)  # the SDK's own Link parsing
        if after is None:
            break
        assert pages_read < 10, "paging does not end"
    assert names == [f"SDK Log {index}" for index in reversed(range(7))] and pages_read == 3


@pytest.mark.usefixtures("allow_plain_http")
async def test_sdk_sorted_search_pages_each_user_once(served: tuple[OktaSandbox, str]) -> None:
    sandbox, base = served
    sandbox.reset()
    sdk = sdk_client(base)
    expected = sorted((u.profile["lastName"].lower(), u.id) for u in sandbox.org.users.values()
                      if u.status == "ACTIVE")
    seen: list[str] = []
    after: str | None = None
    while True:
        batch, response, error = await sdk.list_users(search='status eq "ACTIVE"', sort_by="profile.lastName",
                                                      sort_order="asc", limit=5, after=after)
        assert error is None, error
        seen.extend(u.id for u in batch)
        after = PaginationHelper.extract_next_cursor(response.headers)
        if after is None:
            break
        assert len(seen) <= len(expected), "paging does not end"
    assert seen == [uid for _, uid in expected]


# -- plain HTTP ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_sorted_search_following_next_visits_every_user_once(http: httpx.Client, order: str) -> None:
    seen: list[dict] = []
    for response in pages(http, "/api/v1/users", search='status eq "ACTIVE"', sortBy="profile.firstName",
                          sortOrder=order, limit=4):
        assert response.status_code == 200
        seen.extend(response.json())
        assert len(seen) < 100, "paging does not end"
    everyone = http.get("/api/v1/users", params={"search": 'status eq "ACTIVE"'}).json()
    assert sorted(u["id"] for u in seen) == sorted(u["id"] for u in everyone)
    assert len({u["id"] for u in seen}) == len(seen)
    names = [u["profile"]["firstName"].lower() for u in seen]
    assert names == sorted(names, reverse=order == "desc")


def test_apps_filtered_by_user_and_by_group(http: httpx.Client) -> None:
    apps = http.get("/api/v1/apps").json()
    uid = http.post("/api/v1/users", json=with_password(person("apps.filter@acme.example.com"))).json()["id"]
    gid = http.post("/api/v1/groups", json={"profile": {"name": "Filter Group"}}).json()["id"]
    http.post(f"/api/v1/apps/{apps[0]['id']}/users", json={"id": uid, "scope": "USER"})
    http.put(f"/api/v1/apps/{apps[1]['id']}/groups/{gid}", json={})
    http.put(f"/api/v1/groups/{gid}/users/{uid}")
    by_user = http.get("/api/v1/apps", params={"filter": f'user.id eq "{uid}"'})
    assert_conforms(by_user, "GET", "/api/v1/apps")
    assert [a["id"] for a in by_user.json()] == [apps[0]["id"], apps[1]["id"]]
    by_group = http.get("/api/v1/apps", params={"filter": f'group.id eq "{gid}"'})
    assert [a["id"] for a in by_group.json()] == [apps[1]["id"]]
    nobody = http.post("/api/v1/users", json=with_password(person("no.apps@acme.example.com"))).json()["id"]
    assert http.get("/api/v1/apps", params={"filter": f'user.id eq "{nobody}"'}).json() == []
    assert http.get("/api/v1/apps", params={"filter": f'user.id sw "{uid}"'}).status_code == 400

    links = http.get(f"/api/v1/users/{uid}/appLinks")
    assert_conforms(links, "GET", "/api/v1/users/{id}/appLinks")
    assert [link["appInstanceId"] for link in links.json()] == [apps[0]["id"], apps[1]["id"]]
    assert all(link["id"] == uid and link["linkUrl"].startswith("http") for link in links.json())
    assert http.get(f"/api/v1/users/{nobody}/appLinks").json() == []
    assert http.get("/api/v1/users/00unobody000000000000/appLinks").status_code == 404


def test_reset_factors(http: httpx.Client) -> None:
    body = with_password(person("reset.factors@acme.example.com"))
    uid = http.post("/api/v1/users", json=body).json()["id"]
    for factor in ({"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": "+15555550123"}},
                   {"factorType": "email", "provider": "OKTA", "profile": {}}):
        enrolled = http.post(f"/api/v1/users/{uid}/factors", params={"activate": "true"}, json=factor)
        assert enrolled.status_code == 200
    assert len(http.get(f"/api/v1/users/{uid}/factors").json()) == 2
    reset = http.post(f"/api/v1/users/{uid}/lifecycle/reset_factors")
    assert reset.status_code == 200 and reset.content == b""
    assert http.get(f"/api/v1/users/{uid}/factors").json() == []
    assert http.get(f"/api/v1/users/{uid}").json()["status"] == "ACTIVE"
    events = http.get("/api/v1/logs", params={"filter": 'eventType eq "user.mfa.factor.reset_all"'}).json()
    assert [e["target"][0]["id"] for e in events] == [uid]


def test_expire_password_with_a_temporary_password(http: httpx.Client) -> None:
    uid = http.post("/api/v1/users", json=with_password(person("temp.pass@acme.example.com"))).json()["id"]
    response = http.post(f"/api/v1/users/{uid}/lifecycle/expire_password", params={"tempPassword": "true"})
    assert response.status_code == 200 and set(response.json()) == {"tempPassword"}
    assert not schema_errors(response.json(), "#/components/schemas/tempPassword")
    assert len(response.json()["tempPassword"]) >= 8
    assert http.get(f"/api/v1/users/{uid}").json()["status"] == "PASSWORD_EXPIRED"
    other = http.post(f"/api/v1/users/{uid}/lifecycle/expire_password_with_temp_password")
    assert_conforms(other, "POST", "/api/v1/users/{id}/lifecycle/expire_password_with_temp_password")
    assert other.json()["tempPassword"] != response.json()["tempPassword"]
    plain = http.post(f"/api/v1/users/{uid}/lifecycle/expire_password", params={"tempPassword": "false"})
    assert plain.status_code == 200 and plain.json()["id"] == uid
    staged = http.post("/api/v1/users", params={"activate": "false"},
                       json=person("staged.temp@acme.example.com")).json()["id"]
    refused = http.post(f"/api/v1/users/{staged}/lifecycle/expire_password", params={"tempPassword": "true"})
    assert refused.status_code == 403


def test_request_id_on_every_response(http: httpx.Client) -> None:
    ids = set()
    for response in (http.get("/api/v1/users"), http.get("/api/v1/users/nobody"), http.delete("/api/v1/apps"),
                     http.post("/api/v1/groups", json={"profile": {"name": ""}})):
        ids.add(response.headers["X-Okta-Request-Id"])
    assert len(ids) == 4


def test_next_login_change_password_needs_activation_and_a_password(http: httpx.Client) -> None:
    body = with_password(person("next.login@acme.example.com"))
    expire = {"nextLogin": "changePassword"}
    refused = http.post("/api/v1/users", params={"activate": "false", **expire}, json=body)
    assert refused.status_code == 400 and refused.json()["errorCode"] == "E0000125"
    assert "`activate` must be true" in refused.json()["errorSummary"]
    no_password = http.post("/api/v1/users", params={"activate": "true", "nextLogin": "changePassword"},
                            json=person("next.login@acme.example.com"))
    assert no_password.status_code == 400 and no_password.json()["errorCode"] == "E0000124"
    created = http.post("/api/v1/users", params={"activate": "true", **expire}, json=body)
    assert created.status_code == 200 and created.json()["status"] == "PASSWORD_EXPIRED"


def test_fields_projection_on_users(http: httpx.Client) -> None:
    body = with_password(person("fields.only@acme.example.com", city="Lisbon"))
    uid = http.post("/api/v1/users", json=body).json()["id"]
    one = http.get(f"/api/v1/users/{uid}", params={"fields": "status,profile:(firstName, city)"}).json()
    assert one == {"id": uid, "status": "ACTIVE", "profile": {"firstName": "Fields", "city": "Lisbon"}}
    listed = http.get("/api/v1/users", params={"fields": "profile:(login)", "limit": 3}).json()
    assert len(listed) == 3
    assert all(set(u) == {"id", "profile"} and set(u["profile"]) == {"login"} for u in listed)
    assert set(http.get(f"/api/v1/users/{uid}").json()) > {"id", "status", "profile", "_links"}
