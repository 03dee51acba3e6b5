"""The Google Workspace emulator's token grant, bearer checks, quotas, faults, stats and reset."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth.exceptions import RefreshError
from google.oauth2 import service_account
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from tenantsim.sandbox.google import GoogleSandbox, create_app
from tests.sandbox.google_support import (
    CALENDAR_SCOPES,
    DIRECTORY_SCOPES,
    CheckedHttp,
    Session,
    bearer,
    token,
)
from tests.support.servers import serve_asgi

USERS = "/admin/directory/v1/users"
Served = tuple[GoogleSandbox, str, httpx.Client]
SHORT_LIVED = ("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
               "Check your iat and exp values in the JWT claim.")


@pytest.fixture
def served() -> Iterator[tuple[GoogleSandbox, str, httpx.Client]]:
    sandbox = create_app(users=4)
    with serve_asgi(sandbox) as base, httpx.Client(base_url=base, timeout=10) as http:
        yield sandbox, base, http


def other_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def error_of(response: httpx.Response) -> dict[str, Any]:
    return dict(response.json()["error"])


# -- the JWT bearer grant ------------------------------------------------------------------------------
def test_a_signed_assertion_gets_a_bearer_token(served: Served) -> None:
    sandbox, base, http = served
    info = sandbox.service_account_info(base)
    assert info["token_uri"] == f"{base}/token" and info["type"] == "service_account"
    granted = token(http, info, sub=sandbox.tenant.admin_email)
    assert granted.status_code == 200
    body = granted.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert body["expires_in"] == 3599 and body["token_type"] == "Bearer"
    assert body["access_token"].startswith("ya29.")
    listed = http.get(USERS, params={"customer": "my_customer"},
                      headers={"Authorization": f"Bearer {body['access_token']}"})
    assert listed.status_code == 200 and len(listed.json()["users"]) == 5


def test_an_assertion_signed_with_another_key_is_refused(served: Served) -> None:
    sandbox, base, http = served
    info = sandbox.service_account_info(base)
    forged = token(http, info, key=other_key(), sub=sandbox.tenant.admin_email)
    assert forged.status_code == 400
    assert forged.json() == {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}

    # The official client reports it as Google's does: a RefreshError naming invalid_grant.
    stolen = {**info, "private_key": other_key()}
    credentials = service_account.Credentials.from_service_account_info(
        stolen, scopes=DIRECTORY_SCOPES, subject=sandbox.tenant.admin_email)
    directory = build("admin", "directory_v1", credentials=credentials, static_discovery=True,
                      client_options={"api_endpoint": base})
    with pytest.raises(RefreshError) as refused:
        directory.users().list(customer="my_customer").execute()
    assert "invalid_grant" in str(refused.value) and "Invalid JWT Signature." in str(refused.value)
    assert info["private_key"] not in str(refused.value)


@pytest.mark.parametrize(("claims", "status", "error", "description"), [
    ({"sub": "nobody@sandbox-corp.example.com"}, 400, "invalid_grant", "Invalid email or User ID"),
    ({"scope": "https://www.googleapis.com/auth/gmail.send"}, 401, "unauthorized_client",
     "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any "
     "of the scopes requested."),
    ({"scope": ""}, 400, "invalid_scope", "Invalid OAuth scope or ID token audience provided."),
    ({"exp_after": 7200}, 400, "invalid_grant", SHORT_LIVED),
    ({"issued_ago": 7200}, 400, "invalid_grant", SHORT_LIVED),
    ({"aud": "https://example.org/token"}, 400, "invalid_grant", "Invalid JWT: Failed audience check."),
])
def test_grant_refusals(served: Served, claims: dict[str, Any], status: int,
                        error: str, description: str) -> None:
    sandbox, base, http = served
    claims = {"sub": sandbox.tenant.admin_email, **claims}
    now = time.time() - claims.pop("issued_ago", 0)
    if "exp_after" in claims:
        claims["exp"] = int(now) + claims.pop("exp_after")
    refused = token(http, sandbox.service_account_info(base), now=now, **claims)
    expected = {"error": error, "error_description": description}
    assert (refused.status_code, refused.json()) == (status, expected)


def test_only_the_jwt_bearer_grant_is_served(served: Served) -> None:
    _, _, http = served
    wrong = http.post("/token", data={"grant_type": "client_credentials"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "unsupported_grant_type"
    garbage = http.post("/token", data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                        "assertion": "not-a-jwt"})
    assert garbage.status_code == 400 and garbage.json()["error"] == "invalid_request"


def test_access_tokens_expire_and_requests_without_one_are_refused(
        served: Served) -> None:
    sandbox, base, http = served
    headers = bearer(http, sandbox.service_account_info(base), sub=sandbox.tenant.admin_email)
    assert http.get(USERS, params={"customer": "my_customer"}, headers=headers).status_code == 200
    started = time.time()
    sandbox.clock = lambda: started + 3600  # an hour on: the token (3599 s) has lapsed
    expired = http.get(USERS, params={"customer": "my_customer"}, headers=headers)
    assert expired.status_code == 401
    assert error_of(expired) == {
        "code": 401, "status": "UNAUTHENTICATED",
        "message": "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
                   "cookie or other valid authentication credential. See "
                   "https://developers.google.com/identity/sign-in/web/devconsole-project.",
        "errors": [{"message": "Invalid Credentials", "domain": "global", "reason": "authError",
                    "location": "Authorization", "locationType": "header"}]}
    anonymous = http.get(USERS, params={"customer": "my_customer"})
    assert anonymous.status_code == 401 and error_of(anonymous)["errors"][0]["reason"] == "required"
    made_up = http.get(USERS, params={"customer": "my_customer"},
                       headers={"Authorization": "Bearer ya29.made-up"})
    assert made_up.status_code == 401 and error_of(made_up)["errors"][0]["reason"] == "authError"


# -- quotas ----------------------------------------------------------------------------------------------
def test_per_user_quota_is_403_user_rate_limit_exceeded_until_the_window_turns() -> None:
    sandbox = create_app(users=4, rate_limit=3, project_rate_limit=100, window_seconds=60)
    started = time.time()
    sandbox.clock = lambda: started
    with serve_asgi(sandbox) as base:
        session = Session(sandbox, base, CheckedHttp(base))
        users = session.directory().users()
        for _ in range(3):
            users.get(userKey=session.admin).execute()
        with pytest.raises(HttpError) as limited:
            users.get(userKey=session.admin).execute()
        assert json.loads(limited.value.content)["error"] == {
            "code": 403, "message": "Rate Limit Exceeded", "status": "PERMISSION_DENIED",
            "errors": [{"message": "Rate Limit Exceeded", "domain": "usageLimits",
                        "reason": "userRateLimitExceeded"}]}
        # Another user has a quota of their own.
        someone = next(u for u in sandbox.tenant.users.values() if not u.is_admin)
        assert "items" in session.calendar(subject=someone.primary_email).events().list(
            calendarId="primary").execute()
        sandbox.clock = lambda: started + 61  # the next minute
        assert users.get(userKey=session.admin).execute()["isAdmin"] is True
        assert sandbox.stats.as_dict()["totals"]["throttled"] == 1


def test_project_quota_is_429_rate_limit_exceeded() -> None:
    sandbox = create_app(users=4, rate_limit=100, project_rate_limit=4, window_seconds=60)
    started = time.time()
    sandbox.clock = lambda: started
    with serve_asgi(sandbox) as base, httpx.Client(base_url=base, timeout=10) as http:
        info = sandbox.service_account_info(base)
        admin = bearer(http, info, sub=sandbox.tenant.admin_email)
        someone = next(u for u in sandbox.tenant.users.values() if not u.is_admin)
        theirs = bearer(http, info, sub=someone.primary_email, scope=" ".join(CALENDAR_SCOPES))
        events = "/calendar/v3/calendars/primary/events"
        for headers, path in ((admin, USERS + "/" + sandbox.tenant.admin_email), (theirs, events)) * 2:
            assert http.get(path, headers=headers).status_code == 200
        limited = http.get(events, headers=theirs)
        assert limited.status_code == 429
        assert error_of(limited) == {
            "code": 429, "message": "Rate Limit Exceeded", "status": "RESOURCE_EXHAUSTED",
            "errors": [{"message": "Rate Limit Exceeded", "domain": "usageLimits",
                        "reason": "rateLimitExceeded"}]}


# -- faults, stats, reset --------------------------------------------------------------------------------
def test_faults_stats_and_reset(served: Served) -> None:
    sandbox, base, http = served
    headers = bearer(http, sandbox.service_account_info(base), sub=sandbox.tenant.admin_email)
    made = http.post(USERS, headers=headers, json={"primaryEmail": "temp.hire@sandbox-corp.example.com",
                                                   "name": {"givenName": "Temp", "familyName": "Hire"},
                                                   "password": "Correct-Horse-42"})
    assert made.status_code == 200
    assert http.post("/_sandbox/faults", json={"fault_rate": 1.0, "kinds": ["error"]}).status_code == 200
    broken = http.get(USERS + "/" + made.json()["id"], headers=headers)
    assert broken.status_code == 503 and error_of(broken)["errors"][0]["reason"] == "backendError"
    http.post("/_sandbox/faults", json={"fault_rate": 0.0, "storm_seconds": 60})
    stormy = http.get(USERS + "/" + made.json()["id"], headers=headers)
    assert stormy.status_code == 429 and error_of(stormy)["errors"][0]["reason"] == "rateLimitExceeded"

    stats = http.get("/_sandbox/stats").json()
    assert stats["stats"]["buckets"]["user"] == {"requests": 3, "throttled": 1, "errors": 1, "faults": 1}
    assert stats["stats"]["buckets"]["token"]["requests"] == 1
    assert stats["users"] == 5

    reset = http.post("/_sandbox/reset")
    assert reset.status_code == 200 and "job" not in reset.json()  # no key in the echo
    assert sandbox.tenant.find_user("temp.hire@sandbox-corp.example.com") is None
    assert http.get(USERS, params={"customer": "my_customer"}, headers=headers).status_code == 401
    fresh = bearer(http, sandbox.service_account_info(base), sub=sandbox.tenant.admin_email)
    assert http.get(USERS, params={"customer": "my_customer"}, headers=fresh).status_code == 200


def test_a_lost_answer_still_makes_the_change(served: Served) -> None:
    """``lost``: the user is created and kept, and the connection drops before the answer (a gateway
    timing out): a caller that resends blindly would make it twice."""
    sandbox, base, http = served
    headers = bearer(http, sandbox.service_account_info(base), sub=sandbox.tenant.admin_email)
    http.post("/_sandbox/faults", json={"fault_rate": 1.0, "kinds": ["lost"]})
    with pytest.raises(httpx.TransportError):
        http.post(USERS, headers=headers, json={"primaryEmail": "lost.answer@sandbox-corp.example.com",
                                                "name": {"givenName": "Lost", "familyName": "Answer"},
                                                "password": "Correct-Horse-42"})
    http.post("/_sandbox/faults", json={"fault_rate": 0.0})
    found = http.get(USERS + "/lost.answer@sandbox-corp.example.com", headers=headers)
    assert found.status_code == 200 and found.json()["name"]["fullName"] == "Lost Answer"
    assert http.get("/_sandbox/stats").json()["stats"]["buckets"]["user"]["faults"] == 1
