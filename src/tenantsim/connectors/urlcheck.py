"""Pieces of the SSRF guard shared by the platforms' config checks (``connectors/<platform>/config.py``).

A URL a user gives (an Okta org, a sandbox Asana) must be parsed the way the HTTP client will read it:
no whitespace or backslashes, a valid port, no IP literals in disguise, a real DNS host name.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

from tenantsim.errors import InputError

MAX_URL = 300
# DNS names only: letters, digits and hyphens in dot-separated labels, ending in a letter label.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
HOSTNAME = re.compile(rf"^(?=.{{1,253}}$)({_LABEL}\.)+[a-z](?:[a-z0-9-]{{0,61}}[a-z0-9])?$")


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def split_url(url: str, message: str) -> SplitResult:
    """urlsplit, with the malformed forms it raises on (bad IPv6, bad port) turned into a 400."""
    if any(ch.isspace() or ord(ch) < 32 or ch == "\\" for ch in url):
        raise InputError(message)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a non-numeric or out-of-range port
    except ValueError:
        raise InputError(message) from None
    return parts


def has_userinfo(parts: SplitResult) -> bool:
    return parts.username is not None or parts.password is not None or "@" in parts.netloc


def is_ip_literal(host: str) -> bool:
    """Any spelling an HTTP client may turn into an address: dotted, IPv6, or all-numeric labels
    (``2130706433``, ``0x7f.1``) that some resolvers read as IPv4."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        labels = host.split(".")
        return all(re.fullmatch(r"(0x[0-9a-f]*|[0-9]+)", label) for label in labels if label)
    return True


def loopback_url(url: str, message: str) -> str | None:
    """``url`` without a trailing slash when it is http(s) on a loopback host without credentials
    (the embedded sandbox); None otherwise."""
    parts = split_url(url.strip(), message)
    if parts.scheme in ("http", "https") and is_loopback_host(parts.hostname) and not has_userinfo(parts):
        return url.strip().rstrip("/")
    return None


def sandbox_loopback(url: str, parts: SplitResult, field: str, *, sandbox_mode: bool) -> str | None:
    """``url`` kept whole (path included: an emulator is mounted under a prefix) without a trailing slash
    when it is http(s) on a loopback host and sandbox mode allows it; None when it is not on a loopback
    host. ``parts`` is ``url`` as ``split_url`` read it. Outside sandbox mode, and with credentials, a
    query or a fragment, the URL is refused."""
    if parts.scheme not in ("http", "https") or not is_loopback_host((parts.hostname or "").lower()):
        return None
    if not sandbox_mode:
        raise InputError(f"Invalid {field}: loopback addresses are only allowed in sandbox mode")
    if has_userinfo(parts) or parts.query or parts.fragment:
        raise InputError(f"Invalid {field}: no credentials, query or fragment allowed")
    return url.rstrip("/")
