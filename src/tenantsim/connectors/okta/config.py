"""Okta's part of a job's configuration, its token checks and how the dashboard shows it.

The org URL is the SSRF guard's main door: an https origin on an Okta domain (or a custom domain the
operator allows), nothing else; in sandbox mode also a loopback emulator.
"""

from __future__ import annotations

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
from tenantsim.connectors.urlcheck import (
    HOSTNAME,
    MAX_URL,
    has_userinfo,
    is_ip_literal,
    is_loopback_host,
    split_url,
)
from tenantsim.errors import InputError

if TYPE_CHECKING:
    from tenantsim.connectors.base import Connector, ConnectorRuntime

OKTA_DOMAINS = ("okta.com", "oktapreview.com", "okta-emea.com", "okta-gov.com", "okta.mil")
_BAD_URL = "Invalid org_url: must be a URL like https://dev-123456.okta.com"


def check_org_url(url: Any, *, sandbox_mode: bool, allowed_hosts: Sequence[str]) -> str:
    """SSRF guard: an Okta org on an Okta domain (or an allowed host), https, origin only.

    Returns the normalised origin (``https://<host>``), so nothing after this check can smuggle a
    path, port or credentials back in. In sandbox mode a loopback URL (the embedded emulator) is
    accepted too, path included, since the emulator is mounted under /sandbox/okta.
    """
    if not isinstance(url, str) or not url.strip() or len(url) > MAX_URL:
        raise InputError(_BAD_URL)
    parts = split_url(url.strip(), _BAD_URL)
    host = (parts.hostname or "").lower()
    userinfo = has_userinfo(parts)
    if sandbox_mode and parts.scheme in ("http", "https") and is_loopback_host(host) and not userinfo:
        if parts.query or parts.fragment:
            raise InputError("Invalid org_url: no query or fragment allowed")
        return url.strip().rstrip("/")
    if parts.scheme != "https":
        raise InputError("Invalid org_url: must start with https://")
    if userinfo:
        raise InputError("Invalid org_url: credentials in the URL are not allowed")
    if parts.port is not None or parts.netloc.endswith(":"):
        raise InputError("Invalid org_url: ports are not allowed")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "?" in url or "#" in url:
        raise InputError("Invalid org_url: give only the org's origin, like https://dev-123456.okta.com")
    if is_ip_literal(host):
        raise InputError("Invalid org_url: IP addresses are not allowed")
    if not HOSTNAME.match(host) or parts.netloc.lower() != host:
        raise InputError("Invalid org_url: the host name is not valid")
    on_okta = any(host.endswith("." + domain) for domain in OKTA_DOMAINS)
    if not (on_okta or host in allowed_hosts) or is_loopback_host(host):
        raise InputError(f"Invalid org_url: {host} is not an Okta domain "
                         "(add it to TENANTSIM_OKTA_ALLOWED_HOSTS if it is your org's custom domain)")
    return f"https://{host}"


def _org_url(value: Any, info: ValidationInfo) -> str:
    ctx = context_of(info)
    return check_org_url(value, sandbox_mode=ctx.sandbox_mode, allowed_hosts=ctx.okta_allowed_hosts)


MAX_KEY = 10_000  # characters of a private key (a 4096-bit RSA JWK or PEM is about 3,300)


class OktaUserToken(BaseModel):
    """One credential of the job, acting as one admin: an SSWS API ``token``, or an OAuth 2.0 service
    app (``client_id`` and its ``private_key``, a JWK or a PEM; optional ``scopes`` and ``key_id``). Its
    org URL passes the same guard as the job's. The key is a secret like a token: sealed at rest,
    masked in every answer, never in a message."""

    model_config = ConfigDict(extra="forbid")
    name: str
    token: str | None = None
    org_url: str
    client_id: str | None = None
    private_key: str | dict[str, Any] | None = None
    scopes: list[str] | None = None
    key_id: str | None = None

    _org = field_validator("org_url", mode="before")(reports(_org_url))

    @model_validator(mode="after")
    @reports
    def _credentials(self) -> OktaUserToken:
        check_credentials(self.model_dump(exclude_none=True))
        return self


def check_credentials(entry: dict[str, Any]) -> None:
    """A token, or a service app's client id and private key (readable, RSA), never both."""
    from tenantsim.connectors.okta.oauth import DEFAULT_SCOPES, load_private_key

    name = entry.get("name") or "token"
    app_fields = [f for f in ("client_id", "private_key", "scopes", "key_id") if entry.get(f) is not None]
    if entry.get("token"):
        if app_fields:
            raise InputError(f"user_tokens entry {name}: give either a token or a service app's client_id "
                             "and private_key, not both")
        return
    for field in ("client_id", "private_key"):
        if not entry.get(field):
            raise InputError(f"Missing {field} in token config for token: {name} (a service app needs "
                             "client_id and private_key; an API token needs token)")
    client_id = str(entry["client_id"])
    if len(client_id) > 100 or not client_id.replace("-", "").replace("_", "").isalnum():
        raise InputError(f"Invalid client_id for token: {name}: an Okta client id like 0oa1b2c3d4e5f6g7h8i9")
    key = entry["private_key"]
    if len(key if isinstance(key, str) else str(key)) > MAX_KEY:
        raise InputError(f"Invalid private_key for token: {name}: longer than {MAX_KEY} characters")
    load_private_key(key)
    scopes = entry.get("scopes")
    if scopes is not None:
        wrong = [s for s in scopes if not (isinstance(s, str) and s.startswith("okta.") and len(s) < 100)]
        if wrong or not scopes:
            raise InputError(f"Invalid scopes for token: {name}: Okta API scopes like "
                             f"{', '.join(DEFAULT_SCOPES[:2])}")


