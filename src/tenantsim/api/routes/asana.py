"""POST /api/workspaces: the Asana workspaces a token can see (seed contract)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from tenantsim.errors import InputError

router = APIRouter(tags=["asana"])


def sandbox_base_for(request: Request, token: str) -> str | None:
    """In sandbox mode, a token of the embedded Asana sandbox is routed to it without a base_url."""
    state = request.app.state
    base: str | None = getattr(state, "sandbox_asana_base_url", None)
    if not base or not state.settings.sandbox:
        return None
    described = (getattr(state, "sandbox_descriptions", None) or {}).get("asana") or {}
    tokens = {user.get("token") for user in described.get("users", [])}
    return base if token in tokens else None


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
    base_url = body.get("base_url") or sandbox_base_for(request, api_key.strip())
    connector = request.app.state.connectors["asana"]
    workspaces = await connector.list_workspaces(api_key.strip(), base_url=base_url)
    return {"success": True, "workspaces": workspaces}
