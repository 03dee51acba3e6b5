"""Microsoft 365's part of a job's configuration, its credential check and how the dashboard shows it.

A job acts through one app registration with application permissions (client credentials): its
``tenant_id``, ``client_id`` and either a ``client_secret`` or a certificate (``certificate_private_key``,
a PEM, with its SHA-1 ``certificate_thumbprint``). Both credentials are secrets (sealed at rest, masked in
every answer, scrubbed from every log line: ``secretbox`` treats ``*_secret`` and ``*_private_key`` fields
as such). ``domain`` is the tenant's verified domain every userPrincipalName is made in.

Teams channel messages cannot be posted with an application token outside migration, so optional
``user_tokens`` (``[{name, token}]``, delegated tokens of people in the tenant) let those people post
and reply in their team's channels; they are also the people the job works as in Planner.

The SSRF guard: ``api_base_url`` may only be Microsoft Graph (the token authority is then
login.microsoftonline.com); in sandbox mode also a loopback emulator (which is its own authority).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator

from tenantsim.connectors.spec import (
    MAX_INITIAL_USERS,
    ORG_SIZES,
    Choice,
    ConfigContext,
    FormField,
    PlatformSpec,
    TokenForm,
    check_choice,
    check_number,
    context_of,
    reports,
    validated,
)
from tenantsim.connectors.urlcheck import HOSTNAME, MAX_URL, has_userinfo, sandbox_loopback, split_url
from tenantsim.errors import InputError
from tenantsim.secretbox import remember

if TYPE_CHECKING:
    from tenantsim.connectors.base import Connector, ConnectorRuntime

MAX_KEY_TEXT = 20_000
MAX_SECRET = 500
GUID_HINT = "00000000-0000-0000-0000-000000000000"
GRAPH_URL = "https://graph.microsoft.com"
AUTHORITY_URL = "https://login.microsoftonline.com"
GRAPH_HOSTS = ("graph.microsoft.com",)
FIELDS = ("tenant_id", "client_id", "client_secret", "certificate_private_key", "certificate_thumbprint",
          "domain", "api_base_url", "org_size", "initial_users")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SANDBOX_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_THUMBPRINT = re.compile(r"^[0-9A-Fa-f]{40}$")


def check_api_base_url(url: Any, *, sandbox_mode: bool) -> str:
    """Microsoft Graph's origin, or a loopback emulator (path kept: it is mounted under /sandbox/m365)
    in sandbox mode."""
    if not isinstance(url, str) or not url.strip() or len(url) > MAX_URL:
        raise InputError(f"Invalid api_base_url: must be {GRAPH_URL}")
    url = url.strip()
    parts = split_url(url, "Invalid api_base_url: not a URL")
    loopback = sandbox_loopback(url, parts, "api_base_url", sandbox_mode=sandbox_mode)
    if loopback is not None:
        return loopback
    host = (parts.hostname or "").lower()
    if (parts.scheme != "https" or host not in GRAPH_HOSTS or has_userinfo(parts) or parts.port is not None
            or parts.path not in ("", "/") or parts.query or parts.fragment):
        raise InputError(f"Invalid api_base_url: only Microsoft Graph ({GRAPH_URL}) is allowed")
    return GRAPH_URL


def authority_for(api_base_url: str | None) -> str:
    """Where tokens are asked for: Microsoft's login host for Graph, the emulator itself in sandbox mode."""
    base = (api_base_url or GRAPH_URL).rstrip("/")
    return AUTHORITY_URL if base == GRAPH_URL else base


def check_id(field: str, value: Any, *, sandbox_mode: bool, domain_ok: bool = False) -> str:
    """A directory (tenant) or application (client) id: a GUID; a tenant may also be named by a domain
    (contoso.onmicrosoft.com); a sandbox's ids may be any short name."""
    text = value.strip() if isinstance(value, str) else ""
    if _GUID.match(text):
        return text.lower()
    if domain_ok and HOSTNAME.match(text.lower()):
        return text.lower()
    if sandbox_mode and _SANDBOX_ID.match(text):
        return text
    kind = "a GUID or a domain like contoso.onmicrosoft.com" if domain_ok else "a GUID"
    raise InputError(f"Invalid {field}: must be {kind}")


def check_domain(value: Any) -> str:
    if not isinstance(value, str) or not HOSTNAME.match(value.strip().lower()):
        raise InputError("Invalid domain: must be a verified domain name like contoso.com")
    return value.strip().lower()


