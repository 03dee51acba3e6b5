"""POST /api/jobs/start validation: the seed's required fields and messages, then sane bounds.

Returns a normalised job configuration; raises InputError (400) with a clear message otherwise.
Nothing is sent to any platform before this passes.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import SplitResult, urlsplit

from tenantsim.connectors.registry import SUPPORTED
from tenantsim.errors import InputError
from tenantsim.scenario.activity import ScheduleError, parse_timezone, parse_working_hours

ASANA_REQUIRED = ("industry", "workspace_gid", "user_tokens", "anthropic_api_key")
OKTA_REQUIRED = ("industry", "org_url", "user_tokens", "org_size", "anthropic_api_key")
ORG_SIZES = ("startup", "midsize", "enterprise")
ACTIVITY_LEVELS = ("low", "medium", "high")
CONTENT_PROVIDERS = ("anthropic", "offline")
OKTA_DOMAINS = ("okta.com", "oktapreview.com", "okta-emea.com", "okta-gov.com", "okta.mil")
MAX_TOKENS = 100
MAX_INITIAL_USERS = 100_000
MAX_STRING = 2000
MAX_URL = 300
# Longest a cleanup_after may reach into the future (ten years): beyond it, datetime overflows.
MAX_CLEANUP_SECONDS = 10 * 365 * 86400
# DNS names only: letters, digits and hyphens in dot-separated labels, ending in a letter label.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$)({_LABEL}\.)+[a-z](?:[a-z0-9-]{{0,61}}[a-z0-9])?$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


def _number(body: dict[str, Any], key: str, low: float, high: float, *, integer: bool = False) -> None:
    if key not in body or body[key] is None:
        return
    value = body[key]
    wrong_type = not isinstance(value, int | float) or (integer and not isinstance(value, int))
    if isinstance(value, bool) or wrong_type:
        kind = "an integer" if integer else "a number"
        raise InputError(f"Invalid value for {key}: must be {kind} between {low:g} and {high:g}")
    if not low <= value <= high:
        raise InputError(f"Invalid value for {key}: must be between {low:g} and {high:g}")


def _choice(body: dict[str, Any], key: str, choices: tuple[str, ...]) -> None:
    if key in body and body[key] is not None and body[key] not in choices:
        raise InputError(f"Invalid {key}: must be one of {', '.join(choices)}")


def parse_cleanup_after(value: Any, now: datetime) -> datetime:
    """A duration ("90m", "2h", "3d", seconds) or an ISO-8601 timestamp, at most ten years ahead."""
    seconds: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        seconds = float(value)
    elif isinstance(value, str) and len(value) <= 64:
        match = _DURATION.match(value)
        if match:
            seconds = float(match.group(1)) * _UNITS[match.group(2)]
        else:
            try:
                when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                pass
            else:
                return when if when.tzinfo else when.replace(tzinfo=UTC)
    if seconds is not None and 0 < seconds <= MAX_CLEANUP_SECONDS:
        return now + timedelta(seconds=seconds)
    raise InputError("Invalid cleanup_after: use a duration like 90m, 2h, 3d (at most ten years) "
                     "or an ISO-8601 timestamp")


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _split_url(url: str) -> SplitResult:
    """urlsplit, with the malformed forms it raises on (bad IPv6, bad port) turned into a 400."""
    if any(ch.isspace() or ord(ch) < 32 or ch == "\\" for ch in url):
        raise InputError("Invalid org_url: must be a URL like https://dev-123456.okta.com")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a non-numeric or out-of-range port
    except ValueError:
        raise InputError("Invalid org_url: must be a URL like https://dev-123456.okta.com") from None
    return parts


def check_org_url(url: Any, *, sandbox_mode: bool, allowed_hosts: list[str]) -> str:
    """SSRF guard: an Okta org on an Okta domain (or an allowed host), https, origin only.

    Returns the normalised origin (``https://<host>``), so nothing after this check can smuggle a
    path, port or credentials back in. In sandbox mode a loopback URL (the embedded emulator) is
    accepted too, path included, since the emulator is mounted under /sandbox/okta.
    """
    if not isinstance(url, str) or not url.strip() or len(url) > MAX_URL:
        raise InputError("Invalid org_url: must be a URL like https://dev-123456.okta.com")
    parts = _split_url(url.strip())
    host = (parts.hostname or "").lower()
    has_userinfo = parts.username is not None or parts.password is not None or "@" in parts.netloc
    if sandbox_mode and parts.scheme in ("http", "https") and is_loopback_host(host) and not has_userinfo:
        if parts.query or parts.fragment:
            raise InputError("Invalid org_url: no query or fragment allowed")
        return url.strip().rstrip("/")
    if parts.scheme != "https":
        raise InputError("Invalid org_url: must start with https://")
    if has_userinfo:
        raise InputError("Invalid org_url: credentials in the URL are not allowed")
    if parts.port is not None or parts.netloc.endswith(":"):
        raise InputError("Invalid org_url: ports are not allowed")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "?" in url or "#" in url:
        raise InputError("Invalid org_url: give only the org's origin, like https://dev-123456.okta.com")
    if _is_ip_literal(host):
        raise InputError("Invalid org_url: IP addresses are not allowed")
    if not _HOSTNAME.match(host) or parts.netloc.lower() != host:
        raise InputError("Invalid org_url: the host name is not valid")
    on_okta = any(host.endswith("." + domain) for domain in OKTA_DOMAINS)
    if not (on_okta or host in allowed_hosts) or is_loopback_host(host):
        raise InputError(f"Invalid org_url: {host} is not an Okta domain "
                         "(add it to TENANTSIM_OKTA_ALLOWED_HOSTS if it is your org's custom domain)")
    return f"https://{host}"


def check_asana_base_url(url: Any, *, sandbox_mode: bool) -> str:
    """Asana's base URL is fixed; only a sandbox-mode server may point a job at a loopback Asana."""
    message = "base_url is only accepted in sandbox mode, for a loopback Asana"
    if not sandbox_mode or not isinstance(url, str) or len(url) > MAX_URL:
        raise InputError(message)
    try:
        parts = _split_url(url.strip())
    except InputError:
        raise InputError(message) from None
    has_userinfo = parts.username is not None or parts.password is not None or "@" in parts.netloc
    if parts.scheme not in ("http", "https") or not is_loopback_host(parts.hostname) or has_userinfo:
        raise InputError(message)
    return url.strip().rstrip("/")


def _is_ip_literal(host: str) -> bool:
    """Any spelling an HTTP client may turn into an address: dotted, IPv6, or all-numeric labels
    (``2130706433``, ``0x7f.1``) that some resolvers read as IPv4."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        labels = host.split(".")
        return all(re.fullmatch(r"(0x[0-9a-f]*|[0-9]+)", label) for label in labels if label)
    return True


def _check_tokens(tokens: Any, okta: bool) -> list[dict[str, Any]]:
    if not isinstance(tokens, list) or not tokens:
        raise InputError("user_tokens must be a non-empty list of {name, token} objects")
    if len(tokens) > MAX_TOKENS:
        raise InputError(f"Too many user_tokens: at most {MAX_TOKENS}")
    cleaned = []
    for index, item in enumerate(tokens):
        if not isinstance(item, dict) or not isinstance(item.get("token"), str) or not item["token"].strip():
            raise InputError(f"user_tokens[{index}] must be an object with a non-empty token")
        name = item.get("name") or f"user{index + 1}"
        if not isinstance(name, str) or len(name) > 200 or len(item["token"]) > 500:
            raise InputError(f"user_tokens[{index}] has a name or token that is too long")
        entry = {"name": name, "token": item["token"].strip()}
        if okta:
            if _missing(item.get("org_url")):
                raise InputError(f"Missing org_url in token config for token: {name}")
            entry["org_url"] = item["org_url"]
        cleaned.append(entry)
    return cleaned


def validate_start(body: dict[str, Any], *, sandbox_mode: bool, server_has_anthropic_key: bool,
                   industries: list[str], okta_allowed_hosts: list[str],
                   now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> dict[str, Any]:
    connection_type = body.get("connection_type") or "asana"
    if connection_type not in SUPPORTED:
        raise InputError(f"Unsupported connection type: {connection_type}")
    okta = connection_type == "okta"
    offline = body.get("content_provider") == "offline"
    for field in OKTA_REQUIRED if okta else ASANA_REQUIRED:
        if field == "anthropic_api_key" and (offline or server_has_anthropic_key):
            continue
        if _missing(body.get(field)):
            prefix = "Missing required field for Okta" if okta else "Missing required field"
            raise InputError(f"{prefix}: {field}")
    for key, value in body.items():
        if isinstance(value, str) and len(value) > MAX_STRING:
            raise InputError(f"Invalid value for {key}: longer than {MAX_STRING} characters")
    if body["industry"] not in industries:
        raise InputError(f"Unknown industry: {body['industry']}. Choose one of: {', '.join(industries)}")
    _choice(body, "activity_level", ACTIVITY_LEVELS)
    _choice(body, "content_provider", CONTENT_PROVIDERS)
    _number(body, "time_scale", 0.001, 1_000_000)
    _number(body, "max_api_capacity", 1, 100)
    _number(body, "duration_days", 0.0001, 3650)
    _number(body, "seed", 0, 2**62, integer=True)
    config: dict[str, Any] = {k: v for k, v in body.items() if v is not None}
    config["connection_type"] = connection_type
    config["user_tokens"] = _check_tokens(body["user_tokens"], okta)
    try:
        parse_working_hours(body.get("working_hours"))
        parse_timezone(body.get("timezone"))
    except ScheduleError as exc:
        raise InputError(str(exc)) from None
    if okta:
        _choice(body, "org_size", ORG_SIZES)
        _number(body, "initial_users", 1, MAX_INITIAL_USERS, integer=True)
        config["org_url"] = check_org_url(body["org_url"], sandbox_mode=sandbox_mode,
                                          allowed_hosts=okta_allowed_hosts)
        for token in config["user_tokens"]:
            token["org_url"] = check_org_url(token["org_url"], sandbox_mode=sandbox_mode,
                                             allowed_hosts=okta_allowed_hosts)
    else:
        _number(body, "initial_projects", 1, 200, integer=True)
        if not isinstance(body["workspace_gid"], str | int):
            raise InputError("Invalid value for workspace_gid: must be a string")
        config["workspace_gid"] = str(body["workspace_gid"])
        if body.get("base_url") is not None:
            config["base_url"] = check_asana_base_url(body["base_url"], sandbox_mode=sandbox_mode)
    if "content_provider" not in config:
        has_key = bool(config.get("anthropic_api_key")) or server_has_anthropic_key
        config["content_provider"] = "anthropic" if has_key else "offline"
    if body.get("cleanup_after") is not None:
        config["_cleanup_at"] = parse_cleanup_after(body["cleanup_after"], now())
    if not config.get("job_name"):
        platform = "Okta" if okta else "Asana"
        config["job_name"] = f"{str(body['industry']).replace('_', ' ').title()} on {platform}"
    return config
