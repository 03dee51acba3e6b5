"""Make one person in Okta agree with the company: account, status, groups, profile, app exceptions and
MFA factors (DESIGN.md example 11: desired state, converged).

What Okta was last made to show of a person is recorded in their ledger row, so converging compares the
company with that record and makes only the calls that differ. Running it twice changes nothing; running
it again after a crash finishes what the crash interrupted. Removals are marked in the ledger before the
call (``settle.py`` finishes a marked one on restart), so the ledger never names an object Okta no longer
holds, and never misses one it does.
"""

from __future__ import annotations

import random
import secrets
from typing import Any

from tenantsim.connectors.kit.accounts import account_of
from tenantsim.connectors.kit.phones import PHONE_FORMS
from tenantsim.connectors.okta import credentials, totp
from tenantsim.connectors.okta.build import ensure_person, full_profile, grant_direct, tracked
from tenantsim.connectors.okta.client import OktaClient
from tenantsim.connectors.okta.settle import DEPARTING, DEPROVISIONED, REMOVING, assignments_gone_with
from tenantsim.connectors.okta.state import TOTP_SECRET, OrgState
from tenantsim.errors import NotFoundOnPlatform, Skippable
from tenantsim.scenario.company import ACTIVE, ON_LEAVE, Employee

QUESTIONS = ("favorite_toy", "first_computer_game", "favorite_movie_quote", "first_award",
             "favorite_vacation_location", "childhood_dream_job", "first_music_purchase")


def factor_body(factor: str, country: str, rng: random.Random) -> tuple[dict[str, Any], bool]:
    """The enrol request for a factor type, and whether to activate it at once."""
    if factor == "question":
        return {"factorType": "question", "provider": "OKTA",
                "profile": {"question": rng.choice(QUESTIONS), "answer": secrets.token_urlsafe(9)}}, False
    if factor == "sms":
        phone = PHONE_FORMS.get(country, PHONE_FORMS["US"]).format(rng.randrange(100))
        return {"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": phone}}, True
    provider = {"token:software:totp": "GOOGLE", "webauthn": "FIDO"}.get(factor, "OKTA")
    return {"factorType": factor, "provider": provider}, False


async def converge_person(state: OrgState, person: Employee) -> None:
    ledger = state.ctx.ledger
    account = await account_of(ledger, person, departed_status=DEPROVISIONED,
                               depart=lambda uid: _deactivate(state, person, uid),
                               ensure=lambda: ensure_person(state, person))
    if account is None:
        return
    uid, entry = account
    recorded: dict[str, Any] = dict(entry.attrs)
    client = state.acting("converge", person.key, state.company.event_seq).client
    # Groups: the department, office and team the person is in now.
    want = [k for k in state.company.groups_of(person) if k in state.groups]
    have = list(recorded.get("groups") or [])
    for key in [k for k in have if k not in want]:
        await state.ctx.checkpoint_now()
        try:
            await client.remove_member(state.groups[key], uid)
        except NotFoundOnPlatform:
            pass
    for key in [k for k in want if k not in have]:
        await state.ctx.checkpoint_now()
        await client.add_member(state.groups[key], uid)
    if want != have:
        ledger.update_attrs("user", person.key, {"groups": want})
    # Profile: title, department, manager, location.
    profile = full_profile(state, person, state.user_id(person.manager))
    shown = dict(recorded.get("profile") or {})
    changed = {k: profile.get(k) for k in tracked(state) if shown.get(k) != profile.get(k)}
    if changed:
        await state.ctx.checkpoint_now()
        await client.update_profile(uid, changed)
        ledger.update_attrs("user", person.key, {"profile": {**shown, **changed}})
    # Status: leave suspends the account, a return unsuspends it.
    status = recorded.get("status", "ACTIVE")
    if person.status == ON_LEAVE and status == "ACTIVE":
        await client.suspend(uid)
        ledger.update_attrs("user", person.key, {"status": "SUSPENDED"})
    elif person.status == ACTIVE and status == "SUSPENDED":
        await client.unsuspend(uid)
        ledger.update_attrs("user", person.key, {"status": "ACTIVE"})
    await _converge_apps(state, person, uid)
    await _converge_factors(state, person, uid, list(recorded.get("factors") or []))


async def _deactivate(state: OrgState, person: Employee, uid: str) -> None:
    """Okta deactivation also drops the person's app assignments: the ledger says so too."""
    ledger = state.ctx.ledger
    ledger.update_attrs("user", person.key, {DEPARTING: True})  # settled on restart if we die mid-way
    try:
        await state.acting("departure", person.key).client.deactivate(uid)
    except NotFoundOnPlatform:
        pass
    assignments_gone_with(ledger, person.key)
    ledger.update_attrs("user", person.key, {"status": DEPROVISIONED, DEPARTING: False})


async def _converge_apps(state: OrgState, person: Employee, uid: str) -> None:
    ledger = state.ctx.ledger
    want = {state.apps[label.lower()]["id"]: state.apps[label.lower()] for label in person.apps
            if label.lower() in state.apps}
    held = {str(e.attrs.get("app_id")): e
            for e in ledger.entries("app_assignment", statuses=["created"], parent_key=person.key)
            if e.attrs.get("user_key") == person.key}
    for app_id, app in want.items():
        if app_id not in held:
            await state.ctx.checkpoint_now()
            await grant_direct(state, person, uid, app)
    for app_id, entry in held.items():
        if app_id in want:
            continue
        await state.ctx.checkpoint_now()
        ledger.update_attrs("app_assignment", entry.key, {REMOVING: True})
        try:
            await state.pool.acting_as(entry.actor).client.unassign_user_from_app(app_id, uid)
        except NotFoundOnPlatform:
            pass
        ledger.deleted("app_assignment", entry.key)


async def _converge_factors(state: OrgState, person: Employee, uid: str, enrolled: list[str]) -> None:
    missing = [f for f in person.factors if f not in enrolled]
    if not missing or person.status != ACTIVE:
        return
    rng = state.rng("factor", person.key, len(enrolled))
    client = state.acting("factor", person.key).client
    country = state.company.office_of(person).country
    for factor in missing:
        await state.ctx.checkpoint_now()
        body, activate = factor_body(factor, country, rng)
        try:
            made = await client.enroll_factor(uid, body, activate=activate)
        except Skippable as exc:
            if "already set up" not in exc.message:  # enrolled before a crash: nothing left to do
                raise
        else:
            await _activate_totp(state, person, client, uid, made)
        enrolled.append(factor)
        state.ctx.ledger.update_attrs("user", person.key, {"factors": list(enrolled)})


async def _activate_totp(state: OrgState, person: Employee, client: OktaClient, uid: str,
                         factor: dict[str, Any]) -> None:
    """A TOTP factor is activated the way its person would: with the code their app computes from the
    shared secret Okta handed back. Without a secret (or when Okta refuses the code) it stays pending.
    The secret is kept sealed in the person's ledger row: their app answers Okta's MFA challenges."""
    secret = (((factor.get("_embedded") or {}).get("activation") or {}).get("sharedSecret"))
    if factor.get("status") != "PENDING_ACTIVATION" or not secret or not factor.get("id"):
        return
    try:
        await client.activate_factor(uid, str(factor["id"]), totp.code(str(secret)))
    except Skippable:
        return
    sealed = credentials.seal(state.secret_key(), str(secret))
    state.ctx.ledger.update_attrs("user", person.key, {TOTP_SECRET: sealed})
