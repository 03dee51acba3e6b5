"""The director: decides what happens next in the company, and when, then applies it.

Each kind of event has a rate per simulated day drawn from the company's state (headcount, people on
leave, exceptions held) and the industry (``rates.py``); churn never depends on ``activity_level``,
day-to-day work does. Arrival times are one Poisson process over all kinds, shaped by the working
hours profile in the company's time zone, normalised so a simulated week holds exactly the expected
count whatever the profile. Scheduled events (a return from leave, a new hire's MFA enrolment) come
from the company's agenda. Everything is deterministic given the job's seed and the event number, so
the same simulated month looks the same at any ``time_scale``.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from tenantsim.content.base import ContentProvider, derive_seed
from tenantsim.scenario import hr, rates, signins, work
from tenantsim.scenario.activity import ActivityModel
from tenantsim.scenario.company import Company, Employee, employee_from
from tenantsim.scenario.events import ACCESS_KINDS, ACTIVITY_KINDS, HR_KINDS, PROJECT_KINDS, WORK_KINDS, Event
from tenantsim.scenario.offices import offices_for

HORIZON = timedelta(days=14)  # the longest the director looks ahead for the next event
TITLE_CHOICES = 6


def weekly_weight(model: ActivityModel, start: datetime) -> float:
    """Seconds of a week weighted by the profile's intensity (hour by hour)."""
    return sum(model.intensity(start + timedelta(hours=h)) for h in range(7 * 24)) * 3600.0


