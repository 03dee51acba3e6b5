"""Every emulator response we rely on, validated against the official Okta OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tenantsim.sandbox.okta import create_app
from tests.sandbox.okta_support import assert_conforms, client, person, schema_errors, with_password
from tests.support.servers import serve_asgi

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with serve_asgi(create_app(users=6, seed=11)) as base, client(base) as http:
        yield http


def test_user_operations_conform(http: httpx.Client) -> None:
    created = http.post("/api/v1/users", json=with_password(person("spec.user@acme.example.com")))
    assert_conforms(created, "POST", "/api/v1/users")
    uid = created.json()["id"]
    assert_conforms(http.get(f"/api/v1/users/{uid}"), "GET", "/api/v1/users/{id}")
    assert_conforms(http.get("/api/v1/users", params={"limit": 3}), "GET", "/api/v1/users")
    assert_conforms(http.post(f"/api/v1/users/{uid}", json={"profile": {"title": "QA"}}), "POST",
                    "/api/v1/users/{id}")
    assert_conforms(http.get(f"/api/v1/users/{uid}/groups"), "GET", "/api/v1/users/{id}/groups")
    assert_conforms(http.post(f"/api/v1/users/{uid}/lifecycle/expire_password"), "POST",
                    "/api/v1/users/{id}/lifecycle/expire_password")
    assert_conforms(http.post(f"/api/v1/users/{uid}/lifecycle/reset_password", params={"sendEmail": "false"}),
                    "POST", "/api/v1/users/{id}/lifecycle/reset_password")
    assert_conforms(http.post(f"/api/v1/users/{uid}/lifecycle/deactivate"), "POST",
                    "/api/v1/users/{id}/lifecycle/deactivate")
    assert_conforms(http.post(f"/api/v1/users/{uid}/lifecycle/activate", params={"sendEmail": "false"}),
                    "POST", "/api/v1/users/{id}/lifecycle/activate")
    user = http.get(f"/api/v1/users/{uid}").json()
    for key in ("created", "lastUpdated", "statusChanged"):
        assert TIMESTAMP.match(user[key]), key


def test_group_and_app_operations_conform(http: httpx.Client) -> None:
    group = http.post("/api/v1/groups", json={"profile": {"name": "Spec Group", "description": "x"}})
    assert_conforms(group, "POST", "/api/v1/groups")
    gid = group.json()["id"]
    assert_conforms(http.get("/api/v1/groups"), "GET", "/api/v1/groups")
    assert_conforms(http.get(f"/api/v1/groups/{gid}"), "GET", "/api/v1/groups/{groupId}")
    uid = http.post("/api/v1/users", json={**with_password(person("spec.member@acme.example.com")),
                                           "groupIds": [gid]}).json()["id"]
    assert_conforms(http.get(f"/api/v1/groups/{gid}/users"), "GET", "/api/v1/groups/{groupId}/users")
    apps = http.get("/api/v1/apps")
    assert_conforms(apps, "GET", "/api/v1/apps")
    for app in apps.json():  # Application is discriminated by signOnMode: check the concrete schema too
        concrete = {"SAML_2_0": "SamlApplication", "BOOKMARK": "BookmarkApplication"}[app["signOnMode"]]
        problems = schema_errors(app, f"#/components/schemas/{concrete}")
        assert not problems, (app["label"], problems[:3])
    aid = apps.json()[0]["id"]
    assert_conforms(http.get(f"/api/v1/apps/{aid}"), "GET", "/api/v1/apps/{appId}")
    assert_conforms(http.post(f"/api/v1/apps/{aid}/users", json={"id": uid, "scope": "USER"}), "POST",
                    "/api/v1/apps/{appId}/users")
    assert_conforms(http.get(f"/api/v1/apps/{aid}/users"), "GET", "/api/v1/apps/{appId}/users")
    assert_conforms(http.get(f"/api/v1/apps/{aid}/users/{uid}"), "GET", "/api/v1/apps/{appId}/users/{userId}")
    assert_conforms(http.put(f"/api/v1/apps/{aid}/groups/{gid}", json={}), "PUT",
                    "/api/v1/apps/{appId}/groups/{groupId}")
    assert_conforms(http.get(f"/api/v1/apps/{aid}/groups"), "GET", "/api/v1/apps/{appId}/groups")


def test_factor_operations_conform(http: httpx.Client) -> None:
    uid = http.post("/api/v1/users", json=with_password(person("spec.mfa@acme.example.com"))).json()["id"]
    question = {"question": "first_award", "answer": "chess"}
    enrolled = http.post(f"/api/v1/users/{uid}/factors",
                         json={"factorType": "question", "provider": "OKTA", "profile": question})
    assert_conforms(enrolled, "POST", "/api/v1/users/{userId}/factors")
    assert not schema_errors(enrolled.json(), "#/components/schemas/UserFactorSecurityQuestion")
    assert_conforms(http.get(f"/api/v1/users/{uid}/factors"), "GET", "/api/v1/users/{userId}/factors")


@pytest.mark.parametrize(("method", "path", "template", "status"), [
    ("GET", "/api/v1/users/00unotthere000000000", "/api/v1/users/{id}", 404),
    ("POST", "/api/v1/users/00unotthere000000000/lifecycle/suspend",
     "/api/v1/users/{id}/lifecycle/suspend", 404),
    ("PUT", "/api/v1/groups/00gnotthere000000000/users/00unotthere000000000",
     "/api/v1/groups/{groupId}/users/{userId}", 404),
])
def test_error_bodies_conform(http: httpx.Client, method: str, path: str, template: str, status: int) -> None:
    response = http.request(method, path)
    assert response.status_code == status
    assert_conforms(response, method, template)
    assert set(response.json()) == {"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"}
