"""OAuth 2.0 for service apps: the org authorization server's ``/oauth2/v1/token`` and scope checks.

A service app (an API Services app in Okta's words) authenticates with ``private_key_jwt``: it signs a
client assertion with its private key and trades it, with the ``client_credentials`` grant, for an
access token carrying the scopes it asked for among those granted to it. Every management call made
with that token (``Authorization: Bearer``) is then checked against the scope its endpoint needs, as
Okta does: 403 ``E0000006`` with a ``WWW-Authenticate: Bearer ... error="insufficient_scope"`` header.

The org stores only each app's public key. The sandbox's demo app also keeps its private key, so the
sandbox can describe it to whoever wants to try the flow (see ``describe``).
"""

from __future__ import annotations

import functools
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tenantsim.sandbox.kit.oauth_errors import OAuthError
from tenantsim.sandbox.okta.model import now

TOKEN_PATH = "/oauth2/v1/token"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_LIFETIME = 3600
MAX_ASSERTION_LIFETIME = 3600
SKEW = 60  # seconds of clock skew allowed on an assertion's iat / exp
ALGORITHMS = ("RS256", "RS384", "RS512")
# The Okta API scopes this org's authorization server knows.
KNOWN_SCOPES = tuple(f"okta.{area}.{level}" for area in ("users", "groups", "apps", "logs", "schemas",
                                                         "policies", "factors", "userTypes")
                     for level in ("read", "manage") if not (area == "logs" and level == "manage"))
DEMO_SCOPES = ("okta.users.manage", "okta.groups.manage", "okta.apps.manage", "okta.logs.read",
               "okta.schemas.manage", "okta.policies.manage")

# (method pattern, path pattern, area): the scope area an endpoint needs; GET needs read (or manage),
# anything else manage. The first match wins.
_AREAS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("users", re.compile(r"^/api/v1/users(/|$)")),
    ("groups", re.compile(r"^/api/v1/groups(/|$)")),
    ("apps", re.compile(r"^/api/v1/apps(/|$)")),
    ("logs", re.compile(r"^/api/v1/logs(/|$)")),
    ("schemas", re.compile(r"^/api/v1/meta/schemas(/|$)")),
    ("userTypes", re.compile(r"^/api/v1/meta/types(/|$)")),
    ("policies", re.compile(r"^/api/v1/policies(/|$)")),
)


@dataclass
class ServiceApp:
    client_id: str
    label: str
    public_jwk: dict[str, Any]  # with its kid
    scopes: list[str]  # the scopes granted to the app
    created: float
    private_jwk: dict[str, Any] | None = None  # kept for the sandbox's demo app only


@dataclass
class Grant:
    """An access token the org issued."""

    client_id: str
    scopes: list[str]
    expires_at: float


