"""Sign-in on the Okta emulator over real loopback HTTP: the Authentication API (password, lock-out,
MFA on a new device), sessions and app SSO, and the System Log events they write."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tenantsim.sandbox.okta import OktaSandbox, create_app
from tests.sandbox.okta_support import client, person, totp_code, with_password
from tests.support.servers import serve_asgi

PASSWORD = "Correct-Horse-42"
LONDON = {"X-Forwarded-For": "86.128.10.20", "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
          "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
          "X-Device-Fingerprint": "laptop-1"}


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[OktaSandbox, str]]:
    sandbox = create_app(users=3, seed=61)
    with serve_asgi(sandbox) as base:
        yield sandbox, base


@pytest.fixture()
def http(served: tuple[OktaSandbox, str]) -> Iterator[httpx.Client]:
    served[0].reset()
    with client(served[1]) as session:
        yield session


def sign_in(http: httpx.Client, login: str, password: str = PASSWORD, **headers: str) -> httpx.Response:
    body = {"username": login, "password": password}
    return http.post("/api/v1/authn", json=body, headers=headers or LONDON)


def events(http: httpx.Client, event_type: str) -> list[dict[str, Any]]:
    return list(http.get("/api/v1/logs", params={"filter": f'eventType eq "{event_type}"',
                                                 "since": "2020-01-01T00:00:00Z"}).json())


def test_a_password_sign_in_is_a_session_start_by_the_person_from_where_they_are(
        http: httpx.Client, served: tuple[OktaSandbox, str]) -> None:
    uid = http.post("/api/v1/users", json=with_password(person("ada.lane@acme.example.com"))).json()["id"]
    answer = sign_in(http, "ada.lane@acme.example.com")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "SUCCESS" and body["sessionToken"]
    assert body["_embedded"]["user"]["id"] == uid
    started = events(http, "user.session.start")[-1]
    assert started["actor"]["id"] == uid and started["outcome"]["result"] == "SUCCESS"
    assert started["client"]["ipAddress"] == "86.128.10.20"  # forwarded by a trusted app (API token)
    assert started["client"]["geographicalContext"]["city"] == "London"
    assert started["client"]["userAgent"]["browser"] == "CHROME"
    assert started["authenticationContext"]["credentialType"] == "PASSWORD"
    assert http.get(f"/api/v1/users/{uid}").json()["lastLogin"] is not None
    # Without an API token the caller is the person's browser itself: its own address.
    public = httpx.post(f"{served[1]}/api/v1/authn", headers={"User-Agent": LONDON["User-Agent"]}, timeout=10,
                        json={"username": "ada.lane@acme.example.com", "password": PASSWORD})
    assert public.status_code == 200
    assert events(http, "user.session.start")[-1]["client"]["ipAddress"] == "127.0.0.1"


def test_wrong_passwords_fail_then_lock_the_account(http: httpx.Client) -> None:
    uid = http.post("/api/v1/users", json=with_password(person("bo.kim@acme.example.com"))).json()["id"]
    wrong = sign_in(http, "bo.kim@acme.example.com", "Not-The-Password-1")
    assert wrong.status_code == 401 and wrong.json()["errorCode"] == "E0000004"
    assert wrong.json()["errorSummary"] == "Authentication failed"
    failed = events(http, "user.session.start")[-1]
    assert failed["outcome"] == {"result": "FAILURE", "reason": "INVALID_CREDENTIALS"}
    for _ in range(9):
        sign_in(http, "bo.kim@acme.example.com", "Not-The-Password-1")
    assert http.get(f"/api/v1/users/{uid}").json()["status"] == "LOCKED_OUT"
    assert [e["target"][0]["id"] for e in events(http, "user.account.lock")] == [uid]
    locked = sign_in(http, "bo.kim@acme.example.com")
    assert locked.status_code == 200 and locked.json()["status"] == "LOCKED_OUT"
    assert http.post(f"/api/v1/users/{uid}/lifecycle/unlock").status_code == 200
    assert sign_in(http, "bo.kim@acme.example.com").json()["status"] == "SUCCESS"
    unknown = sign_in(http, "nobody@acme.example.com")
    assert unknown.status_code == 401 and events(http, "user.session.start")[-1]["outcome"]["reason"] == \
        "VERIFICATION_ERROR"


def test_a_new_device_asks_for_the_authenticator_app(http: httpx.Client) -> None:
    uid = http.post("/api/v1/users", json=with_password(person("cy.ode@acme.example.com"))).json()["id"]
    assert sign_in(http, "cy.ode@acme.example.com").json()["status"] == "SUCCESS"  # no factor: no prompt
    enrolled = http.post(f"/api/v1/users/{uid}/factors",
                         json={"factorType": "token:software:totp", "provider": "GOOGLE"}).json()
    secret = enrolled["_embedded"]["activation"]["sharedSecret"]
    http.post(f"/api/v1/users/{uid}/factors/{enrolled['id']}/lifecycle/activate",
              json={"passCode": totp_code(secret)})
    assert sign_in(http, "cy.ode@acme.example.com").json()["status"] == "SUCCESS"  # the known laptop
    phone = {**LONDON, "X-Device-Fingerprint": "new-phone"}
    asked = sign_in(http, "cy.ode@acme.example.com", **phone).json()
    assert asked["status"] == "MFA_REQUIRED" and asked["stateToken"]
    factor = asked["_embedded"]["factors"][0]
    assert factor["factorType"] == "token:software:totp"
    verify = factor["_links"]["verify"]["href"]
    bad = http.post(verify, json={"stateToken": asked["stateToken"], "passCode": "000000"
                                  if totp_code(secret) != "000000" else "111111"})
    assert bad.status_code == 403 and bad.json()["errorCode"] == "E0000068"
    done = http.post(verify, json={"stateToken": asked["stateToken"], "passCode": totp_code(secret)})
    assert done.status_code == 200 and done.json()["status"] == "SUCCESS" and done.json()["sessionToken"]
    mfa = [(e["outcome"]["result"], e["actor"]["id"])
           for e in events(http, "user.authentication.auth_via_mfa")]
    assert mfa == [("FAILURE", uid), ("SUCCESS", uid)]
    assert sign_in(http, "cy.ode@acme.example.com", **phone).json()["status"] == "SUCCESS"  # now known
    abroad = {**phone, "X-Forwarded-For": "79.192.4.4"}  # Berlin: a country never seen
    assert sign_in(http, "cy.ode@acme.example.com", **abroad).json()["status"] == "MFA_REQUIRED"


def test_a_session_opens_the_person_apps_and_only_theirs(http: httpx.Client,
                                                          served: tuple[OktaSandbox, str]) -> None:
    sandbox, base = served
    uid = http.post("/api/v1/users", json=with_password(person("di.fox@acme.example.com"))).json()["id"]
    apps = list(sandbox.org.apps.values())
    mine, other = apps[5], apps[6]
    assert http.post(f"/api/v1/apps/{mine.id}/users", json={"id": uid, "scope": "USER"}).status_code == 200
    link = next(a["linkUrl"] for a in http.get(f"/api/v1/users/{uid}/appLinks").json()
                if a["appInstanceId"] == mine.id)
    token = sign_in(http, "di.fox@acme.example.com").json()["sessionToken"]
    redirect = {"token": token, "redirectUrl": link}
    agent = {"User-Agent": LONDON["User-Agent"]}
    with httpx.Client(follow_redirects=False, timeout=10, headers=agent) as browser:
        started = browser.get(f"{base}/login/sessionCookieRedirect", params=redirect)
        assert started.status_code == 302 and started.headers["location"] == link
        assert "sid" in browser.cookies
        opened = browser.get(link)
        assert opened.status_code == 200 and "SAMLResponse" in opened.text
        not_mine = browser.get(f"{base}/home/{other.name}/{other.id}/{other.name}_link")
        assert not_mine.status_code == 403
        again = browser.get(f"{base}/login/sessionCookieRedirect", params=redirect)
        assert again.headers["location"].endswith("/login/login.htm")  # a session token works once
    sso = [(e["outcome"]["result"], e["target"][0]["id"]) for e in events(http, "user.authentication.sso")]
    assert sso == [("SUCCESS", mine.id), ("FAILURE", other.id)]
