"""When things happen: events per simulated hour by activity level, shaped by local business hours.

A job's clock is simulated: ``time_scale`` simulated seconds pass per real second, so a demo can
show a working day in minutes. Arrivals are a Poisson process whose rate follows the working-hours
profile in the org's time zone (sampled by thinning).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

EVENTS_PER_HOUR = {"low": 6.0, "medium": 20.0, "high": 60.0}
OFF_HOURS_SHARE = 0.08  # a little happens in the evening (on-call, late replies)
WEEKEND_SHARE = 0.04

WORKING_HOURS = {
    "business": (9, 17, False),  # Mon-Fri 09-17
    "extended": (7, 20, False),
    "always": (0, 24, True),  # every hour of every day at full rate
}
_RANGE = re.compile(r"^(\d{1,2})(?::00)?-(\d{1,2})(?::00)?$")


class ScheduleError(ValueError):
    pass


def parse_working_hours(value: str | None) -> tuple[int, int, bool]:
    if not value:
        return WORKING_HOURS["business"]
    if value in WORKING_HOURS:
        return WORKING_HOURS[value]
    match = _RANGE.match(value.strip())
    if match:
        start, end = int(match.group(1)), int(match.group(2))
        if 0 <= start < end <= 24:
            return (start, end, False)
    raise ScheduleError(f"working_hours must be one of {', '.join(WORKING_HOURS)} or a range like 08-18")


def parse_timezone(value: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(value or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"Unknown timezone: {value}") from None


@dataclass
class ActivityModel:
    level: str = "medium"
    working_hours: tuple[int, int, bool] = WORKING_HOURS["business"]
    zone: ZoneInfo = ZoneInfo("UTC")

    def intensity(self, when: datetime) -> float:
        """Share of the peak rate at a simulated instant (0..1)."""
        start, end, every_day = self.working_hours
        local = when.astimezone(self.zone)
        if not every_day and local.weekday() >= 5:
            return WEEKEND_SHARE
        return 1.0 if start <= local.hour < end else OFF_HOURS_SHARE


@dataclass
class SimClock:
    """Maps real time to the job's simulated time."""

    origin_real: float
    origin_sim: datetime
    time_scale: float = 1.0

    def sim_now(self, real_now: float) -> datetime:
        return self.origin_sim + timedelta(seconds=(real_now - self.origin_real) * self.time_scale)

    def real_seconds(self, sim_seconds: float) -> float:
        return sim_seconds / max(self.time_scale, 1e-9)
