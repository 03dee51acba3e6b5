"""The company on the job's first day: built deterministically from the seed and the content plan.

Everyone gets a tenure (hire date in the past), a team within their department, sometimes a
company-wide community, an MFA factor from a realistic mix, and an office with its country, zone and
locale. A job whose platforms do not create people (a work platform alone) plays the people who
already exist there: the plan's positions are filled with their names.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tenantsim.content.base import OrgPlan, Person, derive_seed
from tenantsim.scenario import rates
from tenantsim.scenario.company import (
    ON_LEAVE,
    Company,
    DepartmentInfo,
    email_domain,
    employee_from,
    group_spec,
)
from tenantsim.scenario.hr import morning_after
from tenantsim.scenario.offices import offices_for

HEADCOUNTS = {"startup": 30, "midsize": 200, "enterprise": 2000}
COMMUNITY_SHARE = 0.15
EXCEPTION_SHARE = 0.08  # people holding one app their department does not get
COMPANY_AGE_YEARS = {"startup": 4, "midsize": 12, "enterprise": 30}
MEAN_TENURE_DAYS = 900
RECENT_MOVE_SHARE = 0.15  # people whose last transfer or promotion was within the past year


@dataclass(frozen=True)
class KnownPerson:
    """Someone who already exists on a platform the job acts through (an Asana token's owner)."""

    first_name: str
    last_name: str
    login: str
    domain: str | None = None  # of their address on that platform, when it shows one


def headcount(config: dict[str, Any]) -> int:
    """The company's size: ``initial_users`` when given, else by ``org_size``."""
    if config.get("initial_users"):
        return max(1, int(config["initial_users"]))
    return HEADCOUNTS.get(str(config.get("org_size") or "startup"), HEADCOUNTS["startup"])


def weighted_choice(rng: random.Random, pairs: Sequence[tuple[str, float]]) -> str:
    return rng.choices([name for name, _ in pairs], weights=[w for _, w in pairs])[0]


def initial_factor(rng: random.Random) -> list[str]:
    if rng.random() < rates.NOT_ENROLLED_SHARE:
        return []
    return [weighted_choice(rng, rates.FACTOR_MIX)]


def _unclaimed_logins(people: Sequence[Person], taken: set[str]) -> list[Person]:
    """The plan's people with a login no known person holds (a number added where one does)."""
    taken = set(taken)
    kept = []
    for person in people:
        login, number = person.login, 2
        while login in taken:
            login, number = f"{person.login}{number}", number + 1
        taken.add(login)
        kept.append(person if login == person.login else dataclasses.replace(person, login=login))
    return kept


def found_company(
    plan: OrgPlan, seed: int, now: datetime, known: Sequence[KnownPerson] | None = None
) -> Company:
    people: Sequence[Person] = plan.people
    if known:  # the platform's existing people take the plan's first places; the plan fills the rest
        people = [
            dataclasses.replace(p, first_name=k.first_name, last_name=k.last_name, login=k.login)
            for p, k in zip(plan.people, known, strict=False)
        ] + _unclaimed_logins(plan.people[len(known):], {k.login for k in known})
    size = rates.size_of(len(people))
    age_days = COMPANY_AGE_YEARS[size] * 365
    groups = [group_spec(g) for g in plan.groups]
    team_keys: dict[str, list[str]] = {}
    for g in groups:
        if g.kind == "team" and g.department:
            team_keys.setdefault(g.department, []).append(g.key)
    communities = [g.key for g in groups if g.kind == "team" and g.department is None]
    employees = {}
    for person in people:
        rng = random.Random(derive_seed(seed, "founding", person.key))
        teams = team_keys.get(person.department, [])
        team = teams[rng.randrange(len(teams))] if teams else None
        joined = (
            [communities[rng.randrange(len(communities))]]
            if communities and rng.random() < COMMUNITY_SHARE
            else []
        )
        tenure = (
            age_days if person.manager_key is None else min(age_days, rng.expovariate(1 / MEAN_TENURE_DAYS))
        )
        employee = employee_from(
            person,
            team=team,
            communities=joined,
            hired_at=(now - timedelta(days=max(30.0, tenure))).isoformat(),
        )
        employee.factors = initial_factor(rng)
        if rng.random() < RECENT_MOVE_SHARE and tenure > 365:
            employee.last_moved_at = (now - timedelta(days=rng.uniform(20, 365))).isoformat()
        employees[person.key] = employee
    numbers = [int(k[1:]) for k in employees if k[1:].isdigit()]
    company = Company(
        name=plan.company_name,
        industry=plan.industry,
        domain=email_domain(plan.company_name),
        departments=[DepartmentInfo(d.name, d.cost_center, d.share, tuple(d.apps)) for d in plan.departments],
        offices=offices_for(list(plan.locations) + [p.location for p in people]),
        groups=groups,
        people=employees,
        next_index=max(numbers, default=-1) + 1,
        founded_at=now.isoformat(),
        sim_now=now.isoformat(),
    )
    _already_on_leave(company, seed, now)
    return company


def initial_exceptions(company: Company, catalogue: Sequence[str], seed: int) -> None:
    """A few people hold an app their department does not get: the exceptions real orgs have."""
    for person in company.people.values():
        rng = random.Random(derive_seed(seed, "exception", person.key))
        if rng.random() >= EXCEPTION_SHARE:
            continue
        held = set(company.apps_of(person))
        options = sorted(label for label in catalogue if label not in held)
        if options:
            person.apps.append(rng.choice(options))


def _managers(company: Company) -> set[str]:
    """Everyone someone present reports to, in one pass (a company of 100,000 is founded in seconds)."""
    return {p.manager for p in company.present_people() if p.manager is not None}


def _already_on_leave(company: Company, seed: int, now: datetime) -> None:
    """A real company always has a few people away: founded in steady state, with the usual share of
    its people (those without reports) already on leave for a while yet."""
    kinds = list(rates.LEAVE_KINDS.items())
    managers = _managers(company)
    eligible = sorted((p for p in company.people.values() if p.manager is not None and p.key not in managers),
                      key=lambda p: p.key)
    rng = random.Random(derive_seed(seed, "on-leave"))
    for person in rng.sample(eligible, min(len(eligible), round(len(company.people) * rates.LEAVE_SHARE))):
        kind, (_, _shortest, longest) = rng.choices(kinds, weights=[spec[0] for _, spec in kinds])[0]
        until = morning_after(company, person, now, rng.uniform(1, longest))
        person.status, person.leave_kind, person.leave_until = ON_LEAVE, kind, until.isoformat()
        company.agenda.append({"at": until.isoformat(), "kind": "return_from_leave", "person": person.key})


def adopt_known(company: Company, known: Sequence[KnownPerson]) -> list[str]:
    """A company taken over from another job (a clone onto a work platform) meets the people the job acts
    as there: each one not yet in it takes the place of an individual contributor (their role, team and
    history; a new name and address). Returns the keys of the people who changed."""
    logins = {p.login for p in company.people.values()}
    missing = [k for k in known if k.login not in logins]
    managers = _managers(company)
    places = sorted((p for p in company.active_people() if p.level >= 5 and p.manager is not None
                     and p.key not in managers), key=lambda p: (p.hired_at, p.key))
    changed = []
    for person, newcomer in zip(places, missing, strict=False):
        person.first_name, person.last_name = newcomer.first_name, newcomer.last_name
        person.login = newcomer.login
        changed.append(person.key)
    return changed
