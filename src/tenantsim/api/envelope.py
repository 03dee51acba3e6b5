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
    InputProblems,
    NotFoundOnPlatform,
    PlatformError,
    RateLimited,
)
from tenantsim.secretbox import scrub

log = logging.getLogger("tenantsim.api")
START_PATH = "/api/jobs/start"


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    """The one error shape. The message passes through ``scrub``: a secret never leaves in an error.
    ``errors`` (every problem of the request, when there are several things to say) is scrubbed too."""
    message = scrub(message)
    if "errors" in extra:
        extra["errors"] = [scrub(str(item)) for item in extra["errors"]]
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


def _describe(item: Any) -> str:
    kind = item.get("type", "")
    field = _field_of(tuple(item.get("loc", ())))
    if kind == "json_invalid":
        return "Malformed JSON in request body"
    if kind == "missing":
        return "Request body must be a JSON object" if field == "body" else f"Missing required field: {field}"
    if kind in ("model_attributes_type", "dict_type") and field == "body":
        return "Request body must be a JSON object"
    return f"Invalid value for {field}: {item.get('msg', 'invalid')}"


def describe_validation(exc: RequestValidationError) -> str:
    errors = exc.errors()
    return _describe(errors[0]) if errors else "Invalid request"


def describe_all(exc: RequestValidationError) -> list[str]:
    """Every problem the request model found, each once."""
    return list(dict.fromkeys(_describe(item) for item in exc.errors())) or ["Invalid request"]


def problem_fields(exc: RequestValidationError) -> set[str]:
    """The top-level body fields the request model refused."""
    return {str(loc[1]) for loc in (tuple(item.get("loc", ())) for item in exc.errors())
            if len(loc) > 1 and loc[0] == "body"}


def install(app: FastAPI) -> None:
    document_errors(app)

    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> JSONResponse:
        if isinstance(exc, InputProblems):
            return error(exc.status_code, exc.message, errors=exc.details)
        return error(exc.status_code, exc.message)

    @app.exception_handler(PlatformError)
    async def _platform(_: Request, exc: PlatformError) -> JSONResponse:
        status = platform_status(exc)
        if isinstance(exc, RateLimited):
            return error(status, exc.message, retry_after=max(1, exc.retry_after))
        return error(status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        message = describe_validation(exc)
        body = getattr(exc, "body", None)
        if request.url.path == START_PATH and request.method == "POST" and isinstance(body, dict):
            # A start request reports every problem at once: the request model's, then the rest of
            # the start checks on the fields the model did not refuse.
            from tenantsim.api.starting import start_problems

            refused = problem_fields(exc)
            rest = start_problems(request.app, {k: v for k, v in body.items() if k not in refused}, refused)
            return error(400, message, errors=[*describe_all(exc), *rest])
        return error(400, message)

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