def check_private_key(value: Any) -> str:
    """A PEM private key; messages never quote it."""
    if (not isinstance(value, str) or "PRIVATE KEY-----" not in value or len(value) > MAX_KEY_TEXT):
        raise InputError("Invalid certificate_private_key: must be the certificate's private key as a PEM "
                         "(-----BEGIN PRIVATE KEY-----)")
    remember(value)  # hidden from every log line and message from now on
    return value.strip() + "\n"


class M365JobConfig(BaseModel):
    """Microsoft 365's fields of a job, checked in this order (the first problem is reported)."""

    model_config = ConfigDict(extra="ignore")
    tenant_id: str
    client_id: str
    client_secret: str | None = None
    certificate_private_key: str | None = None
    certificate_thumbprint: str | None = None
    domain: str
    api_base_url: str | None = None
    org_size: Literal["startup", "midsize", "enterprise"] = "startup"
    initial_users: int | None = None

    @field_validator("tenant_id", mode="before")
    @classmethod
    @reports
    def _tenant(cls, value: Any, info: ValidationInfo) -> str:
        return check_id("tenant_id", value, sandbox_mode=context_of(info).sandbox_mode, domain_ok=True)

    @field_validator("client_id", mode="before")
    @classmethod
    @reports
    def _client(cls, value: Any, info: ValidationInfo) -> str:
        return check_id("client_id", value, sandbox_mode=context_of(info).sandbox_mode)

    @field_validator("client_secret", mode="before")
    @classmethod
    @reports
    def _secret(cls, value: Any) -> str | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str) or len(value) > MAX_SECRET or not value.strip():
            raise InputError("Invalid client_secret: must be the app registration's client secret value")
        remember(value)
        return value.strip()

    @field_validator("certificate_private_key", mode="before")
    @classmethod
    @reports
    def _key(cls, value: Any) -> str | None:
        return None if value is None or value == "" else check_private_key(value)

    @field_validator("certificate_thumbprint", mode="before")
    @classmethod
    @reports
    def _thumbprint(cls, value: Any) -> str | None:
        if value is None or value == "":
            return None
        text = value.replace(":", "").strip() if isinstance(value, str) else ""
        if not _THUMBPRINT.match(text):
            raise InputError("Invalid certificate_thumbprint: must be the certificate's SHA-1 thumbprint "
                             "(40 hexadecimal digits)")
        return text.upper()

    @field_validator("domain", mode="before")
    @classmethod
    @reports
    def _domain(cls, value: Any) -> str:
        return check_domain(value)

    @field_validator("api_base_url", mode="before")
    @classmethod
    @reports
    def _base(cls, value: Any, info: ValidationInfo) -> str | None:
        if value is None or value == "":
            return None
        return check_api_base_url(value, sandbox_mode=context_of(info).sandbox_mode)

    @field_validator("org_size", mode="before")
    @classmethod
    @reports
    def _size(cls, value: Any) -> Any:
        if value is None:
            return "startup"
        check_choice("org_size", value, ORG_SIZES)
        return value

    @field_validator("initial_users", mode="before")
    @classmethod
    @reports
    def _users(cls, value: Any) -> Any:
        check_number("initial_users", value, 1, MAX_INITIAL_USERS, integer=True)
        return value

    @model_validator(mode="after")
    def _credential(self, info: ValidationInfo) -> M365JobConfig:
        sandbox_mode = context_of(info).sandbox_mode
        if self.certificate_private_key and not self.certificate_thumbprint:
            raise _problem("Missing required field: certificate_thumbprint (with certificate_private_key)")
        if self.certificate_thumbprint and not self.certificate_private_key:
            raise _problem("Missing required field: certificate_private_key (with certificate_thumbprint)")
        own = bool(self.client_secret or self.certificate_private_key)
        if not own and not sandbox_mode:  # in sandbox mode, the sandbox's own secret is filled in
            raise _problem("Missing required field: client_secret, or certificate_private_key and "
                           "certificate_thumbprint")
        if own and self.api_base_url is None:  # a credential of one's own goes to Microsoft by default
            self.api_base_url = GRAPH_URL
        return self


def _problem(message: str) -> Exception:
    from pydantic_core import PydanticCustomError

    return PydanticCustomError("tenantsim_input", "{message}", {"message": message})


def validate(body: dict[str, Any], config: dict[str, Any], ctx: ConfigContext) -> dict[str, Any]:
    """The Microsoft 365 fields of ``config``, validated and normalised."""
    return validated(M365JobConfig, {name: body.get(name) for name in FIELDS}, ctx)


