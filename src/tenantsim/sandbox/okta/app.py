"""The Okta emulator as an ASGI app: auth, rate-limit buckets, a concurrency cap, fault injection.

Works standalone or mounted under a prefix (scope root_path, e.g. /sandbox/okta): routes are matched
below the prefix and every URL it returns (links, Link headers) starts with the real org URL.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import string
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tenantsim.sandbox.common import (
    ConcurrencyGate,
    FaultPlan,
    SandboxStats,
    Send,
    WindowDecision,
    WindowLimiter,
)
from tenantsim.sandbox.kit.admin import EmulatorAdmin
from tenantsim.sandbox.okta import authn, oauth, routes_groups_apps, routes_logs, routes_meta, routes_users
from tenantsim.sandbox.okta import errors as err
from tenantsim.sandbox.okta.call import Call, Handler
from tenantsim.sandbox.okta.limits import bucket_for, limits_for
from tenantsim.sandbox.okta.org import OktaOrg
from tenantsim.sandbox.okta.seeding import populate
from tenantsim.sandbox.okta.snapshot import dump_org, load_org
from tenantsim.sandbox.persist import StatePersistence

DEFAULT_TOKEN = "00sandbox-okta-admin"
_ORG_KEY = "org"  # Okta counts per org
_REQUEST_ID_CHARS = string.ascii_letters + string.digits + "-_"


def _request_id() -> str:
    """Okta's X-Okta-Request-Id: 27 URL-safe characters, unique per request."""
    return "".join(secrets.choice(_REQUEST_ID_CHARS) for _ in range(27))


def _token_id(token: str) -> str:
    """A stable id for an API token (00T...), never the token itself."""
    digest = hashlib.sha256(token.encode()).digest()
    return "00T" + "".join(_REQUEST_ID_CHARS[b % 62] for b in digest[:17])


def _compile(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")


_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    (method, _compile(template), handler)
    for method, template, handler in [*routes_users.ROUTES, *routes_groups_apps.ROUTES,
                                      *routes_logs.ROUTES, *routes_meta.ROUTES]
]


# Sign-in endpoints: no API token needed (a trusted app may still send one).
_PUBLIC: list[tuple[str, re.Pattern[str], Handler]] = [
    ("POST", _compile("/api/v1/authn"), authn.primary),
    ("POST", _compile("/api/v1/authn/factors/{fid}/verify"), authn.verify_factor),
    ("GET", _compile("/login/sessionCookieRedirect"), authn.session_redirect),
    ("GET", _compile("/home/{name}/{aid}/{link}"), authn.app_sso),
]


