"""The Google Workspace emulator as an ASGI app: OAuth token grant, bearer and scope checks, per-user and
per-project quotas, fault injection, and the Directory and Calendar routes.

Works standalone or mounted under a prefix (scope root_path, e.g. /sandbox/google): routes are matched
below the prefix, so a client's ``api_endpoint`` is the mount URL for the Directory API and the mount
URL + ``/calendar/v3/`` for Calendar (the client replaces rootUrl and servicePath with it).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tenantsim.sandbox.common import (
    FaultPlan,
    SandboxStats,
    Send,
    WindowLimiter,
)
from tenantsim.sandbox.google import errors as err
from tenantsim.sandbox.google import routes_calendar, routes_groups, routes_orgunits, routes_users
from tenantsim.sandbox.google.auth import TokenIssuer
from tenantsim.sandbox.google.call import Call, Handler
from tenantsim.sandbox.google.keys import ServiceAccount
from tenantsim.sandbox.google.limits import PER_USER, allowed, project_limit
from tenantsim.sandbox.google.query import parse_fields, select
from tenantsim.sandbox.google.seeding import populate
from tenantsim.sandbox.google.snapshot import dump_tenant, load_tenant
from tenantsim.sandbox.google.tenant import Tenant
from tenantsim.sandbox.kit.admin import EmulatorAdmin
from tenantsim.sandbox.persist import StatePersistence

DEFAULT_DOMAIN = "sandbox-corp.example.com"
_PROJECT_KEY = "project"


def _compile(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\{\+(\w+)\}", r"(?P<\1>.+)", template)  # reserved expansion: may hold slashes
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")


_ROUTES: list[tuple[str, re.Pattern[str], Handler, str]] = [
    (method, _compile(template), handler, family)
    for method, template, handler, family in [*routes_users.ROUTES, *routes_groups.ROUTES,
                                              *routes_orgunits.ROUTES, *routes_calendar.ROUTES]
]


class GoogleSandbox(EmulatorAdmin):
    """A stateful Workspace tenant that speaks the Directory and Calendar APIs. ``reset()`` restores the
    start state. With ``state_path`` the tenant's data outlives the process (see ``sandbox/persist.py``)."""

    def __init__(self, *, seed: int, users: int, domain: str, rate_limit: int, project_rate_limit: int,
                 window_seconds: float, fault_rate: float, latency_ms: float, state_path: Path | None,
                 clock: Callable[[], float] = time.time) -> None:
        self.seed = seed
        self.user_count = users
        self.domain = domain
        self.rate_limit = rate_limit
        self.project_rate_limit = project_limit(rate_limit or PER_USER, project_rate_limit)
        self.window_seconds = window_seconds
        self._clock = clock
        self._fault_defaults = (fault_rate, latency_ms)
        self.account = ServiceAccount.from_seed(seed)
        self.tokens = TokenIssuer(self.account, self.now)
        self.limiter = WindowLimiter(window_seconds, clock=self.now)
        self.stats = SandboxStats()
        self.faults = FaultPlan(rate=fault_rate, latency_ms=latency_ms, seed=seed)
        self.persistence: StatePersistence | None = None
        restored: Tenant | None = None
        if state_path is not None:
            self.persistence = StatePersistence(
                state_path, kind="google", origin={"seed": seed, "users": users, "domain": domain},
                snapshot=lambda: dump_tenant(self.tenant))
            restored = self.persistence.restore(load_tenant)
        self.tenant = restored if restored is not None else self._build()

    def _build(self) -> Tenant:
        tenant = Tenant(domain=self.domain, seed=self.seed)
        populate(tenant, users=self.user_count)
        return tenant

    def reset(self) -> None:
        self.tenant = self._build()
        self.tokens.reset()
        self.limiter.reset()
        self._restart_counters()
        self.save()

    def service_account_info(self, base_url: str) -> dict[str, Any]:
        """The service account key JSON a job loads (``from_service_account_info``), token_uri included."""
        return self.account.info(base_url)

    def describe(self, base_url: str) -> dict[str, Any]:
        base = base_url.rstrip("/")
        tenant = self.tenant
        return {
            "platform": "google",
            "api_base_url": base,
            "calendar_api_endpoint": base + "/calendar/v3/",
            "token_uri": base + "/token",
            "admin_url": base + "/_sandbox",
            "customer": "my_customer",
            "customer_id": tenant.customer_id,
            "domain": tenant.domain,
            "admin_email": tenant.admin_email,
            "service_account_email": self.account.client_email,
            "counts": {
                "users": sum(1 for u in tenant.users.values() if u.preexisting),
                "groups": sum(1 for g in tenant.groups.values() if g.preexisting),
                "org_units": sum(1 for u in tenant.org_units.values() if u.preexisting),
            },
            "rate_limit": self.rate_limit or PER_USER,
            "project_rate_limit": self.project_rate_limit,
            "window_seconds": self.window_seconds,
            "job": {
                "connection_type": "google_workspace",
                "customer": tenant.customer_id,
                "domain": tenant.domain,
                "admin_email": tenant.admin_email,
                "service_account_key": self.service_account_info(base),
                "api_base_url": base,
            },
        }

    # -- ASGI ------------------------------------------------------------------------------------------
    async def _serve(self, request: Request, path: str, base: str, send: Send) -> Response:
        if path == "/token":
            return await self._token(request, base + "/token")
        return await self._api(request, path, send)

    def _admin_stats(self, base: str) -> dict[str, Any]:
        return {"stats": self.stats.as_dict(), "faults": self.faults.as_dict(),
                "rate_limit": self.rate_limit or PER_USER, "project_rate_limit": self.project_rate_limit,
                "window_seconds": self.window_seconds, **self.describe(base)["counts"]}

    def _admin_error(self, status: int, path: str) -> Response:
        exc = err.parse_error() if status == 400 else err.method_not_found(path)
        return JSONResponse(exc.body(), status_code=status)

    async def _token(self, request: Request, token_url: str) -> Response:
        counters = self.stats.bucket("token")
        counters.requests += 1
        if request.method != "POST":
            return JSONResponse(err.invalid_request("POST required").body(), status_code=405)
        raw = (await request.body()).decode("utf-8", "replace")
        form = dict(parse_qsl(raw, keep_blank_values=True))
        try:
            granted = self.tokens.grant(form, self.tenant, token_url)
        except err.OAuthError as exc:
            counters.errors += 1
            return JSONResponse(exc.body(), status_code=exc.status)
        no_store = {"Cache-Control": "no-cache, no-store, max-age=0, must-revalidate", "Pragma": "no-cache"}
        return JSONResponse(granted, headers=no_store)

    async def _api(self, request: Request, path: str, send: Send) -> Response:
        family = self._family(path)
        counters = self.stats.bucket(family)
        counters.requests += 1
        try:
            held = self.tokens.check(request.headers.get("authorization", ""))
            if self.faults.in_storm():
                counters.throttled += 1
                raise err.rate_limited()
            limit = self.project_rate_limit
            if not self.limiter.hit(_PROJECT_KEY, limit).allowed:
                counters.throttled += 1
                raise err.rate_limited()
            user_key = "user:" + (held.subject or self.account.client_email)
            if not self.limiter.hit(user_key, self.rate_limit or PER_USER).allowed:
                counters.throttled += 1
                raise err.user_rate_limited()
        except err.GoogleApiError as exc:
            if exc.code == 401:
                counters.errors += 1
            return self._error(exc)
        fault = await self._inject_fault(counters, send)
        if fault == "error":
            response = self._error(err.backend_error())
        else:
            response = await self._dispatch(request, path, held.subject, held.scopes)
            if request.method not in ("GET", "HEAD") and response.status_code < 400 \
                    and self.persistence is not None:
                self.persistence.changed()
        if response.status_code >= 400:
            counters.errors += 1
        return response

    @staticmethod
    def _family(path: str) -> str:
        for _, pattern, _, family in _ROUTES:
            if pattern.match(path):
                return family
        return "other"

    async def _dispatch(self, request: Request, path: str, subject: str | None,
                        scopes: frozenset[str]) -> Response:
        path_matched = False
        for method, pattern, handler, family in _ROUTES:
            match = pattern.match(path)
            if match is None:
                continue
            path_matched = True
            if method != request.method:
                continue
            try:
                if not allowed(family, method, scopes):
                    raise err.insufficient_scopes()
                if family != "calendar":
                    self._check_admin(subject)
                call = Call(request=request, tenant=self.tenant, params=match.groupdict(), subject=subject,
                            at=self.now())
                response = await handler(call)
                return self._partial(request, response)
            except err.GoogleApiError as exc:
                return self._error(exc)
        if path_matched:
            return self._error(err.GoogleApiError(405, "Method Not Allowed", "httpMethodNotAllowed"))
        return self._error(err.method_not_found(path))

    def _check_admin(self, subject: str | None) -> None:
        """The Directory API acts only for an administrator of the customer."""
        user = self.tenant.find_user(subject) if subject else None
        if user is None or not user.is_admin or user.suspended:
            raise err.forbidden()

    @staticmethod
    def _partial(request: Request, response: Response) -> Response:
        fields = request.query_params.get("fields")
        if not fields or response.status_code != 200 or not isinstance(response, JSONResponse):
            return response
        selector = parse_fields(fields)
        return JSONResponse(select(json.loads(bytes(response.body)), selector), status_code=200)

    @staticmethod
    def _error(exc: err.GoogleApiError) -> Response:
        return JSONResponse(exc.body(), status_code=exc.code)


def create_app(*, seed: int = 0, users: int = 12, domain: str = DEFAULT_DOMAIN, rate_limit: int = 0,
               project_rate_limit: int = 0, window_seconds: float = 60.0, fault_rate: float = 0.0,
               latency_ms: float = 0.0, state_path: Path | None = None) -> GoogleSandbox:
    """``rate_limit``: queries per user per window (0: Google's default, 2400 a minute);
    ``project_rate_limit``: for the whole project (0: ten users' worth); ``state_path``: keep the
    tenant's data in that file across restarts (None: in memory only)."""
    return GoogleSandbox(seed=seed, users=users, domain=domain, rate_limit=rate_limit,
                         project_rate_limit=project_rate_limit, window_seconds=window_seconds,
                         fault_rate=fault_rate, latency_ms=latency_ms, state_path=state_path)
