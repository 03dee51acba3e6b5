"""POST /api/jobs/start validation: the seed's required fields and messages, then sane bounds.

Returns a normalised job configuration; raises InputProblems (400) otherwise: the first problem with
the seed's message (the envelope's ``error``) and every problem of the request (``errors``). Nothing
is sent to any platform before this passes.
"""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from tenantsim.connectors.registry import PLATFORMS, platform_for
from tenantsim.connectors.spec import (
    ConfigContext,
    ConfigProblems,
    PlatformSpec,
    check_choice,
    check_number,
    is_missing,
)
from tenantsim.errors import InputError, InputProblems
from tenantsim.scenario.activity import ScheduleError, parse_timezone, parse_working_hours

ACTIVITY_LEVELS = ("low", "medium", "high")
CONTENT_PROVIDERS = ("anthropic", "offline")
MAX_TOKENS = 100
MAX_STRING = 2000
# Bounded numbers of every job: (field, low, high, integer).
NUMBERS = (("time_scale", 0.001, 1_000_000, False), ("max_api_capacity", 1, 100, False),
           ("duration_days", 0.0001, 3650, False), ("seed", 0, 2**62, True))
# The fields every start request may carry, whatever the platform (each platform adds its own).
COMMON_FIELDS = ("connection_type", "template", "industry", "job_name", "activity_level", "working_hours",
                 "timezone", "time_scale", "seed", "content_provider", "anthropic_api_key", "duration_days",
                 "cleanup_after", "max_api_capacity", "user_tokens")
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


def _check_tokens(tokens: Any, token_fields: Sequence[str],
                  credential_fields: Sequence[str] = ()) -> tuple[list[dict[str, Any]], list[str]]:
    """The well-formed entries of ``user_tokens``, and a problem for each entry that is not. An entry
    without a token may carry the platform's ``credential_fields`` instead (its ``validate`` checks them)."""
    if not isinstance(tokens, list) or not tokens:
        return [], ["user_tokens must be a non-empty list of {name, token} objects"]
    if len(tokens) > MAX_TOKENS:
        return [], [f"Too many user_tokens: at most {MAX_TOKENS}"]
    cleaned: list[dict[str, Any]] = []
    problems: list[str] = []
    for index, item in enumerate(tokens):
        credentials = {f: item[f] for f in credential_fields
                       if isinstance(item, dict) and item.get(f) is not None}
        if credentials and item.get("token") is None:
            item = {**item, "token": ""}
        elif not isinstance(item, dict) or not isinstance(item.get("token"), str) or \
                not item["token"].strip():
            problems.append(f"user_tokens[{index}] must be an object with a non-empty token")
            continue
        name = item.get("name") or f"user{index + 1}"
        if not isinstance(name, str) or len(name) > 200 or len(item["token"]) > 8192:
            problems.append(f"user_tokens[{index}] has a name or token that is too long")
            continue
        entry = {"name": name, **({"token": item["token"].strip()} if item["token"] else {}), **credentials}
        absent = [field for field in token_fields if is_missing(item.get(field))]
        problems.extend(f"Missing {field} in token config for token: {name}" for field in absent)
        if absent:
            continue
        entry.update({field: item[field] for field in token_fields})
        cleaned.append(entry)
    return cleaned, problems


def known_fields(connection_type: str | None) -> tuple[str, ...]:
    """Every field a start request for this platform may carry: the shared ones, then its own."""
    spec = platform_for(connection_type)
    return tuple(dict.fromkeys((*COMMON_FIELDS, *spec.accepted_fields())))


def unknown_field(key: str, known: Sequence[str], connection_type: str) -> str:
    """"Unknown field: initial_user (did you mean initial_users?)"; a field of another platform says
    which one it belongs to."""
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6) if len(key) <= 100 else []
    key = key if len(key) <= 100 else key[:100] + "…"
    if close:
        return f"Unknown field: {key} (did you mean {close[0]}?)"
    owners = [spec for spec in PLATFORMS.values()
              if spec.connection_type != connection_type and key in spec.accepted_fields()]
    if owners:
        return (f"Unknown field: {key} (a field of {owners[0].label} jobs: "
                f"set \"connection_type\": \"{owners[0].connection_type}\")")
    return f"Unknown field: {key}"


