"""The Microsoft 365 emulator's Entra ID token endpoint and Graph's bearer and permission checks, driven by
the official azure-identity credentials and msgraph-sdk over real loopback TLS."""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from azure.core.exceptions import ClientAuthenticationError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.user import User

from tenantsim.sandbox.m365 import create_app
from tests.sandbox.m365_support import GRAPH_SCOPE, Session, open_session, run
from tests.support.clock import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def session(tmp_path_factory: pytest.TempPathFactory, clock: Clock) -> Iterator[Session]:
    sandbox = create_app(users=4, clock=clock)
    with open_session(sandbox, tmp_path_factory.getbasetemp()) as opened:
        yield opened


def token_url(session: Session, tenant: str | None = None) -> str:
    return f"/{tenant or session.described['tenant_id']}/oauth2/v2.0/token"


def other_certificate_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stranger")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(datetime.datetime(2025, 1, 1))
        .not_valid_after(datetime.datetime(2035, 1, 1))
        .sign(key, hashes.SHA256())
    )
    return (
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        + cert.public_bytes(serialization.Encoding.PEM).decode()
    )


# -- client credentials ---------------------------------------------------------------------------------
def test_a_client_secret_gets_a_token_and_the_sdk_lists_users(session: Session) -> None:
    info = session.described
    with session.http() as http:
        granted = http.post(
            token_url(session),
            data={
                "grant_type": "client_credentials",
                "client_id": info["client_id"],
                "client_secret": info["client_secret"],
                "scope": GRAPH_SCOPE,
            },
        )
    assert granted.status_code == 200
    body = granted.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3599
    assert set(body) >= {"token_type", "expires_in", "access_token"}
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["tid"] == info["tenant_id"] and claims["appid"] == info["client_id"]
    assert claims["idtyp"] == "app" and "User.ReadWrite.All" in claims["roles"]

    graph = session.graph(session.secret_credential())
    users = run(graph.users.get())
    assert users is not None and users.value is not None
    assert len(users.value) == 5  # the admin and four people
    assert {u.user_principal_name for u in users.value} >= {"admin@sandbox-corp.example.com"}
    # Graph answers carry request-id, and echo the client-request-id the SDK sends.
    listed = next(e for e in session.recorder.exchanges if e.path == "/users")
    assert listed.headers["request-id"] and listed.headers["client-request-id"]


def test_a_certificate_signed_assertion_gets_a_token(session: Session) -> None:
    graph = session.graph(session.certificate_credential())
    me = run(graph.users.by_user_id("admin@sandbox-corp.example.com").get())
    assert me is not None and me.display_name == "Sandbox Admin"


def test_an_assertion_signed_with_an_unregistered_certificate_is_refused(session: Session) -> None:
    graph = session.graph(session.certificate_credential(other_certificate_pem()))
    with pytest.raises(ClientAuthenticationError) as refused:
        run(graph.users.get())
    assert "AADSTS700027" in str(refused.value)


def test_an_assertion_with_the_right_thumbprint_but_another_key_is_refused(session: Session) -> None:
    info = session.described
    app = session.sandbox.app
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    assertion = jwt.encode(
        {
            "iss": info["client_id"],
            "sub": info["client_id"],
            "aud": session.base + token_url(session),
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "jti": "x",
        },
        stranger,
        algorithm="RS256",
        headers={"x5t": sorted(app.x5t_values())[0]},
    )
    with session.http() as http:
        refused = http.post(
            token_url(session),
            data={
                "grant_type": "client_credentials",
                "client_id": info["client_id"],
                "scope": GRAPH_SCOPE,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion,
            },
        )
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client" and refused.json()["error_codes"] == [700027]


def test_a_bad_secret_is_refused_as_entra_does(session: Session) -> None:
    info = session.described
    with session.http() as http:
        refused = http.post(
            token_url(session),
            data={
                "grant_type": "client_credentials",
                "client_id": info["client_id"],
                "client_secret": "not-the-secret",
                "scope": GRAPH_SCOPE,
            },
        )
    assert refused.status_code == 401
    body = refused.json()
    assert body["error"] == "invalid_client" and body["error_codes"] == [7000215]
    assert body["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")
    assert {"timestamp", "trace_id", "correlation_id", "error_uri"} <= set(body)
    assert "not-the-secret" not in refused.text and info["client_secret"] not in refused.text

    # The official credential surfaces it as an authentication error naming the AADSTS code.
    graph = session.graph(session.secret_credential(secret="still-not-the-secret"))
    with pytest.raises(ClientAuthenticationError) as raised:
        run(graph.users.get())
    assert "AADSTS7000215" in str(raised.value) and "still-not-the-secret" not in str(raised.value)


