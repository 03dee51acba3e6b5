"""POST /api/jobs/start validation: the seed's required fields and messages, then sane bounds.

Returns a normalised job configuration; raises InputError (400) with a clear message otherwise.
Nothing is sent to any platform before this passes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from tenantsim.connectors.registry import platform_for
from tenantsim.connectors.spec import ConfigContext, check_choice, check_number, is_missing
from tenantsim.errors import InputError
from tenantsim.scenario.activity import ScheduleError, parse_timezone, parse_working_hours

ACTIVITY_LEVELS = ("low", "medium", "high")
CONTENT_PROVIDERS = ("anthropic", "offline")
MAX_TOKENS = 100
MAX_STRING = 2000
# Longest a cleanup_after may reach into the future (ten years): beyond it, datetime overflows.
MAX_CLEANUP_SECONDS = 10 * 365 * 86400
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def _number(body: dict[str, Any], key: str, low: float, high: float, *, integer: bool = False) -> None:
    check_number(key, body.get(key), low, high, integer=integer)


def _choice(body: dict[str, Any], key: str, choices: tuple[str, ...]) -> None:
    check_choice(key, body.get(key), choices)


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


def _check_tokens(tokens: Any, token_fields: Sequence[str]) -> list[dict[str, Any]]:
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
        for field in token_fields:
            if is_missing(item.get(field)):
                raise InputError(f"Missing {field} in token config for token: {name}")
            entry[field] = item[field]
        cleaned.append(entry)
    return cleaned


def validate_start(body: dict[str, Any], *, ctx: ConfigContext, server_has_anthropic_key: bool,
                   industries: list[str],
                   now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> dict[str, Any]:
    """The fields every job shares, then the platform's own (its ``PlatformSpec.validate``)."""
    spec = platform_for(body.get("connection_type"))
    offline = body.get("content_provider") == "offline"
    for field in spec.required:
        if field == "anthropic_api_key" and (offline or server_has_anthropic_key):
            continue
        if is_missing(body.get(field)):
            raise InputError(f"{spec.missing_prefix}: {field}")
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
    config["connection_type"] = spec.connection_type
    config["user_tokens"] = _check_tokens(body["user_tokens"], spec.token_fields)
    try:
        parse_working_hours(body.get("working_hours"))
        parse_timezone(body.get("timezone"))
    except ScheduleError as exc:
        raise InputError(str(exc)) from None
    config.update(spec.validate(body, config, ctx))
    if "content_provider" not in config:
        has_key = bool(config.get("anthropic_api_key")) or server_has_anthropic_key
        config["content_provider"] = "anthropic" if has_key else "offline"
    if body.get("cleanup_after") is not None:
        config["_cleanup_at"] = parse_cleanup_after(body["cleanup_after"], now())
    if not config.get("job_name"):
        config["job_name"] = f"{str(body['industry']).replace('_', ' ').title()} on {spec.label}"
    return config
