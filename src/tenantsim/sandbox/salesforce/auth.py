"""OAuth 2.0 at /services/oauth2/token: the client-credentials flow (the connected app's consumer key and
secret; calls run as the app's execution user) and the JWT bearer flow (an RS256 assertion signed with
the key whose certificate the app holds, iss = consumer key, sub = username, aud = the login URL).

Access tokens look like Salesforce's session ids (``<org id>!<random>``) and expire after two hours
without use, Salesforce's default session timeout. They live in memory: after a restart a client asks
for a new one, as it does when a session expires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt

from tenantsim.sandbox.kit.oauth_errors import OAuthError
from tenantsim.sandbox.salesforce import errors as err
from tenantsim.sandbox.salesforce.keys import ConnectedApp

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SESSION_SECONDS = 7200
LOGIN_URLS = ("https://login.salesforce.com", "https://test.salesforce.com")
SKEW = 180  # Salesforce allows an assertion's exp up to three minutes in the past


@dataclass
class Session:
    user_id: str
    expires_at: float


class TokenIssuer:
    def __init__(self, app: ConnectedApp, org_id: str, clock: Callable[[], float]) -> None:
        self.app = app
        self.org_id = org_id
        self.clock = clock
        self._sessions: dict[str, Session] = {}

    def reset(self) -> None:
        self._sessions.clear()

    def grant(
        self,
        form: dict[str, str],
        basic: tuple[str, str] | None,
        base: str,
        find_user: Callable[[str], dict[str, Any] | None],
        execution_user: str,
    ) -> dict[str, Any]:
        grant = form.get("grant_type", "")
        if grant == "client_credentials":
            client_id, client_secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
            if not client_id:
                raise OAuthError(400, "invalid_client_id", "client identifier invalid")
            if not hmac.compare_digest(client_id, self.app.consumer_key):
                raise OAuthError(400, "invalid_client_id", "client identifier invalid")
            if not hmac.compare_digest(client_secret or "", self.app.consumer_secret):
                raise OAuthError(400, "invalid_client", "invalid client credentials")
            user = find_user(execution_user)
            if user is None or not user.get("IsActive"):
                raise OAuthError(400, "invalid_grant", "no client credentials user enabled")
            return self._issue(user["Id"], base, signed=True)
        if grant == JWT_GRANT:
            claims = self._verified(form.get("assertion", ""))
            if claims.get("iss") != self.app.consumer_key:
                raise OAuthError(400, "invalid_client_id", "client identifier invalid")
            if not _audience_ok(claims.get("aud"), base):
                raise OAuthError(400, "invalid_grant", "audience is invalid")
            try:
                expires = float(claims["exp"])
            except (KeyError, TypeError, ValueError):
                raise OAuthError(400, "invalid_grant", "invalid assertion") from None
            if expires + SKEW <= self.clock():
                raise OAuthError(400, "invalid_grant", "invalid assertion")
            user = find_user(str(claims.get("sub") or ""))
            if user is None:
                raise OAuthError(400, "invalid_grant", "user hasn't approved this consumer")
            if not user.get("IsActive"):
                raise OAuthError(400, "invalid_grant", "inactive user")
            return self._issue(user["Id"], base, signed=False)
        if not grant:
            raise OAuthError(400, "unsupported_grant_type", "grant type not supported")
        raise OAuthError(400, "unsupported_grant_type", "grant type not supported")

    def _verified(self, assertion: str) -> dict[str, Any]:
        if not assertion:
            raise OAuthError(400, "invalid_grant", "invalid assertion")
        try:
            if jwt.get_unverified_header(assertion).get("alg") != "RS256":
                raise OAuthError(400, "invalid_grant", "invalid assertion")
            claims = jwt.decode(
                assertion,
                self.app.public_key,
                algorithms=["RS256"],
                options={"verify_aud": False, "verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.PyJWTError:
            raise OAuthError(400, "invalid_grant", "invalid assertion") from None
        if not isinstance(claims, dict):
            raise OAuthError(400, "invalid_grant", "invalid assertion")
        return claims

    def _issue(self, user_id: str, base: str, *, signed: bool) -> dict[str, Any]:
        token = self.org_id[:15] + "!" + secrets.token_urlsafe(72)
        now = self.clock()
        self._sessions[token] = Session(user_id, now + SESSION_SECONDS)
        self._expire()
        identity = f"{base}/id/{self.org_id}/{user_id}"
        body: dict[str, Any] = {
            "access_token": token,
            "scope": "api",
            "instance_url": base,
            "id": identity,
            "token_type": "Bearer",
        }
        if signed:  # the JWT bearer flow's answer carries neither (Salesforce's documented response)
            issued = str(int(now * 1000))
            digest = hmac.new(self.app.consumer_secret.encode(), (identity + issued).encode(), hashlib.sha256)
            body["issued_at"] = issued
            body["signature"] = base64.b64encode(digest.digest()).decode()
        return body

    def _expire(self) -> None:
        now = self.clock()
        for token in [t for t, s in self._sessions.items() if s.expires_at <= now]:
            del self._sessions[token]

    def check(self, header: str) -> str:
        """The user behind ``Authorization: Bearer <token>`` (OAuth is accepted too), or 401."""
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("bearer", "oauth") or not token.strip():
            raise err.session_invalid()
        session = self._sessions.get(token.strip())
        now = self.clock()
        if session is None or session.expires_at <= now:
            raise err.session_invalid()
        session.expires_at = now + SESSION_SECONDS  # activity keeps a session alive
        return session.user_id

    def revoke(self, token: str) -> None:
        self._sessions.pop(token, None)


def _audience_ok(aud: Any, base: str) -> bool:
    if isinstance(aud, list) and len(aud) == 1:
        aud = aud[0]
    if not isinstance(aud, str):
        return False
    given = urlsplit(aud)
    key = (given.scheme, given.netloc.lower(), given.path.rstrip("/"))
    here = urlsplit(base)
    return aud.rstrip("/") in LOGIN_URLS or key == (here.scheme, here.netloc.lower(), here.path.rstrip("/"))


def basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip()).decode()
    except ValueError:
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None
