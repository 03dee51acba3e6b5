"""Microsoft 365: the configuration and the Graph client's pieces against hand-built responses (httpx
MockTransport): the client-credentials flow with a secret or a certificate, token caching and refresh,
Graph's error envelope, throttling headers and 429s, paging, and Planner's ETags."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tenantsim.connectors.microsoft365.client import (
    AppCredentials,
    GraphClient,
    GraphProfile,
    classify,
    is_duplicate,
)
from tenantsim.connectors.microsoft365.config import PLATFORM, validate
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.connectors.spec import ConfigContext, ConfigProblems
from tenantsim.errors import AuthError, FatalError, NotFoundOnPlatform, RateLimited, Retriable, Skippable
from tenantsim.secretbox import is_secret_field
from tests.support.clock import Clock

SANDBOX = ConfigContext(sandbox_mode=True)
REAL = ConfigContext(sandbox_mode=False)
TENANT = "11111111-2222-4333-8444-555555555555"
CLIENT = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
SECRET = "abc8Q~secret-value-that-is-long-enough"

START = 1_700_000_000.0  # the clock the tests move by hand starts here


def graph_error(status: int, code: str, message: str,
                headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message}}, headers=headers)


def make_client(handler: Callable[[httpx.Request], httpx.Response], *, clock: Clock | None = None,
                credentials: AppCredentials | None = None) -> GraphClient:
    clock = clock or Clock(START)
    ticking = clock

    async def wait(seconds: float) -> None:  # the budget's waits pass on the test's clock, at once
        ticking.now += seconds

    budgets = BudgetRegistry(window_seconds=60.0, clock=clock, sleep=wait)
    return GraphClient(credentials or AppCredentials(TENANT, CLIENT, SECRET), domain="contoso.com",
                       api_base_url="http://127.0.0.1:9/sandbox/m365", budgets=budgets,
                       transport=httpx.MockTransport(handler), clock=clock)


def token_response(token: str = "app-token", expires_in: int = 3599) -> httpx.Response:
    return httpx.Response(200, json={"token_type": "Bearer", "expires_in": expires_in, "access_token": token})


# -- configuration ------------------------------------------------------------------------------------

def test_config_takes_a_secret_or_a_certificate_and_keeps_both_secret() -> None:
    body = {"tenant_id": TENANT, "client_id": CLIENT.upper(), "client_secret": SECRET,
            "domain": "Contoso.com"}
    config = validate(body, {}, REAL)
    assert config["client_id"] == CLIENT and config["domain"] == "contoso.com"
    assert config["api_base_url"] == "https://graph.microsoft.com"  # a credential of one's own goes to Graph
    assert is_secret_field("client_secret") and is_secret_field("certificate_private_key")
    assert not is_secret_field("certificate_thumbprint")
    assert PLATFORM.job_credentials == ("client_secret", "certificate_private_key")
    assert PLATFORM.sandbox_key == "m365" and PLATFORM.role == "identity"
    with pytest.raises(ConfigProblems) as caught:
        validate({**body, "client_secret": None}, {}, REAL)
    assert any("client_secret, or certificate_private_key" in m for _, m in caught.value.items)
    with pytest.raises(ConfigProblems) as caught:
        pem = "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----"
        validate({**body, "certificate_private_key": pem}, {}, REAL)
    assert any("certificate_thumbprint" in m for _, m in caught.value.items)
    assert validate({**body, "client_secret": None}, {}, SANDBOX).get("api_base_url") is None  # routed later


def test_config_allows_loopback_only_in_sandbox_mode_and_only_graph_otherwise() -> None:
    body = {"tenant_id": TENANT, "client_id": CLIENT, "client_secret": SECRET, "domain": "contoso.com",
            "api_base_url": "http://127.0.0.1:5001/sandbox/m365/"}
    assert validate(body, {}, SANDBOX)["api_base_url"] == "http://127.0.0.1:5001/sandbox/m365"
    for url, ctx in (("http://127.0.0.1:5001/sandbox/m365", REAL), ("https://evil.example.com", SANDBOX),
                     ("https://graph.microsoft.com.evil.com", REAL),
                     ("https://graph.microsoft.com:444", REAL),
                     ("https://user@graph.microsoft.com", REAL)):
        with pytest.raises(ConfigProblems) as caught:
            validate({**body, "api_base_url": url}, {}, ctx)
        assert any(m.startswith("Invalid api_base_url") for _, m in caught.value.items)
        assert all(SECRET not in m for _, m in caught.value.items)
    with pytest.raises(ConfigProblems) as caught:
        validate({**body, "tenant_id": "not a tenant", "client_id": "nope"}, {}, REAL)
    assert {f for f, _ in caught.value.items} >= {"tenant_id", "client_id"}


# -- errors -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("response", "kind"), [
    (graph_error(404, "Request_ResourceNotFound", "Resource 'x' does not exist"), NotFoundOnPlatform),
    (graph_error(400, "Request_BadRequest", "Another object with the same value for property "
                 "userPrincipalName already exists."), Skippable),
    (graph_error(412, "PreconditionFailed", "The request is not valid for the current state"), Skippable),
    (graph_error(403, "Authorization_RequestDenied", "Insufficient privileges"), AuthError),
    (graph_error(401, "InvalidAuthenticationToken", "Lifetime validation failed"), AuthError),
    (httpx.Response(401, json={"error": "invalid_client", "error_description": "AADSTS7000215: bad"}),
     AuthError),
    (graph_error(429, "TooManyRequests", "slow down"), RateLimited),
    (graph_error(503, "serviceNotAvailable", "later"), Retriable),
    (graph_error(405, "Request_BadRequest", "Specified HTTP method is not allowed"), FatalError),
    (httpx.Response(200, json={}), type(None)),
])
def test_classify_maps_graph_errors(response: httpx.Response, kind: type) -> None:
    found = classify(response)
    assert isinstance(found, kind)
    if found is not None:
        assert "Microsoft Graph" in found.message


def test_a_duplicate_is_told_apart_from_other_bad_requests() -> None:
    duplicate = classify(graph_error(400, "Request_BadRequest", "Another object with the same value for "
                                     "property mailNickname already exists."))
    other = classify(graph_error(400, "Request_BadRequest", "Invalid value specified for property"))
    assert duplicate is not None and other is not None
    assert is_duplicate(duplicate) and not is_duplicate(other)


def test_throttle_headers_become_a_window_count() -> None:
    clock = Clock(START)
    profile = GraphProfile(window_seconds=10.0, clock=clock)
    request = httpx.Request("GET", "http://127.0.0.1/v1.0/users")
    plain = httpx.Response(200, request=request, headers={"x-ms-resource-unit": "2"})
    assert profile.read_limits(plain) is None  # under 80 %: Graph says nothing, the budget paces by rate
    warned = httpx.Response(200, request=request, headers={"x-ms-throttle-limit-percentage": "0.9",
                                                           "x-ms-resource-unit": "2"})
    limit, remaining, reset = profile.read_limits(warned) or (0, 0, 0.0)
    assert limit == profile.default_limit("directory")
    assert remaining == int((limit - round(0.9 * limit)) / 2) and reset == clock.now + 10.0


# -- the token flow -----------------------------------------------------------------------------------

async def test_the_app_token_is_cached_refreshed_before_expiry_and_once_on_401() -> None:
    clock = Clock(START)
    tokens: list[dict[str, list[str]]] = []
    graph_tokens: list[str] = []
    stale = {"first": False}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/v2.0/token"):
            assert request.url.path == f"/sandbox/m365/{TENANT}/oauth2/v2.0/token"
            tokens.append(parse_qs(request.content.decode()))
            return token_response(f"t{len(tokens)}")
        graph_tokens.append(request.headers["Authorization"])
        if request.url.path.endswith("/users") and stale["first"] and len(tokens) == 2:
            stale["first"] = False
            return graph_error(401, "InvalidAuthenticationToken", "Lifetime validation failed")
        return httpx.Response(200, json={"value": [{"id": TENANT, "displayName": "Contoso"}]})

    client = make_client(handler, clock=clock)
    try:
        await client.check_app()
        await client.check_app()
        assert len(tokens) == 1  # cached
        form = tokens[0]
        assert form["grant_type"] == ["client_credentials"] and form["client_secret"] == [SECRET]
        assert form["scope"] == ["https://graph.microsoft.com/.default"]
        clock.now += 3599 - 200  # within five minutes of expiry: replaced before it lapses
        await client.check_app()
        assert len(tokens) == 2 and graph_tokens[-1] == "Bearer t2"
        clock.now += 10
        stale["first"] = True
        await client.check_app()  # 401 -> one new token, the call repeated
        assert len(tokens) == 3 and graph_tokens[-1] == "Bearer t3"
    finally:
        await client.aclose()


async def test_a_certificate_signs_a_client_assertion_with_its_thumbprint() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    thumbprint = "AB" * 20
    seen: list[dict[str, list[str]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            seen.append(parse_qs(request.content.decode()))
            return token_response()
        return httpx.Response(200, json={"value": [{}]})

    client = make_client(handler, credentials=AppCredentials(TENANT, CLIENT, None, pem, thumbprint))
    try:
        await client.check_app()
    finally:
        await client.aclose()
    form = seen[0]
    assert "client_secret" not in form
    assert form["client_assertion_type"] == ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]
    assertion = form["client_assertion"][0]
    header = jwt.get_unverified_header(assertion)
    assert header["x5t"] == base64.urlsafe_b64encode(bytes.fromhex(thumbprint)).decode().rstrip("=")
    claims = jwt.decode(assertion, key.public_key(), algorithms=["RS256"], audience=client.token_url,
                        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False})  # test clock
    assert claims["iss"] == claims["sub"] == CLIENT and claims["jti"]
    with pytest.raises(AuthError) as caught:
        AppCredentials(TENANT, CLIENT, None, "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----",
                       thumbprint).assertion("x", 0)
    assert "nope" not in caught.value.message


# -- Graph calls ----------------------------------------------------------------------------------------

async def test_a_429_is_waited_out_and_pages_follow_next_links() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return token_response()
        calls.append(str(request.url))
        if len(calls) == 1:
            return graph_error(429, "TooManyRequests", "slow down", {"Retry-After": "3"})
        if "skiptoken" not in str(request.url):
            return httpx.Response(200, json={"value": [{"id": "1"}], "@odata.nextLink":
                                             "http://127.0.0.1:9/sandbox/m365/v1.0/users?$skiptoken=abc"})
        return httpx.Response(200, json={"value": [{"id": "2"}]})

    client = make_client(handler)
    try:
        found = [u["id"] async for u in client.users()]
    finally:
        await client.aclose()
    assert found == ["1", "2"] and len(calls) == 3


async def test_a_foreign_next_link_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return token_response()
        return httpx.Response(200, json={"value": [], "@odata.nextLink": "https://evil.example.com/v1.0/users"})

    client = make_client(handler)
    try:
        with pytest.raises(FatalError):
            _ = [u async for u in client.users()]
    finally:
        await client.aclose()


async def test_planner_updates_send_the_etag_and_re_read_it_on_412() -> None:
    sent: list[tuple[str, str | None, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return token_response()
        sent.append((request.method, request.headers.get("If-Match"),
                     json.loads(request.content) if request.content else None))
        if request.method == "GET":
            return httpx.Response(200, json={"id": "t1", "@odata.etag": 'W/"fresh"'})
        if request.headers.get("If-Match") == 'W/"stale"':
            return graph_error(412, "PreconditionFailed", "The request is not valid for the current state")
        return httpx.Response(200, json={"id": "t1", "@odata.etag": 'W/"next"', "percentComplete": 50})

    client = make_client(handler)
    try:
        etag = await client.update_task("t1", {"percentComplete": 50}, etag='W/"stale"')
    finally:
        await client.aclose()
    assert etag == 'W/"next"'
    assert [(m, e) for m, e, _ in sent] == [("PATCH", 'W/"stale"'), ("GET", None), ("PATCH", 'W/"fresh"')]


async def test_delegated_calls_carry_the_persons_token_and_a_401_is_not_retried() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return token_response()
        if request.headers["Authorization"] == "Bearer person-token":
            return httpx.Response(201, json={"id": "m1"})
        return graph_error(401, "InvalidAuthenticationToken", "Access token validation failure.")

    client = make_client(handler)
    try:
        made = await client.post_message("team", "channel", "hello", token="person-token", token_id="ava")
        assert made["id"] == "m1"
        with pytest.raises(AuthError):
            await client.post_message("team", "channel", "hello", token="revoked", token_id="liam")
        assert client.token_requests == 0  # the app's token was never needed
    finally:
        await client.aclose()
