"""The Salesforce emulator as an ASGI app: the OAuth token endpoint, bearer checks, the org's daily API
allocation (``Sforce-Limit-Info`` on every answer), fault injection, and the REST API v59.0 routes.

Works standalone or mounted under a prefix (scope root_path, e.g. /sandbox/salesforce): the instance URL
is the mount URL, and every path Salesforce hands out (record ``attributes.url``, ``nextRecordsUrl``) is
relative to it, as Salesforce's are relative to the instance, so a client joins them to instance_url.
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
)
from tenantsim.sandbox.kit.admin import BAD_SETTINGS, EmulatorAdmin
from tenantsim.sandbox.kit.oauth_errors import OAuthError
from tenantsim.sandbox.persist import StatePersistence
from tenantsim.sandbox.salesforce import errors as err
from tenantsim.sandbox.salesforce import routes_composite, routes_query, routes_sobjects
from tenantsim.sandbox.salesforce.auth import TokenIssuer, basic_credentials
from tenantsim.sandbox.salesforce.call import Call, Handler, Result
from tenantsim.sandbox.salesforce.keys import ConnectedApp
from tenantsim.sandbox.salesforce.limits import DAY, DEVELOPER_EDITION, DailyAllocation
from tenantsim.sandbox.salesforce.org import Org
from tenantsim.sandbox.salesforce.querying import Cursors
from tenantsim.sandbox.salesforce.render import VERSION
from tenantsim.sandbox.salesforce.seeding import populate
from tenantsim.sandbox.salesforce.snapshot import dump_org, load_org

DEFAULT_DOMAIN = "sandbox-corp.example.com"
_VERSIONED = re.compile(r"^/services/data/v(?P<major>\d+)\.0(?P<rest>/.*)?$")
_OLDEST = 20  # the oldest REST API version Salesforce still serves


def _compile(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")


_ROUTES: list[tuple[str, re.Pattern[str], Handler, str]] = [
    (method, _compile(template), handler, family)
    for family, routes in (
        ("sobjects", routes_sobjects.ROUTES),
        ("query", routes_query.ROUTES),
        ("composite", routes_composite.ROUTES),
    )
    for method, template, handler in routes
]


class SalesforceSandbox(EmulatorAdmin):
    """A stateful Salesforce org speaking REST API v59.0. ``reset()`` restores the start state. With
    ``state_path`` the org's data outlives the process (see ``sandbox/persist.py``)."""

    def __init__(
        self,
        *,
        seed: int,
        domain: str,
        daily_limit: int,
        window_seconds: float,
        fault_rate: float,
        latency_ms: float,
        state_path: Path | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.seed = seed
        self.domain = domain
        self.window_seconds = window_seconds
        self._clock = clock
        self._fault_defaults = (fault_rate, latency_ms)
        self.app = ConnectedApp.from_seed(seed)
        self.allocation = DailyAllocation(daily_limit, window_seconds, self.now)
        self.stats = SandboxStats()
        self.faults = FaultPlan(rate=fault_rate, latency_ms=latency_ms, seed=seed)
        self.cursors = Cursors()
        self.persistence: StatePersistence | None = None
        restored: tuple[Org, str] | None = None
        if state_path is not None:
            self.persistence = StatePersistence(
                state_path,
                kind="salesforce",
                origin={"seed": seed, "domain": domain},
                snapshot=lambda: dump_org(self.org, self.integration_user),
            )
            restored = self.persistence.restore(load_org)
        self.org, self.integration_user = restored if restored is not None else self._build()
        self.tokens = TokenIssuer(self.app, self.org.org_id, self.now)

    @property
    def daily_limit(self) -> int:
        return self.allocation.limit

    def _build(self) -> tuple[Org, str]:
        org = Org(seed=self.seed, domain=self.domain)
        integration = populate(org, self.domain)
        return org, integration

    def reset(self) -> None:
        self.org, self.integration_user = self._build()
        self.tokens = TokenIssuer(self.app, self.org.org_id, self.now)
        self.allocation.reset()
        self.cursors.clear()
        self._restart_counters()
        self.save()

    @property
    def username(self) -> str:
        return str(self.org.records[self.integration_user]["Username"])

    def find_user(self, username: str) -> dict[str, Any] | None:
        lowered = username.lower()
        return next((u for u in self.org.live("User") if str(u["Username"]).lower() == lowered), None)

    def users(self) -> list[dict[str, Any]]:
        return [
            {
                "id": u["Id"],
                "username": u["Username"],
                "name": u["Name"],
                "title": u["Title"],
                "profile": u.get("_profile"),
                "active": u["IsActive"],
            }
            for u in self.org.live("User")
        ]

    def limits_body(self) -> dict[str, Any]:
        def pair(maximum: int, remaining: int) -> dict[str, int]:
            return {"Max": maximum, "Remaining": remaining}

        stored = sum(
            1
            for r in self.org.records.values()
            if not r.get("IsDeleted") and r["attributes"]["type"] != "User"
        )
        data_mb = 5  # a Developer Edition org's data storage
        return {
            "DailyApiRequests": pair(self.allocation.limit, self.allocation.remaining),
            "DailyAsyncApexExecutions": pair(250000, 250000),
            "DailyBulkApiBatches": pair(15000, 15000),
            "DailyBulkV2QueryJobs": pair(10000, 10000),
            "DataStorageMB": pair(data_mb, max(0, data_mb - stored * 2 // 1024)),
            "FileStorageMB": pair(20, 20),
            "SingleEmail": pair(15, 15),
        }

    def describe(self, base_url: str) -> dict[str, Any]:
        base = base_url.rstrip("/")
        counts: dict[str, int] = {}
        for record in self.org.records.values():
            if not record.get("IsDeleted"):
                kind = record["attributes"]["type"]
                counts[kind] = counts.get(kind, 0) + 1
        return {
            "platform": "salesforce",
            "instance_url": base,
            "login_url": base,
            "token_url": base + "/services/oauth2/token",
            "api_version": VERSION,
            "api_base_url": f"{base}/services/data/v{VERSION}",
            "admin_url": base + "/_sandbox",
            "org_id": self.org.org_id,
            "connected_app": self.app.name,
            "consumer_key": self.app.consumer_key,
            "consumer_secret": self.app.consumer_secret,
            "private_key": self.app.private_key,
            "username": self.username,
            "users": self.users(),
            "counts": dict(sorted(counts.items())),
            "daily_limit": self.allocation.limit,
            "window_seconds": self.window_seconds,
            "job": {
                "connection_type": "salesforce",
                "instance_url": base,
                "client_id": self.app.consumer_key,
                "client_secret": self.app.consumer_secret,
                "username": self.username,
            },
        }

    # -- ASGI ------------------------------------------------------------------------------------------
    def _route_path(self, path: str) -> str:
        return path.rstrip("/") or "/"  # simple-salesforce and others add a trailing slash

    async def _serve(self, request: Request, path: str, base: str, send: Send) -> Response:
        if path == "/services/oauth2/token":
            return await self._token(request, base)
        if path == "/services/data":
            return JSONResponse(
                [{"label": "Winter '24", "url": f"/services/data/v{VERSION}", "version": VERSION}]
            )
        return await self._api(request, path, send)

    def _admin_stats(self, base: str) -> dict[str, Any]:
        return {
            "stats": self.stats.as_dict(),
            "faults": self.faults.as_dict(),
            "daily_limit": self.allocation.limit,
            "api_usage": self.allocation.used,
            "window_seconds": self.window_seconds,
            "counts": self.describe(base)["counts"],
        }

    def _admin_error(self, status: int, path: str) -> Response:
        exc = err.json_parse() if status == 400 else err.not_found()
        return JSONResponse(exc.body(), status_code=status)

    async def _admin_extra(self, request: Request, path: str, base: str) -> Response | None:
        """POST /_sandbox/limits: a new daily allocation, as an org's edition or add-ons would set it."""
        if path != "/_sandbox/limits" or request.method != "POST":
            return None
        try:
            self.allocation.limit = int(json.loads(await request.body() or b"{}")["daily_limit"])
        except (*BAD_SETTINGS, KeyError):
            return self._admin_error(400, path)
        return JSONResponse({"daily_limit": self.allocation.limit, "api_usage": self.allocation.used})

    def _reset_echo(self, base: str) -> dict[str, Any]:
        """describe() without secrets: what a reset echoes back."""
        described = self.describe(base)
        for key in ("job", "consumer_secret", "private_key"):
            described.pop(key)
        return described

    async def _token(self, request: Request, base: str) -> Response:
        counters = self.stats.bucket("token")
        counters.requests += 1
        no_store = {"Cache-Control": "no-cache,must-revalidate,max-age=0,no-store,private"}
        if request.method != "POST":
            counters.errors += 1
            return JSONResponse(
                {"error": "invalid_request", "error_description": "must use HTTP POST"},
                status_code=400,
                headers=no_store,
            )
        raw = (await request.body()).decode("utf-8", "replace")
        form = dict(parse_qsl(raw, keep_blank_values=True))
        try:
            granted = self.tokens.grant(
                form,
                basic_credentials(request.headers.get("authorization", "")),
                base,
                self.find_user,
                self.username,
            )
        except OAuthError as exc:
            counters.errors += 1
            return JSONResponse(exc.body(), status_code=exc.status, headers=no_store)
        return JSONResponse(granted, headers=no_store)

    async def _api(self, request: Request, path: str, send: Send) -> Response:
        versioned = _VERSIONED.match(path)
        family = self._family(versioned.group("rest") or "/") if versioned else "other"
        counters = self.stats.bucket(family)
        counters.requests += 1
        try:
            user_id = self.tokens.check(request.headers.get("authorization", ""))
        except err.ApiError as exc:
            counters.errors += 1
            return JSONResponse(exc.body(), status_code=exc.status, headers={"WWW-Authenticate": "Token"})
        if self.faults.in_storm():
            counters.throttled += 1
            return self._answer(
                Result(
                    403,
                    [
                        {
                            "message": "ConcurrentPerOrgLongTxn Limit exceeded.",
                            "errorCode": "REQUEST_LIMIT_EXCEEDED",
                        }
                    ],
                )
            )
        if not self.allocation.take():
            counters.throttled += 1
            return self._answer(Result(403, err.limit_exceeded().body()))
        fault = await self._inject_fault(counters, send)
        if fault == "error":
            result = Result(503, err.server_unavailable().body())
        elif versioned is None or not _OLDEST <= int(versioned.group("major")) <= int(float(VERSION)):
            result = Result(404, err.not_found().body())
        else:
            result = await self._run(request, versioned.group("rest") or "/", user_id)
            if request.method not in ("GET", "HEAD") and result.status < 400 and self.persistence is not None:
                self.persistence.changed()
        if result.status >= 400:
            counters.errors += 1
        return self._answer(result)

    async def _run(self, request: Request, rest: str, user_id: str) -> Result:
        raw = await request.body()
        body: Any = None
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                return Result(400, err.json_parse().body())
        call = Call(
            org=self.org,
            method=request.method,
            params={},
            query=dict(request.query_params),
            body=body,
            headers={k.lower(): v for k, v in request.headers.items()},
            user_id=user_id,
            at=self.now(),
            cursors=self.cursors,
            limits=self.limits_body(),
            dispatch=self._subrequest,
        )
        return self._dispatch(call, request.method, rest)

    def _subrequest(self, parent: Call, method: str, url: str, body: Any) -> Result:
        """A composite subrequest: a full API path, run as its own call inside the parent's one request."""
        path, query = routes_composite.split_url(url)
        versioned = _VERSIONED.match(path.rstrip("/"))
        if versioned is None:
            return Result(404, err.not_found().body())
        rest = versioned.group("rest") or "/"
        if rest.rstrip("/") == "/composite":
            return Result(400, [{"errorCode": "INVALID_FIELD", "message": "composite can't be nested"}])
        call = Call(
            org=self.org,
            method=method,
            params={},
            query=query,
            body=body,
            headers=parent.headers,
            user_id=parent.user_id,
            at=parent.at,
            cursors=parent.cursors,
            limits=self.limits_body(),
        )
        return self._dispatch(call, method, rest)

    @staticmethod
    def _family(rest: str) -> str:
        for _, pattern, _, family in _ROUTES:
            if pattern.match(rest):
                return family
        return "other"

    def _dispatch(self, call: Call, method: str, rest: str) -> Result:
        allowed: list[str] = []
        for verb, pattern, handler, _ in _ROUTES:
            match = pattern.match(rest.rstrip("/") or "/")
            if match is None:
                continue
            if verb != method:
                allowed.append(verb)
                continue
            call.params = match.groupdict()
            try:
                return handler(call)
            except err.ApiError as exc:
                return Result(exc.status, exc.body())
        if allowed:
            verbs = (
                ",".join(["HEAD", *sorted(set(allowed))])
                if "GET" in allowed
                else ",".join(sorted(set(allowed)))
            )
            return Result(405, err.method_not_allowed(method, verbs).body())
        return Result(404, err.not_found().body())

    def _answer(self, result: Result) -> Response:
        headers = {**result.headers, "Sforce-Limit-Info": self.allocation.header()}
        if result.status == 204:
            return Response(status_code=204, headers=headers)
        return JSONResponse(result.body, status_code=result.status, headers=headers)


def create_app(
    *,
    seed: int = 0,
    daily_limit: int = DEVELOPER_EDITION,
    window_seconds: float = DAY,
    domain: str = DEFAULT_DOMAIN,
    fault_rate: float = 0.0,
    latency_ms: float = 0.0,
    state_path: Path | None = None,
) -> SalesforceSandbox:
    """``daily_limit``: API requests per rolling window (a Developer Edition's 15,000 a day);
    ``window_seconds``: that window (a day; shorter for demos and tests); ``state_path``: keep the org's
    data in that file across restarts (None: in memory only)."""
    return SalesforceSandbox(
        seed=seed,
        domain=domain,
        daily_limit=daily_limit,
        window_seconds=window_seconds,
        fault_rate=fault_rate,
        latency_ms=latency_ms,
        state_path=state_path,
    )
