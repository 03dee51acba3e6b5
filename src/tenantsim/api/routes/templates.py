"""GET /api/templates: the named job presets a start request may name with ``template``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from tenantsim.errors import InputError, NotFoundError
from tenantsim.templating import TemplateStore

router = APIRouter(prefix="/api/templates", tags=["templates"])


@router.get("")
async def list_templates(request: Request) -> dict[str, Any]:
    store: TemplateStore = request.app.state.templates
    return {"success": True, "templates": [t.as_dict() for t in store.all()]}


@router.get("/{name}")
async def show_template(request: Request, name: str) -> dict[str, Any]:
    store: TemplateStore = request.app.state.templates
    try:
        template = store.get(name)
    except InputError as exc:
        raise NotFoundError(exc.message) from None
    return {"success": True, "template": template.as_dict()}
