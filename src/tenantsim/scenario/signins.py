"""Sign-ins: someone at work signs in and opens a few of their apps.

Only people whose own office clock says they are at work (weekdays, 08:00-18:30 local time) sign in,
so an office in another time zone signs in on its own day. Most sign-ins simply work; some show what
real ones do (``rates.SIGN_IN_OUTCOMES``): a mistyped password first, an account locked after repeated
failures, a second factor asked for on a new device, a sign-in from abroad while travelling. A sign-in
changes nothing in the company: it is activity for the identity platform to show.
"""

from __future__ import annotations

import random
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tenantsim.scenario import rates
from tenantsim.scenario.company import Company, Employee
from tenantsim.scenario.events import Event

WORK_START, WORK_END = 8.0, 18.5  # local hours
# Where people go when they travel (ISO country codes the identity platforms' geography knows).
TRAVEL = ("US", "GB", "DE", "IE", "CA", "MX", "IN")


def at_work(company: Company, person: Employee, at: datetime) -> bool:
    try:
        local = at.astimezone(ZoneInfo(company.office_of(person).time_zone))
    except (ZoneInfoNotFoundError, KeyError, ValueError):
        return False
    hour = local.hour + local.minute / 60
    return local.weekday() < 5 and WORK_START <= hour < WORK_END


def sign_in(company: Company, rng: random.Random, at: datetime) -> Event | None:
    people = [p for p in company.active_people() if at_work(company, p, at)]
    if not people:
        return None
    person = rng.choice(sorted(people, key=lambda p: p.key))
    office = company.office_of(person)
    outcomes = list(rates.SIGN_IN_OUTCOMES)
    outcome = rng.choices([name for name, _ in outcomes], weights=[share for _, share in outcomes])[0]
    if outcome == "mfa_challenge" and not person.factors:
        outcome = "success"
    held = company.apps_of(person)
    apps = rng.sample(held, k=min(len(held), rng.randint(1, 3))) if held else []
    details: dict[str, object] = {"outcome": outcome, "apps": apps, "country": office.country,
                                  "device": rng.randrange(2)}  # the person's laptop or phone
    where = f" from {office.city}" if office.city else ""
    said = {
        "success": f"{person.name} signed in{where} and opened {', '.join(apps) or 'their dashboard'}.",
        "mistyped_password": f"{person.name} mistyped their password, then signed in{where}.",
        "locked_out": f"{person.name} got their password wrong too many times and was locked out; the help "
                      "desk unlocked the account.",
        "mfa_challenge": f"{person.name} signed in on a new device{where} and confirmed it with their second "
                         "factor.",
    }
    if outcome == "new_country":
        abroad = [c for c in TRAVEL if c != office.country]
        details["country"] = rng.choice(abroad)
        details["device"] = 1
        asked = " and was asked for their second factor" if person.factors else ""
        said["new_country"] = f"{person.name} signed in while travelling ({details['country']}){asked}."
    return Event(0, "sign_in", at.isoformat(), person.key, [], details, said[outcome])
