"""The ongoing life of the org: each event is real Okta calls plus one readable activity entry.

Every event returns False when it has nobody to act on right now (the caller tries another kind).
"""

from __future__ import annotations

import dataclasses
import random
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta

from tenantsim.connectors.okta.build import department_group, ensure_person, extra_app_for, grant_direct
from tenantsim.connectors.okta.people import ACTIVE, Worker, new_password
from tenantsim.connectors.okta.settle import DEPARTING, REMOVING, assignments_gone_with
from tenantsim.connectors.okta.state import OrgState, parse_time

QUESTIONS = ("favorite_toy", "first_computer_game", "favorite_movie_quote", "first_award",
             "favorite_vacation_location", "childhood_dream_job", "first_music_purchase")
LEAVE_KINDS = ("parental", "medical", "sabbatical", "personal")


def _active(state: OrgState, *, min_level: int = 1) -> list[Worker]:
    return [w for w in state.roster.values() if w.status == ACTIVE and w.level >= min_level]


def _by_seniority(rng: random.Random, people: list[Worker]) -> Worker:
    """Juniors leave and take leave far more often than executives do."""
    weights = [{1: 0.03, 2: 0.1, 3: 0.2, 4: 0.5}.get(w.level, 1.0) for w in people]
    return rng.choices(people, weights=weights)[0]


def _obj(worker: Worker) -> dict[str, str]:
    return {"type": "user", "id": worker.user_id, "login": worker.login, "name": worker.name}


def _manager_for(state: OrgState, department: str, level: int, exclude: str | None = None) -> Worker | None:
    """The closest more senior active person in the department with the fewest reports."""
    seniors = [w for w in state.people_in(department) if w.level < level and w.key != exclude]
    if not seniors:
        return next((w for w in state.roster.values() if w.level == 0 and w.status == ACTIVE), None)
    closest = max(w.level for w in seniors)
    reports = {w.key: 0 for w in seniors}
    for w in state.roster.values():
        if w.manager_key in reports:
            reports[w.manager_key] += 1
    return min((w for w in seniors if w.level == closest), key=lambda w: (reports[w.key], w.key))


async def hire(state: OrgState, n: int) -> bool:
    rng = state.rng("hire", n)
    departments = [d for d in state.plan.departments if department_group(state, d.name) in state.groups]
    if not departments:
        return False
    department = rng.choices(departments, weights=[d.share for d in departments])[0].name
    taken = {w.login.split("@")[0] for w in state.roster.values()} | {p.login for p in state.plan.people}
    start = len(state.plan.people) + int(state.ctx.progress.get("okta_hires", 0))
    person = (await state.ctx.content.hires(state.plan.industry, department, 1, taken, start))[0]
    manager = _manager_for(state, department, person.level)
    person = dataclasses.replace(person, manager_key=manager.key if manager else None)
    worker = await ensure_person(state, person)
    state.ctx.checkpoint(okta_hires=int(state.ctx.progress.get("okta_hires", 0)) + 1)
    if worker is None:
        return False
    boss = f", reporting to {manager.name}" if manager else ""
    state.ctx.activity("hire", f"{worker.name} joined {state.company} as {worker.title} in {department}"
                       f"{boss}; their Okta account was created active in {len(worker.groups)} groups.",
                       [_obj(worker)])
    return True