def token_request(data: dict[str, Any], ctx: ConfigContext) -> dict[str, Any]:
    """POST /api/validate_token for Microsoft 365: the app's credentials, and a delegated ``token`` when
    given (then that person is checked too)."""
    for name in ("tenant_id", "client_id", "domain"):
        if not data.get(name):
            raise InputError(f"Missing required field: {name}")
    return {**data, **validated(M365JobConfig, {name: data.get(name) for name in FIELDS}, ctx)}


def _fields() -> tuple[FormField, ...]:
    from tenantsim.scenario.founding import HEADCOUNTS

    sizes = tuple(Choice(size, size.title(),
                         f"about {HEADCOUNTS[size]:,} people" if size in HEADCOUNTS else "")
                  for size in ORG_SIZES)
    return (
        FormField("tenant_id", "Tenant ID", "text", "tenant", placeholder=GUID_HINT, noun="tenant ID",
                  help="The directory (tenant) id, or its onmicrosoft.com domain.", wide=True),
        FormField("domain", "Domain", "text", "tenant", placeholder="contoso.com",
                  help="A verified domain of the tenant: every userPrincipalName is made in it."),
        FormField("client_id", "Application (client) ID", "text", "tokens", placeholder=GUID_HINT,
                  noun="client ID", wide=True,
                  help="An app registration with User.ReadWrite.All, Group.ReadWrite.All, "
                       "Team.Create, Channel.Create and Tasks.ReadWrite.All application permissions."),
        FormField("client_secret", "Client secret", "text", "tokens", noun="client secret", wide=True,
                  help="The secret's value (or give certificate_private_key and certificate_thumbprint)."),
        FormField("api_base_url", "API base URL", "hidden", "tokens"),
        FormField("org_size", "Size", "choice", "company", choices=sizes, default="startup"),
        FormField("initial_users", "People to create", "number", "company", placeholder="by size",
                  help="Leave empty to follow the size.", unit="people", minimum=1,
                  maximum=MAX_INITIAL_USERS),
    )


def _job_of(description: dict[str, Any]) -> dict[str, Any]:
    job = description.get("job")
    return dict(job) if isinstance(job, dict) else {}


def _sandbox_fill(description: dict[str, Any]) -> dict[str, Any]:
    job = _job_of(description)
    fields = {name: str(job.get(name) or "") for name in ("tenant_id", "client_id", "client_secret", "domain",
                                                          "api_base_url")}
    tokens = [{"name": str(t.get("name") or ""), "token": str(t.get("token") or "")}
              for t in job.get("user_tokens") or [] if isinstance(t, dict) and t.get("token")]
    return {"fields": fields, "user_tokens": tokens}


def _sandbox_route(description: dict[str, Any], tokens: Sequence[str]) -> dict[str, Any]:
    """A job without a credential of its own (sandbox mode only) gets the sandbox's secret and address.
    A job with one has its api_base_url set by ``validate``, so it is never sent to the sandbox by default."""
    job = _job_of(description)
    return {name: str(job[name]) for name in ("client_secret", "api_base_url") if job.get(name)}


def _connector(runtime: ConnectorRuntime) -> Connector:
    from tenantsim.connectors.microsoft365.connector import M365Connector

    return M365Connector(runtime)


PLATFORM = PlatformSpec(
    connection_type="microsoft365", label="Microsoft 365", mark="M", color="#0078d4",
    css_class="pm-m365", description="People, managers, groups, Teams channels, Planner plans and tasks",
    role="identity", tenant_noun="Microsoft 365 tenant",
    builds="people, groups, teams and Planner plans",
    tenant_field="tenant_id", tenant_missing="no tenant ID yet",
    tokens=TokenForm(label="Delegated user tokens (optional)",
                     help="The app acts for the tenant; a person's delegated token (ChannelMessage.Send, "
                          "Tasks.ReadWrite) lets them post in Teams channels and work in Planner as "
                          "themselves. Without any, channel messages are skipped.",
                     name_prefix="person", placeholder="eyJ0eXAiOiJKV1Qi…"),
    fields=_fields,
    required=("industry", "tenant_id", "client_id", "domain", "anthropic_api_key"),
    config_fields=FIELDS,
    long_fields=("certificate_private_key",),
    hints={"tenant_id": " (the directory id of the tenant, a GUID)",
           "client_id": " (the application id of an app registration with Graph application permissions)",
           "domain": " (a verified domain of the tenant, like contoso.com)"},
    missing_prefix="Missing required field", token_fields=(), destination=("tenant_id", "api_base_url"),
    validate=validate, token_request=token_request, connector=_connector,
    size_fields=("initial_users", "org_size"), sandbox_fill=_sandbox_fill, sandbox_route=_sandbox_route,
    sandbox_name="m365", job_credentials=("client_secret", "certificate_private_key"),
)
