"""Make one person in Google Workspace agree with the company: account, org unit, title, department,
manager, office, suspension and group memberships (DESIGN.md example 11: desired state, converged).

What Google was last made to show of a person is recorded in their ledger row (``shown``, ``status``,
``groups``), so converging compares the company with that record and makes only the calls that differ:
one PATCH with the changed fields, one call per membership added or removed. Running it twice changes
nothing; running it after a crash finishes what the crash interrupted (every call here is safe to repeat).

Leave suspends the account and a return unsuspends it (Google sets the suspension reason itself:
``ADMIN``; the API cannot write one). A departure takes the person out of their groups, suspends the
account and moves it to the ``/Former Employees`` org unit, where cleanup later deletes it; the
person's own meetings were cancelled just before (``calendar.py``).
"""

from __future__ import annotations

from tenantsim.connectors.google_workspace.build import (
    ACTIVE,
    DEPARTED,
    SUSPENDED,
    ensure_department_unit,
    ensure_former_unit,
    ensure_person,
)
from tenantsim.connectors.google_workspace.people import TRACKED, profile
from tenantsim.connectors.google_workspace.state import Workspace
from tenantsim.connectors.kit.accounts import account_of
from tenantsim.errors import NotFoundOnPlatform, Skippable
from tenantsim.scenario.company import ON_LEAVE, Employee


async def converge_person(ws: Workspace, person: Employee) -> None:
    ledger = ws.ctx.ledger
    account = await account_of(ledger, person, departed_status=DEPARTED,
                               depart=lambda uid: depart(ws, person, uid),
                               ensure=lambda: ensure_person(ws, person))
    if account is None:
        return
    uid, entry = account
    client = ws.client
    # Profile and status: one PATCH with what differs.
    await ensure_department_unit(ws, person.department)
    want = profile(ws, person)
    shown = dict(entry.attrs.get("shown") or {})
    changes = {k: want[k] for k in TRACKED if shown.get(k) != want[k]}
    status = str(entry.attrs.get("status") or ACTIVE)
    wanted_status = SUSPENDED if person.status == ON_LEAVE else ACTIVE
    if status != wanted_status:
        changes["suspended"] = wanted_status == SUSPENDED
    if changes:
        await ws.ctx.checkpoint_now()
        await client.patch_user(uid, changes)
        ledger.update_attrs("user", person.key, {"shown": {**shown, **{k: want[k] for k in TRACKED}},
                                                 "status": wanted_status})
    # Groups: the department, office, team and communities the person is in now.
    email = str(ws.address(person))
    wanted = [k for k in ws.company.groups_of(person) if k in ws.groups]
    held = list(entry.attrs.get("groups") or [])
    for key in [k for k in held if k not in wanted and k in ws.groups]:
        await ws.ctx.checkpoint_now()
        try:
            await client.remove_member(ws.groups[key], email)
        except NotFoundOnPlatform:
            pass
    for key in [k for k in wanted if k not in held]:
        await ws.ctx.checkpoint_now()
        try:
            await client.add_member(ws.groups[key], email)
        except Skippable as exc:
            if exc.status != 409:  # 409: a member already (an earlier run made it)
                raise
    if wanted != held:
        ledger.update_attrs("user", person.key, {"groups": wanted})


async def depart(ws: Workspace, person: Employee, uid: str) -> None:
    """Offboarding: out of their groups, then the account suspended and moved to the former employees'
    unit (deleted at cleanup)."""
    ledger = ws.ctx.ledger
    entry = ledger.get("user", person.key)
    shown = dict(entry.attrs.get("shown") or {}) if entry is not None else {}
    held = [k for k in (entry.attrs.get("groups") or []) if k in ws.groups] if entry is not None else []
    for key in held:
        await ws.ctx.checkpoint_now()
        try:
            await ws.client.remove_member(ws.groups[key], str(ws.address(person)))
        except NotFoundOnPlatform:
            pass
        ledger.update_attrs("user", person.key, {"groups": held[held.index(key) + 1:]})
    changes: dict[str, object] = {"suspended": True}
    former = await ensure_former_unit(ws)
    if former is not None:
        changes["orgUnitPath"] = former
        shown["orgUnitPath"] = former
    await ws.ctx.checkpoint_now()
    try:
        await ws.client.patch_user(uid, changes)
    except NotFoundOnPlatform:  # removed outside the job: nothing left to suspend
        pass
    ledger.update_attrs("user", person.key, {"status": DEPARTED, "shown": shown})