@pytest.mark.parametrize(
    ("change", "status", "error", "code"),
    [
        ({"client_id": "00000000-0000-0000-0000-000000000001"}, 400, "unauthorized_client", 700016),
        ({"scope": "User.Read"}, 400, "invalid_scope", 1002012),
        ({"grant_type": "password"}, 400, "unsupported_grant_type", 70003),
        ({"tenant": "contoso.onmicrosoft.com"}, 400, "invalid_request", 90002),
        ({"client_secret": None}, 401, "invalid_client", 7000218),
    ],
)
def test_token_refusals(session: Session, change: dict[str, Any], status: int, error: str, code: int) -> None:
    info = session.described
    form = {
        "grant_type": "client_credentials",
        "client_id": info["client_id"],
        "client_secret": info["client_secret"],
        "scope": GRAPH_SCOPE,
    }
    tenant = change.pop("tenant", None)
    form.update(change)
    with session.http() as http:
        refused = http.post(token_url(session, tenant), data={k: v for k, v in form.items() if v is not None})
    assert refused.status_code == status
    assert refused.json()["error"] == error and refused.json()["error_codes"] == [code]
    assert info["client_secret"] not in refused.text


def test_the_domain_names_the_tenant_too(session: Session) -> None:
    info = session.described
    with session.http() as http:
        granted = http.post(
            token_url(session, info["domain"]),
            data={
                "grant_type": "client_credentials",
                "client_id": info["client_id"],
                "client_secret": info["client_secret"],
                "scope": GRAPH_SCOPE,
            },
        )
    assert granted.status_code == 200


# -- bearer checks -------------------------------------------------------------------------------------
def test_access_tokens_expire(session: Session, clock: Clock) -> None:
    token = session.app_token()
    with session.http(token) as http:
        assert http.get("/v1.0/users").status_code == 200
        clock.now += 3600
        expired = http.get("/v1.0/users", headers={"client-request-id": "abc-123"})
    assert expired.status_code == 401
    error = expired.json()["error"]
    assert error["code"] == "InvalidAuthenticationToken"
    assert error["message"] == "Lifetime validation failed, the token is expired."
    assert error["innerError"]["client-request-id"] == "abc-123"
    assert expired.headers["client-request-id"] == "abc-123"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "Access token is empty."),
        ("Bearer not-a-jwt", "IDX14100"),
        ("Bearer a.b.c", "Access token validation failure."),
    ],
)
def test_requests_without_a_valid_token_are_refused(
    session: Session, header: str | None, message: str
) -> None:
    with session.http() as http:
        refused = http.get("/v1.0/users", headers={"Authorization": header} if header else {})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert message in refused.json()["error"]["message"]


def test_application_permissions_are_checked_per_endpoint(session: Session) -> None:
    reader = session.described["reader_app"]
    graph = session.graph(
        session.secret_credential(secret=reader["client_secret"], client_id=reader["client_id"])
    )
    users = run(graph.users.get())
    assert users is not None and users.value
    with pytest.raises(ODataError) as denied:
        run(graph.users.by_user_id(users.value[0].id or "").patch(User(job_title="Boss")))
    assert denied.value.response_status_code == 403
    assert denied.value.error is not None
    assert denied.value.error.code == "Authorization_RequestDenied"
    assert denied.value.error.message == "Insufficient privileges to complete the operation."
    with pytest.raises(ODataError) as groups:
        run(graph.groups.get())
    assert groups.value.response_status_code == 403


def test_delegated_tokens_act_as_their_user(session: Session) -> None:
    described = session.described
    assert len(described["users"]) == 5 and described["users"][0]["is_admin"]
    person = described["users"][2]
    graph = session.graph(session.user_credential(2))
    me = run(graph.me.get())
    assert me is not None and me.id == person["id"] and me.user_principal_name == person["userPrincipalName"]
    claims = jwt.decode(person["token"], options={"verify_signature": False})
    assert claims["idtyp"] == "user" and "ChannelMessage.Send" in claims["scp"].split()
    # A delegated token cannot do what its scopes do not allow: changing users needs User.ReadWrite.All.
    with pytest.raises(ODataError) as denied:
        run(graph.users.by_user_id(person["id"]).patch(User(job_title="Boss")))
    assert denied.value.response_status_code == 403
    # The same seed issues the same tokens: a job's stored tokens survive a restart of the sandbox.
    assert create_app(users=4).describe(session.base)["users"][2]["token"] == person["token"]


def test_openid_configuration_points_at_the_token_endpoint(session: Session) -> None:
    info = session.described
    with session.http() as http:
        found = http.get(f"/{info['tenant_id']}/v2.0/.well-known/openid-configuration").json()
    assert found["token_endpoint"] == info["token_endpoint"]
    assert Path(found["issuer"]).name == "v2.0"


def test_client_secret_basic_is_accepted(session: Session) -> None:
    info = session.described
    with session.http() as http:
        granted = http.post(token_url(session), auth=(info["client_id"], info["client_secret"]),
                            data={"grant_type": "client_credentials", "scope": GRAPH_SCOPE})
    assert granted.status_code == 200 and granted.json()["token_type"] == "Bearer"
