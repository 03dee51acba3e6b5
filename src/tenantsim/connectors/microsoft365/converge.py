"""Make one person in Microsoft 365 agree with the company: account, profile, manager, sign-in and group
memberships (DESIGN.md example 11: desired state, converged).

What Graph was last made to show of a person is recorded in their ledger row (``shown``, ``status``,
``manager``, ``groups``), so converging compares the company with that record and makes only the calls
that differ. Every call here is safe to repeat, so running it after a crash finishes what the crash
interrupted.

Leave blocks sign-in (``accountEnabled: false``) and a return restores it. A departure takes the person
out of every group, blocks sign-in, and leaves the account for cleanup to delete. The people the job acts
as (their delegated tokens) existed before the job: their profile is never changed, only their group
memberships follow the company (recorded, since cleanup deletes the groups and the memberships
go, and the memberships with them) in the job's progress (``m365_actor_groups``), not in the ledger: the
job made none of them.
"""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.kit.accounts import account_of
from tenantsim.connectors.microsoft365.build import DEPARTED, DISABLED, ENABLED, ensure_user
from tenantsim.connectors.microsoft365.people import TRACKED, profile
from tenantsim.connectors.microsoft365.state import Tenant, department_key
from tenantsim.errors import NotFoundOnPlatform
from tenantsim.scenario.company import DEPARTED as GONE
from tenantsim.scenario.company import ON_LEAVE, Employee


def wanted_groups(tenant: Tenant, person: Employee) -> list[str]:
    """The groups a person is in now: the company's (department, office, team, communities) and their
    department's Microsoft 365 group; the people the job acts as are in every department's, since they
    work on every department's projects."""
    keys = [k for k in tenant.company.groups_of(person) if k in tenant.groups]
    if tenant.actor_of(person) is not None:
        keys += sorted(k for k in tenant.groups if k.startswith("dept:"))
    else:
        own = department_key(person.department)
        if own in tenant.groups:
            keys.append(own)
    return list(dict.fromkeys(keys))


ACTOR_GROUPS = "m365_actor_groups"  # progress: person key -> the job's groups a token owner is in


def _held(tenant: Tenant, person: Employee, actor: bool) -> list[str]:
    if actor:
        return list((tenant.ctx.progress.get(ACTOR_GROUPS) or {}).get(person.key) or [])
    entry = tenant.ctx.ledger.get("user", person.key)
    return list((entry.attrs.get("groups") if entry is not None else None) or [])


def _record(tenant: Tenant, person: Employee, actor: bool, held: list[str]) -> None:
    if actor:
        every = dict(tenant.ctx.progress.get(ACTOR_GROUPS) or {})
        every[person.key] = list(held)
        tenant.ctx.checkpoint(**{ACTOR_GROUPS: every})
    else:
        tenant.ctx.ledger.update_attrs("user", person.key, {"groups": list(held)})


async def converge_groups(tenant: Tenant, person: Employee, user_id: str, *, actor: bool = False) -> None:
    held = _held(tenant, person, actor)
    wanted = [] if person.status == GONE else wanted_groups(tenant, person)
    for key in [k for k in held if k not in wanted]:
        await tenant.ctx.checkpoint_now()
        if key in tenant.groups:
            await tenant.client.remove_member(tenant.groups[key], user_id)
        held.remove(key)
        _record(tenant, person, actor, held)
    for key in [k for k in wanted if k not in held]:
        await tenant.ctx.checkpoint_now()
        await tenant.client.add_member(tenant.groups[key], user_id)
        held.append(key)
        _record(tenant, person, actor, held)


async def converge_person(tenant: Tenant, person: Employee) -> None:
    actor = tenant.actor_of(person)
    if actor is not None:  # someone the job acts as: only their memberships follow the company
        await converge_groups(tenant, person, actor.user_id, actor=True)
        return
    ledger = tenant.ctx.ledger
    account = await account_of(ledger, person, departed_status=DEPARTED,
                               depart=lambda uid: depart(tenant, person, uid),
                               ensure=lambda: ensure_user(tenant, person))
    if account is None:
        return
    user_id, entry = account
    want = profile(tenant, person)
    shown = dict(entry.attrs.get("shown") or {})
    changes: dict[str, Any] = {k: want[k] for k in TRACKED if shown.get(k) != want[k]}
    status = str(entry.attrs.get("status") or ENABLED)
    wanted_status = DISABLED if person.status == ON_LEAVE else ENABLED
    if status != wanted_status:
        changes["accountEnabled"] = wanted_status == ENABLED
    if changes:
        await tenant.ctx.checkpoint_now()
        await tenant.client.patch_user(user_id, changes)
        ledger.update_attrs("user", person.key, {"shown": {k: want[k] for k in TRACKED},
                                                 "status": wanted_status})
    manager = tenant.user_id(person.manager)
    if manager != entry.attrs.get("manager"):
        await tenant.ctx.checkpoint_now()
        if manager is not None:
            await tenant.client.set_manager(user_id, manager)
        else:
            try:
                await tenant.client.remove_manager(user_id)
            except NotFoundOnPlatform:
                pass
        ledger.update_attrs("user", person.key, {"manager": manager})
    await converge_groups(tenant, person, user_id)


async def depart(tenant: Tenant, person: Employee, user_id: str) -> None:
    """Offboarding: out of every group, sign-in blocked (deleted at cleanup)."""
    try:
        await converge_groups(tenant, person, user_id)
        await tenant.ctx.checkpoint_now()
        await tenant.client.patch_user(user_id, {"accountEnabled": False})
    except NotFoundOnPlatform:  # removed outside the job: nothing left to block
        pass
    tenant.ctx.ledger.update_attrs("user", person.key, {"status": DEPARTED})
