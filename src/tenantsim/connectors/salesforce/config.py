"""Salesforce's part of a job's configuration, its credential check and how the dashboard shows it.

A job acts through one connected app in one org (``instance_url``, its My Domain): by the OAuth 2.0
client credentials flow (``client_id`` + ``client_secret``; the app runs as its execution user, so
``username`` is only a label) or the JWT bearer flow (``client_id``, ``username`` and the certificate's
``private_key``). ``client_secret`` and ``private_key`` are secrets: sealed at rest, masked in every
answer, scrubbed from every log line (``secretbox``); no message here ever quotes one.

Salesforce is a work platform: the org's active users are the company's sales and support people; the
job never creates users (they are licences). ``max_api_capacity`` is the job's share of the org's daily
API allocation. ``accounts`` sets how many customer accounts the job starts with (by ``org_size``
otherwise).

The SSRF guard: outside sandbox mode only Salesforce's own hosts (``*.salesforce.com``, ``*.force.com``)
over https; in sandbox mode also a loopback emulator (path included: it is mounted under a prefix).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator

from tenantsim.connectors.spec import (
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
from tenantsim.connectors.urlcheck import (
    HOSTNAME,
    MAX_URL,
    has_userinfo,
    is_loopback_host,
    sandbox_loopback,
    split_url,
)
from tenantsim.errors import InputError
from tenantsim.secretbox import remember

if TYPE_CHECKING:
    from tenantsim.connectors.base import Connector, ConnectorRuntime

API_VERSION = "59.0"
LOGIN_URL = "https://login.salesforce.com"
TEST_LOGIN_URL = "https://test.salesforce.com"
HOST_SUFFIXES = (".salesforce.com", ".force.com")  # my.salesforce.com is one of them
ACCOUNTS_BY_SIZE = {"startup": 25, "midsize": 120, "enterprise": 400}
MAX_ACCOUNTS = 5_000
MAX_SECRET = 20_000
FIELDS = ("instance_url", "client_id", "client_secret", "username", "private_key", "accounts", "org_size")
_URL_HELP = "must be your org's https URL, like https://yourcompany.my.salesforce.com"
_KEY_HELP = "Invalid private_key: must be the connected app certificate's RSA private key (PEM)"


def check_instance_url(url: Any, *, sandbox_mode: bool) -> str:
    """The org's origin (https, a Salesforce host, no path), or a loopback emulator in sandbox mode."""
    if not isinstance(url, str) or not url.strip() or len(url) > MAX_URL:
        raise InputError(f"Invalid instance_url: {_URL_HELP}")
    url = url.strip()
    parts = split_url(url, f"Invalid instance_url: {_URL_HELP}")
    loopback = sandbox_loopback(url, parts, "instance_url", sandbox_mode=sandbox_mode)
    if loopback is not None:
        return loopback
    host = (parts.hostname or "").lower()
    if parts.scheme != "https":
        raise InputError("Invalid instance_url: must start with https://")
    if (
        has_userinfo(parts)
        or parts.port not in (None, 443)
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or not HOSTNAME.match(host)
        or not host.endswith(HOST_SUFFIXES)
    ):
        raise InputError(
            "Invalid instance_url: only Salesforce hosts (*.my.salesforce.com, *.salesforce.com, "
            "*.force.com) are allowed"
        )
    return f"https://{host}"


def login_url(instance_url: str) -> str:
    """The JWT bearer assertion's audience: the sandbox login for a Salesforce sandbox org, production's
    for any other org, the emulator itself for a loopback one."""
    parts = split_url(instance_url, "Invalid instance_url")
    host = (parts.hostname or "").lower()
    if is_loopback_host(host):
        return instance_url.rstrip("/")
    if ".sandbox." in host or host.startswith("test."):
        return TEST_LOGIN_URL
    return LOGIN_URL


