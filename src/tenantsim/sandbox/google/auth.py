"""OAuth 2.0 for service accounts: the JWT bearer grant at /token, and the bearer check of API calls.

A job signs a JWT with the service account's private key (iss = the account, sub = the user to act as,
aud = the token URI, scope, iat / exp at most an hour apart); we verify it with the public key and issue
an access token that is good for 3599 seconds and for the scopes the domain-wide delegation grants.
Tokens live in memory only: after a restart a client simply asks for a new one, as it does on expiry.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt

from tenantsim.sandbox.google import errors as err
from tenantsim.sandbox.google.keys import ServiceAccount
from tenantsim.sandbox.google.tenant import Tenant

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
LIFETIME = 3599
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
_AUTH = "https://www.googleapis.com/auth/"
# What the sandbox's domain-wide delegation allows the service account (Admin console > Security > API
# controls): the directory parts a job manages and calendars, read-write and read-only.
DELEGATED = frozenset(_AUTH + s for s in (
    "admin.directory.user", "admin.directory.user.readonly", "admin.directory.user.alias",
    "admin.directory.group", "admin.directory.group.readonly", "admin.directory.group.member",
    "admin.directory.group.member.readonly", "admin.directory.orgunit", "admin.directory.orgunit.readonly",
    "admin.directory.customer.readonly", "admin.directory.domain.readonly",
    "calendar", "calendar.readonly", "calendar.events", "calendar.events.readonly"))


@dataclass
class AccessToken:
    subject: str | None  # the impersonated user's primary email (None: the service account itself)
    scopes: frozenset[str]
    expires_at: float


class TokenIssuer:
    def __init__(self, account: ServiceAccount, clock: Callable[[], float]) -> None:
        self.account = account
        self.clock = clock
        self._public_key = account.public_key_pem()
        self._tokens: dict[str, AccessToken] = {}

    def reset(self) -> None:
        self._tokens.clear()

    def grant(self, form: dict[str, str], tenant: Tenant, token_url: str) -> dict[str, Any]:
        grant = form.get("grant_type", "")
        if not grant:
            raise err.invalid_request("Missing required parameter: grant_type")
        if grant != GRANT_TYPE:
            raise err.unsupported_grant(grant)
        assertion = form.get("assertion", "")
        if not assertion:
            raise err.invalid_request("Missing required parameter: assertion")
        claims = self._verified(assertion)
        if claims.get("iss") != self.account.client_email:
            raise err.bad_signature()  # another account's JWT cannot be verified with this key
        self._check_audience(claims.get("aud"), token_url)
        self._check_times(claims)
        scopes = frozenset(str(claims.get("scope") or "").split())
        if not scopes:
            raise err.invalid_scope()
        subject = claims.get("sub")
        if subject and subject != self.account.client_email:
            user = tenant.find_user(str(subject))
            if user is None or user.suspended:
                raise err.bad_subject()
            subject = user.primary_email
            if not scopes <= DELEGATED:
                raise err.unauthorized_client()
        else:
            subject = None
        # Google's access tokens start "ya29."; the rest is random and means nothing to the client.
        token = "ya29.c." + secrets.token_urlsafe(96)
        self._tokens[token] = AccessToken(subject, scopes, self.clock() + LIFETIME)
        self._expire()
        return {"access_token": token, "expires_in": LIFETIME, "token_type": "Bearer"}

    def _verified(self, assertion: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(assertion)
            if header.get("alg") != "RS256":
                raise err.bad_signature()
            claims = jwt.decode(assertion, self._public_key, algorithms=["RS256"],
                                options={"verify_aud": False, "verify_exp": False, "verify_iat": False,
                                         "verify_nbf": False})
        except jwt.InvalidSignatureError:
            raise err.bad_signature() from None
        except jwt.PyJWTError:
            raise err.invalid_request("Invalid JWT assertion.") from None  # not a JWS at all
        if not isinstance(claims, dict):
            raise err.invalid_request("Invalid JWT assertion.")
        return claims

    @staticmethod
    def _check_audience(aud: Any, token_url: str) -> None:
        """The URL the assertion was posted to (the key's token_uri); Google's own token URI is accepted
        too, since keys from the real console name it."""
        if aud == GOOGLE_TOKEN_URI:
            return
        if not isinstance(aud, str):
            raise err.bad_audience()
        given, here = urlsplit(aud), urlsplit(token_url)
        if (given.scheme, given.netloc.lower(), given.path.rstrip("/")) != \
                (here.scheme, here.netloc.lower(), here.path.rstrip("/")):
            raise err.bad_audience()

    def _check_times(self, claims: dict[str, Any]) -> None:
        try:
            iat, exp = float(claims["iat"]), float(claims["exp"])
        except (KeyError, TypeError, ValueError):
            raise err.bad_times() from None
        now = self.clock()
        if exp <= iat or exp - iat > 3600 or exp <= now or iat > now + 300:
            raise err.bad_times()

    def _expire(self) -> None:
        now = self.clock()
        for token in [t for t, held in self._tokens.items() if held.expires_at <= now]:
            del self._tokens[token]

    def check(self, header: str) -> AccessToken:
        """The bearer of an API call, or Google's 401."""
        if not header:
            raise err.login_required()
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise err.invalid_credentials()
        held = self._tokens.get(token.strip())
        if held is None or held.expires_at <= self.clock():
            raise err.invalid_credentials()
        return held
