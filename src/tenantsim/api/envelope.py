"""Every error is {"success": false, "error": "<clear message>"} with the right status."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tenantsim.api.schemas import document_errors
from tenantsim.errors import (
    AuthError,
    InputError,
    NotFoundOnPlatform,
    PlatformError,
    RateLimited,
)
from tenantsim.secretbox import scrub

log = logging.getLogger("tenantsim.api")


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    """The one error shape. The message passes through ``scrub``: a secret never leaves in an error."""
    message = scrub(message)
    headers = {"Retry-After": str(int(extra.pop("retry_after")))} if "retry_after" in extra else None
    return JSONResponse({"success": False, "error": message, **extra}, status_code=status, headers=headers)


def platform_status(exc: PlatformError) -> int:
    if isinstance(exc, AuthError):
        return 401
    if isinstance(exc, NotFoundOnPlatform):
        return 404
    if isinstance(exc, RateLimited):
        return 429
    if 400 <= exc.status < 500:
        return 400
    return 502  # the platform failed, not us


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def describe_validation(exc: RequestValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "Invalid request"
    first = errors[0]
    kind = first.get("type", "")
    field = _field_of(tuple(first.get("loc", ())))
    if kind == "json_invalid":
        return "Malformed JSON in request body"
    if kind == "missing":
        return "Request body must be a JSON object" if field == "body" else f"Missing required field: {field}"
    if kind in ("model_attributes_type", "dict_type") and field == "body":
        return "Request body must be a JSON object"
    return f"Invalid value for {field}: {first.get('msg', 'invalid')}"


def install(app: FastAPI) -> None:
    document_errors(app)

    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> JSONResponse:
        return error(exc.status_code, exc.message)

    @app.exception_handler(PlatformError)
    async def _platform(_: Request, exc: PlatformError) -> JSONResponse:
        status = platform_status(exc)
        if isinstance(exc, RateLimited):
            return error(status, exc.message, retry_after=max(1, exc.retry_after))
        return error(status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error(400, describe_validation(exc))

    @app.exception_handler(json.JSONDecodeError)
    async def _json(_: Request, __: json.JSONDecodeError) -> JSONResponse:
        return error(400, "Malformed JSON in request body")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            detail = exc.detail if exc.detail not in (None, "Not Found") else None
            message = detail or f"Not found: {request.url.path}"
            return error(404, str(message))
        if exc.status_code == 405:
            return error(405, f"Method not allowed: {request.method} {request.url.path}")
        return error(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The server re-raises after this, so uvicorn logs the traceback (through the redacting formatter).
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return error(500, "Internal server error")
