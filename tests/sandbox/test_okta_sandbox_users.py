"""The Okta emulator's users: create, read, list and page, search, update, lifecycle, two-step delete."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tenantsim.sandbox.okta import OktaSandbox, create_app
from tests.sandbox.okta_support import client, pages, person, with_password
from tests.support.servers import serve_asgi


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[OktaSandbox, str]]:
    sandbox = create_app(users=30, seed=7)
    with serve_asgi(sandbox) as base:
        yield sandbox, base


@pytest.fixture
def http(served: tuple[OktaSandbox, str]) -> Iterator[httpx.Client]:
    sandbox, base = served
    sandbox.reset()
    with client(base) as http:
        yield http


def make_user(http: httpx.Client, login: str, *, password: bool = True, activate: bool = True) -> dict:
    body = with_password(person(login)) if password else person(login)
    response = http.post("/api/v1/users", params={"activate": str(activate).lower()}, json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_requests_without_a_valid_ssws_token_are_refused(served: tuple[OktaSandbox, str]) -> None:
    _, base = served
    for headers in ({}, {"Authorization": "SSWS wrong"}, {"Authorization": "Bearer 00sandbox-okta-admin"}):
        response = httpx.get(f"{base}/api/v1/users", headers=headers)
        assert response.status_code == 401
        assert response.json()["errorCode"] == "E0000011"
        assert "X-Rate-Limit-Remaining" in response.headers  # limit headers on every response


def test_create_returns_200_and_status_follows_activate_and_password(http: httpx.Client) -> None:
    assert make_user(http, "ann.active@acme.example.com")["status"] == "ACTIVE"
    assert make_user(http, "pat.nopass@acme.example.com", password=False)["status"] == "PROVISIONED"
    assert make_user(http, "sam.staged@acme.example.com", activate=False)["status"] == "STAGED"


def test_create_rejects_duplicate_login_weak_password_and_missing_fields(http: httpx.Client) -> None:
    make_user(http, "dup.user@acme.example.com")
    again = http.post("/api/v1/users", json=with_password(person("dup.user@acme.example.com")))
    assert again.status_code == 400 and again.json()["errorCode"] == "E0000001"
    assert "already exists" in again.json()["errorCauses"][0]["errorSummary"]
    weak = http.post("/api/v1/users", json=with_password(person("weak.pw@acme.example.com"), "short"))
    assert weak.status_code == 400 and weak.json()["errorSummary"] == "Api validation failed: password"
    missing = http.post("/api/v1/users", json={"profile": {"login": "x.y@acme.example.com"}})
    assert missing.status_code == 400
    causes = [c["errorSummary"] for c in missing.json()["errorCauses"]]
    assert any(c.startswith("firstName") for c in causes) and any(c.startswith("email") for c in causes)


def test_get_by_id_login_shortname_and_me(http: httpx.Client) -> None:
    made = make_user(http, "gina.get@acme.example.com")
    for ident in (made["id"], "gina.get@acme.example.com", "gina.get"):
        assert http.get(f"/api/v1/users/{ident}").json()["id"] == made["id"]
    me = http.get("/api/v1/users/me").json()
    assert me["profile"]["login"].startswith("admin@")
    missing = http.get("/api/v1/users/00unotthere000000000")
    assert missing.status_code == 404 and missing.json()["errorCode"] == "E0000007"


def test_list_pages_with_link_next_until_every_user_is_seen(served: tuple[OktaSandbox, str],
                                                             http: httpx.Client) -> None:
    sandbox, _ = served
    seen: list[str] = []
    for response in pages(http, "/api/v1/users", limit=7):
        assert response.status_code == 200
        assert 'rel="self"' in response.headers["link"]
        seen.extend(u["id"] for u in response.json())
    assert len(seen) == len(set(seen)) == len(sandbox.org.users)


def test_list_leaves_out_deprovisioned_users_unless_filtered(http: httpx.Client) -> None:
    gone = make_user(http, "dee.parted@acme.example.com")
    http.post(f"/api/v1/users/{gone['id']}/lifecycle/deactivate")
    listed = [u["id"] for r in pages(http, "/api/v1/users") for u in r.json()]
    assert gone["id"] not in listed
    filtered = http.get("/api/v1/users", params={"filter": 'status eq "DEPROVISIONED"'}).json()
    assert [u["id"] for u in filtered] == [gone["id"]]


def test_search_on_profile_fields_and_filter_limits(http: httpx.Client) -> None:
    body = with_password(person("eng.one@acme.example.com", department="Engineering", title="Engineer"))
    made = http.post("/api/v1/users", json=body).json()
    found = http.get("/api/v1/users", params={"search": 'profile.department eq "Engineering" and '
                                                        'status eq "ACTIVE"'}).json()
    assert made["id"] in [u["id"] for u in found]
    assert all(u["profile"]["department"] == "Engineering" for u in found)
    starts = http.get("/api/v1/users", params={"search": 'profile.login sw "eng."'}).json()
    assert [u["id"] for u in starts] == [made["id"]]
    # filter supports only a few attributes, as Okta documents
    refused = http.get("/api/v1/users", params={"filter": 'profile.department eq "Engineering"'})
    assert refused.status_code == 400 and refused.json()["errorCode"] == "E0000031"
    by_login = http.get("/api/v1/users", params={"filter": 'profile.login eq "ENG.ONE@acme.example.com"'})
    assert [u["id"] for u in by_login.json()] == [made["id"]]
    q = http.get("/api/v1/users", params={"q": "Eng"}).json()
    assert made["id"] in [u["id"] for u in q]


def test_post_updates_partially_and_put_replaces_the_profile(http: httpx.Client) -> None:
    made = make_user(http, "up.date@acme.example.com")
    partial = http.post(f"/api/v1/users/{made['id']}", json={"profile": {"title": "Lead"}}).json()
    assert partial["profile"]["title"] == "Lead" and partial["profile"]["firstName"] == "Up"
    full = {"profile": {"login": "up.date@acme.example.com", "email": "up.date@acme.example.com",
                        "firstName": "Up", "lastName": "Dated"}}
    replaced = http.put(f"/api/v1/users/{made['id']}", json=full).json()
    assert "title" not in replaced["profile"] and replaced["profile"]["lastName"] == "Dated"
    incomplete = http.put(f"/api/v1/users/{made['id']}", json={"profile": {"title": "x"}})
    assert incomplete.status_code == 400


@pytest.mark.parametrize(("start", "operation", "expected_status", "expected_code"), [
    ("ACTIVE", "suspend", "SUSPENDED", None),
    ("SUSPENDED", "suspend", None, "E0000001"),
    ("SUSPENDED", "unsuspend", "ACTIVE", None),
    ("ACTIVE", "unsuspend", None, "E0000001"),
    ("ACTIVE", "deactivate", "DEPROVISIONED", None),
    ("DEPROVISIONED", "activate", "ACTIVE", None),
    ("ACTIVE", "activate", None, "E0000016"),
    ("ACTIVE", "unlock", "ACTIVE", None),
    ("ACTIVE", "expire_password", "PASSWORD_EXPIRED", None),
    ("ACTIVE", "reset_password?sendEmail=false", "RECOVERY", None),
    ("RECOVERY", "reactivate", "PROVISIONED", None),
    ("ACTIVE", "reactivate", None, "E0000038"),
    ("SUSPENDED", "reset_password?sendEmail=false", None, "E0000038"),
])
def test_lifecycle_follows_the_spec_status_rules(http: httpx.Client, start: str, operation: str,
                                                  expected_status: str | None,
                                                  expected_code: str | None) -> None:
    user = make_user(http, "life.cycle@acme.example.com")
    uid = user["id"]
    setup = {"SUSPENDED": ["suspend"], "DEPROVISIONED": ["deactivate"],
             "RECOVERY": ["reset_password?sendEmail=false"]}.get(start, [])
    for step in setup:
        assert http.post(f"/api/v1/users/{uid}/lifecycle/{step}").status_code == 200
    response = http.post(f"/api/v1/users/{uid}/lifecycle/{operation}")
    if expected_code is None:
        assert response.status_code == 200, response.text
        assert http.get(f"/api/v1/users/{uid}").json()["status"] == expected_status
    else:
        assert response.status_code in (400, 403)
        assert response.json()["errorCode"] == expected_code


def test_reset_password_requires_send_email_and_returns_a_link_without_email(http: httpx.Client) -> None:
    uid = make_user(http, "re.set@acme.example.com")["id"]
    missing = http.post(f"/api/v1/users/{uid}/lifecycle/reset_password")
    assert missing.status_code == 400
    quiet = http.post(f"/api/v1/users/{uid}/lifecycle/reset_password", params={"sendEmail": "false"})
    assert quiet.json()["resetPasswordUrl"].startswith(str(http.base_url).rstrip("/"))


def test_delete_deactivates_first_then_deletes(http: httpx.Client) -> None:
    uid = make_user(http, "two.step@acme.example.com")["id"]
    assert http.delete(f"/api/v1/users/{uid}").status_code == 204
    assert http.get(f"/api/v1/users/{uid}").json()["status"] == "DEPROVISIONED"
    assert http.delete(f"/api/v1/users/{uid}").status_code == 204
    assert http.get(f"/api/v1/users/{uid}").status_code == 404
    assert http.delete(f"/api/v1/users/{uid}").status_code == 404


def test_deprovisioned_profiles_cannot_be_edited(http: httpx.Client) -> None:
    uid = make_user(http, "no.edit@acme.example.com")["id"]
    http.post(f"/api/v1/users/{uid}/lifecycle/deactivate")
    response = http.post(f"/api/v1/users/{uid}", json={"profile": {"title": "x"}})
    assert response.status_code == 403 and response.json()["errorCode"] == "E0000038"
