"""Health, token validation and the sandbox description."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import text

from tenantsim import __version__
from tenantsim.api.interactive import interactive
from tenantsim.api.schemas import (
    ERROR_RESPONSES,
    HealthResponse,
    SandboxResponse,
    ValidateTokenRequest,
    ValidateTokenResponse,
)
from tenantsim.api.starting import config_context, route_to_sandbox
from tenantsim.connectors.registry import DEFAULT_CONNECTION_TYPE, PLATFORMS, platform_for_token

router = APIRouter(tags=["system"], responses=ERROR_RESPONSES)


@router.get("/api/health", response_model=HealthResponse)
async def health(request: Request) -> dict[str, Any]:
    state = request.app.state
    checks: dict[str, Any] = {}
    try:
        def ping() -> None:
            with state.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        await asyncio.to_thread(ping)
        checks["database"] = {"ok": True, "backend": state.engine.dialect.name}
    except Exception as exc:  # health reports, it does not fail
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    for kind in PLATFORMS:
        jobs = [w for w in state.manager.workers.values()
                if w.ctx is not None and w.ctx.config.get("connection_type", DEFAULT_CONNECTION_TYPE) == kind]
        throttled = sum(w.ctx.http_stats.as_dict()["throttled"] for w in jobs if w.ctx is not None)
        checks[kind] = {"ok": kind in state.connectors, "active_jobs": len(jobs), "throttled": throttled,
                        "sandbox": PLATFORMS[kind].sandbox_key in state.sandbox_apps}
    return {"success": True, "status": "running", "active_jobs": state.manager.active_count,
            "connection_types_supported": list(PLATFORMS), "version": __version__, "checks": checks}


@router.post("/api/validate_token", response_model=ValidateTokenResponse)
async def validate_token(request: Request, body: ValidateTokenRequest) -> dict[str, Any]:
    given = body.model_dump(exclude_unset=True)
    spec = platform_for_token(given)
    connection_type = spec.connection_type
    data = spec.token_request(given, config_context(request.app.state.settings))
    token = str(data.get("api_key") or data.get("token") or "")
    route_to_sandbox(request.app, connection_type, data, [token])
    connector = request.app.state.connectors[connection_type]
    target = str(data.get("org_url") or data.get("base_url") or spec.label)
    user = await interactive(lambda: connector.validate_token(data), target)
    return {"success": True, "valid": True, "connection_type": connection_type, "user": user.as_dict()}


@router.get("/api/sandbox", response_model=SandboxResponse)
async def sandbox(request: Request) -> dict[str, Any]:
    state = request.app.state
    tenants = {name: info for name, info in state.sandbox_descriptions.items()}
    sandbox = bool(state.settings.sandbox and tenants)
    # The new-job form's values for each sandbox tenant, as its platform fills them in.
    form = {name: spec.sandbox_fill(tenants[spec.sandbox_key]) for name, spec in PLATFORMS.items()
            if sandbox and spec.sandbox_key in tenants and spec.sandbox_fill is not None}
    return {"success": True, "sandbox": sandbox, "tenants": tenants, "form": form}
