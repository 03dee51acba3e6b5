"""The Asana sandbox as one ASGI app: Bearer PAT auth, per-token rate limits and concurrency caps,
fault injection and counters in front of the Starlette routes under ``/api/1.0``; admin under
``/_sandbox``. Works mounted under a prefix (``root_path``): URLs it returns use the real base.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from tenantsim.sandbox.asana import (
    routes_attachments,
    routes_batch,
    routes_fields,
    routes_jobs,
    routes_lookup,
    routes_memberships,
    routes_people,
    routes_projects,
    routes_relations,
    routes_status,
    routes_sync,
    routes_tasks,
)
from tenantsim.sandbox.asana.snapshot import dump_store, load_store
from tenantsim.sandbox.asana.store import Store
from tenantsim.sandbox.asana.web import ERRORS_HELP, ApiError, error_response
from tenantsim.sandbox.common import (
    ConcurrencyGate,
    FaultPlan,
    Message,
    Receive,
    SandboxStats,
    Scope,
    Send,
    WindowLimiter,
    apply_latency,
    drop_connection,
)
from tenantsim.sandbox.kit.admin import PersistedTenant
from tenantsim.sandbox.persist import StatePersistence

PLAN_LIMITS = {"free": 150, "paid": 1500}  # requests per minute per token (developers.asana.com)
READ_CONCURRENCY = 50  # in-flight GETs per token
WRITE_CONCURRENCY = 15  # in-flight POST/PUT/PATCH/DELETE per token
RATE_LIMIT_MESSAGE = ("You've made too many requests and hit a rate limit. "
                      "Please retry after the given amount of time.")
PHRASE_WORDS = (("6", "12", "25", "3"), ("sad", "tiny", "brave", "sleepy"),
                ("squid", "otters", "llamas", "owls"),
                ("snuggle", "wander", "giggle", "ponder"), ("softly", "quickly", "boldly", "gently"))


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            text = value.decode("latin-1")
            if text[:7].lower() == "bearer ":
                return text[7:].strip()
    return None


async def _unanswered(message: Message) -> None:
    """Where a handled request's answer goes when the fault plan loses it."""