async def departure(state: OrgState, n: int) -> bool:
    people = _active(state)
    if len(people) < 2:
        return False
    worker = _by_seniority(state.rng("departure", n), people)
    member = state.acting("departure", n)
    ledger = state.ctx.ledger
    ledger.update_attrs("user", worker.key, {DEPARTING: True})  # settled on restart if we die mid-way
    await member.client.deactivate(worker.user_id)
    worker.status = "DEPROVISIONED"
    assignments_gone_with(ledger, worker)  # Okta removes app access on deactivation
    ledger.update_attrs("user", worker.key, {**worker.attrs(), DEPARTING: False})
    state.roster[worker.key] = worker
    new_manager = state.roster.get(worker.manager_key or "")
    moved = 0
    for report in [w for w in state.roster.values() if w.manager_key == worker.key and w.status == ACTIVE]:
        await state.ctx.checkpoint_now()
        profile = {"manager": new_manager.name, "managerId": new_manager.user_id} if new_manager else \
            {"manager": None, "managerId": None}
        await member.client.update_profile(report.user_id, profile)
        report.manager_key = new_manager.key if new_manager else None
        state.save_worker(report)
        moved += 1
    handover = ""
    if moved and new_manager:
        handover = f"; {'their report now reports' if moved == 1 else f'their {moved} reports now report'} " \
                   f"to {new_manager.name}"
    state.ctx.activity("departure", f"{worker.name} ({worker.title}, {worker.department}) left "
                       f"{state.company}; their account was deactivated and app access removed{handover}.",
                       [_obj(worker)])
    return True


async def leave(state: OrgState, n: int) -> bool:
    people = _active(state)
    if not people:
        return False
    rng = state.rng("leave", n)
    worker = _by_seniority(rng, people)
    await state.acting("leave", n).client.suspend(worker.user_id)
    days = rng.randint(5, 45)
    worker.status = "SUSPENDED"
    worker.leave_until = (state.sim_now() + timedelta(days=days)).isoformat()
    state.save_worker(worker)
    kind = rng.choice(LEAVE_KINDS)
    state.ctx.activity("leave", f"{worker.name} started {days} days of {kind} leave; their account is "
                       "suspended until they return.", [_obj(worker)])
    return True


async def return_from_leave(state: OrgState, n: int) -> bool:
    now = state.sim_now()
    due = [w for w in state.roster.values()
           if w.status == "SUSPENDED" and w.leave_until and parse_time(w.leave_until) <= now]
    if not due:
        return False
    worker = min(due, key=lambda w: (w.leave_until or "", w.key))
    await state.acting("return", n).client.unsuspend(worker.user_id)
    worker.status, worker.leave_until = ACTIVE, None
    state.save_worker(worker)
    state.ctx.activity("return_from_leave", f"{worker.name} is back from leave; their account was "
                       "unsuspended.", [_obj(worker)])
    return True


async def transfer(state: OrgState, n: int) -> bool:
    rng = state.rng("transfer", n)
    people = [w for w in _active(state, min_level=3)
              if department_group(state, w.department) in state.groups]
    targets = [d.name for d in state.plan.departments if department_group(state, d.name) in state.groups]
    if not people or len(targets) < 2:
        return False
    worker = rng.choice(people)
    old, new = worker.department, rng.choice([d for d in targets if d != worker.department])
    old_key, new_key = department_group(state, old), department_group(state, new)
    assert old_key is not None and new_key is not None
    client = state.acting("transfer", n).client
    await client.remove_member(state.groups[old_key], worker.user_id)
    await client.add_member(state.groups[new_key], worker.user_id)
    title = await state.ctx.content.title_for(state.plan.industry, new, worker.level, n)
    manager = _manager_for(state, new, worker.level, exclude=worker.key)
    cost_center = next((d.cost_center for d in state.plan.departments if d.name == new), worker.cost_center)
    profile = {"department": new, "division": new, "title": title, "costCenter": cost_center,
               "manager": manager.name if manager else None,
               "managerId": manager.user_id if manager else None}
    await state.ctx.checkpoint_now()
    await client.update_profile(worker.user_id, profile)
    worker.groups = [k for k in worker.groups if k != old_key] + [new_key]
    worker.department, worker.title, worker.cost_center = new, title, cost_center
    worker.manager_key = manager.key if manager else None
    state.save_worker(worker)
    state.ctx.activity("transfer", f"{worker.name} moved from {old} to {new} as {title}; their groups and "
                       "profile were updated.", [_obj(worker)])
    return True