class OktaSandbox(EmulatorAdmin):
    """A stateful Okta org that speaks the Management API. ``reset()`` restores the start state.

    With ``state_path`` the org's data outlives the process (see ``sandbox/persist.py``)."""

    def __init__(self, *, tokens: list[str], users: int, rate_limit: int, window_seconds: float,
                 fault_rate: float, latency_ms: float, seed: int, concurrency: int,
                 state_path: Path | None = None) -> None:
        self.tokens = list(tokens) or [DEFAULT_TOKEN]
        self.user_count = users
        self.seed = seed
        self.concurrency = concurrency
        self.window_seconds = window_seconds
        self.limits = limits_for(rate_limit)
        self._fault_defaults = (fault_rate, latency_ms)
        self.limiter = WindowLimiter(window_seconds)
        self.gate = ConcurrencyGate()
        self.stats = SandboxStats()
        self.faults = FaultPlan(rate=fault_rate, latency_ms=latency_ms, seed=seed)
        self.persistence: StatePersistence | None = None
        restored: OktaOrg | None = None
        if state_path is not None:
            self.persistence = StatePersistence(
                state_path, kind="okta", origin={"seed": seed, "users": users, "tokens": self.tokens},
                snapshot=lambda: dump_org(self.org))
            restored = self.persistence.restore(load_org)
        self.org = restored if restored is not None else self._build()

    def _build(self) -> OktaOrg:
        org = OktaOrg(self.seed)
        populate(org, seed=self.seed, users=self.user_count, tokens=self.tokens)
        return org

    def reset(self) -> None:
        self.org = self._build()
        self.limiter.reset()
        self._restart_counters()
        self.save()

    def describe(self, base_url: str) -> dict[str, Any]:
        org = self.org
        return {
            "platform": "okta",
            "org_url": base_url.rstrip("/"),
            "tokens": list(self.tokens),
            "counts": {
                "users": sum(1 for u in org.users.values() if u.preexisting),
                "groups": sum(1 for g in org.groups.values() if g.preexisting),
                "apps": len(org.apps),
                "app_assignments": sum(len(a) for a in org.app_users.values()),
            },
            "rate_limits": dict(self.limits),
            "window_seconds": self.window_seconds,
            "concurrency": self.concurrency,
            "service_app": self._demo_service_app(base_url),
            # What a job's start body needs to target this org, credentials included.
            "job": {"connection_type": "okta", "org_url": base_url.rstrip("/"),
                    "user_tokens": [{"name": f"admin{i + 1}", "token": token, "org_url": base_url.rstrip("/")}
                                    for i, token in enumerate(self.tokens)]},
        }

    def _demo_service_app(self, base_url: str) -> dict[str, Any] | None:
        """The sandbox's API service app, private key included, so OAuth 2.0 can be tried at once."""
        app = next((a for a in self.org.oauth.apps.values() if a.private_jwk is not None), None)
        if app is None:
            return None
        return {"client_id": app.client_id, "private_key": dict(app.private_jwk or {}),
                "scopes": [s for s in app.scopes if not s.endswith(".read") or s == "okta.logs.read"],
                "token_url": f"{base_url.rstrip('/')}{oauth.TOKEN_PATH}"}

    # -- ASGI ------------------------------------------------------------------------------------------
    async def _admin(self, request: Request, path: str, base: str) -> Response:
        response = await super()._admin(request, path, base)
        response.headers["X-Okta-Request-Id"] = _request_id()
        return response

    async def _serve(self, request: Request, path: str, base: str, send: Send) -> Response:
        request_id = _request_id()
        response = await self._api(request, path, base, send, request_id)
        response.headers["X-Okta-Request-Id"] = request_id
        return response

    def _admin_stats(self, base: str) -> dict[str, Any]:
        return {"stats": self.stats.as_dict(), "faults": self.faults.as_dict(),
                "rate_limits": self.limits, "window_seconds": self.window_seconds,
                "concurrency": self.concurrency, **self.describe(base)["counts"]}

    def _reset_echo(self, base: str) -> dict[str, Any]:
        """A reset echoes the whole describe(): the org's tokens are the sandbox's own fakes."""
        return self.describe(base)

    def _admin_error(self, status: int, path: str) -> Response:
        exc = err.bad_body() if status == 400 else err.not_found("Path", path)
        return JSONResponse(exc.body(), status_code=status)

    async def _api(self, request: Request, path: str, base: str, send: Send, request_id: str) -> Response:
        bucket = bucket_for(request.method, path)
        counters = self.stats.bucket(bucket)
        counters.requests += 1
        limit = self.limits.get(bucket, self.limits["default"])
        if self.faults.in_storm():
            counters.throttled += 1
            storm = WindowDecision(False, limit, 0, self.faults.storm_until)
            return self._with_limits(self._error(err.rate_limited()), storm)
        if not self.gate.enter(_ORG_KEY, self.concurrency):
            counters.throttled += 1
            # Okta reports a concurrency breach as limit 0 / remaining 0.
            return self._with_limits(self._error(err.rate_limited()),
                                     WindowDecision(False, 0, 0, math.ceil(time.time()) + 1.0))
        try:
            decision = self.limiter.hit(bucket, limit)  # Okta counts refused tokens too
            if not decision.allowed:
                counters.throttled += 1
                return self._with_limits(self._error(err.rate_limited()), decision)
            if path == oauth.TOKEN_PATH:
                response = await self._token(request, base)
                if response.status_code >= 400:
                    counters.errors += 1
                elif self.persistence is not None:
                    self.persistence.changed()
                return self._with_limits(response, decision)
            owner, token_id = self._owner(request), None
            public = self._public(request.method, path)
            if public is not None:  # sign-in needs no API token; with one, the caller is a trusted app
                trusted = owner is not None or self._bearer(request) is not None
                response = await self._sign_in(request, path, base, request_id, public, trusted=trusted)
                if response.status_code >= 400:
                    counters.errors += 1
                elif self.persistence is not None:
                    self.persistence.changed()
                return self._with_limits(response, decision)
            grant = None if owner is not None else self._bearer(request)
            if grant is not None:
                owner, token_id = grant.client_id, ""
            if owner is None:
                counters.errors += 1
                return self._with_limits(self._error(err.invalid_token()), decision)
            needed = oauth.required_scope(request.method, path) if grant is not None else None
            if grant is not None and needed is not None and not set(needed) & set(grant.scopes):
                counters.errors += 1
                refused = self._error(err.forbidden())
                refused.headers["WWW-Authenticate"] = oauth.challenge(base, needed[-1], path)
                return self._with_limits(refused, decision)
            fault = await self._inject_fault(counters, send)
            if fault == "error":
                response = self._error(err.server_error())
            else:
                response = await self._dispatch(request, path, base, owner, request_id, token_id)
                if request.method not in ("GET", "HEAD") and self.persistence is not None:
                    self.persistence.changed()
        finally:
            self.gate.leave(_ORG_KEY)
        if response.status_code >= 400:
            counters.errors += 1
        return self._with_limits(response, decision)

    async def _token(self, request: Request, base: str) -> Response:
        """``POST /oauth2/v1/token``: OAuth errors are ``{"error", "error_description"}``, not Okta's."""
        if request.method != "POST":
            return self._error(err.method_not_allowed())
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return JSONResponse({"error": "invalid_request", "error_description": "The request must be "
                                 "form-encoded (application/x-www-form-urlencoded)."}, status_code=400)
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        try:
            granted = self.org.oauth.issue(form, f"{base}{oauth.TOKEN_PATH}")
        except oauth.OAuthError as exc:
            return JSONResponse(exc.body(), status_code=exc.status)
        return JSONResponse(granted, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    @staticmethod
    def _public(method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        for allowed, pattern, handler in _PUBLIC:
            match = pattern.match(path)
            if match is not None and method == allowed:
                return handler, match.groupdict()
        return None

    async def _sign_in(self, request: Request, path: str, base: str, request_id: str,
                       route: tuple[Handler, dict[str, str]], *, trusted: bool) -> Response:
        forwarded = request.headers.get("x-forwarded-for", "").split(",")[0].strip() if trusted else ""
        handler, params = route
        call = Call(request=request, org=self.org, base=base, path=path, params=params, owner_id="",
                    request_id=request_id, client_ip=forwarded)
        try:
            return await handler(call)
        except err.OktaApiError as exc:
            return self._error(exc)

    def _bearer(self, request: Request) -> oauth.Grant | None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return None
        return self.org.oauth.grant_for(header[7:].strip())

    def _owner(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        # The official Python SDK (3.4) sends "SSWS<token>" with no space; accept both spellings.
        if not header.startswith("SSWS"):
            return None
        token = header[4:].strip()
        if token not in self.org.token_owner:
            return None
        return self.org.token_owner[token]

    async def _dispatch(self, request: Request, path: str, base: str, owner: str,
                        request_id: str = "", token_id: str | None = None) -> Response:
        path_matched = False
        for method, pattern, handler in _ROUTES:
            match = pattern.match(path)
            if match is None:
                continue
            path_matched = True
            if method != request.method:
                continue
            if token_id is None:
                token_id = _token_id(request.headers.get("authorization", "")[4:].strip())
            call = Call(request=request, org=self.org, base=base, path=path, params=match.groupdict(),
                        owner_id=owner, request_id=request_id, token_id=token_id)
            try:
                return await handler(call)
            except err.OktaApiError as exc:
                return self._error(exc)
        return self._error(err.method_not_allowed() if path_matched else err.not_found("Path", path))

    @staticmethod
    def _error(exc: err.OktaApiError) -> Response:
        return JSONResponse(exc.body(), status_code=exc.status)

    @staticmethod
    def _with_limits(response: Response, decision: WindowDecision) -> Response:
        response.headers["X-Rate-Limit-Limit"] = str(decision.limit)
        response.headers["X-Rate-Limit-Remaining"] = str(decision.remaining)
        response.headers["X-Rate-Limit-Reset"] = str(decision.reset_epoch)
        return response


def create_app(*, tokens: list[str] | None = None, users: int = 25, rate_limit: int = 0,
               window_seconds: float = 60.0, fault_rate: float = 0.0, latency_ms: float = 0.0, seed: int = 0,
               concurrency: int = 75, state_path: Path | None = None) -> OktaSandbox:
    """``state_path``: keep the org's data in that file across restarts (None: in memory only)."""
    return OktaSandbox(tokens=tokens if tokens is not None else [DEFAULT_TOKEN], users=users,
                       rate_limit=rate_limit, window_seconds=window_seconds, fault_rate=fault_rate,
                       latency_ms=latency_ms, seed=seed, concurrency=concurrency, state_path=state_path)
