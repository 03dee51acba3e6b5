"""The Okta emulator's groups, memberships, app catalogue, app assignments and factors."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tenantsim.sandbox.okta import OktaSandbox, create_app
from tests.sandbox.okta_support import client, pages, person, totp_code, with_password
from tests.support.servers import serve_asgi


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[OktaSandbox, str]]:
    sandbox = create_app(users=12, seed=3)
    with serve_asgi(sandbox) as base:
        yield sandbox, base


@pytest.fixture
def http(served: tuple[OktaSandbox, str]) -> Iterator[httpx.Client]:
    sandbox, base = served
    sandbox.reset()
    with client(base) as http:
        yield http


def new_user(http: httpx.Client, login: str, **body: object) -> str:
    response = http.post("/api/v1/users", json={**with_password(person(login)), **body})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def new_group(http: httpx.Client, name: str) -> str:
    response = http.post("/api/v1/groups", json={"profile": {"name": name, "description": f"{name} team"}})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def app_id(http: httpx.Client, label: str) -> str:
    return str(next(a["id"] for a in http.get("/api/v1/apps").json() if a["label"] == label))


def test_group_crud_and_unique_names(http: httpx.Client) -> None:
    gid = new_group(http, "Engineering")
    assert http.get(f"/api/v1/groups/{gid}").json()["type"] == "OKTA_GROUP"
    clash = http.post("/api/v1/groups", json={"profile": {"name": "engineering"}})
    assert clash.status_code == 400 and clash.json()["errorCode"] == "E0000001"
    renamed = http.put(f"/api/v1/groups/{gid}", json={"profile": {"name": "Platform Engineering"}})
    assert renamed.json()["profile"]["name"] == "Platform Engineering"
    assert [g["id"] for g in http.get("/api/v1/groups", params={"q": "Platform"}).json()] == [gid]
    assert http.delete(f"/api/v1/groups/{gid}").status_code == 204
    assert http.get(f"/api/v1/groups/{gid}").status_code == 404


def test_membership_put_delete_and_both_listings(http: httpx.Client) -> None:
    gid = new_group(http, "Finance")
    uid = new_user(http, "fin.ance@acme.example.com")
    assert http.put(f"/api/v1/groups/{gid}/users/{uid}").status_code == 204
    assert http.put(f"/api/v1/groups/{gid}/users/{uid}").status_code == 204  # idempotent
    assert [u["id"] for u in http.get(f"/api/v1/groups/{gid}/users").json()] == [uid]
    names = {g["profile"]["name"] for g in http.get(f"/api/v1/users/{uid}/groups").json()}
    assert names == {"Everyone", "Finance"}
    assert http.delete(f"/api/v1/groups/{gid}/users/{uid}").status_code == 204
    assert http.get(f"/api/v1/groups/{gid}/users").json() == []
    assert http.put(f"/api/v1/groups/{gid}/users/00unotthere000000000").status_code == 404


def test_group_ids_on_create_add_memberships_in_the_same_call(http: httpx.Client) -> None:
    first, second = new_group(http, "Sales"), new_group(http, "London")
    uid = new_user(http, "sal.es@acme.example.com", groupIds=[first, second])
    assert {g["id"] for g in http.get(f"/api/v1/users/{uid}/groups").json()} >= {first, second}
    bad = http.post("/api/v1/users", json={**with_password(person("x.y@acme.example.com")),
                                           "groupIds": ["00gnotthere000000000"]})
    assert bad.status_code == 400


def test_catalogue_has_the_common_apps_and_pages(http: httpx.Client) -> None:
    labels = {a["label"] for r in pages(http, "/api/v1/apps", limit=5) for a in r.json()}
    assert {"Slack", "Zoom", "GitHub", "Salesforce", "Google Workspace", "Jira", "Box", "Workday"} <= labels


def test_user_assignment_post_list_and_delete(http: httpx.Client) -> None:
    aid, uid = app_id(http, "GitHub"), new_user(http, "git.hub@acme.example.com")
    assigned = http.post(f"/api/v1/apps/{aid}/users", json={"id": uid, "scope": "USER"})
    assert assigned.status_code == 200 and assigned.json()["scope"] == "USER"
    assert uid in [u["id"] for u in http.get(f"/api/v1/apps/{aid}/users").json()]
    assert http.delete(f"/api/v1/apps/{aid}/users/{uid}").status_code == 204
    assert http.delete(f"/api/v1/apps/{aid}/users/{uid}").status_code == 404
    assert http.post(f"/api/v1/apps/{aid}/users", json={"scope": "USER"}).status_code == 400


def test_group_assignment_grants_the_app_to_members(http: httpx.Client) -> None:
    aid, gid = app_id(http, "Salesforce"), new_group(http, "Sales Team")
    uid = new_user(http, "sales.rep@acme.example.com", groupIds=[gid])
    response = http.put(f"/api/v1/apps/{aid}/groups/{gid}", json={"priority": 0})
    assert response.status_code == 200 and response.json()["id"] == gid
    holder = next(u for u in http.get(f"/api/v1/apps/{aid}/users").json() if u["id"] == uid)
    assert holder["scope"] == "GROUP"
    assert [a["id"] for a in http.get(f"/api/v1/groups/{gid}/apps").json()] == [aid]
    assert http.delete(f"/api/v1/apps/{aid}/groups/{gid}").status_code == 204
    assert uid not in [u["id"] for u in http.get(f"/api/v1/apps/{aid}/users").json()]


def test_deactivation_deprovisions_direct_app_assignments(http: httpx.Client) -> None:
    aid, uid = app_id(http, "Box"), new_user(http, "box.user@acme.example.com")
    http.post(f"/api/v1/apps/{aid}/users", json={"id": uid, "scope": "USER"})
    http.post(f"/api/v1/users/{uid}/lifecycle/deactivate")
    assert http.get(f"/api/v1/apps/{aid}/users/{uid}").status_code == 404


def test_enroll_and_list_a_security_question_factor(http: httpx.Client) -> None:
    uid = new_user(http, "mfa.user@acme.example.com")
    body = {"factorType": "question", "provider": "OKTA",
            "profile": {"question": "favorite_toy", "answer": "a red kite"}}
    enrolled = http.post(f"/api/v1/users/{uid}/factors", json=body)
    assert enrolled.status_code == 200 and enrolled.json()["status"] == "ACTIVE"
    assert "answer" not in enrolled.json()["profile"]
    listed = http.get(f"/api/v1/users/{uid}/factors").json()
    assert [f["factorType"] for f in listed] == ["question"]
    assert http.post(f"/api/v1/users/{uid}/factors", json=body).status_code == 400  # already set up


def test_totp_factor_needs_activation(http: httpx.Client) -> None:
    uid = new_user(http, "otp.user@acme.example.com")
    pending = http.post(f"/api/v1/users/{uid}/factors",
                        json={"factorType": "token:software:totp", "provider": "GOOGLE"}).json()
    assert pending["status"] == "PENDING_ACTIVATION"
    secret = pending["_embedded"]["activation"]["sharedSecret"]
    done = http.post(f"/api/v1/users/{uid}/factors/{pending['id']}/lifecycle/activate",
                     json={"passCode": totp_code(secret)})
    assert done.json()["status"] == "ACTIVE"
