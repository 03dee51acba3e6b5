"""GET /api/platforms: the platforms this server offers and how the dashboard shows them.

Everything platform-specific the dashboard needs comes from here (each platform's ``PlatformSpec``):
its mark and label, the new-job form's fields, how tokens are asked for and checked. No secrets: the
sandbox tenants' values for the form (their tokens included) come with GET /api/sandbox.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tenantsim.api.schemas import ERROR_RESPONSES, PlatformsResponse
from tenantsim.connectors.registry import DEFAULT_CONNECTION_TYPE, in_display_order

router = APIRouter(prefix="/api", tags=["dashboard"], responses=ERROR_RESPONSES)


@router.get("/platforms", response_model=PlatformsResponse)
async def platforms() -> dict[str, Any]:
    """Identity platforms first (they create the company's people), then work platforms."""
    return {"success": True, "platforms": [spec.metadata() for spec in in_display_order()],
            "default_connection_type": DEFAULT_CONNECTION_TYPE}