class AsanaSandbox(PersistedTenant):
    """An ASGI callable emulating app.asana.com/api/1.0 for one organization and one workspace.

    With ``state_path`` the tenant's data outlives the process (see ``sandbox/persist.py``)."""

    def __init__(self, *, users: int = 5, plan: str = "paid", rate_limit: int = 0,
                 window_seconds: float = 60.0, fault_rate: float = 0.0, latency_ms: float = 0.0,
                 seed: int = 0, state_path: Path | None = None) -> None:
        if plan not in PLAN_LIMITS:
            raise ValueError(f"plan must be one of {sorted(PLAN_LIMITS)}")
        self.users = users
        self.plan = plan
        self.rate_limit = rate_limit if rate_limit > 0 else PLAN_LIMITS[plan]
        self.window_seconds = window_seconds
        self.seed = seed
        self._initial_faults = (fault_rate, latency_ms)
        self.persistence: StatePersistence | None = None
        restored: Store | None = None
        if state_path is not None:
            self.persistence = StatePersistence(
                state_path, kind="asana", origin={"seed": seed, "users": users, "plan": plan},
                snapshot=lambda: dump_store(self.store))
            restored = self.persistence.restore(load_store)
        self.store = restored if restored is not None else Store(users, plan, seed)
        self.limiter = WindowLimiter(window_seconds)
        self.gate = ConcurrencyGate()
        self.stats = SandboxStats()
        self.faults = FaultPlan(rate=fault_rate, latency_ms=latency_ms, seed=seed)
        self._phrases = random.Random(seed)
        api_routes = [*routes_people.ROUTES, *routes_projects.ROUTES, *routes_tasks.ROUTES,
                      *routes_fields.ROUTES, *routes_sync.ROUTES, *routes_relations.ROUTES,
                      *routes_attachments.ROUTES, *routes_memberships.ROUTES, *routes_status.ROUTES,
                      *routes_lookup.ROUTES, *routes_jobs.ROUTES, *routes_batch.ROUTES]
        self.webhooks = routes_sync.Dispatcher()
        self.app = Starlette(
            routes=[
                Mount("/api/1.0", routes=api_routes),
                Route("/_sandbox/stats", self._stats, methods=["GET"]),
                Route("/_sandbox/reset", self._reset, methods=["POST"]),
                Route("/_sandbox/faults", self._faults, methods=["GET", "POST"]),
                Route("/_sandbox/objects", self._objects, methods=["GET"]),
                routes_attachments.DOWNLOAD,
            ],
            exception_handlers={ApiError: self._api_error, HTTPException: self._http_error},
            lifespan=self._lifespan,
        )
        self.app.state.store = self.store
        self.app.state.run_action = self._run_action  # /batch runs its actions through this

    # -- public -----------------------------------------------------------------------------------
    @property
    def tokens(self) -> list[str]:
        return [user["token"] for user in self.store.users()]

    def describe(self, base_url: str) -> dict[str, Any]:
        """What a person (or test) needs to use this sandbox. Tokens are the sandbox's own fakes."""
        base = base_url.rstrip("/")
        api = base if base.endswith("/api/1.0") else base + "/api/1.0"
        root = api.removesuffix("/api/1.0")
        return {
            "platform": "asana",
            "base_url": api,
            "admin_url": root + "/_sandbox",
            "plan": self.plan,
            "rate_limit_per_window": self.rate_limit,
            "window_seconds": self.window_seconds,
            "workspaces": [{"gid": w["gid"], "name": w["name"], "is_organization": w["is_organization"]}
                           for w in self.store.workspaces()],
            "teams": [{"gid": t["gid"], "name": t["name"]} for t in self.store.teams],
            "users": [{"gid": u["gid"], "name": u["name"], "email": u["email"], "token": u["token"]}
                      for u in self.store.users()],
            "job": self._job(api),
        }

    def _job(self, api: str) -> dict[str, Any]:
        """What a job's start body needs to target this workspace, each person's token included."""
        workspaces = self.store.workspaces()
        return {"connection_type": "asana", "workspace_gid": workspaces[0]["gid"] if workspaces else "",
                "user_tokens": [{"name": str(u["name"]).split(" ")[0].lower(), "token": u["token"]}
                                for u in self.store.users() if u.get("token")],
                "base_url": api}

    def reset(self) -> None:
        """Back to the start state: same seed, so the same gids, users and tokens."""
        self.store = Store(self.users, self.plan, self.seed)
        self.app.state.store = self.store
        self.limiter.reset()
        self.stats.reset()
        self.faults.rate, self.faults.latency_ms = self._initial_faults
        self.faults.storm_until = 0.0
        self.faults.reseed()
        self.save()

    @asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        yield  # standalone only: a mounted sandbox gets no lifespan events (the host calls save())
        self.close()

    # -- ASGI -------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _route_path(scope).startswith("/api/1.0"):
            await self.app(scope, receive, send)
            return
        token = _bearer(scope)
        user = self.store.user_for_token(token) if token else None
        if user is None:
            self.stats.bucket("anonymous").requests += 1
            self.stats.bucket("anonymous").errors += 1
            await error_response(401, "Not Authorized")(scope, receive, send)
            return
        key = f"user:{user['gid']}"
        counters = self.stats.bucket(key)
        counters.requests += 1
        now = time.time()
        if self.faults.in_storm(now):
            counters.throttled += 1
            wait = max(1, math.ceil(self.faults.storm_until - now))
            await self._throttled(wait)(scope, receive, send)
            return
        decision = self.limiter.hit(key, self.rate_limit)
        if not decision.allowed:
            counters.throttled += 1
            await self._throttled(max(1, math.ceil(decision.retry_after(now))))(scope, receive, send)
            return
        writing = scope["method"] not in ("GET", "HEAD", "OPTIONS")
        gate_key = f"{key}:{'write' if writing else 'read'}"
        if not self.gate.enter(gate_key, WRITE_CONCURRENCY if writing else READ_CONCURRENCY):
            counters.throttled += 1
            await self._throttled(1)(scope, receive, send)
            return
        try:
            fault = self.faults.draw()
            await apply_latency(self.faults, fault)
            if fault == "reset":
                counters.faults += 1
                await drop_connection(send)
            if fault == "error":
                counters.faults += 1
                counters.errors += 1
                await error_response(500, "Server Error", phrase=self._phrase())(scope, receive, send)
                return
            state = scope.setdefault("state", {})
            state["asana_user"] = user["gid"]
            state["asana_root"] = scope.get("root_path", "")
            await self.app(scope, receive, _unanswered if fault == "lost" else self._counting(send, key))
            if writing:
                self.webhooks.kick(self.store)  # push what this write changed to webhook targets
            if (writing or self.store.dirty) and self.persistence is not None:
                self.persistence.changed()
            self.store.dirty = False
            if fault == "lost":  # done and kept, and the answer never reaches the caller
                counters.faults += 1
                await drop_connection(send)
        finally:
            self.gate.leave(gate_key)

    async def _run_action(self, request: Request, method: str, path: str, query: list[tuple[str, str]],
                          content: bytes) -> tuple[int, dict[str, str], Any]:
        """One action of a ``/batch`` request, run as its own request by the same user: counted,
        rate limited, routed and answered like any other. Returns (status, headers, JSON body)."""
        state = dict(request.scope["state"])
        key = f"user:{state['asana_user']}"
        counters = self.stats.bucket(key)
        counters.requests += 1
        now = time.time()
        decision = self.limiter.hit(key, self.rate_limit)
        if not decision.allowed:
            counters.throttled += 1
            wait = str(max(1, math.ceil(decision.retry_after(now))))
            refused = {"errors": [{"message": RATE_LIMIT_MESSAGE, "help": ERRORS_HELP}]}
            return 429, {"Retry-After": wait}, refused
        root = state["asana_root"]
        full = f"{root}/api/1.0{path}"
        headers = [(b"host", request.headers.get("host", "localhost").encode("latin-1")),
                   (b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
        scope: Scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                        "scheme": request.url.scheme, "server": request.scope.get("server"),
                        "client": request.scope.get("client"), "root_path": root, "path": full,
                        "raw_path": full.encode(), "query_string": urlencode(query).encode(),
                        "headers": headers, "state": state}
        delivered = False
        status, chunks = 500, []

        async def receive() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": content, "more_body": False}

        async def send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
        try:
            await self.app(scope, receive, send)
        except Exception:  # an unexpected failure in one action is that action's 500, not the batch's
            status = 500
            chunks = [json.dumps({"errors": [{"message": "Server Error", "help": ERRORS_HELP}]}).encode()]
        if status >= 400:
            counters.errors += 1
        raw = b"".join(chunks)
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        return status, {}, body

    def _counting(self, send: Send, key: str) -> Send:
        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 400:
                self.stats.bucket(key).errors += 1
            await send(message)
        return counted

    def _throttled(self, seconds: int) -> Response:
        return error_response(429, RATE_LIMIT_MESSAGE, headers={"Retry-After": str(seconds)})

    def _phrase(self) -> str:
        return " ".join(self._phrases.choice(words) for words in PHRASE_WORDS)

    # -- handlers ---------------------------------------------------------------------------------
    async def _api_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.message)

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code in (404, 405):
            return error_response(404, "No matching route for request")
        return error_response(exc.status_code, str(exc.detail))

    async def _stats(self, request: Request) -> JSONResponse:
        names = {f"user:{u['gid']}": u["name"] for u in self.store.users()}
        body = self.stats.as_dict()
        body["tokens"] = body.pop("buckets")
        for key, figures in body["tokens"].items():
            figures["user"] = names.get(key)
        body.update({"plan": self.plan, "rate_limit_per_window": self.rate_limit,
                     "window_seconds": self.window_seconds, "faults": self.faults.as_dict()})
        return JSONResponse(body)

    async def _objects(self, request: Request) -> JSONResponse:
        """Everything made since start that still exists, whoever made it: the ground truth a test
        compares a job's ledger with (no duplicates, nothing unrecorded, nothing left after cleanup)."""
        return JSONResponse({"objects": self.store.made_since_start()})

    async def _reset(self, request: Request) -> JSONResponse:
        self.reset()
        return JSONResponse({"reset": True})

    async def _faults(self, request: Request) -> JSONResponse:
        if request.method == "POST":
            settings = await request.json()
            if not isinstance(settings, dict):
                return JSONResponse({"error": "body must be a JSON object"}, status_code=400)
            self.faults.update(settings)
        return JSONResponse(self.faults.as_dict())


def create_app(*, users: int = 5, plan: str = "paid", rate_limit: int = 0, window_seconds: float = 60.0,
               fault_rate: float = 0.0, latency_ms: float = 0.0, seed: int = 0,
               state_path: Path | None = None) -> AsanaSandbox:
    """``state_path``: keep the tenant's data in that file across restarts (None: in memory only)."""
    return AsanaSandbox(users=users, plan=plan, rate_limit=rate_limit, window_seconds=window_seconds,
                        fault_rate=fault_rate, latency_ms=latency_ms, seed=seed, state_path=state_path)
