"""POST /api/jobs/<id>/generate-now and POST /api/jobs/<id>/clone."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Body, Request

from tenantsim.api.starting import prepare_job, started_message
from tenantsim.api.validation import known_fields
from tenantsim.connectors.registry import PLATFORMS
from tenantsim.errors import InputError
from tenantsim.jobs.manager import JobManager
from tenantsim.jobs.platforms import connection_types
from tenantsim.store import company_repo

router = APIRouter(prefix="/api/jobs", tags=["jobs"])

# Not carried over to a clone: the clone gets its own seed (same seed = same logins = collisions in a
# shared tenant) and its own name, unless the overrides say otherwise.
NOT_CLONED = ("seed",)
# Fields that say where the tokens are sent: the platform, and each platform's own (Okta's org_url, ...).
TENANT_FIELDS = ("connection_type",
                 *dict.fromkeys(name for spec in PLATFORMS.values() for name in spec.destination))


def _manager(request: Request) -> JobManager:
    manager: JobManager = request.app.state.manager
    return manager


@router.post("/{job_id}/generate-now")
async def generate_now(request: Request, job_id: str) -> dict[str, Any]:
    """One event now, instead of waiting for the activity model's next one."""
    row = await _manager(request).generate_now(job_id)
    return {"success": True, "job_id": job_id, "status": row["status"],
            "message": f"Job {job_id} will generate one event now"}


def clone_config(config: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """The source job's configuration with ``overrides`` on top; a null override removes the field.

    Fields a start request no longer accepts (stored by an older version) are left behind; unknown
    fields in ``overrides`` are refused by the start checks like any request's."""
    several = overrides.get("platforms") if "platforms" in overrides else config.get("platforms")
    try:
        if isinstance(several, list):  # one company on several platforms: the shared fields only
            kinds = [e.get("connection_type") for e in several if isinstance(e, dict)]
            known = {f for kind in kinds for f in known_fields(kind)} - set(TENANT_FIELDS) - {"user_tokens"}
            known.add("platforms")
        else:
            known = set(known_fields(overrides.get("connection_type") or config.get("connection_type")))
    except InputError:
        known = set(config)  # an unsupported connection type: the start checks say so
    base = {k: v for k, v in config.items() if not k.startswith("_") and k not in NOT_CLONED and k in known}
    if "job_name" not in overrides and base.get("job_name"):
        base["job_name"] = f"{base['job_name']} (copy)"[:200]
    for key, value in overrides.items():
        if value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return base


@router.post("/{job_id}/clone")
async def clone_job(request: Request, job_id: str,
                    overrides: dict[str, Any] | None = Body(default=None)) -> dict[str, Any]:
    """A new job with the same configuration (tokens included) and the given changes."""
    if overrides is not None and not isinstance(overrides, dict):
        raise InputError("Request body must be a JSON object of overrides")
    manager = _manager(request)
    source = await asyncio.to_thread(manager.get, job_id)
    full = manager.full_config(source)
    given = overrides or {}
    moved = [k for k in TENANT_FIELDS if k in given and given[k] != full.get(k)]
    target = PLATFORMS.get(str(given.get("connection_type") or full.get("connection_type")))
    own = ("user_tokens", *(target.job_credentials if target else ()))
    if moved and not any(k in given for k in own):
        # Stored credentials only ever go to the tenant they were given for: a clone aimed elsewhere
        # would hand them to whoever runs that tenant.
        raise InputError(f"A clone that changes {', '.join(moved)} needs its own {' or '.join(own)}")
    config = clone_config(full, overrides or {})
    prepared = await prepare_job(request.app, config)
    # On other platforms the clone plays the same company: its people, roles and history so far.
    moves_platform = connection_types(prepared) != connection_types(full)
    company = await asyncio.to_thread(company_repo.load, manager.engine, job_id) if moves_platform else None
    row = await manager.create_job(prepared, company)
    return {"success": True, "job_id": row["id"], "connection_type": row["connection_type"],
            "cloned_from": job_id,
            "message": f"{started_message(row['connection_type'], row['id'])} (clone of {job_id})"}
