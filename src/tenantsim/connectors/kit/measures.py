"""Realism measures: one figure read back from a tenant, the band a real company's figure falls in, and
whether this one does. Each platform's ``realism.py`` computes its own; this is their common shape
(``GET /api/jobs/<id>/realism``: ``{"name", "value", "band", "ok"}``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tenantsim.scenario.company import Company
from tenantsim.scenario.rates import DAYS_PER_MONTH


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