@dataclass
class OAuthState:
    apps: dict[str, ServiceApp] = field(default_factory=dict)
    tokens: dict[str, Grant] = field(default_factory=dict)
    used_jti: dict[str, float] = field(default_factory=dict)  # jti -> its assertion's expiry

    def dump(self) -> dict[str, Any]:
        return {"apps": [vars(a) for a in self.apps.values()],
                "tokens": {token: vars(g) for token, g in self.tokens.items()}, "used_jti": self.used_jti}

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> OAuthState:
        state = cls()
        if data:
            state.apps = {a.client_id: a for a in (ServiceApp(**fields) for fields in data.get("apps", []))}
            state.tokens = {str(t): Grant(**g) for t, g in data.get("tokens", {}).items()}
            state.used_jti = {str(j): float(at) for j, at in data.get("used_jti", {}).items()}
        return state

    # -- apps --------------------------------------------------------------------------------------
    def register(self, client_id: str, label: str, public_jwk: dict[str, Any], scopes: list[str],
                 private_jwk: dict[str, Any] | None = None, created: float | None = None) -> ServiceApp:
        jwk = dict(public_jwk)
        jwk.setdefault("kid", f"{client_id}-key")
        if private_jwk is not None:
            private_jwk = {**private_jwk, "kid": jwk["kid"]}
        app = ServiceApp(client_id=client_id, label=label, public_jwk=jwk, scopes=list(scopes),
                         created=now() if created is None else created,
                         private_jwk=private_jwk)
        self.apps[client_id] = app
        return app

    # -- tokens ------------------------------------------------------------------------------------
    def grant_for(self, access_token: str) -> Grant | None:
        found = self.tokens.get(access_token)
        if found is None:
            return None
        if found.expires_at <= now():
            del self.tokens[access_token]
            return None
        return found

    def issue(self, form: dict[str, str], token_url: str) -> dict[str, Any]:
        """The token endpoint: a ``client_credentials`` grant authenticated by a signed assertion."""
        if form.get("grant_type") != "client_credentials":
            raise OAuthError(400, "unsupported_grant_type", "The authorization grant type is not supported "
                             "by the authorization server. Configured grant types: [client_credentials].")
        assertion = form.get("client_assertion")
        if not assertion or form.get("client_assertion_type") != JWT_BEARER:
            raise OAuthError(400, "invalid_client", "Client Credentials requests to the Org Authorization "
                             "Server must use the private_key_jwt token_endpoint_auth_method.")
        app = self._authenticate(assertion, form.get("client_id"), token_url)
        asked = (form.get("scope") or "").split()
        if not asked:
            raise OAuthError(400, "invalid_scope", "The authorization server resource does not have any "
                             "configured default scopes, 'scope' must be provided.")
        unknown = [s for s in asked if s not in KNOWN_SCOPES]
        if unknown:
            raise OAuthError(400, "invalid_scope", "One or more scopes are not configured for the "
                             "authorization server resource.")
        refused = [s for s in asked if s not in app.scopes]
        if refused:
            raise OAuthError(400, "invalid_scope", "The following scopes are not allowed: "
                             f"{', '.join(refused)}. The client has not been granted them.")
        self._forget_expired()
        access_token = _access_token()
        scopes = list(dict.fromkeys(asked))
        self.tokens[access_token] = Grant(app.client_id, scopes, now() + TOKEN_LIFETIME)
        return {"token_type": "Bearer", "expires_in": TOKEN_LIFETIME, "access_token": access_token,
                "scope": " ".join(scopes)}

    def _authenticate(self, assertion: str, client_id: str | None, token_url: str) -> ServiceApp:
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise OAuthError(401, "invalid_client", "The client_assertion is not a valid JWT.") from None
        issuer, subject = claims.get("iss"), claims.get("sub")
        app = self.apps.get(str(issuer)) if issuer else None
        if app is None:
            raise OAuthError(401, "invalid_client", "The client_assertion token has an invalid issuer.")
        if subject != issuer or (client_id and client_id != issuer):
            raise OAuthError(401, "invalid_client", "The client_assertion token's subject must be the "
                             "client_id.")
        if header.get("alg") not in ALGORITHMS:
            raise OAuthError(401, "invalid_client", "The client_assertion token must be signed with RS256, "
                             "RS384 or RS512.")
        if header.get("kid") is not None and header["kid"] != app.public_jwk.get("kid"):
            raise OAuthError(401, "invalid_client", "The client_assertion JWT kid is invalid.")
        key = RSAAlgorithm.from_jwk(app.public_jwk)
        try:
            jwt.decode(assertion, key=key, algorithms=list(ALGORITHMS),  # type: ignore[arg-type]
                       options={"verify_aud": False, "verify_exp": False, "verify_iat": False,
                                "verify_nbf": False})
        except jwt.InvalidSignatureError:
            raise OAuthError(401, "invalid_client", "The client_assertion signature is invalid.") from None
        except jwt.PyJWTError:
            raise OAuthError(401, "invalid_client", "The client_assertion is not a valid JWT.") from None
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if token_url not in audiences:
            raise OAuthError(401, "invalid_client", "The audience claim for client_assertion must be the "
                             "endpoint invoked for the request.")
        moment = now()
        expires, issued = claims.get("exp"), claims.get("iat", moment)
        if not isinstance(expires, int | float):
            raise OAuthError(401, "invalid_client", "The client_assertion token must have an expiration "
                             "(exp) claim.")
        if expires < moment - SKEW:
            raise OAuthError(401, "invalid_client", "The client_assertion token is expired.")
        lifetime = expires - min(issued, moment) if isinstance(issued, int | float) else None
        if lifetime is None or lifetime > MAX_ASSERTION_LIFETIME + SKEW:
            raise OAuthError(401, "invalid_client", "The client_assertion token has an expiration too far "
                             "into the future.")
        jti = claims.get("jti")
        if not jti:
            raise OAuthError(401, "invalid_client", "The client_assertion token must contain a jti claim.")
        if str(jti) in self.used_jti:
            raise OAuthError(401, "invalid_client", "The client_assertion token has already been used.")
        self.used_jti[str(jti)] = float(expires) + SKEW
        return app

    def _forget_expired(self) -> None:
        moment = now()
        self.tokens = {t: g for t, g in self.tokens.items() if g.expires_at > moment}
        self.used_jti = {j: at for j, at in self.used_jti.items() if at > moment}


def _access_token() -> str:
    """Okta's access tokens are JWTs; the sandbox's are opaque but look the part."""
    return "eyJraWQiOiJzYW5kYm94In0." + secrets.token_urlsafe(48)


def required_scope(method: str, path: str) -> tuple[str, ...] | None:
    """The scopes that allow a call (any one will do); None for endpoints outside the scoped areas."""
    for area, pattern in _AREAS:
        if pattern.match(path):
            if method.upper() in ("GET", "HEAD"):
                return (f"okta.{area}.read", f"okta.{area}.manage") if area != "logs" else ("okta.logs.read",)
            return (f"okta.{area}.manage",)
    return None


def challenge(base: str, scope: str, path: str) -> str:
    """The WWW-Authenticate header of a call whose token lacks the scope it needs."""
    origin = base.rstrip("/")
    return (f'Bearer authorization_uri="{origin}/oauth2/v1/authorize", realm="{origin}", scope="{scope}", '
            'error="insufficient_scope", error_description="The access token provided does not contain the '
            f'required scopes.", resource="{path}"')


@functools.lru_cache(maxsize=8)
def demo_key(seed: int) -> tuple[str, str]:
    """A key pair for the sandbox's demo service app, as JSON JWKs (private, public). Made once per seed
    and process: generating RSA keys is slow, and the org saves the pair with its data anyway."""
    del seed  # one per seed, but not derived from it (RSA generation takes no seed)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private, public = (RSAAlgorithm.to_jwk(k, as_dict=True) for k in (key, key.public_key()))
    for jwk in (private, public):  # a JWK as Okta's admin console shows one: no key_ops
        jwk.pop("key_ops", None)
        jwk["alg"], jwk["use"] = "RS256", "sig"
    return json.dumps(private), json.dumps(public)
