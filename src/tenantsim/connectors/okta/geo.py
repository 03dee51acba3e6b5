"""Where a person signs in from: an address in their office's region (or, travelling, in another
country), and the browser they use. Addresses are in large consumer-ISP blocks of that region, so a
real org's geolocation places the sign-in where the person is; the same person on the same device gets
the same address and browser every day."""

from __future__ import annotations

import hashlib

# (country, time-zone prefix) -> first two octets; the first match wins, "" matches any zone.
_BLOCKS = (
    ("US", "America/Los_Angeles", "73.158"), ("US", "Pacific/", "73.158"), ("US", "America/Denver", "73.3"),
    ("US", "America/Phoenix", "73.3"), ("US", "America/Chicago", "73.45"), ("US", "", "73.193"),
    ("CA", "", "99.224"), ("MX", "", "187.189"), ("GB", "", "86.128"), ("IE", "", "86.40"),
    ("DE", "", "79.192"), ("IN", "", "49.36"),
)
_BROWSERS = (
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.5 Safari/605.1.15"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36"),
)
_PHONES = (
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.5 Mobile/15E148 Safari/604.1"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Mobile Safari/537.36"),
)


def _number(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:8], "big")


def block(country: str, zone: str = "") -> str:
    return next((b for c, z, b in _BLOCKS if c == country and zone.startswith(z)),
                next(b for c, _, b in _BLOCKS if c == "US"))


def address(country: str, zone: str, *who: object) -> str:
    """A stable address for ``who`` (a person and a device) in that country and zone."""
    value = _number("ip", country, *who)
    return f"{block(country, zone)}.{1 + value % 254}.{1 + (value >> 8) % 254}"


def user_agent(phone: bool, *who: object) -> str:
    choices = _PHONES if phone else _BROWSERS
    return choices[_number("ua", *who) % len(choices)]


def device(*who: object) -> str:
    """A device fingerprint, as a browser sends one to a trusted app."""
    return hashlib.sha256(":".join(map(str, ("device", *who))).encode()).hexdigest()[:32]
