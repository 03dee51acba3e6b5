"""Google Workspace's part of a job's configuration, its credential check and how the dashboard shows it.

A job acts through one service account with domain-wide delegation: its JSON key
(``service_account_key``, an object or the key file's text) and the admin it impersonates
(``admin_email``). The key is always stored as an object, so its ``private_key`` is a secret like every
other (sealed at rest, masked in every answer, scrubbed from every log line: ``secretbox``); the rest of
the file (the account's email, project, key id) names the account, like an org URL, and is shown.

The SSRF guard: the key's ``token_uri`` and ``api_base_url`` may only name Google's own endpoints; in
sandbox mode also a loopback emulator (path included, since it is mounted under /sandbox/google).
"""

from __future__ import annotations

import json
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
DIRECTORY_URL = "https://admin.googleapis.com"
CALENDAR_URL = "https://www.googleapis.com"
TOKEN_URL = "https://oauth2.googleapis.com/token"
API_HOSTS = ("admin.googleapis.com", "www.googleapis.com")
TOKEN_URLS = (TOKEN_URL, "https://accounts.google.com/o/oauth2/token", "https://www.googleapis.com/oauth2/v4/token")
KEY_FIELDS = ("type", "project_id", "private_key_id", "private_key", "client_email", "client_id", "token_uri")
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)$")
_CUSTOMER = re.compile(r"^(my_customer|C[0-9A-Za-z]{4,20})$")
_BAD_KEY = ("Invalid service_account_key: must be a service account's JSON key (type \"service_account\", "
            "client_email, private_key)")


def _loopback(url: str, field: str, sandbox_mode: bool) -> str | None:
    """A loopback URL, kept whole, when sandbox mode allows it; None when the URL is not one."""
    parts = split_url(url, f"Invalid {field}: not a URL")
    return sandbox_loopback(url, parts, field, sandbox_mode=sandbox_mode)


def check_api_base_url(url: Any, *, sandbox_mode: bool) -> str:
    """Google's API origin (admin.googleapis.com or www.googleapis.com), or a loopback emulator in
    sandbox mode."""
    if not isinstance(url, str) or not url.strip() or len(url) > MAX_URL:
        raise InputError(f"Invalid api_base_url: must be {DIRECTORY_URL}")
    url = url.strip()
    loopback = _loopback(url, "api_base_url", sandbox_mode)
    if loopback is not None:
        return loopback
    parts = split_url(url, "Invalid api_base_url: not a URL")
    host = (parts.hostname or "").lower()
    if (parts.scheme != "https" or host not in API_HOSTS or has_userinfo(parts) or parts.port is not None
            or parts.path not in ("", "/") or parts.query or parts.fragment):
        raise InputError(f"Invalid api_base_url: only Google's API ({DIRECTORY_URL}) is allowed")
    return f"https://{host}"


def check_token_uri(url: Any, *, sandbox_mode: bool) -> str:
    if url is None:
        return TOKEN_URL
    if not isinstance(url, str) or len(url) > MAX_URL:
        raise InputError("Invalid service_account_key: token_uri must be Google's token endpoint")
    loopback = _loopback(url.strip(), "service_account_key.token_uri", sandbox_mode)
    if loopback is not None:
        return loopback
    if url.strip() not in TOKEN_URLS:
        raise InputError("Invalid service_account_key: token_uri must be Google's token endpoint "
                         f"({TOKEN_URL})")
    return url.strip()


def parse_key(value: Any, *, sandbox_mode: bool) -> dict[str, str]:
    """The key as an object with the fields the OAuth flow needs. Messages never quote the key."""
    if isinstance(value, str):
        if len(value) > MAX_KEY_TEXT:
            raise InputError(_BAD_KEY)
        try:
            value = json.loads(value)
        except ValueError:
            raise InputError(_BAD_KEY) from None
    if not isinstance(value, dict):
        raise InputError(_BAD_KEY)
    if value.get("type", "service_account") != "service_account":
        raise InputError(_BAD_KEY)
    email, private = value.get("client_email"), value.get("private_key")
    if not isinstance(email, str) or not _EMAIL.match(email):
        raise InputError(_BAD_KEY)
    if not isinstance(private, str) or "PRIVATE KEY-----" not in private or len(private) > MAX_KEY_TEXT:
        raise InputError(_BAD_KEY)
    remember(private)  # hidden from every log line and message from now on, whatever form it came in
    key = {name: str(value[name]) for name in KEY_FIELDS if isinstance(value.get(name), str | int)}
    key["type"] = "service_account"
    key["token_uri"] = check_token_uri(value.get("token_uri"), sandbox_mode=sandbox_mode)
    return key


def check_email(field: str, value: Any) -> str:
    if not isinstance(value, str) or not _EMAIL.match(value.strip()):
        raise InputError(f"Invalid {field}: must be an email address like admin@example.com")
    return value.strip().lower()


def check_domain(value: Any) -> str:
    if not isinstance(value, str) or not HOSTNAME.match(value.strip().lower()):
        raise InputError("Invalid domain: must be a domain name like example.com")
    return value.strip().lower()


