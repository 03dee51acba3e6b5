"""Health, token validation and the sandbox description."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import text

from tenantsim import __version__
from tenantsim.api.schemas import (
    ERROR_RESPONSES,
    HealthResponse,
    SandboxResponse,
    ValidateTokenRequest,
    ValidateTokenResponse,
)
from tenantsim.api.starting import sandbox_asana_base
from tenantsim.api.validation import check_org_url
from tenantsim.connectors.registry import SUPPORTED
from tenantsim.errors import InputError

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
    for kind in SUPPORTED:
        jobs = [w for w in state.manager.workers.values()
                if w.ctx is not None and w.ctx.config.get("connection_type", "asana") == kind]
        throttled = sum(w.ctx.http_stats.as_dict()["throttled"] for w in jobs if w.ctx is not None)
        checks[kind] = {"ok": kind in state.connectors, "active_jobs": len(jobs), "throttled": throttled,
                        "sandbox": kind in state.sandbox_apps}
    return {"success": True, "status": "running", "active_jobs": state.manager.active_count,
            "connection_types_supported": list(SUPPORTED), "version": __version__, "checks": checks}


@router.post("/api/validate_token", response_model=ValidateTokenResponse)
async def validate_token(request: Request, body: ValidateTokenRequest) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True)
    connection_type = data.get("connection_type") or "asana"
    if connection_type not in SUPPORTED:
        raise InputError(f"Unsupported connection type: {connection_type}")
    if connection_type == "okta":
        for field in ("token", "org_url"):
            if not data.get(field):
                raise InputError(f"Missing required field: {field}")
        settings = request.app.state.settings
        data["org_url"] = check_org_url(data["org_url"], sandbox_mode=settings.sandbox,
                                        allowed_hosts=settings.okta_allowed_hosts)
    else:
        if not data.get("api_key"):
            if not data.get("token"):
                raise InputError("Missing required field: api_key")
            data["api_key"] = data["token"]
        if not data.get("base_url"):
            routed = sandbox_asana_base(request.app, [data["api_key"]])
            if routed:
                data["base_url"] = routed
    user = await request.app.state.connectors[connection_type].validate_token(data)
    return {"success": True, "valid": True, "connection_type": connection_type, "user": user.as_dict()}


@router.get("/api/sandbox", response_model=SandboxResponse)
async def sandbox(request: Request) -> dict[str, Any]:
    state = request.app.state
    tenants = {name: info for name, info in state.sandbox_descriptions.items()}
    return {"success": True, "sandbox": bool(state.settings.sandbox and tenants), "tenants": tenants}
