"""Request and response models: they document the API in /openapi.json. Checks with the seed's
messages happen in validation.py and each platform's ``connectors/<platform>/config.py``, so every
field here is optional and extra fields are kept.

Every operation documents the error envelope for each status the app can answer with
(``document_errors``), and FastAPI's 422 is dropped: validation failures are answered with 400.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tenantsim.secretbox import remember_all

if TYPE_CHECKING:
    from fastapi import FastAPI


class Envelope(BaseModel):
    success: bool


class ErrorResponse(BaseModel):
    """Every error: ``{"success": false, "error": "<clear message>"}``. A refused job start adds
    ``errors``: every problem of the request, each saying what would satisfy it."""

    success: Literal[False] = False
    error: str
    errors: list[str] | None = Field(default=None, description="POST /api/jobs/start (and clone): every "
                                     "problem of the request at once; the first is the one ``error`` names")


ERROR_STATUSES: dict[int, str] = {
    400: "Invalid request: a field is missing, malformed or out of bounds",
    401: "Unauthorized: the API key (Authorization: Bearer) is missing or wrong, or a platform token "
         "was refused",
    404: "Not found: no such job, route or platform object",
    405: "Method not allowed on this path",
    409: "Conflict: the job is not in a state that allows this action",
    413: "Request body too large (at most 1 MiB)",
    429: "A platform rate limit was reached; Retry-After says when to try again",
    500: "Internal server error",
    502: "The platform failed to answer properly",
}

# Shared by routers and routes: ``APIRouter(responses=ERROR_RESPONSES)``.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text} for status, text in ERROR_STATUSES.items()
}
_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


def document_errors(app: FastAPI) -> None:
    """Make /openapi.json list the error envelope for every status on every operation (routers other
    modules add included), and drop the 422 FastAPI documents by default but this app never sends."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        schemas.setdefault("ErrorResponse", ErrorResponse.model_json_schema())
        # With TENANTSIM_API_KEY set, requests carry it as a bearer token; without it, nothing ({}).
        components.setdefault("securitySchemes", {})["ApiKey"] = {
            "type": "http", "scheme": "bearer", "description": "TENANTSIM_API_KEY, when the server has one"}
        schema.setdefault("security", [{"ApiKey": []}, {}])
        ref = {"$ref": "#/components/schemas/ErrorResponse"}
        for item in schema.get("paths", {}).values():
            for method, operation in item.items():
                if method not in _HTTP_METHODS:
                    continue
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                for status, text in ERROR_STATUSES.items():
                    responses.setdefault(str(status), {
                        "description": text, "content": {"application/json": {"schema": ref}}})
        text = str(schema.get("paths"))
        for unused in ("HTTPValidationError", "ValidationError"):
            if unused not in text:
                schemas.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


class _RemembersSecrets(BaseModel):
    """Request bodies note their secrets as soon as they are parsed, so logs and errors can hide them."""

    @model_validator(mode="after")
    def _remember_secrets(self) -> Any:
        remember_all(self.model_dump())
        return self


