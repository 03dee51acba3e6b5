"""The Salesforce emulator's OAuth flows, session checks, daily API allocation, faults, stats and reset."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceExpiredSession

from tenantsim.sandbox.salesforce import SalesforceSandbox, create_app
from tests.sandbox.salesforce_support import CheckedSession, access_token, connect, token
from tests.support.clock import Clock
from tests.support.servers import serve_asgi

Served = tuple[SalesforceSandbox, str, httpx.Client]
V = "/services/data/v59.0"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@pytest.fixture
def served() -> Iterator[Served]:
    sandbox = create_app(seed=11)
    with serve_asgi(sandbox) as base, httpx.Client(base_url=base, timeout=10) as http:
        yield sandbox, base, http


def other_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def assertion(described: dict[str, Any], *, key: str | None = None, **claims: Any) -> str:
    body = {
        "iss": described["consumer_key"],
        "sub": described["username"],
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 180,
        **claims,
    }
    return jwt.encode(body, key or described["private_key"], algorithm="RS256")


def jwt_token(http: httpx.Client, described: dict[str, Any], **claims: Any) -> httpx.Response:
    return http.post(
        described["token_url"], data={"grant_type": JWT_GRANT, "assertion": assertion(described, **claims)}
    )


# -- OAuth --------------------------------------------------------------------------------------------------
def test_client_credentials_grant(served: Served) -> None:
    sandbox, base, http = served
    described = sandbox.describe(base)
    granted = token(http, described)
    assert granted.status_code == 200
    body = granted.json()
    assert set(body) == {
        "access_token",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
        "signature",
        "scope",
    }
    assert body["token_type"] == "Bearer" and body["instance_url"] == base
    assert body["access_token"].startswith(sandbox.org.org_id[:15] + "!")
    assert body["id"] == f"{base}/id/{sandbox.org.org_id}/{sandbox.integration_user}"
    assert "no-store" in granted.headers["cache-control"]
    wrong_secret = token(http, described, client_secret="not-it")
    assert (wrong_secret.status_code, wrong_secret.json()) == (
        400,
        {"error": "invalid_client", "error_description": "invalid client credentials"},
    )
    wrong_client = token(http, described, client_id="3MVG9nobody")
    assert wrong_client.json() == {
        "error": "invalid_client_id",
        "error_description": "client identifier invalid",
    }
    assert described["consumer_secret"] not in wrong_secret.text
    unsupported = http.post(described["token_url"], data={"grant_type": "password"})
    assert unsupported.json()["error"] == "unsupported_grant_type"


def test_simple_salesforce_logs_in_with_client_credentials_and_with_jwt(served: Served) -> None:
    sandbox, base, _ = served
    described = sandbox.describe(base)
    session = CheckedSession(base)
    # simple-salesforce sends client credentials as HTTP Basic to the My Domain's token URL.
    by_secret = Salesforce(
        consumer_key=described["consumer_key"],
        consumer_secret=described["consumer_secret"],
        domain="sandbox-corp.my",
        session=session,
        version="59.0",
    )
    assert by_secret.query("SELECT COUNT() FROM Account")["totalSize"] == 8
    by_key = Salesforce(
        username=described["username"],
        consumer_key=described["consumer_key"],
        privatekey=described["private_key"],
        session=session,
        version="59.0",
    )
    assert (
        by_key.query(f"SELECT Username FROM User WHERE Username = '{described['username']}'")["totalSize"]
        == 1
    )
    with pytest.raises(SalesforceAuthenticationFailed):
        Salesforce(
            username=described["username"],
            consumer_key=described["consumer_key"],
            privatekey=other_key(),
            session=session,
            version="59.0",
        )


def test_jwt_bearer_grant_and_its_refusals(served: Served) -> None:
    sandbox, base, http = served
    described = sandbox.describe(base)
    granted = jwt_token(http, described)
    assert granted.status_code == 200
    assert set(granted.json()) == {"access_token", "instance_url", "id", "token_type", "scope"}
    assert jwt_token(http, described, aud=base).status_code == 200  # the sandbox's own login URL
    sales_rep = next(u["username"] for u in described["users"] if u["username"].startswith("liam.chen@"))
    as_rep = jwt_token(http, described, sub=sales_rep).json()
    assert as_rep["id"].endswith(next(u["id"] for u in described["users"] if u["username"] == sales_rep))

    def refusal(response: httpx.Response) -> tuple[int, str, str]:
        return response.status_code, response.json()["error"], response.json()["error_description"]

    assert refusal(jwt_token(http, described, key=other_key())) == (400, "invalid_grant", "invalid assertion")
    assert refusal(jwt_token(http, described, aud="https://elsewhere.example.com")) == (
        400,
        "invalid_grant",
        "audience is invalid",
    )
    assert refusal(jwt_token(http, described, iss="3MVG9someone-else")) == (
        400,
        "invalid_client_id",
        "client identifier invalid",
    )
    assert refusal(jwt_token(http, described, sub="nobody@sandbox-corp.example.com")) == (
        400,
        "invalid_grant",
        "user hasn't approved this consumer",
    )
    former = next(u["username"] for u in described["users"] if not u["active"])
    assert refusal(jwt_token(http, described, sub=former))[2] == "inactive user"
    assert refusal(jwt_token(http, described, exp=int(time.time()) - 3600)) == (
        400,
        "invalid_grant",
        "invalid assertion",
    )


def test_api_calls_need_a_live_session(served: Served) -> None:
    sandbox, base, http = served
    clock = Clock()
    sandbox.clock = clock
    expected = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    for headers in ({}, {"Authorization": "Bearer 00Dnothing!x"}, {"Authorization": "Basic abc"}):
        refused = http.get(f"{V}/sobjects", headers=headers)
        assert (refused.status_code, refused.json()) == (401, expected)
    bearer = {"Authorization": f"Bearer {access_token(base, sandbox)}"}
    assert http.get(f"{V}/sobjects", headers=bearer).status_code == 200
    clock.now += 7199  # used within two hours: still alive
    assert http.get(f"{V}/limits", headers=bearer).status_code == 200
    clock.now += 7201
    assert http.get(f"{V}/limits", headers=bearer).status_code == 401
    client, _ = connect(sandbox, base)
    clock.now += 7201
    with pytest.raises(SalesforceExpiredSession):
        client.query("SELECT Id FROM Account")


# -- the daily allocation ------------------------------------------------------------------------------------
def test_limit_info_counts_down_and_runs_out(served: Served) -> None:
    sandbox, base, http = served
    clock = Clock()
    sandbox.clock = clock
    sandbox.allocation.limit = 5
    bearer = {"Authorization": f"Bearer {access_token(base, sandbox)}"}
    seen = [http.get(f"{V}/limits", headers=bearer) for _ in range(5)]
    assert [r.headers["Sforce-Limit-Info"] for r in seen] == [f"api-usage={n}/5" for n in range(1, 6)]
    assert seen[-1].json()["DailyApiRequests"] == {"Max": 5, "Remaining": 0}
    refused = http.post(f"{V}/sobjects/Account", headers=bearer, json={"Name": "Too many"})
    assert refused.status_code == 403
    assert refused.json() == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert refused.headers["Sforce-Limit-Info"] == "api-usage=5/5"
    assert (
        http.post(
            "/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": sandbox.app.consumer_key,
                "client_secret": sandbox.app.consumer_secret,
            },
        ).status_code
        == 200
    )
    # The window rolls: a day later (here, the clock moved) the allocation is back.
    clock.now += 86_400
    bearer = {"Authorization": f"Bearer {access_token(base, sandbox)}"}  # the old session timed out
    back = http.get(f"{V}/limits", headers=bearer)
    assert back.status_code == 200 and back.headers["Sforce-Limit-Info"] == "api-usage=1/5"
    client, _ = connect(sandbox, base)
    client.query("SELECT Id FROM Account LIMIT 1")
    assert client.api_usage["api-usage"].used == 2 and client.api_usage["api-usage"].total == 5


def test_a_compressed_window_for_demos() -> None:
    clock = Clock()
    sandbox = create_app(daily_limit=3, window_seconds=60.0)
    sandbox.clock = clock
    with serve_asgi(sandbox) as base, httpx.Client(base_url=base, timeout=10) as http:
        bearer = {"Authorization": f"Bearer {access_token(base, sandbox)}"}
        assert [http.get(f"{V}/limits", headers=bearer).status_code for _ in range(4)] == [200, 200, 200, 403]
        clock.now += 30
        assert http.get(f"{V}/limits", headers=bearer).status_code == 403
        clock.now += 31  # rolling: the first requests have left the window
        assert http.get(f"{V}/limits", headers=bearer).status_code == 200


# -- faults, stats, reset ---------------------------------------------------------------------------------
def test_faults_stats_and_reset(served: Served) -> None:
    sandbox, base, http = served
    bearer = {"Authorization": f"Bearer {access_token(base, sandbox)}"}
    made = http.post(f"{V}/sobjects/Account", headers=bearer, json={"Name": "Before reset"}).json()["id"]
    assert http.post("/_sandbox/faults", json={"fault_rate": 1.0, "kinds": ["error"]}).status_code == 200
    failed = http.get(f"{V}/limits", headers=bearer)
    assert failed.status_code == 503 and failed.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"
    http.post("/_sandbox/faults", json={"fault_rate": 0.0, "storm_seconds": 60})
    storm = http.get(f"{V}/limits", headers=bearer)
    assert storm.status_code == 403 and storm.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    http.post("/_sandbox/faults", json={"storm_seconds": 0})
    lowered = http.post("/_sandbox/limits", json={"daily_limit": 12345}).json()
    assert lowered["daily_limit"] == 12345 and sandbox.describe(base)["daily_limit"] == 12345
    stats = http.get("/_sandbox/stats").json()
    assert stats["stats"]["totals"]["faults"] == 1 and stats["stats"]["totals"]["throttled"] == 1
    assert stats["api_usage"] >= 2 and stats["counts"]["Account"] == 9
    reset = http.post("/_sandbox/reset").json()
    assert reset["reset"] is True and "consumer_secret" not in reset and "job" not in reset
    assert http.get(f"{V}/limits", headers=bearer).status_code == 401  # sessions die with the reset
    bearer = {"Authorization": f"Bearer {access_token(base, sandbox)}"}
    assert http.get(f"{V}/sobjects/Account/{made}", headers=bearer).status_code == 404
    assert http.get("/_sandbox/stats").json()["counts"]["Account"] == 8


def test_unknown_paths_versions_and_methods(served: Served) -> None:
    sandbox, base, http = served
    bearer = {"Authorization": f"Bearer {access_token(base, sandbox)}"}
    assert http.get("/services/data").json()[0]["version"] == "59.0"
    assert http.get(f"{V}/", headers=bearer).json()["query"] == f"{V}/query"
    assert http.get("/services/data/v99.0/sobjects", headers=bearer).status_code == 404
    assert http.get("/services/data/v52.0/sobjects", headers=bearer).status_code == 200  # older versions work
    assert http.get(f"{V}/nothing", headers=bearer).json()[0]["errorCode"] == "NOT_FOUND"
    put = http.put(f"{V}/sobjects/Account", headers=bearer, json={})
    assert put.status_code == 405 and put.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"
    bad_json = http.post(
        f"{V}/sobjects/Account", headers={**bearer, "Content-Type": "application/json"}, content=b"{nope"
    )
    assert bad_json.status_code == 400 and bad_json.json()[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_a_lost_answer_still_makes_the_change(served: Served) -> None:
    """``lost``: the account is created and kept, and the connection drops before the answer."""
    sandbox, base, http = served
    bearer = {"Authorization": f"Bearer {access_token(base, sandbox)}"}
    http.post("/_sandbox/faults", json={"fault_rate": 1.0, "kinds": ["lost"]})
    with pytest.raises(httpx.TransportError):
        http.post(f"{V}/sobjects/Account", headers=bearer, json={"Name": "Answer Lost Ltd"})
    http.post("/_sandbox/faults", json={"fault_rate": 0.0})
    found = http.get(f"{V}/query", headers=bearer,
                     params={"q": "SELECT Id FROM Account WHERE Name = 'Answer Lost Ltd'"}).json()
    assert found["totalSize"] == 1
