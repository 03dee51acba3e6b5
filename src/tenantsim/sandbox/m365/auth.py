"""Entra ID for the sandbox tenant: the v2.0 token endpoint (client credentials with a secret or a
certificate-signed client assertion) and the bearer check of Graph calls.

Access tokens are JWTs the emulator signs itself (HS256 with a seed-derived key), carrying what Graph
reads from a real one: ``tid``, ``appid``, ``idtyp`` (``app`` or ``user``), ``roles`` (application
permissions) or ``scp`` (delegated ones) and ``oid`` for a user. Because they are self-contained, the
long-lived delegated tokens pre-issued for the seeded users are the same on every run with the same seed
and survive a restart, as a job that stored them expects.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import jwt

from tenantsim.sandbox.m365 import errors as err
from tenantsim.sandbox.m365.keys import AppRegistration, token_secret
from tenantsim.sandbox.m365.tenant import Tenant

LIFETIME = 3599
GRAPH_RESOURCE = "https://graph.microsoft.com"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_RESERVED = {"openid", "profile", "offline_access"}
# The delegated permissions consented for the seeded users (an admin consented for the organisation).
DELEGATED_SCOPES = (
    "User.Read User.ReadBasic.All Group.ReadWrite.All Team.ReadBasic.All Channel.ReadBasic.All "
    "ChannelMessage.Send ChannelMessage.Read.All Tasks.ReadWrite"
)
DELEGATED_ISSUED = datetime(2025, 1, 1, tzinfo=UTC).timestamp()
DELEGATED_EXPIRES = datetime(2035, 1, 1, tzinfo=UTC).timestamp()  # "long-lived": demo tokens never lapse


@dataclass(frozen=True)
class Principal:
    """Who calls: an application alone, or a user through an application."""

    app_id: str
    user_id: str | None
    permissions: frozenset[str]  # roles for an app, scp for a user
    expires_at: float

    @property
    def delegated(self) -> bool:
        return self.user_id is not None


class TokenIssuer:
    def __init__(self, seed: int, apps: list[AppRegistration], clock: Callable[[], float]) -> None:
        self.apps = {app.client_id: app for app in apps}
        self.clock = clock
        self._key = token_secret(seed)
        self._seed = seed

    # -- the token endpoint ---------------------------------------------------------------------------
    def grant(self, tenant: Tenant, tenant_segment: str, form: dict[str, str],
              basic: str | None = None) -> dict[str, Any]:
        """``basic``: an ``Authorization: Basic`` header (client_secret_basic) in place of form fields."""
        if basic and basic.lower().startswith("basic "):
            try:
                user, _, password = base64.b64decode(basic[6:].strip()).decode().partition(":")
            except ValueError:
                raise err.no_credential() from None
            form = {**form, "client_id": unquote(user), "client_secret": unquote(password)}
        if tenant_segment.lower() not in (tenant.tenant_id.lower(), tenant.domain.lower()):
            raise err.unknown_tenant(tenant_segment)
        grant = form.get("grant_type", "")
        if not grant:
            raise err.missing("grant_type")
        if grant != "client_credentials":
            raise err.unsupported_grant(grant)
        client_id = form.get("client_id", "")
        if not client_id:
            raise err.missing("client_id")
        app = self.apps.get(client_id)
        if app is None:
            raise err.unknown_app(client_id, tenant.tenant_id)
        if form.get("client_assertion"):
            self._check_assertion(app, tenant, form)
        elif "client_secret" in form:
            if not _same_secret(form["client_secret"], app.client_secret):
                raise err.bad_secret(app.client_id)
        else:
            raise err.no_credential()
        scope = form.get("scope", "")
        requested = [s for s in scope.split() if s not in _RESERVED]
        if not requested:
            raise err.missing("scope")
        if len(requested) != 1 or requested[0].rstrip("/") not in (
            f"{GRAPH_RESOURCE}/.default",
            f"{GRAPH_APP_ID}/.default",
        ):
            raise err.bad_scope(requested[0] if requested else scope)
        now = self.clock()
        token = self._sign(
            tenant,
            {
                "appid": app.client_id,
                "idtyp": "app",
                "roles": sorted(app.roles),
                "oid": app.client_id,
                "sub": app.client_id,
            },
            now,
            now + LIFETIME,
        )
        return {
            "token_type": "Bearer",
            "expires_in": LIFETIME,
            "ext_expires_in": LIFETIME,
            "access_token": token,
        }

    def _check_assertion(self, app: AppRegistration, tenant: Tenant, form: dict[str, str]) -> None:
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise err.missing("client_assertion_type")
        assertion = form["client_assertion"]
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError:
            raise err.bad_assertion_signature() from None
        # base64url, with or without padding (MSAL pads it)
        thumbprints = {str(header.get(k) or "").rstrip("=") for k in ("x5t", "x5t#S256")} - {""}
        if not thumbprints & app.x5t_values():
            raise err.unknown_certificate()
        try:
            claims = jwt.decode(
                assertion,
                app.public_key_pem(),
                algorithms=["RS256", "PS256"],
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False},
            )
        except jwt.PyJWTError:
            raise err.bad_assertion_signature() from None
        if claims.get("iss") != app.client_id or claims.get("sub") != app.client_id:
            raise err.bad_audience()
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        tails = {
            f"/{tenant.tenant_id}/oauth2/v2.0/token".lower(),
            f"/{tenant.domain}/oauth2/v2.0/token".lower(),
            f"/{tenant.tenant_id}/v2.0".lower(),
        }
        if not any(
            isinstance(a, str) and any(a.lower().rstrip("/").endswith(t) for t in tails) for a in audiences
        ):
            raise err.TokenError(
                401,
                "invalid_client",
                700016,
                "The audience of the client assertion is not the token endpoint of this tenant.",
            )
        now = self.clock()
        expires, not_before = claims.get("exp"), claims.get("nbf", claims.get("iat", 0))
        if not isinstance(expires, int | float) or expires <= now - 300 or float(not_before or 0) > now + 300:
            raise err.assertion_expired()

    # -- tokens ---------------------------------------------------------------------------------------
    def _sign(self, tenant: Tenant, claims: dict[str, Any], issued: float, expires: float) -> str:
        body = {
            "aud": GRAPH_RESOURCE,
            "iss": f"https://sts.windows.net/{tenant.tenant_id}/",
            "iat": int(issued),
            "nbf": int(issued),
            "exp": int(expires),
            "tid": tenant.tenant_id,
            "ver": "1.0",
            "uti": hashlib.sha256(f"{self._seed}{claims}{issued}".encode()).hexdigest()[:22],
            **claims,
        }
        return jwt.encode(body, self._key, algorithm="HS256", headers={"typ": "JWT"})

    def delegated_token(self, tenant: Tenant, app: AppRegistration, user_id: str, upn: str, name: str) -> str:
        """A long-lived delegated token for one user, deterministic for the seed."""
        return self._sign(
            tenant,
            {
                "appid": app.client_id,
                "idtyp": "user",
                "scp": DELEGATED_SCOPES,
                "oid": user_id,
                "sub": user_id,
                "upn": upn,
                "name": name,
            },
            DELEGATED_ISSUED,
            DELEGATED_EXPIRES,
        )

    def check(self, header: str, tenant: Tenant) -> Principal:
        """The caller of a Graph request, or Graph's 401."""
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if not header or scheme.lower() != "bearer" or not token:
            raise err.empty_token()
        if token.count(".") != 2:
            raise err.malformed_token()
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                audience=GRAPH_RESOURCE,
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
        except jwt.PyJWTError:
            raise err.invalid_token() from None
        if claims.get("tid") != tenant.tenant_id or claims.get("appid") not in self.apps:
            raise err.invalid_token()
        if float(claims.get("exp", 0)) <= self.clock():
            raise err.expired_token()
        if claims.get("idtyp") == "user":
            user = tenant.find_user(str(claims.get("oid")))
            if user is None or not user.account_enabled:
                raise err.invalid_token()
            return Principal(
                str(claims["appid"]),
                user.id,
                frozenset(str(claims.get("scp", "")).split()),
                float(claims["exp"]),
            )
        return Principal(
            str(claims["appid"]), None, frozenset(claims.get("roles") or []), float(claims["exp"])
        )


def _same_secret(given: str, expected: str) -> bool:

    return hmac.compare_digest(given.encode(), expected.encode())
