"""Realism measures: one figure read back from a tenant, the band a real company's figure falls in, and
whether this one does. Each platform's ``realism.py`` computes its own; this is their common shape
(``GET /api/jobs/<id>/realism``: ``{"name", "value", "band", "ok"}``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

from tenantsim.connectors.kit.concurrency import bounded
from tenantsim.errors import NotFoundOnPlatform
from tenantsim.scenario.company import Company
from tenantsim.scenario.rates import DAYS_PER_MONTH
from tenantsim.store.ledger_types import LedgerEntry

# The workforce measures of an identity platform (a directory of the company's people).
HIRES = "hires per 100 staff a month"
DEPARTURES = "departures per 100 staff a month"
ON_LEAVE = "staff on leave (%)"
MANAGERS_ELSEWHERE = "managers outside the department"
RATE_BAND = (0.5, 8.0)  # per 100 a month: JOLTS hires and separations, with room for size and noise
LEAVE_BAND = (0.5, 6.0)  # percent of staff: BLS CPS absences


def _text(number: float) -> str:
    return f"{number:g}"


def in_range(name: str, value: float, low: float, high: float) -> dict[str, Any]:
    value = round(value, 3)
    return {"name": name, "value": value, "band": f"{_text(low)}–{_text(high)}", "ok": low <= value <= high}


def at_least(name: str, value: float, low: float) -> dict[str, Any]:
    value = round(value, 3)
    return {"name": name, "value": value, "band": f"≥ {_text(low)}", "ok": value >= low}


def none_expected(name: str, value: float) -> dict[str, Any]:
    """A count or share that a real tenant shows none of."""
    value = round(value, 3)
    return {"name": name, "value": value, "band": "0", "ok": value == 0}


def simulated_months(company: Company) -> float:
    """Simulated time from the company's founding to its last event, in months."""
    try:
        elapsed = datetime.fromisoformat(company.sim_now) - datetime.fromisoformat(company.founded_at)
    except ValueError:
        return 0.0
    return max(0.0, elapsed.total_seconds() / 86400.0 / DAYS_PER_MONTH)


def share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def hired_after_founding(company: Company) -> set[str]:
    """Keys of the people who joined after the company was founded (the initial build made the others)."""
    founded = datetime.fromisoformat(company.founded_at)
    keys = set()
    for person in company.people.values():
        try:
            if person.hired_at and datetime.fromisoformat(person.hired_at) > founded:
                keys.add(person.key)
        except ValueError:
            continue
    return keys


def created_users(entries: list[LedgerEntry]) -> dict[str, str]:
    """The platform id of every user the job created, to the company person's key."""
    return {str(e.platform_id): e.key for e in entries
            if e.kind == "user" and e.status == "created" and e.platform_id}


async def read_by_id(found: dict[str, dict[str, Any]], ids: Iterable[str],
                     get: Callable[[str], Awaitable[dict[str, Any]]]) -> None:
    """Fill ``found`` with the record of each id it lacks, asked for one by one (a few at a time); an id
    the platform no longer holds is left out."""

    async def one(uid: str) -> None:
        try:
            found[uid] = await get(uid)
        except NotFoundOnPlatform:
            pass

    await bounded(sorted(set(ids) - set(found)), one)


def workforce(company: Company, key_of: dict[str, str], users: Iterable[str], *, employed: int,
              departed: int, on_leave: int, managers_elsewhere: int) -> list[dict[str, Any]]:
    """Hires and departures per 100 staff a month, staff on leave, managers outside the department.

    ``users``: the ids of the job's users the platform still holds; hires are the company's people who
    joined after it was founded (the initial build made the others), whatever their account's status now."""
    joined = hired_after_founding(company)
    hires = sum(1 for uid in users if key_of[uid] in joined)
    staff = max(1.0, (employed + (employed - hires + departed)) / 2)  # average headcount over the period
    months = simulated_months(company)

    def per_100_a_month(count: int) -> float:
        return 100.0 * count / staff / months if months > 0 else 0.0

    return [
        in_range(HIRES, per_100_a_month(hires), *RATE_BAND),
        in_range(DEPARTURES, per_100_a_month(departed), *RATE_BAND),
        in_range(ON_LEAVE, 100.0 * share(on_leave, employed), *LEAVE_BAND),
        none_expected(MANAGERS_ELSEWHERE, managers_elsewhere),
    ]