def _text(field: str, value: Any, limit: int = 255) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise InputError(f"Invalid value for {field}: must be a non-empty string")
    return value.strip()


class SalesforceJobConfig(BaseModel):
    """Salesforce's fields of a job, checked in this order (every problem is reported)."""

    model_config = ConfigDict(extra="ignore")
    instance_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    username: str | None = None
    private_key: str | None = None
    org_size: str | None = None
    accounts: int | None = None

    @field_validator("instance_url", mode="before")
    @classmethod
    @reports
    def _instance(cls, value: Any, info: ValidationInfo) -> str | None:
        sandbox_mode = context_of(info).sandbox_mode
        if value is None or value == "":
            if sandbox_mode:  # the embedded sandbox's own org is filled in (sandbox_route)
                return None
            raise InputError("Missing required field: instance_url")
        return check_instance_url(value, sandbox_mode=sandbox_mode)

    @field_validator("client_id", "username", mode="before")
    @classmethod
    @reports
    def _plain(cls, value: Any, info: ValidationInfo) -> str | None:
        return None if value is None or value == "" else _text(str(info.field_name), value)

    @field_validator("client_secret", mode="before")
    @classmethod
    @reports
    def _secret(cls, value: Any) -> str | None:
        if value is None or value == "":
            return None
        secret = _text("client_secret", value, MAX_SECRET)
        remember(secret)
        return secret

    @field_validator("private_key", mode="before")
    @classmethod
    @reports
    def _key(cls, value: Any) -> str | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str) or len(value) > MAX_SECRET or "PRIVATE KEY-----" not in value:
            raise InputError(_KEY_HELP)
        remember(value)  # hidden from every log line and message from now on
        return value.strip() + "\n"

    @field_validator("org_size", mode="before")
    @classmethod
    @reports
    def _size(cls, value: Any) -> Any:
        check_choice("org_size", value, ORG_SIZES)
        return value

    @field_validator("accounts", mode="before")
    @classmethod
    @reports
    def _accounts(cls, value: Any) -> Any:
        check_number("accounts", value, 1, MAX_ACCOUNTS, integer=True)
        return value

    @model_validator(mode="after")
    @reports
    def _credentials(self, info: ValidationInfo) -> SalesforceJobConfig:
        sandbox_mode = context_of(info).sandbox_mode
        own = self.client_id or self.client_secret or self.private_key
        if (
            not own
            and sandbox_mode
            and (
                self.instance_url is None
                or is_loopback_host(
                    (split_url(self.instance_url, "Invalid instance_url").hostname or "").lower()
                )
            )
        ):
            return self  # the embedded sandbox's app is filled in
        problems = []
        if not self.client_id:
            problems.append("Missing required field: client_id")
        if not self.client_secret and not self.private_key:
            problems.append(
                "Missing required field: client_secret (or private_key with username for the JWT bearer flow)"
            )
        if self.private_key and not self.username:
            problems.append("Missing required field: username (the user the JWT bearer flow acts as)")
        if problems:
            raise InputError(problems[0])
        return self


def validate(body: dict[str, Any], config: dict[str, Any], ctx: ConfigContext) -> dict[str, Any]:
    """The Salesforce fields of ``config``, validated and normalised."""
    return validated(SalesforceJobConfig, {name: body.get(name) for name in FIELDS}, ctx)


def token_request(data: dict[str, Any], ctx: ConfigContext) -> dict[str, Any]:
    """POST /api/validate_token for Salesforce: the org and the connected app's credentials."""
    if not data.get("instance_url") and not ctx.sandbox_mode:
        raise InputError("Missing required field: instance_url")
    return {**data, **validated(SalesforceJobConfig, {name: data.get(name) for name in FIELDS}, ctx)}


