"""/api/jobs: start, list, show, pause, resume, stop, cleanup, delete, activity log, realism."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from tenantsim.api import views
from tenantsim.api.schemas import (
    ERROR_RESPONSES,
    ActivityLogResponse,
    CleanupResponse,
    JobActionResponse,
    JobDetailResponse,
    JobListResponse,
    RealismResponse,
    StartJobRequest,
    StartJobResponse,
)
from tenantsim.api.starting import prepare_job, started_message
from tenantsim.errors import InputError
from tenantsim.jobs.manager import JobManager
from tenantsim.jobs.models import JobStatus
from tenantsim.store import activity_repo, jobs_repo
from tenantsim.store.types import utcnow

router = APIRouter(prefix="/api/jobs", tags=["jobs"], responses=ERROR_RESPONSES)
STATUSES = tuple(status.value for status in JobStatus)


def _manager(request: Request) -> JobManager:
    manager: JobManager = request.app.state.manager
    return manager


@router.post("/start", response_model=StartJobResponse)
async def start_job(request: Request, body: StartJobRequest) -> dict[str, Any]:
    config = await prepare_job(request.app, body.model_dump(exclude_unset=True))
    row = await _manager(request).create_job(config)
    return {"success": True, "job_id": row["id"], "connection_type": row["connection_type"],
            "message": started_message(row["connection_type"], row["id"])}


@router.get("", response_model=JobListResponse)
async def list_jobs(request: Request, status: str | None = Query(default=None, max_length=40),
                    limit: int = Query(default=200, ge=1, le=1000),
                    offset: int = Query(default=0, ge=0, le=10_000_000)) -> Response:
    engine = _manager(request).engine
    statuses = [s.strip() for s in status.split(",") if s.strip()] if status else None
    unknown = [s for s in statuses or [] if s not in STATUSES]
    if unknown:
        raise InputError(f"Invalid status: {', '.join(unknown)}. Valid statuses: {', '.join(STATUSES)}")

    def read() -> bytes:
        # Only the columns a summary shows (no config, no sealed secrets), serialised in the thread:
        # the list is the dashboard's most frequent request.
        rows = jobs_repo.list_jobs(engine, statuses=statuses, limit=limit, offset=offset,
                                   columns=views.SUMMARY_COLUMNS)
        total = jobs_repo.count_jobs(engine, statuses=statuses)
        payload = {"success": True, "jobs": [views.summary(r) for r in rows], "total": total}
        return json.dumps(payload, separators=(",", ":")).encode()

    return Response(await asyncio.to_thread(read), media_type="application/json")


@router.get("/{job_id}", response_model=JobDetailResponse)
async def get_job(request: Request, job_id: str) -> dict[str, Any]:
    if job_id == "start":  # GET on the start action, not a job called "start"
        raise StarletteHTTPException(405)
    manager = _manager(request)
    row = await asyncio.to_thread(manager.get, job_id)
    view = await asyncio.to_thread(views.detail, row, manager.engine, manager.live_http_stats(job_id))
    return {"success": True, **view}


def _action(row: dict[str, Any], message: str) -> dict[str, Any]:
    return {"success": True, "job_id": row["id"], "status": row["status"], "message": message}


@router.post("/{job_id}/pause", response_model=JobActionResponse)
async def pause_job(request: Request, job_id: str) -> dict[str, Any]:
    return _action(await _manager(request).pause(job_id), f"Job {job_id} paused")


@router.post("/{job_id}/resume", response_model=JobActionResponse)
async def resume_job(request: Request, job_id: str) -> dict[str, Any]:
    return _action(await _manager(request).resume(job_id), f"Job {job_id} resumed")


@router.post("/{job_id}/stop", response_model=JobActionResponse)
async def stop_job(request: Request, job_id: str) -> dict[str, Any]:
    return _action(await _manager(request).stop(job_id), f"Job {job_id} stopped")


@router.post("/{job_id}/cleanup", response_model=CleanupResponse)
async def cleanup_job(request: Request, job_id: str,
                      wait: bool = Query(default=True)) -> dict[str, Any]:
    manager = _manager(request)
    result = await manager.cleanup(job_id, wait=wait)
    if not wait:
        return {"success": True, "job_id": job_id, "status": "cleaning",
                "message": f"Cleanup of {job_id} started"}
    return {"success": True, **result}


@router.delete("/{job_id}/delete", response_model=JobActionResponse)
async def delete_job(request: Request, job_id: str) -> dict[str, Any]:
    return _action(await _manager(request).delete(job_id), f"Job {job_id} deleted")


@router.get("/{job_id}/activity_log", response_model=ActivityLogResponse)
async def activity_log(request: Request, job_id: str, limit: int = Query(default=50, ge=1, le=1000),
                       before: int | None = Query(default=None, ge=0, le=2**62)) -> dict[str, Any]:
    manager = _manager(request)
    await asyncio.to_thread(manager.get, job_id)  # 404 for an unknown job
    entries = await asyncio.to_thread(activity_repo.page, manager.engine, job_id, limit=limit, before=before)
    next_before = entries[-1]["id"] if len(entries) == limit else None
    return {"success": True, "job_id": job_id, "activity_log": entries, "next_before": next_before}


@router.get("/{job_id}/realism", response_model=RealismResponse, response_model_exclude_none=True)
async def realism(request: Request, job_id: str) -> dict[str, Any]:
    """How real the job's tenant looks, read back through the platform's API (it calls the platform)."""
    measures = await _manager(request).realism(job_id)
    return {"success": True, "measures": measures, "sampled_at": utcnow().isoformat()}
