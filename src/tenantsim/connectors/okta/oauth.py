"""OAuth 2.0 for an Okta service app: ``private_key_jwt`` client credentials, as Okta documents them.

The job holds the app's ``client_id`` and private key (a JWK or a PEM). For each access token it signs a
client assertion (RS256; ``iss`` = ``sub`` = client_id, ``aud`` = the org's token URL, a fresh ``jti``,
five minutes of life) and posts it to ``{org}/oauth2/v1/token`` with the ``client_credentials`` grant
and the scopes it needs. Tokens are renewed a few minutes before they expire, and once more when Okta
answers 401 (a token revoked or forgotten). Every call then carries ``Authorization: Bearer``.

The key never leaves this object: it is not logged, not put in an error, not shown by ``repr``.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from jwt.algorithms import RSAAlgorithm

from tenantsim.connectors.http import tls_context
from tenantsim.errors import AuthError, FatalError, InputError, Retriable

TOKEN_PATH = "/oauth2/v1/token"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# What a job does: people, groups, app grants, the System Log, profile attributes, MFA policies.
DEFAULT_SCOPES = ("okta.users.manage", "okta.groups.manage", "okta.apps.manage", "okta.logs.read",
                  "okta.schemas.manage", "okta.policies.manage")
ASSERTION_LIFETIME = 300  # seconds; Okta accepts at most an hour
RENEW_BEFORE = 300  # renew a token this many seconds before it expires


def load_private_key(value: Any) -> tuple[RSAPrivateKey, str | None]:
    """An RSA private key from a JWK (an object or its JSON text) or a PEM; with the JWK's kid.

    Raises InputError with a message that never contains the key."""
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            value = json.loads(value)
        except ValueError:
            raise InputError("Invalid private_key: not a valid JWK (JSON) or PEM private key") from None
    if isinstance(value, dict):
        if value.get("kty") != "RSA" or "d" not in value:
            raise InputError("Invalid private_key: the JWK must be an RSA private key (kty RSA, with d)")
        try:
            key = RSAAlgorithm.from_jwk(value)
        except (jwt.InvalidKeyError, ValueError, KeyError, TypeError):
            raise InputError("Invalid private_key: the JWK is not a valid RSA private key") from None
        if not isinstance(key, RSAPrivateKey):
            raise InputError("Invalid private_key: the JWK is a public key; give the private one")
        kid = value.get("kid")
        return key, str(kid) if kid else None
    if isinstance(value, str) and "PRIVATE KEY" in value:
        pem = "\n".join(line.strip() for line in value.strip().splitlines())
        try:
            loaded = serialization.load_pem_private_key(pem.encode(), password=None)
        except (ValueError, TypeError):
            raise InputError("Invalid private_key: the PEM is not a readable, unencrypted private "
                             "key") from None
        if not isinstance(loaded, RSAPrivateKey):
            raise InputError("Invalid private_key: Okta service apps sign with RSA keys")
        return loaded, None
    raise InputError("Invalid private_key: give the service app's private key as a JWK or a PEM")


class ServiceAppAuth(httpx.Auth):
    """httpx auth for an Okta service app: fetches, caches and renews its access token."""

    requires_response_body = False

    def __init__(self, org_url: str, client_id: str, private_key: Any, *,
                 scopes: Sequence[str] = DEFAULT_SCOPES, key_id: str | None = None,
                 transport: httpx.AsyncBaseTransport | None = None, timeout: float = 30.0,
                 clock: Callable[[], float] = time.time) -> None:
        """``clock``: when tokens are due for renewal (tests move it); assertions always use real time."""
        self.org_url = org_url.rstrip("/")
        self.token_url = f"{self.org_url}{TOKEN_PATH}"
        self.client_id = client_id
        self._key, jwk_kid = load_private_key(private_key)
        self._kid = key_id or jwk_kid
        self.scopes = tuple(scopes)
        self._clock = clock
        self._transport = transport
        self._timeout = timeout
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self.fetched = 0  # how many tokens were fetched (tests, metrics)

    def __repr__(self) -> str:
        return f"ServiceAppAuth(client_id={self.client_id!r})"

    def assertion(self) -> str:
        now = int(time.time())  # Okta checks iat and exp against its own (real) clock
        claims = {"iss": self.client_id, "sub": self.client_id, "aud": self.token_url, "iat": now,
                  "exp": now + ASSERTION_LIFETIME, "jti": uuid.uuid4().hex}
        headers = {"kid": self._kid} if self._kid else None
        return jwt.encode(claims, self._key, algorithm="RS256", headers=headers)

    @property
    def expires_at(self) -> float:
        return self._expires_at

    def forget(self, token: str | None = None) -> None:
        """Drop the cached token (only if it is still ``token``, when given)."""
        if token is None or token == self._token:
            self._token, self._expires_at = None, 0.0

    async def token(self) -> str:
        """A valid access token, renewed when it is within ``RENEW_BEFORE`` seconds of expiring."""
        async with self._lock:
            if self._token is None or self._clock() >= self._expires_at - RENEW_BEFORE:
                self._token, self._expires_at = await self._fetch()
            return self._token

    async def _fetch(self) -> tuple[str, float]:
        form = {"grant_type": "client_credentials", "scope": " ".join(self.scopes),
                "client_assertion_type": JWT_BEARER, "client_assertion": self.assertion()}
        async with httpx.AsyncClient(transport=self._transport, timeout=self._timeout,
                                     follow_redirects=False, verify=tls_context()) as http:
            response = await http.post(self.token_url, data=form, headers={"Accept": "application/json"})
        self.fetched += 1
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 500 or response.status_code == 429:
            raise Retriable(f"Okta {response.status_code}: the token endpoint is unavailable",
                            response.status_code, "token_endpoint")
        if response.status_code != 200 or not isinstance(body, dict) or not body.get("access_token"):
            answer = body if isinstance(body, dict) else {}
            error = str(answer.get("error") or "invalid_response")
            detail = str(answer.get("error_description") or "")[:200]
            message = f"Okta refused the service app {self.client_id}: {error}"
            message += f" ({detail})" if detail else ""
            if response.status_code in (400, 401, 403):
                raise AuthError(message, response.status_code, error)
            raise FatalError(message, response.status_code, error)
        token_type = str(body.get("token_type") or "Bearer")
        if token_type.lower() != "bearer":  # DPoP-bound tokens need proofs this client does not make
            raise AuthError(f"Okta issued a {token_type} token to {self.client_id}; this app must not "
                            "require DPoP", 400, "dpop_required")
        lifetime = float(body.get("expires_in") or 3600)
        return str(body["access_token"]), self._clock() + lifetime

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401 and "/api/v1/authn" not in request.url.path:
            # revoked or forgotten by the org: one fresh token, one retry (a sign-in's 401 is the person's)
            self.forget(token)
            request.headers["Authorization"] = f"Bearer {await self.token()}"
            yield request

    def sync_auth_flow(self, request: httpx.Request) -> Any:
        raise RuntimeError("ServiceAppAuth works with httpx.AsyncClient only")