async def promotion(state: OrgState, n: int) -> bool:
    people = _active(state, min_level=4)
    if not people:
        return False
    worker = state.rng("promotion", n).choice(people)
    old_title = worker.title
    level = worker.level - 1
    title = await state.ctx.content.title_for(state.plan.industry, worker.department, level, n)
    if title == old_title:
        title = f"Senior {old_title}" if not old_title.startswith("Senior") else f"Lead {old_title[7:]}"
    await state.acting("promotion", n).client.update_profile(worker.user_id, {"title": title})
    worker.title, worker.level = title, level
    state.save_worker(worker)
    state.ctx.activity("promotion", f"{worker.name} was promoted from {old_title} to {title}.",
                       [_obj(worker)])
    return True


async def app_grant(state: OrgState, n: int) -> bool:
    people = _active(state)
    if not people or not state.apps:
        return False
    worker = state.rng("app_grant", n).choice(people)
    app = extra_app_for(state, worker, n)
    if app is None or state.ctx.ledger.get("app_assignment", f"{worker.key}>{app['id']}") is not None:
        return False
    if not await grant_direct(state, worker, app, "requested"):
        return False
    state.ctx.activity("app_grant", f"{worker.name} was given access to {app.get('label')} after an access "
                       "request their manager approved.",
                       [_obj(worker), {"type": "app", "id": app["id"], "label": app.get("label")}])
    return True


async def app_revoke(state: OrgState, n: int) -> bool:
    ledger = state.ctx.ledger
    held = [e for e in ledger.entries("app_assignment", statuses=["created"])
            if state.roster.get(str(e.attrs.get("user_key"))) is not None
            and state.roster[str(e.attrs["user_key"])].status == ACTIVE]
    if not held:
        return False
    entry = state.rng("app_revoke", n).choice(sorted(held, key=lambda e: e.key))
    worker = state.roster[str(entry.attrs["user_key"])]
    ledger.update_attrs("app_assignment", entry.key, {REMOVING: True})  # settled on restart if need be
    await state.pool.by_label(entry.actor).client.unassign_user_from_app(str(entry.attrs["app_id"]),
                                                                         worker.user_id)
    ledger.deleted("app_assignment", entry.key)
    state.ctx.activity("app_revoke", f"{worker.name}'s access to {entry.attrs.get('app_label')} was removed "
                       "in an access review.", [_obj(worker), {"type": "app", "id": entry.attrs["app_id"]}])
    return True


async def password_reset(state: OrgState, n: int) -> bool:
    people = _active(state, min_level=0)
    if not people:
        return False
    worker = state.rng("password_reset", n).choice(people)
    client = state.acting("password_reset", n).client
    await client.reset_password(worker.user_id)  # sendEmail=false: the link comes back to us, unmailed
    await state.ctx.checkpoint_now()
    await client.set_password(worker.user_id, new_password(worker.first_name, worker.last_name, worker.login))
    state.ctx.activity("password_reset", f"The help desk reset {worker.name}'s password after a call; they "
                       "chose a new one and are active again.", [_obj(worker)])
    return True


async def mfa_enrollment(state: OrgState, n: int) -> bool:
    people = [w for w in _active(state, min_level=0) if "question" not in w.factors]
    if not people:
        return False
    rng = state.rng("mfa", n)
    worker = rng.choice(people)
    factor = {"factorType": "question", "provider": "OKTA",
              "profile": {"question": rng.choice(QUESTIONS), "answer": secrets.token_urlsafe(9)}}
    made = await state.acting("mfa", n).client.enroll_factor(worker.user_id, factor)
    worker.factors.append("question")
    state.save_worker(worker)
    state.ctx.activity("mfa_enrollment", f"{worker.name} enrolled a security question as an MFA factor "
                       f"(status {made.get('status', 'ACTIVE')}).", [_obj(worker)])
    return True


Event = Callable[[OrgState, int], Awaitable[bool]]
EVENTS: dict[str, tuple[Event, float]] = {
    "hire": (hire, 9), "departure": (departure, 3), "leave": (leave, 3),
    "return_from_leave": (return_from_leave, 8), "transfer": (transfer, 5), "promotion": (promotion, 5),
    "app_grant": (app_grant, 7), "app_revoke": (app_revoke, 4), "password_reset": (password_reset, 4),
    "mfa_enrollment": (mfa_enrollment, 6),
}
