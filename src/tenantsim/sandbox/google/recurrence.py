"""Event times and the RRULE subset real calendars use (DAILY, WEEKLY with BYDAY, MONTHLY, YEARLY;
INTERVAL, COUNT, UNTIL; EXDATE), expanded in the event's own time zone so DST moves nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tenantsim.sandbox.google import errors as err

_DAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
MAX_INSTANCES = 730  # about two years of a daily meeting; enough for any listing window a job asks for


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise err.invalid("Invalid time zone definition for start time.") from None


def parse_rfc3339(value: str, what: str = "timeMin") -> datetime:
    """timeMin / timeMax / updatedMin: RFC 3339 with an offset, or Google refuses the request."""
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise err.bad_request() from None
    if moment.tzinfo is None:
        raise err.bad_request()
    return moment


def moment_of(when: Any, which: str) -> datetime:
    """An event's start or end (``{"dateTime", "timeZone"}`` or an all-day ``{"date"}``) as an aware time."""
    if not isinstance(when, dict) or not (when.get("dateTime") or when.get("date")):
        raise err.required(f"Missing {which} time.")
    tz = zone(when.get("timeZone"))
    if when.get("dateTime"):
        try:
            moment = datetime.fromisoformat(str(when["dateTime"]).replace("z", "Z"))
        except ValueError:
            raise err.invalid(f"Invalid {which} time.") from None
        if moment.tzinfo is None:
            if not when.get("timeZone"):
                raise err.required(f"Missing time zone definition for {which} time.")
            moment = moment.replace(tzinfo=tz)
        return moment
    try:
        day = date.fromisoformat(str(when["date"]))
    except ValueError:
        raise err.invalid(f"Invalid {which} time.") from None
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def _rule(line: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for piece in line.split(":", 1)[1].split(";"):
        if "=" not in piece:
            raise err.invalid("Invalid recurrence rule.")
        key, value = piece.split("=", 1)
        parts[key.upper()] = value.upper()
    if parts.get("FREQ") not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        raise err.invalid("Invalid recurrence rule.")
    return parts


def check(recurrence: Any, start: dict[str, Any]) -> None:
    if recurrence is None:
        return
    if not isinstance(recurrence, list) or not all(isinstance(line, str) for line in recurrence):
        raise err.invalid("Invalid recurrence rule.")
    for line in recurrence:
        head = line.split(":", 1)[0].split(";", 1)[0].upper()
        if head not in ("RRULE", "EXRULE", "RDATE", "EXDATE") or ":" not in line:
            raise err.invalid("Invalid recurrence rule.")
        if head == "RRULE":
            _rule(line)
    if recurrence and start.get("dateTime") and not start.get("timeZone"):
        # Google needs the zone to know what "every Monday at 9" means across DST.
        raise err.required("Missing time zone definition for start time.")


def _until(value: str, tz: ZoneInfo) -> datetime:
    text = value.rstrip("Z")
    moment = datetime.strptime(text, "%Y%m%dT%H%M%S") if "T" in text else datetime.strptime(text, "%Y%m%d")
    return moment.replace(tzinfo=UTC) if value.endswith("Z") else moment.replace(tzinfo=tz)


def _excluded(recurrence: list[str], tz: ZoneInfo) -> set[datetime]:
    out: set[datetime] = set()
    for line in recurrence:
        if line.upper().startswith("EXDATE"):
            for value in line.split(":", 1)[1].split(","):
                out.add(_until(value.strip(), tz).astimezone(UTC))
    return out


def occurrences(start: datetime, recurrence: list[str], tz: ZoneInfo,
                limit_end: datetime) -> Iterator[datetime]:
    """Starts of the series (the first one included), in time order, up to ``limit_end``."""
    rules = [_rule(line) for line in recurrence if line.upper().startswith("RRULE")]
    if not rules:
        yield start
        return
    rule = rules[0]
    local = start.astimezone(tz).replace(tzinfo=None)
    interval = max(1, int(rule.get("INTERVAL", "1")))
    count = int(rule["COUNT"]) if "COUNT" in rule else None
    until = _until(rule["UNTIL"], tz) if "UNTIL" in rule else None
    skip = _excluded(recurrence, tz)
    days = sorted(_DAYS[d[-2:]] for d in rule.get("BYDAY", "").split(",") if d[-2:] in _DAYS)
    produced = 0
    for step in range(MAX_INSTANCES * 7):
        for candidate in _candidates(local, rule["FREQ"], interval, step, days):
            moment = candidate.replace(tzinfo=tz)
            if moment < start:
                continue
            if (until is not None and moment > until) or moment > limit_end:
                return
            if count is not None and produced >= count:
                return
            produced += 1
            if moment.astimezone(UTC) not in skip:
                yield moment
            if produced >= MAX_INSTANCES:
                return


def _candidates(local: datetime, freq: str, interval: int, step: int, days: list[int]) -> list[datetime]:
    if freq == "DAILY":
        return [local + timedelta(days=step * interval)]
    if freq == "WEEKLY":
        week = local + timedelta(weeks=step * interval)
        if not days:
            return [week]
        monday = week - timedelta(days=week.weekday())
        return [monday + timedelta(days=d) for d in days]
    months = step * interval * (12 if freq == "YEARLY" else 1)
    year, month = divmod(local.month - 1 + months, 12)
    try:
        return [local.replace(year=local.year + year, month=month + 1)]
    except ValueError:  # the 31st in a shorter month: that month has no occurrence
        return []