class OktaJobConfig(BaseModel):
    """Okta's fields of a job, checked in this order (the first problem is the one reported).

    Validators raise ``InputError`` with the seed's messages; ``reports`` hands them to pydantic, so
    every field's problem is reported. ``user_tokens`` arrive already shaped by the shared check (name,
    token, org_url present).
    """

    model_config = ConfigDict(extra="ignore")
    org_size: Literal["startup", "midsize", "enterprise"]
    initial_users: int | None = None
    org_url: str
    user_tokens: list[OktaUserToken]
    custom_attributes: bool | list[str] | None = None
    sign_ins: bool | None = None

    @field_validator("org_size", mode="before")
    @classmethod
    @reports
    def _size(cls, value: Any) -> Any:
        check_choice("org_size", value, ORG_SIZES)
        return value

    @field_validator("initial_users", mode="before")
    @classmethod
    @reports
    def _users(cls, value: Any) -> Any:
        check_number("initial_users", value, 1, MAX_INITIAL_USERS, integer=True)
        return value

    _org = field_validator("org_url", mode="before")(reports(_org_url))

    @field_validator("custom_attributes", mode="before")
    @classmethod
    @reports
    def _attributes(cls, value: Any) -> Any:
        from tenantsim.connectors.okta.attributes import check_choice as check_attributes

        return check_attributes(value)


def validate(body: dict[str, Any], config: dict[str, Any], ctx: ConfigContext) -> dict[str, Any]:
    """The Okta fields of ``config`` (``body`` after the shared checks), validated and normalised."""
    data = {"org_size": body.get("org_size"), "initial_users": body.get("initial_users"),
            "org_url": body.get("org_url"), "user_tokens": config["user_tokens"],
            "custom_attributes": body.get("custom_attributes"), "sign_ins": body.get("sign_ins")}
    return validated(OktaJobConfig, data, ctx)


def token_request(data: dict[str, Any], ctx: ConfigContext) -> dict[str, Any]:
    """POST /api/validate_token for Okta: a token (or a service app's client_id and private_key) and
    its org URL (guarded like a job's)."""
    service_app = not data.get("token") and (data.get("client_id") or data.get("private_key"))
    for name in ("client_id", "private_key", "org_url") if service_app else ("token", "org_url"):
        if not data.get(name):
            raise InputError(f"Missing required field: {name}")
    if service_app:
        check_credentials({**data, "name": "token"})
    return {**data, "org_url": check_org_url(data["org_url"], sandbox_mode=ctx.sandbox_mode,
                                             allowed_hosts=ctx.okta_allowed_hosts)}


def _headcounts() -> dict[str, int]:
    from tenantsim.scenario.founding import HEADCOUNTS

    return {size: HEADCOUNTS[size] for size in ORG_SIZES if size in HEADCOUNTS}


def _options() -> dict[str, Any]:
    people = _headcounts()
    return {"org_sizes": list(ORG_SIZES), "org_size_people": {size: people.get(size) for size in ORG_SIZES}}


def _fields() -> tuple[FormField, ...]:
    people = _headcounts()
    sizes = tuple(Choice(size, size.title(), f"about {people[size]:,} people" if size in people else "")
                  for size in ORG_SIZES)
    return (
        FormField("org_url", "Okta org URL", "url", "tenant", placeholder="https://dev-123456.okta.com",
                  noun="org URL", wide=True, with_token="required", per_token=True,
                  lookup={"kind": "probe", "path": "/api/okta/orgs", "id": "org-check",
                          "name": "org.org_name", "as": "org.authenticated_user.name"}),
        FormField("org_size", "Size", "choice", "company", choices=sizes, default="startup"),
        FormField("initial_users", "People to create", "number", "company", placeholder="by size",
                  help="Leave empty to follow the size.", unit="people", minimum=1,
                  maximum=MAX_INITIAL_USERS),
    )


def _sandbox_fill(description: dict[str, Any]) -> dict[str, Any]:
    tokens = list(description.get("tokens") or [])[:1]
    return {"fields": {"org_url": description.get("org_url", "")},
            "user_tokens": [{"name": f"admin{i + 1}", "token": t} for i, t in enumerate(tokens)]}


def _connector(runtime: ConnectorRuntime) -> Connector:
    from tenantsim.connectors.okta.connector import OktaConnector

    return OktaConnector(runtime)


PLATFORM = PlatformSpec(
    connection_type="okta", label="Okta", mark="O", color="#1662dd", css_class="pm-okta",
    description="People, groups, app assignments, lifecycle changes",
    role="identity", tenant_noun="Okta org", builds="people, groups and app assignments",
    tenant_field="org_url", tenant_missing="no org URL yet",
    tokens=TokenForm(label="Admin API tokens (SSWS)",
                     help="Each token acts as one admin. The job uses every token that works.",
                     name_prefix="admin", placeholder="00abc…"),
    fields=_fields,
    required=("industry", "org_url", "user_tokens", "org_size", "anthropic_api_key"),
    config_fields=("org_url", "org_size", "initial_users", "custom_attributes", "sign_ins"),
    credential_fields=("client_id", "private_key", "scopes", "key_id"),
    hints={"org_url": " (the org's URL, like https://dev-123456.okta.com)",
           "org_size": f" (one of {', '.join(ORG_SIZES)})",
           "user_tokens": ' (a list of {"name", "token", "org_url"} objects: admin API tokens of the org; '
                          'or {"name", "org_url", "client_id", "private_key"} for an OAuth 2.0 service app)'},
    missing_prefix="Missing required field for Okta", token_fields=("org_url",), destination=("org_url",),
    validate=validate, token_request=token_request, connector=_connector,
    size_fields=("initial_users", "org_size"), options=_options, sandbox_fill=_sandbox_fill,
)
