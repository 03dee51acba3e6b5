"""POST /api/okta/orgs|apps|users|groups: read an Okta org with a token (seed contract).

The org URL passes the same SSRF guard as job configs: an Okta domain (or an allowed custom domain),
or, in sandbox mode only, a loopback emulator URL.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from tenantsim.api.interactive import LISTING_DEADLINE_SECONDS, interactive
from tenantsim.connectors.okta.config import check_org_url
from tenantsim.errors import InputError

router = APIRouter(tags=["okta"])

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000


async def _read(request: Request, *, with_limit: bool) -> tuple[str, str, int]:
    try:
        body = await request.json()
    except ValueError:
        raise InputError("Request body must be JSON") from None
    if not isinstance(body, dict):
        raise InputError("Request body must be a JSON object")
    for field in ("token", "org_url"):
        value = body.get(field)
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"Missing required field: {field}")
    settings = request.app.state.settings
    org_url = check_org_url(body["org_url"], sandbox_mode=settings.sandbox,
                            allowed_hosts=settings.okta_allowed_hosts)
    limit = DEFAULT_LIMIT
    if with_limit and body.get("limit") is not None:
        raw = body["limit"]
        if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).strip().isdigit():
            raise InputError(f"Invalid value for limit: must be an integer from 1 to {MAX_LIMIT}")
        limit = int(raw)
        if not 1 <= limit <= MAX_LIMIT:
            raise InputError(f"Invalid value for limit: must be an integer from 1 to {MAX_LIMIT}")
    return body["token"].strip(), org_url, limit


@router.post("/api/okta/orgs")
async def okta_org(request: Request) -> dict[str, Any]:
    token, org_url, _ = await _read(request, with_limit=False)
    okta = request.app.state.connectors["okta"]
    org = await interactive(lambda: okta.org_info(token, org_url), org_url)
    return {"success": True, "org": org}


@router.post("/api/okta/apps")
async def okta_apps(request: Request) -> dict[str, Any]:
    token, org_url, limit = await _read(request, with_limit=True)
    okta = request.app.state.connectors["okta"]
    apps = await interactive(lambda: okta.list_apps(token, org_url, limit), org_url, LISTING_DEADLINE_SECONDS)
    return {"success": True, "apps": apps, "total": len(apps)}


@router.post("/api/okta/users")
async def okta_users(request: Request) -> dict[str, Any]:
    token, org_url, limit = await _read(request, with_limit=True)
    okta = request.app.state.connectors["okta"]
    users = await interactive(lambda: okta.list_users(token, org_url, limit), org_url,
                              LISTING_DEADLINE_SECONDS)
    return {"success": True, "users": users, "total": len(users)}


@router.post("/api/okta/groups")
async def okta_groups(request: Request) -> dict[str, Any]:
    token, org_url, limit = await _read(request, with_limit=True)
    okta = request.app.state.connectors["okta"]
    groups = await interactive(lambda: okta.list_groups(token, org_url, limit), org_url,
                               LISTING_DEADLINE_SECONDS)
    return {"success": True, "groups": groups, "total": len(groups)}