def _fields() -> tuple[FormField, ...]:
    sizes = tuple(
        Choice(size, size.title(), f"{ACCOUNTS_BY_SIZE[size]} customer accounts to start")
        for size in ORG_SIZES
    )
    return (
        FormField(
            "instance_url",
            "Instance URL",
            "url",
            "tenant",
            placeholder="https://yourcompany.my.salesforce.com",
            noun="instance URL",
            wide=True,
            help="Your org's My Domain URL.",
        ),
        FormField(
            "client_id",
            "Consumer key",
            "text",
            "tokens",
            noun="consumer key",
            wide=True,
            help="The connected app's consumer key (client credentials or JWT bearer flow).",
        ),
        FormField(
            "client_secret", "Consumer secret", "text", "tokens", help="For the client credentials flow."
        ),
        FormField(
            "username",
            "Username",
            "text",
            "tokens",
            placeholder="integration@yourcompany.com",
            help="The user the JWT bearer flow acts as (optional for client credentials).",
        ),
        FormField(
            "private_key",
            "Private key (PEM)",
            "text",
            "tokens",
            wide=True,
            placeholder="-----BEGIN PRIVATE KEY-----",
            help="For the JWT bearer flow: the key of the certificate uploaded to the connected app.",
        ),
        FormField("org_size", "Size", "choice", "company", choices=sizes, default="startup"),
        FormField(
            "accounts",
            "Accounts to start with",
            "number",
            "company",
            placeholder="by size",
            help="Customer accounts the job builds first; leave empty to follow the size.",
            unit="accounts",
            minimum=1,
            maximum=MAX_ACCOUNTS,
        ),
    )


def _job_of(description: dict[str, Any]) -> dict[str, Any]:
    job = description.get("job")
    return dict(job) if isinstance(job, dict) else {}


def _sandbox_fill(description: dict[str, Any]) -> dict[str, Any]:
    job = _job_of(description)
    return {
        "fields": {
            name: str(job.get(name) or "")
            for name in ("instance_url", "client_id", "client_secret", "username")
        },
        "user_tokens": [],
    }


def _sandbox_route(description: dict[str, Any], tokens: Sequence[str]) -> dict[str, Any]:
    """A job without an app of its own (sandbox mode only: ``validate`` refuses that elsewhere) gets the
    sandbox's org and app. Fields the job sets are kept (``route_to_sandbox`` fills only empty ones)."""
    job = _job_of(description)
    return {
        name: str(job[name])
        for name in ("instance_url", "client_id", "client_secret", "username")
        if job.get(name)
    }


def _connector(runtime: ConnectorRuntime) -> Connector:
    from tenantsim.connectors.salesforce.connector import SalesforceConnector

    return SalesforceConnector(runtime)


PLATFORM = PlatformSpec(
    connection_type="salesforce",
    label="Salesforce",
    mark="S",
    color="#00a1e0",
    css_class="pm-salesforce",
    description="Accounts, contacts, a moving pipeline, cases and activities",
    role="work",
    tenant_noun="Salesforce org",
    builds="accounts, contacts, opportunities, cases and leads",
    tenant_field="instance_url",
    tenant_missing="no org yet",
    tokens=TokenForm(
        label="Connected app",
        help="One connected app acts in the org; the org's active users are the company's "
        "sales and support people.",
        name_prefix="app",
        placeholder="3MVG9…",
    ),
    fields=_fields,
    required=("industry", "anthropic_api_key"),
    config_fields=FIELDS,
    long_fields=("private_key",),
    hints={
        "instance_url": " (your org's My Domain URL, like https://yourcompany.my.salesforce.com)",
        "client_id": " (the connected app's consumer key)",
    },
    missing_prefix="Missing required field",
    token_fields=(),
    destination=("instance_url",),
    validate=validate,
    token_request=token_request,
    connector=_connector,
    size_fields=("accounts", "org_size"),
    size_default="accounts by size",
    sandbox_fill=_sandbox_fill,
    sandbox_route=_sandbox_route,
    sandbox_name="salesforce",
    job_credentials=("client_secret", "private_key"),
)
