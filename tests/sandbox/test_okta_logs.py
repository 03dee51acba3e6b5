"""The Okta emulator's System Log: what management calls write, and GET /api/v1/logs as Okta documents it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tenantsim.sandbox.okta import DEFAULT_TOKEN, OktaSandbox, create_app
from tenantsim.sandbox.okta.snapshot import dump_org, load_org
from tenantsim.sandbox.okta.syslog import SystemLog
from tests.sandbox.okta_support import assert_conforms, client, pages, person, schema_errors, with_password
from tests.support.servers import serve_asgi


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[OktaSandbox, str]]:
    sandbox = create_app(users=6, seed=21)
    with serve_asgi(sandbox) as base:
        yield sandbox, base


@pytest.fixture
def http(served: tuple[OktaSandbox, str]) -> Iterator[httpx.Client]:
    sandbox, base = served
    sandbox.reset()
    with client(base) as http:
        yield http


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _events(http: httpx.Client, **params: Any) -> list[dict]:
    response = http.get("/api/v1/logs", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    return list(response.json())


def _admin_id(http: httpx.Client) -> str:
    return str(http.get("/api/v1/users/me").json()["id"])


def _act(http: httpx.Client) -> dict[str, str]:
    """One of each management action; returns the ids involved."""
    uid = http.post("/api/v1/users", json=with_password(person("log.person@acme.example.com"))).json()["id"]
    gid = http.post("/api/v1/groups", json={"profile": {"name": "Log Group"}}).json()["id"]
    aid = http.get("/api/v1/apps", params={"limit": 1}).json()[0]["id"]
    actions: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", f"/api/v1/users/{uid}", {"json": {"profile": {"title": "Analyst"}}}),
        ("POST", f"/api/v1/users/{uid}", {"json": with_password({}, "An0ther-Secret")}),
        ("PUT", f"/api/v1/groups/{gid}/users/{uid}", {}),
        ("DELETE", f"/api/v1/groups/{gid}/users/{uid}", {}),
        ("POST", f"/api/v1/apps/{aid}/users", {"json": {"id": uid, "scope": "USER"}}),
        ("DELETE", f"/api/v1/apps/{aid}/users/{uid}", {}),
        ("PUT", f"/api/v1/apps/{aid}/groups/{gid}", {"json": {}}),
        ("DELETE", f"/api/v1/apps/{aid}/groups/{gid}", {}),
        ("POST", f"/api/v1/users/{uid}/factors",
         {"json": {"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": "+15555550100"}},
          "params": {"activate": "true"}}),
        ("POST", f"/api/v1/users/{uid}/lifecycle/suspend", {}),
        ("POST", f"/api/v1/users/{uid}/lifecycle/unsuspend", {}),
        ("POST", f"/api/v1/users/{uid}/lifecycle/reset_password", {"params": {"sendEmail": "false"}}),
    ]
    for method, url, kwargs in actions:
        response = http.request(method, url, **kwargs)
        assert response.status_code < 300, (method, url, response.text)
    fid = http.get(f"/api/v1/users/{uid}/factors").json()[0]["id"]
    assert http.delete(f"/api/v1/users/{uid}/factors/{fid}").status_code == 204
    assert http.post(f"/api/v1/users/{uid}/lifecycle/deactivate").status_code == 200
    activated = http.post(f"/api/v1/users/{uid}/lifecycle/activate", params={"sendEmail": "false"})
    assert activated.status_code == 200
    assert http.delete(f"/api/v1/users/{uid}").status_code == 204  # deactivates
    assert http.delete(f"/api/v1/users/{uid}").status_code == 204  # deletes
    assert http.delete(f"/api/v1/groups/{gid}").status_code == 204
    return {"user": uid, "group": gid, "app": aid}


EXPECTED = [
    "user.lifecycle.create", "user.lifecycle.activate", "group.lifecycle.create",
    "user.account.update_profile", "user.account.update_password",
    "group.user_membership.add", "group.user_membership.remove",
    "application.user_membership.add", "application.user_membership.remove",
    "group.application_assignment.add", "group.application_assignment.remove",
    "user.mfa.factor.activate", "user.lifecycle.suspend", "user.lifecycle.unsuspend",
    "user.account.reset_password", "user.mfa.factor.deactivate", "user.lifecycle.deactivate",
    "user.lifecycle.activate", "user.lifecycle.deactivate", "user.lifecycle.delete.initiated",
    "group.lifecycle.delete",
]


def test_every_management_action_writes_its_event(http: httpx.Client) -> None:
    admin = _admin_id(http)
    ids = _act(http)
    events = _events(http)
    assert [e["eventType"] for e in events] == EXPECTED
    for event in events:
        assert event["actor"]["id"] == admin and event["actor"]["type"] == "User"
        assert event["outcome"] == {"result": "SUCCESS"} and event["severity"] == "INFO"
        assert event["version"] == "0" and event["displayMessage"] and event["legacyEventType"]
        assert event["transaction"]["type"] == "WEB" and event["transaction"]["id"]
        assert event["debugContext"]["debugData"]["requestUri"].startswith("/api/v1/")
        assert not schema_errors(event, "#/components/schemas/LogEvent")
        client_info = event["client"]
        assert client_info["ipAddress"] == "127.0.0.1"
        assert {"rawUserAgent", "os", "browser"} <= set(client_info["userAgent"])
        place = set(client_info["geographicalContext"])
        assert {"city", "state", "country", "postalCode", "geolocation"} <= place
        targets = {t["type"]: t["id"] for t in event["target"]}
        if event["eventType"].startswith(("user.", "application.user_membership", "group.user_membership")):
            assert targets["User"] == ids["user"], event["eventType"]
        if event["eventType"].startswith("group."):
            assert targets["UserGroup"] == ids["group"], event["eventType"]
        if "application" in event["eventType"]:
            assert targets["AppInstance"] == ids["app"], event["eventType"]
    assert len({e["uuid"] for e in events}) == len(events)
    published = [e["published"] for e in events]
    assert published == sorted(published)


def test_logs_response_conforms_and_carries_the_request_id(http: httpx.Client) -> None:
    created = http.post("/api/v1/users", json=with_password(person("req.id@acme.example.com")))
    request_id = created.headers["X-Okta-Request-Id"]
    response = http.get("/api/v1/logs")
    assert_conforms(response, "GET", "/api/v1/logs")
    assert {e["transaction"]["id"] for e in response.json()} == {request_id}
    assert response.headers["X-Okta-Request-Id"] != request_id
    # every response has one, refusals included
    url = str(http.base_url).rstrip("/") + "/api/v1/users"
    refused = httpx.get(url, headers={"Authorization": "SSWS nope"})
    assert refused.status_code == 401 and len(refused.headers["X-Okta-Request-Id"]) == 27
    assert http.get("/api/v1/nothing-here").headers["X-Okta-Request-Id"]


def test_filter_expressions(http: httpx.Client) -> None:
    admin = _admin_id(http)
    ids = _act(http)

    def types(expression: str) -> list[str]:
        return [e["eventType"] for e in _events(http, filter=expression)]

    assert types('eventType eq "group.lifecycle.create"') == ["group.lifecycle.create"]
    assert types('eventType sw "group.user_membership"') == ["group.user_membership.add",
                                                             "group.user_membership.remove"]
    assert types('eventType co "factor"') == ["user.mfa.factor.activate", "user.mfa.factor.deactivate"]
    assert types(f'target.id eq "{ids["app"]}" and eventType sw "group."') == [
        "group.application_assignment.add", "group.application_assignment.remove"]
    assert types('eventType eq "user.lifecycle.suspend" or eventType eq "user.lifecycle.unsuspend"') == [
        "user.lifecycle.suspend", "user.lifecycle.unsuspend"]
    assert len(types(f'actor.id eq "{admin}"')) == len(EXPECTED)
    assert types('actor.id eq "00unobody000000000000"') == []
    assert len(types('outcome.result eq "SUCCESS" and severity eq "INFO"')) == len(EXPECTED)
    assert types('outcome.result eq "FAILURE"') == []
    assert len(types(f'target.id eq "{ids["user"]}"')) == len(EXPECTED) - 4  # group-only and app-group events
    bad = http.get("/api/v1/logs", params={"filter": 'eventType eq'})
    assert bad.status_code == 400 and bad.json()["errorCode"] == "E0000031"


def test_keyword_search(http: httpx.Client) -> None:
    _act(http)
    assert [e["eventType"] for e in _events(http, q="Log Group create")] == ["group.lifecycle.create"]
    assert len(_events(http, q="log.person@acme.example.com")) == len(EXPECTED) - 4
    assert _events(http, q="no-such-keyword") == []
    too_many = http.get("/api/v1/logs", params={"q": " ".join(f"w{i}" for i in range(11))})
    assert too_many.status_code == 400


def test_bounded_requests_page_to_the_end_and_sort_both_ways(http: httpx.Client) -> None:
    _act(http)
    until = _iso(datetime.now(UTC) + timedelta(seconds=1))
    seen: list[str] = []
    count = 0
    for response in pages(http, "/api/v1/logs", until=until, limit=4):
        assert response.status_code == 200
        assert response.links["self"]["url"]
        seen.extend(e["uuid"] for e in response.json())
        count += 1
    assert len(seen) == len(set(seen)) == len(EXPECTED) and count == 6
    everything = _events(http, until=until)
    assert [e["uuid"] for e in everything] == seen
    descending: list[str] = []
    for response in pages(http, "/api/v1/logs", sortOrder="DESCENDING", limit=5):
        descending.extend(e["uuid"] for e in response.json())
    assert descending == seen[::-1]
    assert len(_events(http, until=until, limit=3)) == 3
    assert len(http.get("/api/v1/logs").json()) == len(EXPECTED)  # 100 by default
    # since is inclusive, until exclusive; both bound "published"
    middle = everything[5]["published"]
    later = [e for e in everything if e["published"] >= middle]
    assert [e["uuid"] for e in _events(http, since=middle, until=until)] == [e["uuid"] for e in later]
    assert _events(http, until=everything[0]["published"]) == []
    bad = http.get("/api/v1/logs", params={"since": "last tuesday"})
    assert bad.status_code == 400 and bad.json()["errorCode"] == "E0000030"
    assert http.get("/api/v1/logs", params={"sortOrder": "SIDEWAYS"}).status_code == 400
    assert http.get("/api/v1/logs", params={"after": "not-a-cursor"}).status_code == 400


def test_polling_always_offers_next_and_picks_up_new_events(http: httpx.Client) -> None:
    since = _iso(datetime.now(UTC) - timedelta(minutes=1))
    first = http.get("/api/v1/logs", params={"since": since, "limit": 2})
    assert first.json() == [] and "next" in first.links  # nothing yet, but keep polling
    http.post("/api/v1/groups", json={"profile": {"name": "Poll One"}})
    http.post("/api/v1/groups", json={"profile": {"name": "Poll Two"}})
    http.post("/api/v1/groups", json={"profile": {"name": "Poll Three"}})
    page = http.get(first.links["next"]["url"])
    assert [e["target"][0]["displayName"] for e in page.json()] == ["Poll One", "Poll Two"]
    page = http.get(page.links["next"]["url"])
    assert [e["target"][0]["displayName"] for e in page.json()] == ["Poll Three"]
    empty = http.get(page.links["next"]["url"])
    assert empty.json() == [] and "next" in empty.links
    again = http.get(empty.links["next"]["url"])
    assert again.json() == [] and "next" in again.links
    http.post("/api/v1/groups", json={"profile": {"name": "Poll Four"}})
    latest = http.get(again.links["next"]["url"])
    assert [e["target"][0]["displayName"] for e in latest.json()] == ["Poll Four"]
    # A filtered poll keeps its filter on every next link
    four = 'target.displayName eq "Poll Four"'
    filtered = http.get("/api/v1/logs", params={"since": since, "filter": four})
    assert len(filtered.json()) == 1
    assert "filter=" in filtered.links["next"]["url"]
    # a bounded request ends: no next link once the page holds everything
    bounded = http.get("/api/v1/logs", params={"since": since, "until": _iso(datetime.now(UTC))})
    assert len(bounded.json()) == 4 and "next" not in bounded.links


def test_log_resets_with_the_org_and_survives_a_restart(served: tuple[OktaSandbox, str],
                                                         tmp_path: Path) -> None:
    sandbox, base = served
    sandbox.reset()
    with client(base) as http:
        http.post("/api/v1/groups", json={"profile": {"name": "Persisted"}})
        events = _events(http)
    assert len(events) == 1
    restored = load_org(json.loads(json.dumps(dump_org(sandbox.org))))
    assert restored.log.events() == events
    state = tmp_path / "okta.json"
    first = create_app(users=3, seed=5, state_path=state)
    with serve_asgi(first) as other, client(other) as http:
        http.post("/api/v1/groups", json={"profile": {"name": "On Disk"}})
    first.close()
    second = create_app(users=3, seed=5, state_path=state)
    assert [e["eventType"] for e in second.org.log.events()] == ["group.lifecycle.create"]
    second.reset()
    assert second.org.log.events() == []
    sandbox.reset()
    assert sandbox.org.log.events() == []
    with client(base) as http:
        assert _events(http) == []


def test_the_log_keeps_only_the_newest_events() -> None:
    log = SystemLog(capacity=100)
    for index in range(1000):
        log.append({"eventType": "test", "n": index}, time.time())
    kept = log.events()
    assert len(kept) == 100 and [e["n"] for e in kept] == list(range(900, 1000))
    assert len(log.entries) <= 105
    assert SystemLog.load(log.dump()).events() == kept


def test_legacy_state_without_a_log_loads(served: tuple[OktaSandbox, str]) -> None:
    sandbox, _ = served
    data = dump_org(sandbox.org)
    data.pop("log")
    assert load_org(data).log.events() == []
    assert DEFAULT_TOKEN in load_org(data).token_owner
