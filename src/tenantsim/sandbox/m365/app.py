"""The Microsoft 365 emulator as an ASGI app: Entra ID's v2.0 token endpoint and Microsoft Graph v1.0
(users, groups, Teams, Planner) with Graph's permissions, throttling, errors and headers, plus fault
injection, counters, reset and persistence like the other emulators.

Works standalone or mounted under a prefix (scope root_path, e.g. /sandbox/m365): the authority is the
mount URL (the token endpoint is ``{mount}/{tenant}/oauth2/v2.0/token``) and Graph is ``{mount}/v1.0``.
"""

from __future__ import annotations

import re
import time
import uuid
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
)
from tenantsim.sandbox.kit.admin import EmulatorAdmin
from tenantsim.sandbox.m365 import errors as err
from tenantsim.sandbox.m365 import limits, routes_groups, routes_planner, routes_teams, routes_users
from tenantsim.sandbox.m365.auth import TokenIssuer
from tenantsim.sandbox.m365.call import Call, Handler
from tenantsim.sandbox.m365.keys import AppRegistration
from tenantsim.sandbox.m365.seeding import populate
from tenantsim.sandbox.m365.snapshot import dump_tenant, load_tenant
from tenantsim.sandbox.m365.tenant import Tenant
from tenantsim.sandbox.persist import StatePersistence

DEFAULT_DOMAIN = "sandbox-corp.example.com"
# What the sandbox's app registration was granted (admin consent for the organisation).
APP_ROLES = frozenset(
    {
        "User.ReadWrite.All",
        "Group.ReadWrite.All",
        "GroupMember.ReadWrite.All",
        "Team.Create",
        "TeamMember.ReadWrite.All",
        "Channel.Create",
        "Channel.Delete.All",
        "ChannelMessage.Read.All",
        "Tasks.ReadWrite.All",
    }
)
READER_ROLES = frozenset({"User.Read.All"})
_TOKEN_PATH = re.compile(r"^/(?P<tenant>[^/]+)/oauth2/v2\.0/token$")
_DISCOVERY_PATH = re.compile(r"^/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration$")


def _compile(template: str) -> re.Pattern[str]:
    escaped = re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", escaped) + "$")


# Literal paths first, so /users/$count wins over /users/{id}.
_ROUTES: list[tuple[str, str, re.Pattern[str], Handler, str, str]] = sorted(
    [
        (method, template, _compile(template), handler, family, action)
        for method, template, handler, family, action in [
            *routes_users.ROUTES,
            *routes_groups.ROUTES,
            *routes_teams.ROUTES,
            *routes_planner.ROUTES,
        ]
    ],
    key=lambda route: route[1].count("{"),
)


