"""The side every emulator shares around its API: the ASGI entry (lifespan, the path below the mount),
the ``/_sandbox`` admin routes (``stats``, ``reset``, ``faults``, ``describe``), fault injection per
request, counters and fault settings back to the start on reset, the tenant's persistence and a
replaceable clock.

An emulator subclasses :class:`EmulatorAdmin` and says what is its own: its API (``_serve``), the body of
``stats``, what a reset echoes back, and the vendor's error answer for bad fault settings and unknown
admin paths.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tenantsim.sandbox.common import (
    BucketStats,
    FaultPlan,
    Receive,
    SandboxStats,
    Scope,
    Send,
    apply_latency,
    drop_connection,
)
from tenantsim.sandbox.persist import StatePersistence

BAD_SETTINGS = (ValueError, TypeError, AttributeError)  # what a fault settings body that is no object raises
# The request being served drew a ``lost`` fault: its answer is made (and kept), then never sent.
_ANSWER_LOST: ContextVar[bool] = ContextVar("answer_lost", default=False)


def locate(scope: Scope, request: Request) -> tuple[str, str]:
    """The request's path below the mount (``root_path``) and the mount's own URL, as the caller sees it."""
    root = str(scope.get("root_path") or "").rstrip("/")
    path = str(scope["path"])
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    host = request.headers.get("host") or "{}:{}".format(*(scope.get("server") or ("127.0.0.1", 80)))
    return path, f"{scope.get('scheme', 'http')}://{host}{root}"


class PersistedTenant:
    """An emulator whose tenant data may outlive the process: set ``persistence`` in ``__init__``."""

    persistence: StatePersistence | None

    def save(self) -> None:
        """Write the tenant's data to ``state_path`` now (no-op without one)."""
        if self.persistence is not None:
            self.persistence.save()

    def close(self) -> None:
        """Write what changed since the last save; call on shutdown."""
        if self.persistence is not None:
            self.persistence.close()


class EmulatorAdmin(PersistedTenant):
    """Base of an emulator: set ``seed``, ``stats``, ``faults``, ``persistence`` and ``_fault_defaults``
    (the fault rate and latency it started with) in ``__init__``, and ``_clock`` where time is the
    emulator's own (``now()``)."""

    seed: int
    stats: SandboxStats
    faults: FaultPlan
    _fault_defaults: tuple[float, float]
    _clock: Callable[[], float]

    # The clock is replaceable so tests can move time (token expiry, rate windows) without sleeping.
    @property
    def clock(self) -> Callable[[], float]:
        return self._clock

    @clock.setter
    def clock(self, value: Callable[[], float]) -> None:
        self._clock = value

    def now(self) -> float:
        return self._clock()

    def _restart_counters(self) -> None:
        """Counters cleared and fault settings back to the ones the emulator started with."""
        self.stats.reset()
        rate, latency = self._fault_defaults
        self.faults = FaultPlan(rate=rate, latency_ms=latency, seed=self.seed)

    async def _inject_fault(self, counters: BucketStats, send: Send) -> str | None:
        """This request's fault, if it draws one (counted): its latency waited out, and on ``reset`` the
        connection cut. Returns the fault; an ``error`` is the caller's to answer in the vendor's words."""
        fault = self.faults.draw()
        if fault is not None:
            counters.faults += 1
        await apply_latency(self.faults, fault)
        if fault == "reset":
            await drop_connection(send)
        if fault == "lost":  # handled as usual; ``__call__`` drops the connection instead of answering
            _ANSWER_LOST.set(True)
        return fault

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """Standalone only: a mounted emulator gets no lifespan events (the host saves it)."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- ASGI ------------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        path, base = locate(scope, request)
        path = self._route_path(path)
        if path.startswith("/_sandbox/"):
            response = await self._admin(request, path, base)
        else:
            lost = _ANSWER_LOST.set(False)
            try:
                response = await self._serve(request, path, base, send)
                if _ANSWER_LOST.get():  # the change is made and kept; the caller never hears of it
                    await drop_connection(send)
            finally:
                _ANSWER_LOST.reset(lost)
        await response(scope, receive, send)

    # -- what each emulator says for itself -------------------------------------------------------------
    def _route_path(self, path: str) -> str:
        """The path the routes are matched against (below the mount)."""
        return path

    async def _serve(self, request: Request, path: str, base: str, send: Send) -> Response:
        """The answer of the emulated API (anything but /_sandbox/)."""
        raise NotImplementedError

    def describe(self, base_url: str) -> dict[str, Any]:
        raise NotImplementedError

    def reset(self) -> None:
        raise NotImplementedError

    def _admin_stats(self, base: str) -> dict[str, Any]:
        """The body of GET /_sandbox/stats."""
        raise NotImplementedError

    def _reset_echo(self, base: str) -> dict[str, Any]:
        """What a reset echoes back: describe() without credentials."""
        described = self.describe(base)
        described.pop("job")
        return described

    def _admin_error(self, status: int, path: str) -> Response:
        """The vendor's answer for bad settings (400) or an unknown admin path (404)."""
        raise NotImplementedError

    async def _admin_extra(self, request: Request, path: str, base: str) -> Response | None:
        """An admin route of the emulator's own, or None."""
        return None

    # -- the routes ------------------------------------------------------------------------------------
    async def _admin(self, request: Request, path: str, base: str) -> Response:
        if path == "/_sandbox/stats" and request.method == "GET":
            return JSONResponse(self._admin_stats(base))
        if path == "/_sandbox/reset" and request.method == "POST":
            self.reset()
            return JSONResponse({"reset": True, **self._reset_echo(base)})
        if path == "/_sandbox/faults" and request.method == "POST":
            try:
                self.faults.update(json.loads(await request.body() or b"{}"))
            except BAD_SETTINGS:
                return self._admin_error(400, path)
            return JSONResponse(self.faults.as_dict())
        if path == "/_sandbox/describe" and request.method == "GET":
            return JSONResponse(self.describe(base))
        extra = await self._admin_extra(request, path, base)
        if extra is not None:
            return extra
        return self._admin_error(404, path)
