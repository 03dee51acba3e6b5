"""GET /metrics: Prometheus exposition of this server's own registry (see tenantsim.metrics)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tenantsim.metrics import Metrics

router = APIRouter(tags=["metrics"])


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    registry: Metrics = request.app.state.metrics
    body, content_type = await registry.render(request.headers.get("accept"))
    return Response(content=body, media_type=content_type)
