"""Field values on the wire: what a write may send for each field type, and Salesforce's date formats."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

from tenantsim.sandbox.salesforce import errors as err
from tenantsim.sandbox.salesforce.schema import Field

_KINDS = {"b": "boolean", "n": "double", "i": "int", "d": "date", "t": "datetime"}


def stamp(ts: float) -> str:
    """Salesforce's dateTime: 2024-01-15T10:30:00.000+0000."""
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).date().isoformat()


def parse_datetime(text: str) -> datetime | None:
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    if len(value) >= 5 and value[-5] in "+-" and value[-3] != ":":  # +0000 -> +00:00
        value = value[:-2] + ":" + value[-2:]
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if len(text.strip()) == 10 else None
    except ValueError:
        return None


def coerce(spec: Field, value: Any) -> Any:
    """The stored form of ``value`` for ``spec``, or Salesforce's refusal. None clears a field."""
    if value is None:
        return None
    kind = spec.kind
    if kind == "s":
        if isinstance(value, (dict, list)):
            raise err.bad_value(spec.name, "String", value)
        text = (
            value
            if isinstance(value, str)
            else ("true" if value is True else "false" if value is False else str(value))
        )
        if len(text) > spec.length:
            raise err.too_long(spec.name, spec.label, spec.length)
        return text or None  # Salesforce stores an empty string as null
    if kind == "b":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise err.bad_value(spec.name, "boolean", value)
    if kind in ("n", "i"):
        number: Any = value
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                raise err.bad_value(spec.name, _KINDS[kind], value) from None
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
            raise err.bad_value(spec.name, _KINDS[kind], value)
        if kind == "i":
            if number != int(number):
                raise err.bad_value(spec.name, "int", value)
            return int(number)
        return int(number) if isinstance(number, int) else float(number)
    if kind == "d":
        parsed = parse_date(value) if isinstance(value, str) else None
        if parsed is None:
            raise err.bad_value(spec.name, "date", value)
        return parsed.isoformat()
    if kind == "t":
        moment = parse_datetime(value) if isinstance(value, str) else None
        if moment is None:
            raise err.bad_value(spec.name, "datetime", value)
        return stamp(moment.timestamp())
    raise err.not_writable(spec.name, create=True)
