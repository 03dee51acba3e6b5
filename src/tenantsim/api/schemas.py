"""Request and response models: they document the API in /openapi.json. Checks with the seed's
messages happen in validation.py, so every field here is optional and extra fields are kept."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Envelope(BaseModel):
    success: bool


class ErrorResponse(BaseModel):
    success: bool = False
    error: str


class UserToken(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str | None = Field(default=None, max_length=200)
    token: str | None = Field(default=None, max_length=500)
    org_url: str | None = Field(default=None, max_length=300)


class StartJobRequest(BaseModel):
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


class ValidateTokenRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    connection_type: str | None = Field(default=None, max_length=40)
    api_key: str | None = Field(default=None, max_length=500)
    token: str | None = Field(default=None, max_length=500)
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