class _Problems:
    """Every problem of one request, in the order the checks find them: (field, message, detail)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str]] = []

    def add(self, field: str, message: str, detail: str = "") -> None:
        self.items.append((field, message, detail or message))

    @contextlib.contextmanager
    def check(self, field: str) -> Iterator[None]:
        try:
            yield
        except InputError as exc:
            self.add(field, exc.message)

    def raise_any(self) -> None:
        if self.items:
            raise InputProblems([(message, detail) for _, message, detail in self.items],
                                fields=[field for field, _, _ in self.items])


def _missing_hint(spec: PlatformSpec, field: str, industries: Sequence[str]) -> str:
    """What would satisfy a missing required field, appended to its message."""
    if field == "anthropic_api_key":
        return ', or set "content_provider": "offline"'
    if field == "industry":
        return f" (one of {', '.join(industries)})"
    return spec.hints.get(field, "")


def validate_start(body: dict[str, Any], *, ctx: ConfigContext, server_has_anthropic_key: bool,
                   industries: list[str],
                   now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> dict[str, Any]:
    """The fields every job shares, then the platform's own (its ``PlatformSpec.validate``), then
    fields nobody knows. Raises ``InputProblems`` with every problem; the first is the one the seed's
    ``error`` names (the checks run in the order that reports it)."""
    if "platforms" in body:
        return _validate_platforms(body, ctx=ctx, server_has_anthropic_key=server_has_anthropic_key,
                                   industries=industries, now=now)
    try:
        spec = platform_for(body.get("connection_type"))
    except InputError as exc:
        raise InputProblems([(exc.message, exc.message)]) from None
    problems = _Problems()
    offline = body.get("content_provider") == "offline"
    missing: set[str] = set()
    for field in spec.required:
        if field == "anthropic_api_key" and (offline or server_has_anthropic_key):
            continue
        if is_missing(body.get(field)):
            missing.add(field)
            message = f"{spec.missing_prefix}: {field}"
            problems.add(field, message, message + _missing_hint(spec, field, industries))
    for key, value in body.items():
        if isinstance(value, str) and len(value) > MAX_STRING and key not in spec.long_fields:
            problems.add(key, f"Invalid value for {key}: longer than {MAX_STRING} characters")
    if "industry" not in missing and body.get("industry") not in industries:
        problems.add("industry", f"Unknown industry: {body.get('industry')}. "
                                 f"Choose one of: {', '.join(industries)}")
    for key, choices in (("activity_level", ACTIVITY_LEVELS), ("content_provider", CONTENT_PROVIDERS)):
        with problems.check(key):
            _choice(body, key, choices)
    for key, low, high, integer in NUMBERS:
        with problems.check(key):
            _number(body, key, low, high, integer=integer)
    config: dict[str, Any] = {k: v for k, v in body.items() if v is not None}
    config["connection_type"] = spec.connection_type
    config["user_tokens"] = []
    if "user_tokens" not in missing and body.get("user_tokens") is not None:  # optional for some platforms
        config["user_tokens"], token_problems = _check_tokens(body["user_tokens"], spec.token_fields,
                                                              spec.credential_fields)
        for message in token_problems:
            problems.add("user_tokens", message)
    for key, parse in (("working_hours", parse_working_hours), ("timezone", parse_timezone)):
        try:
            parse(body.get(key))
        except ScheduleError as exc:
            problems.add(key, str(exc))
    try:
        config.update(spec.validate(body, config, ctx))
    except ConfigProblems as exc:
        for field, message in exc.items:
            if field not in missing:
                problems.add(field, message)
    except InputError as exc:
        problems.add(spec.connection_type, exc.message)
    if body.get("cleanup_after") is not None:
        with problems.check("cleanup_after"):
            config["_cleanup_at"] = parse_cleanup_after(body["cleanup_after"], now())
    known = known_fields(spec.connection_type)
    for key, value in body.items():
        if key not in known and value is not None:
            problems.add(key, unknown_field(key, known, spec.connection_type))
    problems.raise_any()
    if "content_provider" not in config:
        has_key = bool(config.get("anthropic_api_key")) or server_has_anthropic_key
        config["content_provider"] = "anthropic" if has_key else "offline"
    if not config.get("job_name"):
        config["job_name"] = f"{str(body['industry']).replace('_', ' ').title()} on {spec.label}"
    return config


MAX_PLATFORMS = 5
# Set once for the whole company, never per platform.
PER_PLATFORM_ONLY = ("connection_type", "user_tokens")


def _validate_platforms(body: dict[str, Any], *, ctx: ConfigContext, server_has_anthropic_key: bool,
                        industries: list[str], now: Callable[[], datetime]) -> dict[str, Any]:
    """One company on several platforms: the shared fields at the top, each platform's target and
    tokens in an entry of ``platforms``. Each entry is checked as that platform's own job would be (with
    the shared fields it knows), its problems said with its place; the result keeps the shared fields
    at the top and each platform's own in its entry, the first platform's type as the job's."""
    entries = body.get("platforms")
    problems = _Problems()
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        problems.add("platforms", "platforms must be a non-empty list of objects, each with a "
                                  "connection_type")
        problems.raise_any()
    assert isinstance(entries, list)
    if len(entries) > MAX_PLATFORMS:
        problems.add("platforms", f"Too many platforms: at most {MAX_PLATFORMS}")
    for key in PER_PLATFORM_ONLY:
        if body.get(key) is not None:
            problems.add(key, f"{key} belongs inside each entry of platforms, not beside it")
    types = [e.get("connection_type") for e in entries]
    for index, kind in enumerate(types):
        if not kind:
            problems.add("platforms", f"platforms[{index}] needs a connection_type")
        elif kind not in PLATFORMS:
            problems.add("platforms", f"platforms[{index}]: Unsupported connection type: {kind}")
        elif types.index(kind) != index:
            problems.add("platforms", f"platforms[{index}]: {kind} is listed twice (one tenant per platform)")
    problems.raise_any()
    shared = {k: v for k, v in body.items() if k not in ("platforms", *PER_PLATFORM_ONLY)}
    configs: list[dict[str, Any]] = []
    for index, entry in enumerate(entries):
        known = known_fields(entry["connection_type"])
        merged = {**{k: v for k, v in shared.items() if k in known}, **entry}
        try:
            configs.append(validate_start(merged, ctx=ctx, server_has_anthropic_key=server_has_anthropic_key,
                                          industries=industries, now=now))
        except InputProblems as exc:
            for field, detail in zip(exc.fields, exc.details, strict=True):
                problems.add(field, f"platforms[{index}] ({entry['connection_type']}): {detail}")
    everyone_knows = {k for kind in types for k in known_fields(kind)}
    for key, value in shared.items():
        if key not in everyone_knows and value is not None:
            problems.add(key, unknown_field(key, sorted(everyone_knows), ""))
    problems.raise_any()
    derived = ("content_provider", "_cleanup_at")
    config = {k: v for k, v in configs[0].items() if k in shared or k in derived}
    for other in configs[1:]:
        config.update({k: v for k, v in other.items() if k in shared and k not in config})
    config["connection_type"] = configs[0]["connection_type"]
    config["platforms"] = [
        {k: v for k, v in c.items() if k not in config or k in PER_PLATFORM_ONLY} for c in configs
    ]
    if not body.get("job_name"):
        labels = " + ".join(platform_for(c["connection_type"]).label for c in configs)
        config["job_name"] = f"{str(body['industry']).replace('_', ' ').title()} on {labels}"
    return config