class M365Sandbox(EmulatorAdmin):
    """A stateful Microsoft 365 tenant that speaks Microsoft Graph. ``reset()`` restores the start state.
    With ``state_path`` the tenant's data outlives the process (see ``sandbox/persist.py``)."""

    def __init__(
        self,
        *,
        seed: int,
        users: int,
        domain: str,
        rate_limit: int,
        channel_rate_limit: int,
        window_seconds: float,
        fault_rate: float,
        latency_ms: float,
        state_path: Path | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.seed = seed
        self.user_count = users
        self.domain = domain
        self.rate_limit = rate_limit
        self.channel_rate_limit = channel_rate_limit or limits.CHANNEL_MESSAGES
        self.window_seconds = window_seconds
        self._clock = clock
        self._fault_defaults = (fault_rate, latency_ms)
        self.app = AppRegistration.from_seed(seed, "app", "tenantsim sandbox", APP_ROLES)
        self.reader = AppRegistration.from_seed(seed, "reader", "tenantsim sandbox reader", READER_ROLES)
        self.tokens = TokenIssuer(seed, [self.app, self.reader], self.now)
        self.budget = limits.Budget(window_seconds, self.now)
        self.stats = SandboxStats()
        self.faults = FaultPlan(rate=fault_rate, latency_ms=latency_ms, seed=seed)
        self.persistence: StatePersistence | None = None
        self.seeded_ids: list[str] = []
        restored: Tenant | None = None
        if state_path is not None:
            self.persistence = StatePersistence(
                state_path,
                kind="m365",
                origin={"seed": seed, "users": users, "domain": domain},
                snapshot=lambda: dump_tenant(self.tenant),
            )
            restored = self.persistence.restore(load_tenant)
        self.tenant = self._build()
        if restored is not None:
            self.tenant = restored

    def _build(self) -> Tenant:
        tenant = Tenant(domain=self.domain, seed=self.seed)
        self.seeded_ids = [u.id for u in populate(tenant, users=self.user_count)]
        return tenant

    def reset(self) -> None:
        self.tenant = self._build()
        self.budget.reset()
        self._restart_counters()
        self.save()

    def delegated_token(self, user_key: str) -> str:
        """A long-lived delegated token for any user of the tenant (the seeded ones are in describe())."""
        user = self.tenant.user(user_key)
        return self.tokens.delegated_token(
            self.tenant, self.app, user.id, user.user_principal_name, user.display_name
        )

    def rate_budget(self) -> int:
        return self.rate_limit or limits.tenant_budget(len(self.tenant.active_users()))

    def describe(self, base_url: str) -> dict[str, Any]:
        base = base_url.rstrip("/")
        tenant = self.tenant
        seeded = [u for u in (tenant.find_user(uid) for uid in self.seeded_ids) if u is not None]
        users = [
            {
                "name": u.display_name,
                "id": u.id,
                "userPrincipalName": u.user_principal_name,
                "is_admin": u.is_admin,
                "token": self.delegated_token(u.id),
            }
            for u in seeded
        ]
        return {
            "platform": "m365",
            "tenant_id": tenant.tenant_id,
            "domain": tenant.domain,
            "client_id": self.app.client_id,
            "client_secret": self.app.client_secret,
            "authority": base,
            "token_endpoint": f"{base}/{tenant.tenant_id}/oauth2/v2.0/token",
            "graph_base_url": base + "/v1.0",
            "api_base_url": base,
            "admin_url": base + "/_sandbox",
            "app_roles": sorted(self.app.roles),
            "certificate": {
                "thumbprint": self.app.thumbprint(),
                "pem": self.app.private_key_pem + self.app.certificate_pem,
            },
            "reader_app": {
                "client_id": self.reader.client_id,
                "client_secret": self.reader.client_secret,
                "app_roles": sorted(self.reader.roles),
            },
            "users": users,
            "counts": {
                "users": sum(1 for u in tenant.active_users() if u.preexisting),
                "groups": sum(1 for g in tenant.active_groups() if g.preexisting),
                "teams": sum(1 for t in tenant.teams.values() if t.preexisting),
                "plans": sum(1 for p in tenant.plans.values() if p.preexisting),
            },
            "rate_limit": self.rate_budget(),
            "channel_rate_limit": self.channel_rate_limit,
            "window_seconds": self.window_seconds,
            "job": {
                "connection_type": "microsoft365",
                "tenant_id": tenant.tenant_id,
                "client_id": self.app.client_id,
                "client_secret": self.app.client_secret,
                "domain": tenant.domain,
                "api_base_url": base,
                "user_tokens": [{"name": u["name"], "token": u["token"]} for u in users],
            },
        }

    # -- ASGI ------------------------------------------------------------------------------------------
    async def _serve(self, request: Request, path: str, base: str, send: Send) -> Response:
        if path.startswith("/v1.0/") or path == "/v1.0":
            return await self._api(request, path, base, send)
        if (found := _TOKEN_PATH.match(path)) is not None:
            return await self._token(request, found["tenant"])
        if (found := _DISCOVERY_PATH.match(path)) is not None:
            return self._discovery(found["tenant"], base)
        return JSONResponse({"error": "not_found"}, status_code=404)

    def _admin_stats(self, base: str) -> dict[str, Any]:
        return {
            "stats": self.stats.as_dict(),
            "faults": self.faults.as_dict(),
            "rate_limit": self.rate_budget(),
            "channel_rate_limit": self.channel_rate_limit,
            "window_seconds": self.window_seconds,
            **self.describe(base)["counts"],
        }

    def _admin_error(self, status: int, path: str) -> Response:
        body = {"error": "invalid fault settings"} if status == 400 else {"error": "not_found"}
        return JSONResponse(body, status_code=status)

    def _reset_echo(self, base: str) -> dict[str, Any]:
        """describe() without credentials: what a reset echoes back."""
        described = self.describe(base)
        for key in ("job", "client_secret", "certificate", "reader_app", "users"):
            described.pop(key)
        return described

    def _discovery(self, tenant_segment: str, base: str) -> Response:
        """The OpenID configuration MSAL reads before its first token request."""
        tid = self.tenant.tenant_id
        if tenant_segment.lower() not in (tid.lower(), self.tenant.domain.lower()):
            return JSONResponse(err.unknown_tenant(tenant_segment).body(self.now()), status_code=400)
        return JSONResponse(
            {
                "token_endpoint": f"{base}/{tid}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "jwks_uri": f"{base}/{tid}/discovery/v2.0/keys",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": f"{base}/{tid}/v2.0",
                "request_uri_parameter_supported": False,
                "authorization_endpoint": f"{base}/{tid}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/{tid}/oauth2/v2.0/devicecode",
                "end_session_endpoint": f"{base}/{tid}/oauth2/v2.0/logout",
                "tenant_region_scope": "NA",
                "cloud_instance_name": "microsoftonline.com",
            }
        )

    async def _token(self, request: Request, tenant_segment: str) -> Response:
        counters = self.stats.bucket("token")
        counters.requests += 1
        if request.method != "POST":
            return JSONResponse(err.unsupported_grant("").body(self.now()), status_code=405)
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        try:
            basic = request.headers.get("authorization")
            granted = self.tokens.grant(self.tenant, tenant_segment, form, basic)
        except err.TokenError as exc:
            counters.errors += 1
            return JSONResponse(exc.body(self.now()), status_code=exc.status)
        return JSONResponse(granted, headers={"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"})

    # -- Graph -------------------------------------------------------------------------------------------
    async def _api(self, request: Request, path: str, base: str, send: Send) -> Response:
        ids = {
            "request-id": str(uuid.uuid4()),
            "client-request-id": request.headers.get("client-request-id") or str(uuid.uuid4()),
        }
        route, params, method_matched = self._route(request.method, path)
        family = route[4] if route else "other"
        counters = self.stats.bucket(family)
        counters.requests += 1
        extra: dict[str, str] = {}
        try:
            principal = self.tokens.check(request.headers.get("authorization", ""), self.tenant)
            if self.faults.in_storm():
                raise err.throttled(2, "Too many requests. The service is throttling this application.")
            if route is None:
                raise err.method_not_allowed() if method_matched else err.no_route(path)
            method, template, _, handler, family, action = route
            if not limits.allowed(family, action, principal):
                raise err.insufficient_privileges()
            extra = self._meter(request, principal.app_id, method, template, family, params)
        except err.GraphError as exc:
            if exc.status == 429:
                counters.throttled += 1
            else:
                counters.errors += 1
            return self._error(exc, ids, extra)
        fault = await self._inject_fault(counters, send)
        if fault == "error":
            counters.errors += 1
            return self._error(err.service_unavailable(), ids, extra)
        call = Call(
            request=request, tenant=self.tenant, params=params, principal=principal, at=self.now(), base=base
        )
        try:
            response = await handler(call)
        except err.GraphError as exc:
            counters.errors += 1
            return self._error(exc, ids, extra)
        if request.method not in ("GET", "HEAD") and self.persistence is not None:
            self.persistence.changed()
        response.headers.update({**ids, **extra})
        return response

    def _route(
        self, method: str, path: str
    ) -> tuple[tuple[str, str, re.Pattern[str], Handler, str, str] | None, dict[str, str], bool]:
        path_matched = False
        for route in _ROUTES:
            match = route[2].match(path)
            if match is None:
                continue
            path_matched = True
            if route[0] == method:
                return route, match.groupdict(), True
        return None, {}, path_matched

    def _meter(
        self, request: Request, app_id: str, method: str, template: str, family: str, params: dict[str, str]
    ) -> dict[str, str]:
        """Spend the call's resource units (directory) or its channel's message budget, or raise 429."""
        now = self.now()
        if family in limits.IDENTITY_FAMILIES:
            query = request.query_params
            units = limits.cost(
                method, not template.endswith("}"), bool(query.get("$select")), bool(query.get("$expand"))
            )
            spent = self.budget.spend(f"identity:{app_id}", units, self.rate_budget())
            if not spent.allowed:
                raise err.GraphError(
                    429,
                    "Request_ThrottledTemporarily",
                    "Your request is throttled temporarily. "
                    f"Please try after {spent.retry_after(now)} seconds.",
                    headers={
                        "Retry-After": str(spent.retry_after(now)),
                        "x-ms-resource-unit": str(units),
                        "x-ms-throttle-limit-percentage": "1.0",
                    },
                )
            headers = {"x-ms-resource-unit": str(units)}
            if spent.share >= limits.WARN_AT:
                headers["x-ms-throttle-limit-percentage"] = f"{spent.share:.1f}"
            return headers
        if family == "message" and method == "POST":
            key = f"channel:{app_id}:{params.get('channel')}"
            spent = self.budget.spend(key, 1, self.channel_rate_limit)
            if not spent.allowed:
                raise err.throttled(
                    spent.retry_after(now),
                    f"Too many requests to this channel. Retry after {spent.retry_after(now)} seconds.",
                )
        return {}

    def _error(self, exc: err.GraphError, ids: dict[str, str], extra: dict[str, str]) -> Response:
        body = exc.body(ids["request-id"], ids["client-request-id"], self.now())
        return JSONResponse(body, status_code=exc.status, headers={**ids, **extra, **exc.headers})


def create_app(
    *,
    seed: int = 0,
    users: int = 12,
    domain: str = DEFAULT_DOMAIN,
    rate_limit: int = 0,
    channel_rate_limit: int = 0,
    window_seconds: float = limits.WINDOW_SECONDS,
    fault_rate: float = 0.0,
    latency_ms: float = 0.0,
    state_path: Path | None = None,
    clock: Callable[[], float] = time.time,
) -> M365Sandbox:
    """``rate_limit``: directory resource units per app per window (0: Graph's budget for the tenant's size);
    ``channel_rate_limit``: messages per channel per window (0: 50); ``window_seconds``: 10 like Graph's,
    smaller to compress time; ``state_path``: keep the tenant's data in that file across restarts."""
    return M365Sandbox(
        seed=seed,
        users=users,
        domain=domain,
        rate_limit=rate_limit,
        channel_rate_limit=channel_rate_limit,
        window_seconds=window_seconds,
        fault_rate=fault_rate,
        latency_ms=latency_ms,
        state_path=state_path,
        clock=clock,
    )