class UserToken(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str | None = Field(default=None, max_length=200)
    token: str | None = Field(default=None, max_length=8192)  # an Entra delegated token is a 1-4 KB JWT
    org_url: str | None = Field(default=None, max_length=300)


class StartJobRequest(_RemembersSecrets):
    model_config = ConfigDict(extra="allow")
    connection_type: str | None = Field(default=None, max_length=40)
    template: str | None = Field(default=None, max_length=100)
    industry: str | None = Field(default=None, max_length=100)
    job_name: str | None = Field(default=None, max_length=200)
    workspace_gid: str | int | None = None
    org_url: str | None = Field(default=None, max_length=300)
    org_size: str | None = Field(default=None, max_length=40)
    initial_users: int | None = None
    initial_projects: int | None = None
    user_tokens: list[UserToken] | None = None
    # One company on several platforms: each entry a platform's connection_type, target and user_tokens.
    platforms: list[dict[str, Any]] | None = Field(default=None, max_length=10)
    anthropic_api_key: str | None = Field(default=None, max_length=500)
    content_provider: str | None = Field(default=None, max_length=40)
    activity_level: str | None = Field(default=None, max_length=40)
    working_hours: str | None = Field(default=None, max_length=40)
    timezone: str | None = Field(default=None, max_length=80)
    time_scale: float | None = None
    seed: int | None = None
    duration_days: float | None = None
    cleanup_after: str | float | None = None
    max_api_capacity: float | None = None
    base_url: str | None = Field(default=None, max_length=300)


class StartJobResponse(Envelope):
    job_id: str
    connection_type: str
    message: str


class ValidateTokenRequest(_RemembersSecrets):
    model_config = ConfigDict(extra="allow")
    connection_type: str | None = Field(default=None, max_length=40)
    api_key: str | None = Field(default=None, max_length=500)
    token: str | None = Field(default=None, max_length=8192)
    org_url: str | None = Field(default=None, max_length=300)
    base_url: str | None = Field(default=None, max_length=300)


class ValidatedUserModel(BaseModel):
    name: str
    email: str | None = None
    id: str


class ValidateTokenResponse(Envelope):
    valid: bool
    connection_type: str
    user: ValidatedUserModel


class HealthResponse(Envelope):
    status: str
    active_jobs: int
    connection_types_supported: list[str]
    version: str
    checks: dict[str, Any]


class JobListResponse(Envelope):
    jobs: list[dict[str, Any]]
    total: int


class ActivityLogResponse(Envelope):
    job_id: str
    activity_log: list[dict[str, Any]]
    next_before: int | None


class JobActionResponse(Envelope):
    job_id: str
    status: str
    message: str


class JobDetailResponse(Envelope):
    """GET /api/jobs/<id>: the job view, once, at the top level (like every other answer): the list's
    summary fields, ``config`` (the job's configuration, secrets masked), counts, progress, rate limits,
    cleanup result and the simulated clock."""

    model_config = ConfigDict(extra="allow")
    job_id: str
    status: str
    connection_type: str
    config: dict[str, Any]
    platforms: list[str] = Field(default_factory=list, description="The connection types the job's company "
                                 "lives on: its connection_type alone, or each entry of its platforms")
    sim_time: str | None = Field(default=None, description="The job's simulated clock (ISO 8601), null "
                                 "before it has one; advances with time_scale while the job runs")


class CleanupResponse(Envelope):
    """POST /api/jobs/<id>/cleanup: the platform's result fields (Asana: deleted_projects, ...; Okta:
    users_deleted, ...), or job_id/status/message when started with ``wait=false``."""

    model_config = ConfigDict(extra="allow")


class RealismMeasure(BaseModel):
    name: str = Field(description="What is measured, as a readable phrase")
    value: int | float = Field(description="The figure read back from the tenant")
    band: str = Field(description="Where a real company's figure falls: \"0.5–8\", \"≥ 0.9\", \"0\"")
    ok: bool = Field(description="Whether the value is inside the band")
    platform: str | None = Field(default=None, description="The tenant measured, in a job on several "
                                 "platforms")


class RealismResponse(Envelope):
    """GET /api/jobs/<id>/realism: the job's tenant measured through the platform's API."""

    measures: list[RealismMeasure]
    sampled_at: str = Field(description="When the tenant was read (ISO 8601)")


class PlatformsResponse(Envelope):
    """GET /api/platforms: each platform's label, mark, form fields and token form, in display order."""

    platforms: list[dict[str, Any]]
    default_connection_type: str


class SandboxResponse(Envelope):
    sandbox: bool
    tenants: dict[str, Any]
    form: dict[str, Any] = Field(default_factory=dict, description="connection_type -> the new-job form's "
                                 "values for that sandbox tenant: fields, select options, user_tokens")