class GoogleJobConfig(BaseModel):
    """Google Workspace's fields of a job, checked in this order (the first problem is reported)."""

    model_config = ConfigDict(extra="ignore")
    admin_email: str
    customer: str = "my_customer"
    domain: str | None = None
    service_account_key: dict[str, str] | None = None
    api_base_url: str | None = None
    org_size: Literal["startup", "midsize", "enterprise"] = "startup"
    initial_users: int | None = None

    @field_validator("admin_email", mode="before")
    @classmethod
    @reports
    def _admin(cls, value: Any) -> str:
        return check_email("admin_email", value)

    @field_validator("customer", mode="before")
    @classmethod
    @reports
    def _customer(cls, value: Any) -> str:
        if value is None:
            return "my_customer"
        if not isinstance(value, str) or not _CUSTOMER.match(value.strip()):
            raise InputError("Invalid customer: must be my_customer or a customer id like C01abc23d")
        return value.strip()

    @field_validator("domain", mode="before")
    @classmethod
    @reports
    def _domain(cls, value: Any) -> str | None:
        return None if value is None else check_domain(value)

    @field_validator("service_account_key", mode="before")
    @classmethod
    @reports
    def _key(cls, value: Any, info: ValidationInfo) -> dict[str, str] | None:
        sandbox_mode = context_of(info).sandbox_mode
        if value is None or value == "" or value == {}:
            if sandbox_mode:  # the embedded sandbox's own key is filled in (sandbox_route)
                return None
            raise InputError("Missing required field: service_account_key")
        return parse_key(value, sandbox_mode=sandbox_mode)

    @field_validator("api_base_url", mode="before")
    @classmethod
    @reports
    def _base(cls, value: Any, info: ValidationInfo) -> str | None:
        if value is None:
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
    def _defaults(self) -> GoogleJobConfig:
        if self.domain is None and "@" in self.admin_email:
            self.domain = self.admin_email.rsplit("@", 1)[1]
        # A key of one's own goes to Google unless told otherwise; without one (sandbox mode) the
        # sandbox's key and address are filled in together.
        if self.service_account_key is not None and self.api_base_url is None:
            self.api_base_url = DIRECTORY_URL
        return self


def validate(body: dict[str, Any], config: dict[str, Any], ctx: ConfigContext) -> dict[str, Any]:
    """The Google Workspace fields of ``config``, validated and normalised (the key as an object)."""
    data = {name: body.get(name) for name in ("admin_email", "customer", "domain", "service_account_key",
                                             "api_base_url", "org_size", "initial_users")}
    return validated(GoogleJobConfig, data, ctx)


def token_request(data: dict[str, Any], ctx: ConfigContext) -> dict[str, Any]:
    """POST /api/validate_token for Google Workspace: the service account key and the admin it acts as."""
    if not data.get("admin_email"):
        raise InputError("Missing required field: admin_email")
    if not data.get("service_account_key") and not ctx.sandbox_mode:
        raise InputError("Missing required field: service_account_key")
    return {**data, **validated(GoogleJobConfig, data, ctx)}


def _fields() -> tuple[FormField, ...]:
    from tenantsim.scenario.founding import HEADCOUNTS

    sizes = tuple(Choice(size, size.title(),
                         f"about {HEADCOUNTS[size]:,} people" if size in HEADCOUNTS else "")
                  for size in ORG_SIZES)
    return (
        FormField("admin_email", "Admin email", "text", "tenant", placeholder="admin@yourcompany.com",
                  help="The super admin the service account acts as (domain-wide delegation).",
                  noun="admin email", wide=True),
        FormField("domain", "Domain", "text", "tenant", placeholder="from the admin email",
                  help="The Workspace domain people are created in."),
        FormField("customer", "Customer ID", "text", "tenant", placeholder="my_customer",
                  default="my_customer"),
        FormField("service_account_key", "Service account key (JSON)", "text", "tokens",
                  placeholder='{"type": "service_account", …}', wide=True, noun="service account key",
                  help="The JSON key of a service account with domain-wide delegation for the Directory "
                       "and Calendar scopes.", secret=True, multiline=True),
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
    key = job.get("service_account_key")
    fields = {name: job.get(name) or "" for name in ("admin_email", "domain", "customer", "api_base_url")}
    fields["service_account_key"] = json.dumps(key) if isinstance(key, dict) else str(key or "")
    return {"fields": fields, "user_tokens": []}


def _sandbox_route(description: dict[str, Any], tokens: Sequence[str]) -> dict[str, Any]:
    """A job without a key of its own (sandbox mode only) gets the sandbox's key and address. A job with a
    key has its api_base_url set by ``validate``, so it is never sent to the sandbox by default."""
    job = _job_of(description)
    route: dict[str, Any] = {}
    if isinstance(job.get("service_account_key"), dict):
        route["service_account_key"] = dict(job["service_account_key"])
    if job.get("api_base_url"):
        route["api_base_url"] = str(job["api_base_url"])
    return route


def _connector(runtime: ConnectorRuntime) -> Connector:
    from tenantsim.connectors.google_workspace.connector import GoogleConnector

    return GoogleConnector(runtime)


PLATFORM = PlatformSpec(
    connection_type="google_workspace", label="Google Workspace", mark="G", color="#1a73e8",
    css_class="pm-google", description="People, org units, groups, managers, calendars",
    role="identity", tenant_noun="Google Workspace", builds="org units, people, groups and meetings",
    tenant_field="admin_email", tenant_missing="no admin email yet",
    tokens=TokenForm(label="Service account key",
                     help="One service account with domain-wide delegation acts for the admin; no user "
                          "tokens are needed.",
                     name_prefix="admin", placeholder='{"type": "service_account", …}'),
    fields=_fields,
    required=("industry", "admin_email", "anthropic_api_key"),
    config_fields=("admin_email", "customer", "domain", "service_account_key", "api_base_url", "org_size",
                   "initial_users"),
    long_fields=("service_account_key",),
    hints={"admin_email": " (the super admin the service account impersonates, like admin@example.com)",
           "service_account_key": " (the service account's JSON key, as an object or its text)"},
    missing_prefix="Missing required field", token_fields=(), destination=(),
    validate=validate, token_request=token_request, connector=_connector,
    size_fields=("initial_users", "org_size"), sandbox_fill=_sandbox_fill, sandbox_route=_sandbox_route,
    sandbox_name="google", job_credentials=("service_account_key",),
)
