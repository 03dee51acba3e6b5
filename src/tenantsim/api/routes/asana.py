"""POST /api/workspaces: the Asana workspaces a token can see (seed contract)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from tenantsim.api.interactive import interactive
from tenantsim.api.starting import sandbox_route
from tenantsim.errors import InputError

router = APIRouter(tags=["asana"])


@router.post("/api/workspaces")
async def list_workspaces(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise InputError("Request body must be JSON") from None
    if not isinstance(body, dict):
        raise InputError("Request body must be a JSON object")
    api_key = body.get("api_key") or body.get("token")
    if not isinstance(api_key, str) or not api_key.strip():
        raise InputError("Missing required field: api_key")
    base_url = body.get("base_url") or sandbox_route(request.app, "asana", [api_key.strip()]).get("base_url")
    connector = request.app.state.connectors["asana"]
    workspaces = await interactive(lambda: connector.list_workspaces(api_key.strip(), base_url=base_url),
                                   str(base_url or "Asana"))
    return {"success": True, "workspaces": workspaces}
