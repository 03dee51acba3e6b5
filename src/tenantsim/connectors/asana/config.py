"""Asana's part of a job's configuration, its token checks and how the dashboard shows it.

Asana's base URL is fixed; only a sandbox-mode server may point a job at a loopback Asana.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from tenantsim.connectors.spec import (
    ConfigContext,
    FormField,
    PlatformSpec,
    TokenForm,
    check_number,
    context_of,
    reports,
    validated,
)
from tenantsim.connectors.urlcheck import MAX_URL, loopback_url
from tenantsim.errors import InputError

if TYPE_CHECKING:
    from tenantsim.connectors.base import Connector, ConnectorRuntime

MAX_INITIAL_PROJECTS = 200
_BASE_URL_REFUSED = "base_url is only accepted in sandbox mode, for a loopback Asana"


def check_asana_base_url(url: Any, *, sandbox_mode: bool) -> str:
    """A loopback http(s) URL without credentials, in sandbox mode only; normalised without a trailing
    slash."""
    if not sandbox_mode or not isinstance(url, str) or len(url) > MAX_URL:
        raise InputError(_BASE_URL_REFUSED)
    routed = loopback_url(url, _BASE_URL_REFUSED)
    if routed is None:
        raise InputError(_BASE_URL_REFUSED)
    return routed


class AsanaJobConfig(BaseModel):
    """Asana's fields of a job, checked in this order (the first problem is the one reported).

    Validators raise ``InputError`` with the seed's messages; ``reports`` hands them to pydantic, so
    every field's problem is reported.
    """

    model_config = ConfigDict(extra="ignore")
    initial_projects: int | None = None
    workspace_gid: str
    base_url: str | None = None

    @field_validator("initial_projects", mode="before")
    @classmethod
    @reports
    def _projects(cls, value: Any) -> Any:
        check_number("initial_projects", value, 1, MAX_INITIAL_PROJECTS, integer=True)
        return value

    @field_validator("workspace_gid", mode="before")
    @classmethod
    @reports
    def _workspace(cls, value: Any) -> str:
        if not isinstance(value, str | int):
            raise InputError("Invalid value for workspace_gid: must be a string")
        return str(value)

    @field_validator("base_url", mode="before")
    @classmethod
    @reports
    def _base_url(cls, value: Any, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        return check_asana_base_url(value, sandbox_mode=context_of(info).sandbox_mode)


def validate(body: dict[str, Any], config: dict[str, Any], ctx: ConfigContext) -> dict[str, Any]:
    """The Asana fields of ``config`` (``body`` after the shared checks), validated and normalised."""
    data = {"initial_projects": body.get("initial_projects"), "workspace_gid": body.get("workspace_gid"),
            "base_url": body.get("base_url")}
    return validated(AsanaJobConfig, data, ctx)


def token_request(data: dict[str, Any], ctx: ConfigContext) -> dict[str, Any]:
    """POST /api/validate_token for Asana: ``api_key`` (or ``token``); the connector guards base_url."""
    if not data.get("api_key"):
        if not data.get("token"):
            raise InputError("Missing required field: api_key")
        data = {**data, "api_key": data["token"]}
    return data


def _sandbox_tokens(description: dict[str, Any]) -> set[str]:
    return {str(user.get("token")) for user in description.get("users") or [] if user.get("token")}


def _sandbox_route(description: dict[str, Any], tokens: Sequence[str]) -> dict[str, str]:
    """Tokens of the embedded Asana sandbox go to it without an explicit base_url."""
    base = description.get("base_url")
    known = _sandbox_tokens(description)
    return {"base_url": str(base)} if base and any(token in known for token in tokens) else {}


def _sandbox_fill(description: dict[str, Any]) -> dict[str, Any]:
    workspaces = list(description.get("workspaces") or [])[:1]
    users = [u for u in description.get("users") or [] if u.get("token")][:3]
    return {"fields": {"base_url": description.get("base_url", "")},
            "options": {"workspace_gid": [{"value": w["gid"], "label": w["name"]} for w in workspaces]},
            "user_tokens": [{"name": str(u.get("name") or "user").split(" ")[0].lower(), "token": u["token"]}
                            for u in users]}


FIELDS = (
    FormField("workspace_gid", "Workspace", "select", "tokens", empty="Enter a valid token first",
              lookup={"kind": "options", "path": "/api/workspaces", "id": "workspace-check",
                      "items": "workspaces", "value": "gid", "label": "name", "noun": "workspace",
                      "none": "No workspaces for this token"}),
    FormField("base_url", "Base URL", "hidden", "tokens", with_token="optional"),
    FormField("initial_projects", "Projects to start with", "number", "company", placeholder="default",
              unit="projects to start", minimum=1, maximum=MAX_INITIAL_PROJECTS),
)


def _connector(runtime: ConnectorRuntime) -> Connector:
    from tenantsim.connectors.asana.connector import AsanaConnector

    return AsanaConnector(runtime)


PLATFORM = PlatformSpec(
    connection_type="asana", label="Asana", mark="A", color="#e8615a", css_class="pm-asana",
    description="Projects, tasks, subtasks, comments, status updates",
    role="work", tenant_noun="Asana workspace", builds="people, projects and tasks",
    tenant_field="workspace_gid", tenant_missing="no workspace yet",
    tokens=TokenForm(label="Personal access tokens",
                     help="Each token is one person in the workspace; more tokens make conversations "
                          "between people.",
                     name_prefix="user", placeholder="1/1234…"),
    fields=lambda: FIELDS,
    required=("industry", "workspace_gid", "user_tokens", "anthropic_api_key"),
    config_fields=("workspace_gid", "initial_projects", "base_url"),
    hints={"workspace_gid": " (the workspace's gid: POST /api/workspaces lists the ones a token sees)",
           "user_tokens": ' (a list of {"name", "token"} objects: personal access tokens of the workspace\'s '
                          "people)"},
    missing_prefix="Missing required field", token_fields=(), destination=("base_url",),
    validate=validate, token_request=token_request, connector=_connector,
    size_fields=("initial_projects",), size_default="default number of projects",
    sandbox_fill=_sandbox_fill, sandbox_route=_sandbox_route,
)
