"""OAuth 2.0 for service apps on the Okta emulator, over real loopback HTTP: the org authorization
server's token endpoint with a ``private_key_jwt`` client assertion, Okta's OAuth error answers, scope
checks per endpoint, and the official SDK authenticating with a private key."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from okta.client import Client as SdkClient
from okta.models import CreateUserRequest

from tenantsim.sandbox.okta import OktaSandbox, create_app
from tests.sandbox.okta_support import AUTH
from tests.support.servers import serve_asgi

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[OktaSandbox, str]]:
    sandbox = create_app(users=4, seed=31)
    with serve_asgi(sandbox) as base:
        yield sandbox, base


@pytest.fixture()
def org(served: tuple[OktaSandbox, str]) -> tuple[OktaSandbox, str]:
    served[0].reset()
    return served


def demo(sandbox: OktaSandbox, base: str) -> dict[str, Any]:
    described = sandbox.describe(base)["service_app"]
    assert described is not None
    return dict(described)


def assertion(base: str, client_id: str, key: Any, *, kid: str | None = None, **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": client_id, "sub": client_id, "aud": f"{base}/oauth2/v1/token", "iat": now,
            "exp": now + 300, "jti": uuid.uuid4().hex, **claims}
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": kid} if kid else None)


def ask_token(base: str, client_assertion: str, scope: str = "okta.users.read",
              **extra: str) -> httpx.Response:
    form = {"grant_type": "client_credentials", "scope": scope, "client_assertion_type": JWT_BEARER,
            "client_assertion": client_assertion, **extra}
    return httpx.post(f"{base}/oauth2/v1/token", data=form, timeout=10)


def private_key(app: dict[str, Any]) -> Any:
    return RSAAlgorithm.from_jwk(app["private_key"])


def test_the_sandbox_describes_its_service_app_and_a_signed_assertion_gets_a_bearer_token(
        org: tuple[OktaSandbox, str]) -> None:
    sandbox, base = org
    app = demo(sandbox, base)
    assert app["token_url"] == f"{base}/oauth2/v1/token"
    assert {"okta.users.manage", "okta.logs.read", "okta.schemas.manage", "okta.policies.manage"} <= \
        set(app["scopes"])
    signed = assertion(base, app["client_id"], private_key(app), kid=app["private_key"]["kid"])
    response = ask_token(base, signed, scope="okta.users.manage okta.groups.manage")
    assert response.status_code == 200, response.text
    granted = response.json()
    assert granted["token_type"] == "Bearer" and granted["expires_in"] == 3600
    assert granted["scope"] == "okta.users.manage okta.groups.manage"
    assert response.headers["cache-control"] == "no-store"
    bearer = {"Authorization": f"Bearer {granted['access_token']}"}
    listed = httpx.get(f"{base}/api/v1/users", headers=bearer, params={"limit": 2}, timeout=10)
    assert listed.status_code == 200 and len(listed.json()) == 2
    made = httpx.post(f"{base}/api/v1/users", headers=bearer, timeout=10, json={"profile": {
        "login": "svc.made@acme.example.com", "email": "svc.made@acme.example.com", "firstName": "Svc",
        "lastName": "Made"}})
    assert made.status_code == 200, made.text
    # The System Log names the service app as the actor of what its token did.
    logs = httpx.get(f"{base}/api/v1/logs", headers=AUTH, timeout=10,
                     params={"filter": 'eventType eq "user.lifecycle.create"',
                             "since": "2020-01-01T00:00:00Z"})
    actor = logs.json()[-1]["actor"]
    assert actor == {"id": app["client_id"], "type": "PublicClientApp", "alternateId": app["client_id"],
                     "displayName": "Sandbox API Service"}
    # A service app's token has no user behind it.
    me = httpx.get(f"{base}/api/v1/users/me", headers=bearer, timeout=10)
    assert me.status_code == 404 and me.json()["errorCode"] == "E0000007"


def test_each_endpoint_checks_the_token_scopes_as_okta_does(org: tuple[OktaSandbox, str]) -> None:
    sandbox, base = org
    app = demo(sandbox, base)
    signed = assertion(base, app["client_id"], private_key(app))
    token = ask_token(base, signed, scope="okta.users.read").json()
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert httpx.get(f"{base}/api/v1/users", headers=bearer, timeout=10).status_code == 200
    refused = httpx.post(f"{base}/api/v1/users", headers=bearer, timeout=10, json={"profile": {}})
    assert refused.status_code == 403
    assert refused.json()["errorCode"] == "E0000006"
    challenge = refused.headers["www-authenticate"]
    assert challenge.startswith("Bearer ") and 'error="insufficient_scope"' in challenge
    assert 'scope="okta.users.manage"' in challenge and 'resource="/api/v1/users"' in challenge
    for path in ("/api/v1/groups", "/api/v1/apps", "/api/v1/logs", "/api/v1/meta/schemas/user/default",
                 "/api/v1/policies?type=MFA_ENROLL"):
        assert httpx.get(f"{base}{path}", headers=bearer, timeout=10).status_code == 403, path
    # An unknown or made-up bearer token is Okta's E0000011.
    bad = httpx.get(f"{base}/api/v1/users", headers={"Authorization": "Bearer eyJnot.a.token"}, timeout=10)
    assert bad.status_code == 401 and bad.json()["errorCode"] == "E0000011"


def test_token_endpoint_errors_are_oauth_errors(org: tuple[OktaSandbox, str]) -> None:
    sandbox, base = org
    app = demo(sandbox, base)
    key, client_id = private_key(app), app["client_id"]
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def refused(response: httpx.Response, status: int, error: str, words: str) -> None:
        assert response.status_code == status, response.text
        body = response.json()
        assert set(body) == {"error", "error_description"} and body["error"] == error
        assert words in body["error_description"], body

    refused(ask_token(base, assertion(base, client_id, stranger)), 401, "invalid_client",
            "signature is invalid")
    refused(ask_token(base, assertion(base, client_id, key, aud="https://elsewhere.example.com/token")), 401,
            "invalid_client", "audience")
    refused(ask_token(base, assertion(base, "0oaunknownclient0000", key)), 401, "invalid_client", "issuer")
    refused(ask_token(base, assertion(base, client_id, key, kid="not-the-kid")), 401, "invalid_client",
            "kid is invalid")
    refused(ask_token(base, assertion(base, client_id, key, exp=int(time.time()) + 7200)), 401,
            "invalid_client", "too far")
    refused(ask_token(base, assertion(base, client_id, key, exp=int(time.time()) - 600)), 401,
            "invalid_client", "expired")
    once = assertion(base, client_id, key)
    assert ask_token(base, once).status_code == 200
    refused(ask_token(base, once), 401, "invalid_client", "already been used")
    refused(ask_token(base, assertion(base, client_id, key), scope="okta.nonsense.manage"), 400,
            "invalid_scope", "not configured")
    refused(ask_token(base, assertion(base, client_id, key), scope="okta.factors.manage"), 400,
            "invalid_scope", "not allowed")
    refused(ask_token(base, assertion(base, client_id, key), grant_type="password"), 400,
            "unsupported_grant_type", "client_credentials")
    secret = httpx.post(f"{base}/oauth2/v1/token", timeout=10, data={
        "grant_type": "client_credentials", "scope": "okta.users.read", "client_id": client_id,
        "client_secret": "not-how-service-apps-sign-in"})
    refused(secret, 400, "invalid_client", "private_key_jwt")


def test_a_service_app_registered_with_its_public_key_only(org: tuple[OktaSandbox, str]) -> None:
    sandbox, base = org
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    made = sandbox.org.oauth.register("0oacustomservice0001", "Reporting", public, ["okta.logs.read"])
    assert made.private_jwk is None and made.public_jwk["kid"]
    token = ask_token(base, assertion(base, made.client_id, key), scope="okta.logs.read")
    assert token.status_code == 200
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert httpx.get(f"{base}/api/v1/logs", headers=bearer, timeout=10).status_code == 200
    assert httpx.get(f"{base}/api/v1/users", headers=bearer, timeout=10).status_code == 403


@pytest.fixture()
def allow_plain_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")  # the SDK's switch for test servers


async def test_official_sdk_authenticates_with_a_private_key_and_creates_a_user_with_a_custom_attribute(
        org: tuple[OktaSandbox, str], allow_plain_http: None) -> None:
    sandbox, base = org
    app = demo(sandbox, base)
    async with httpx.AsyncClient(base_url=base, headers=AUTH, timeout=10) as admin:
        added = await admin.post("/api/v1/meta/schemas/user/default", json={
            "definitions": {"custom": {"id": "#custom", "type": "object", "properties": {
                "costCenterCode": {"title": "Cost center code", "type": "string", "maxLength": 20}}}}})
    assert added.status_code == 200, added.text
    sdk = SdkClient({"orgUrl": base, "authorizationMode": "PrivateKey", "clientId": app["client_id"],
                     "scopes": app["scopes"], "privateKey": json.dumps(app["private_key"]),
                     "raiseException": False, "rateLimit": {"maxRetries": 1}})
    body = {"profile": {"firstName": "Key", "lastName": "Holder", "email": "key.holder@acme.example.com",
                        "login": "key.holder@acme.example.com", "costCenterCode": "CC-4100"}}
    user, _, error = await sdk.create_user(CreateUserRequest.from_dict(body))
    assert error is None, error
    fetched, _, error = await sdk.get_user(user.id)
    assert error is None and fetched.profile.to_dict()["costCenterCode"] == "CC-4100"
    assert sandbox.org.users[user.id].profile["costCenterCode"] == "CC-4100"
    other = "other@acme.example.com"
    wrong = {"profile": {**body["profile"], "login": other, "email": other, "badgeColour": "green"}}
    _, _, error = await sdk.create_user(CreateUserRequest.from_dict(wrong))
    assert error is not None and "E0000001" in str(error)
