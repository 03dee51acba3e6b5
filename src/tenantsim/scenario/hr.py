"""People events as pure steps on the company: each picks its subject, changes the company so every
invariant still holds (``invariants.py``), and returns the Event, or None when nobody fits now.

Hires need content (a new person's name and title) and so are done by the director with the content
provider; everything here is synchronous and deterministic given the random generator.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from tenantsim.scenario import rates
from tenantsim.scenario.company import ACTIVE, DEPARTED, ON_LEAVE, Company, Employee
from tenantsim.scenario.events import Event

MAX_SPAN = 12  # direct reports a front-line manager takes before new people go to a colleague
SENIORITY_WEIGHT = {0: 0.0, 1: 0.03, 2: 0.1, 3: 0.2, 4: 0.5}  # juniors leave far more often


def days_between(earlier: str | None, later: datetime) -> float:
    if not earlier:
        return 1e9
    return (later - datetime.fromisoformat(earlier)).total_seconds() / 86400


def morning_after(company: Company, person: Employee, at: datetime, days: float) -> datetime:
    """A working morning (09:00 local) about ``days`` after ``at``: people return on a weekday."""
    zone = ZoneInfo(company.office_of(person).time_zone)
    local = (at + timedelta(days=days)).astimezone(zone)
    day = local.date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(9, 0), tzinfo=zone).astimezone(at.tzinfo)


def front_line_manager(company: Company, department: str, level: int, exclude: str | None = None) -> \
        Employee | None:
    """Who a person of ``level`` joining ``department`` reports to: its most junior manager more senior
    than them (a team lead over a director), the one with the fewest reports; else the head; else the
    chief executive."""
    people = [p for p in company.in_department(department) if p.active and p.key != exclude]
    managers = [p for p in people if p.level < min(level, 5)]
    # A manager whose span is full takes no one more; someone more senior does.
    managers = [m for m in managers if len(company.reports_of(m.key)) < MAX_SPAN] or managers
    if managers:
        lowest = max(m.level for m in managers)
        return min((m for m in managers if m.level == lowest),
                   key=lambda m: (len(company.reports_of(m.key)), m.key))
    return company.ceo()


def settled_in_role(person: Employee, at: datetime) -> bool:
    """Long enough in the company and in their current role to be moved again: nobody is promoted,
    transferred or handed a team twice within months."""
    return (person.active
            and days_between(person.hired_at, at) >= rates.MIN_TENURE_DAYS_TO_MOVE
            and days_between(person.last_moved_at, at) >= rates.MIN_DAYS_BETWEEN_MOVES)


def _eligible_to_move(person: Employee, at: datetime) -> bool:
    return person.level >= 5 and settled_in_role(person, at)


def departure(company: Company, rng: random.Random, at: datetime, keep: Collection[str] = ()) -> Event | None:
    """Someone leaves (never one of ``keep``: the people whose accounts the job acts through)."""
    people = [p for p in company.active_people() if p.manager is not None and p.key not in keep]
    if len(people) < 2:
        return None
    weights = []
    for p in people:
        weight = SENIORITY_WEIGHT.get(p.level, 1.0)
        if days_between(p.hired_at, at) < rates.EARLY_DEPARTURE_DAYS:
            weight *= rates.EARLY_DEPARTURE_WEIGHT
        weights.append(weight)
    if not any(weights):
        return None
    person = rng.choices(people, weights=weights)[0]
    changed = [person.key]
    head = company.head_of(person.department)
    reports = company.reports_of(person.key)
    # Someone just moved into a role is not moved again: a team whose members are all new to their roles
    # goes to the manager above; a department always gets a head.
    if head is not None and head.key == person.key:  # the head leaves: the department's most senior leads it
        pool = [p for p in company.in_department(person.department) if p.key != person.key and p.active]
        pool = [p for p in pool if settled_in_role(p, at)] or pool
    else:  # a manager leaves: the most senior of their team steps up (the team stays a team)
        pool = [r for r in reports if settled_in_role(r, at)]
    successor = min(pool, key=lambda p: (p.level, p.hired_at, p.key)) if pool else None
    if successor is not None:  # promoted into the role: its level, title and place
        successor.manager, successor.level, successor.title = person.manager, person.level, person.title
        successor.last_moved_at = at.isoformat()
        changed.append(successor.key)
    else:
        successor = company.people.get(person.manager or "")
    moved = [r for r in reports if successor is not None and r.key != successor.key]
    for report in moved:
        report.manager = successor.key if successor else report.manager
        changed.append(report.key)
    person.status, person.departed_at = DEPARTED, at.isoformat()
    person.leave_kind = person.leave_until = None
    handover = ""
    if successor is not None and successor.key in changed:
        handover = f"; {successor.name} steps up as {successor.title}"
    elif successor is not None and moved:
        handover = f"; their {_plural(len(moved), 'report')} now report to {successor.name}"
    return Event(0, "departure", at.isoformat(), person.key, changed,
                 {"reports_moved": len(moved), "successor": successor.key if successor else None},
                 f"{person.name} ({person.title}, {person.department}) left {company.name}{handover}.")


def leave(company: Company, rng: random.Random, at: datetime, keep: Collection[str] = ()) -> Event | None:
    people = [p for p in company.active_people() if p.manager is not None and not company.reports_of(p.key)
              and days_between(p.hired_at, at) >= 90 and p.key not in keep]
    if not people:
        return None
    person = rng.choice(sorted(people, key=lambda p: p.key))
    kinds = list(rates.LEAVE_KINDS.items())
    kind, (_, shortest, longest) = rng.choices(kinds, weights=[spec[0] for _, spec in kinds])[0]
    until = morning_after(company, person, at, rng.uniform(shortest, longest))
    person.status, person.leave_kind, person.leave_until = ON_LEAVE, kind, until.isoformat()
    company.agenda.append({"at": until.isoformat(), "kind": "return_from_leave", "person": person.key})
    days = round((until - at).total_seconds() / 86400)
    return Event(0, "leave", at.isoformat(), person.key, [person.key],
                 {"leave_kind": kind, "until": until.isoformat(), "days": days},
                 f"{person.name} started {days} days of {kind} leave, until {until.date().isoformat()}.")


def return_from_leave(company: Company, person: Employee, at: datetime) -> Event | None:
    if person.status != ON_LEAVE:
        return None
    kind = person.leave_kind or "their"
    person.status, person.leave_kind, person.leave_until = ACTIVE, None, None
    # Back to a manager who is still here: theirs may have left while they were away.
    manager = company.people.get(person.manager or "")
    changed = [person.key]
    if manager is None or not manager.active:
        replacement = front_line_manager(company, person.department, person.level, exclude=person.key)
        person.manager = replacement.key if replacement else person.manager
    return Event(0, "return_from_leave", at.isoformat(), person.key, changed, {"leave_kind": kind},
                 f"{person.name} is back from {kind} leave.")


def transfer(company: Company, rng: random.Random, at: datetime, departments: set[str]) -> Event | None:
    """A move to another of ``departments``; the caller gives them the title there (from content)."""
    people = [p for p in company.active_people() if _eligible_to_move(p, at)]
    targets = [d for d in company.staffed_departments() if d.name in departments]
    if not people or len(targets) < 2:
        return None
    person = rng.choice(sorted(people, key=lambda p: p.key))
    options = [d for d in targets if d.name != person.department]
    if not options:
        return None
    target = rng.choices(options, weights=[d.share for d in options])[0]
    manager = front_line_manager(company, target.name, person.level, exclude=person.key)
    if manager is None or manager.department not in (target.name, "Executive"):
        return None
    old_department, old_title = person.department, person.title
    teams = company.teams_of(target.name)
    person.department, person.cost_center = target.name, target.cost_center
    person.team = teams[rng.randrange(len(teams))] if teams else None
    person.manager, person.last_moved_at = manager.key, at.isoformat()
    return Event(0, "transfer", at.isoformat(), person.key, [person.key],
                 {"from": old_department, "to": target.name, "old_title": old_title, "title": person.title,
                  "manager": manager.key},
                 f"{person.name} moved from {old_department} to {target.name} as {person.title}, "
                 f"reporting to {manager.name}.")


def promotion(company: Company, rng: random.Random, at: datetime, titles: dict[str, list[str]]) -> \
        Event | None:
    """``titles`` maps "<department>/<level>" -> titles at that level (from content)."""
    people = [p for p in company.active_people() if _eligible_to_move(p, at) and p.level >= 6]
    if not people:
        return None
    person = rng.choice(sorted(people, key=lambda p: p.key))
    choices = [t for t in titles.get(f"{person.department}/{person.level - 1}", []) if t != person.title]
    if not choices:
        return None
    old_title = person.title
    person.level -= 1
    person.title = rng.choice(choices)
    person.last_moved_at = at.isoformat()
    return Event(0, "promotion", at.isoformat(), person.key, [person.key],
                 {"old_title": old_title, "title": person.title, "level": person.level},
                 f"{person.name} was promoted from {old_title} to {person.title}.")


def app_grant(company: Company, rng: random.Random, at: datetime, catalogue: list[str]) -> Event | None:
    people = [p for p in company.active_people() if len(p.apps) < 3]
    if not people or not catalogue:
        return None
    person = rng.choice(sorted(people, key=lambda p: p.key))
    held = set(company.apps_of(person))
    # Exceptions are plausible ones: apps a neighbouring department uses, not the whole catalogue.
    candidates = sorted(label for label in catalogue if label not in held)
    if not candidates:
        return None
    label = rng.choice(candidates)
    person.apps.append(label)
    return Event(0, "app_grant", at.isoformat(), person.key, [person.key], {"app": label},
                 f"{person.name} was given access to {label} after an access request their manager approved.")


def app_revoke(company: Company, rng: random.Random, at: datetime) -> Event | None:
    people = [p for p in company.active_people() if p.apps]
    if not people:
        return None
    person = rng.choice(sorted(people, key=lambda p: p.key))
    label = rng.choice(sorted(person.apps))
    person.apps.remove(label)
    return Event(0, "app_revoke", at.isoformat(), person.key, [person.key], {"app": label},
                 f"{person.name}'s access to {label} was removed in an access review.")


def password_reset(company: Company, rng: random.Random, at: datetime) -> Event | None:
    people = company.active_people()
    if not people:
        return None
    person = rng.choice(sorted(people, key=lambda p: p.key))
    return Event(0, "password_reset", at.isoformat(), person.key, [], {},
                 f"The help desk reset {person.name}'s password after a call; they chose a new one.")


def mfa_enrollment(company: Company, rng: random.Random, at: datetime, person: Employee | None = None) -> \
        Event | None:
    if person is None:
        people = [p for p in company.active_people() if len(p.factors) < 3]
        if not people:
            return None
        person = rng.choice(sorted(people, key=lambda p: p.key))
    if not person.active:
        return None
    mix = [(name, share) for name, share in rates.FACTOR_MIX if name not in person.factors]
    if not mix:
        return None
    factor = rng.choices([n for n, _ in mix], weights=[s for _, s in mix])[0]
    person.factors.append(factor)
    first = len(person.factors) == 1
    what = {"push": "Okta Verify push", "token:software:totp": "an authenticator app", "webauthn":
            "a security key", "sms": "SMS", "question": "a security question"}.get(factor, factor)
    return Event(0, "mfa_enrollment", at.isoformat(), person.key, [person.key], {"factor": factor},
                 f"{person.name} enrolled {what} as {'their first' if first else 'another'} MFA factor.")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