class Director:
    def __init__(
        self,
        company: Company,
        content: ContentProvider,
        *,
        seed: int,
        model: ActivityModel,
        kinds: Sequence[str],
        catalogue: Sequence[str] = (),
        actors: Sequence[str] = (),
    ) -> None:
        self.company = company
        self.content = content
        self.seed = seed
        self.model = model
        known = (*HR_KINDS, *ACCESS_KINDS, *ACTIVITY_KINDS, *WORK_KINDS, *PROJECT_KINDS)
        self.kinds = [k for k in known if k in set(kinds)]
        self.catalogue = sorted(set(catalogue))  # app labels the job's platforms can grant
        self.actors = list(actors)  # person keys who act on the job's work platforms
        self._weekly = weekly_weight(model, company.clock())

    # -- how often ----------------------------------------------------------------------------------
    def rates(self) -> dict[str, float]:
        """Expected events per simulated day, by kind, for the company as it is now."""
        company = self.company
        present = len(company.present_people())
        active = len(company.active_people())
        level = rates.LEVEL_FACTOR.get(str(self.model.level), 1.0)
        holders = sum(len(p.apps) for p in company.active_people())
        separations = rates.turnover(company.industry).separations
        per_day = {
            "hire": rates.hires_per_head_month(company.industry, present) * present / rates.DAYS_PER_MONTH,
            "departure": separations * present / rates.DAYS_PER_MONTH,
            "leave": rates.leave_starts_per_head_day() * active,
            "transfer": rates.TRANSFERS_PER_YEAR / 365 * active,
            "promotion": rates.PROMOTIONS_PER_YEAR / 365 * active,
            "password_reset": rates.PASSWORD_RESETS_PER_DAY * active * level,
            "app_grant": rates.ACCESS_REQUESTS_PER_YEAR / 365 * active * level if self.catalogue else 0.0,
            "app_revoke": rates.ACCESS_REVOKES_PER_YEAR / 365 * holders * level,
            "mfa_enrollment": rates.FACTOR_ADDS_PER_YEAR / 365 * active * level,
            "sign_in": rates.SIGN_INS_PER_PERSON_DAY * 5 / 7 * active * level,
        }
        actors = sum(1 for key in self.actors if (p := company.people.get(key)) is not None and p.active)
        work_per_day = rates.WORK_ACTIONS_PER_PERSON_DAY * 5 / 7 * level * actors
        for kind, share in work.SHARES.items():
            per_day[kind] = work_per_day * share
        return {k: per_day[k] for k in self.kinds if per_day.get(k, 0.0) > 0}

    # -- when and what -------------------------------------------------------------------------------
    def _rng(self, *names: object) -> random.Random:
        return random.Random(derive_seed(self.seed, "director", self.company.event_seq, *names))

    def next_due(self) -> tuple[datetime, str | None, dict[str, str] | None]:
        """When the next event happens after the company's last one, its kind, and the agenda item it
        settles (scheduled events). Kind None: nothing is due within the horizon (look again then)."""
        after = self.company.clock()
        rng = self._rng("when", self.company.sim_now)
        per_day = self.rates()
        total = sum(per_day.values())
        when = after + HORIZON
        if total > 0:
            peak = total * 7 / self._weekly  # events per simulated second at full intensity
            waited = 0.0
            while waited < HORIZON.total_seconds():
                waited += -math.log(1.0 - rng.random()) / peak
                if rng.random() < self.model.intensity(after + timedelta(seconds=waited)):
                    break
            when = after + timedelta(seconds=min(waited, HORIZON.total_seconds()))
        item = min(self.company.agenda, key=lambda i: i["at"], default=None)
        if item is not None and datetime.fromisoformat(item["at"]) <= when:
            return max(after, datetime.fromisoformat(item["at"])), item["kind"], item
        if total <= 0 or when >= after + HORIZON:
            return when, None, None
        return when, self.draw_kind(rng), None

    def draw_kind(self, rng: random.Random | None = None, tried: Collection[str] = ()) -> str | None:
        """A kind by its rate; ``tried`` kinds found nobody to act now, so a redraw leaves them out
        (the draw is seeded by the company's state, which a kind that did nothing leaves unchanged)."""
        per_day = {kind: rate for kind, rate in self.rates().items() if rate > 0 and kind not in tried}
        if not per_day:
            return None
        rng = rng or self._rng("kind", *sorted(tried))
        return rng.choices(list(per_day), weights=list(per_day.values()))[0]

    # -- applying ------------------------------------------------------------------------------------
    async def apply(self, kind: str, at: datetime, item: dict[str, str] | None = None) -> Event | None:
        """Change the company by one event at simulated time ``at``; None when nobody fits it now.
        The event is left in ``company.pending`` until every platform has reflected it."""
        company = self.company
        if item is not None and item in company.agenda:
            company.agenda.remove(item)
        at = max(at, company.clock())
        rng = self._rng("apply", kind)
        if item is not None and item.get("project"):
            event = await self._project_step(kind, at, rng, item["project"])
        else:
            event = await self._step(kind, at, rng, company.people.get(item["person"]) if item else None)
        company.sim_now = at.isoformat()
        if event is None:
            return None
        company.event_seq += 1
        event.seq = company.event_seq
        company.pending = event.to_dict()
        return event

    async def _project_step(self, kind: str, at: datetime, rng: random.Random, project: str) -> Event | None:
        if kind == "project_wrapping_up":
            return work.wrap_up(self.company, project, at, rng)
        if kind == "project_completed" and kind in self.kinds:
            company, content = self.company, self.content
            return await work.complete_project(company, content, self.seed, project, at, self.actors)
        return None

    async def _step(
        self, kind: str, at: datetime, rng: random.Random, subject: Employee | None
    ) -> Event | None:
        company = self.company
        if kind == "hire":
            return await self._hire(at, rng)
        if kind == "departure":
            return hr.departure(company, rng, at, keep=self.actors)
        if kind == "leave":
            return hr.leave(company, rng, at, keep=self.actors)
        if kind == "return_from_leave":
            return hr.return_from_leave(company, subject, at) if subject else None
        if kind == "transfer":
            event = hr.transfer(company, rng, at, {d.name for d in company.staffed_departments()})
            if event is not None:  # the title at their own level in the new department
                person = company.people[event.person or ""]
                person.title = await self.content.title_for(
                    company.industry, person.department, person.level, company.event_seq
                )
                event.details["title"] = person.title
                event.sentence = (
                    f"{person.name} moved from {event.details['from']} to {person.department} "
                    f"as {person.title}, reporting to "
                    f"{company.people[person.manager or ''].name}."
                )
            return event
        if kind == "promotion":
            titles: dict[str, list[str]] = {}
            for d in company.staffed_departments():
                for level in (5, 6):
                    found = {
                        await self.content.title_for(company.industry, d.name, level, n)
                        for n in range(TITLE_CHOICES)
                    }
                    titles[f"{d.name}/{level}"] = sorted(found)
            return hr.promotion(company, rng, at, titles)
        if kind == "app_grant":
            return hr.app_grant(company, rng, at, self.catalogue)
        if kind == "app_revoke":
            return hr.app_revoke(company, rng, at)
        if kind == "password_reset":
            return hr.password_reset(company, rng, at)
        if kind == "mfa_enrollment":
            return hr.mfa_enrollment(company, rng, at, subject)
        if kind == "sign_in":
            return signins.sign_in(company, rng, at)
        if kind in WORK_KINDS:
            return await work.action(company, self.content, self.seed, rng, at, kind, self.actors)
        return None

    async def _hire(self, at: datetime, rng: random.Random) -> Event | None:
        company = self.company
        departments = company.staffed_departments()
        if not departments:
            return None
        department = rng.choices(departments, weights=[d.share for d in departments])[0].name
        taken = {p.login for p in company.people.values()}
        person = (await self.content.hires(company.industry, department, 1, taken, company.next_index))[0]
        manager = hr.front_line_manager(company, department, person.level)
        if manager is None:
            return None
        lead, moved = await self._new_team_lead(manager, at)
        manager = lead or manager
        company.next_index += 1
        office = (
            manager.office if manager.office in company.offices and rng.random() < 0.6 else person.location
        )
        if office not in company.offices:
            company.offices.update(offices_for([*company.offices, office]))
        teams = company.teams_of(department)
        index = company.next_index - 1
        key = f"p{index:05d}"
        hired = dataclasses.replace(person, key=key, department=department, location=office,
                                    manager_key=manager.key, employee_number=f"E{100001 + index}")
        team = teams[rng.randrange(len(teams))] if teams else None
        employee = employee_from(hired, team=team, communities=[], hired_at=at.isoformat())
        company.people[key] = employee
        if "mfa_enrollment" in self.kinds:
            enrol = at + timedelta(days=rng.uniform(*rates.NEW_HIRE_MFA_DAYS))
            company.agenda.append({"at": enrol.isoformat(), "kind": "mfa_enrollment", "person": key})
        grown = f" {lead.name} was promoted to {lead.title} to lead the growing team." if lead else ""
        details = {"department": department, "manager": manager.key, "new_lead": lead.key if lead else None}
        sentence = (f"{employee.name} joined {company.name} as {employee.title} in {department}, reporting "
                    f"to {manager.name}.{grown}")
        return Event(0, "hire", at.isoformat(), key, [key, *([lead.key] if lead else []), *moved], details,
                     sentence)

    async def _new_team_lead(self, manager: Employee, at: datetime) -> tuple[Employee | None, list[str]]:
        """A team at its span splits: its most senior eligible member becomes a manager (level 4) beside
        their old manager, under the same head, and takes half the team and the new hire. Returns the new
        lead and the people who moved to them."""
        company = self.company
        boss = company.people.get(manager.manager or "")
        reports = company.reports_of(manager.key)
        if (len(reports) < hr.MAX_SPAN or manager.level != 4 or boss is None
                or boss.department != manager.department or boss.level >= 4):
            return None, []
        candidates = [p for p in reports
                      if p.level == 5 and hr.settled_in_role(p, at) and not company.reports_of(p.key)]
        if not candidates:
            return None, []
        lead = min(candidates, key=lambda p: (p.hired_at, p.key))
        lead.level, lead.manager, lead.last_moved_at = 4, boss.key, at.isoformat()
        lead.title = await self.content.title_for(company.industry, lead.department, 4, company.event_seq)
        moved = [p for p in sorted(reports, key=lambda p: p.key)[1::2] if p.key != lead.key]
        for report in moved:  # half the old team goes with the new lead, as a team split does
            report.manager = lead.key
        return lead, [p.key for p in moved]
