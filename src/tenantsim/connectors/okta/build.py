"""The company in Okta, built the way an admin would with the fewest calls:

groups first; each department group is granted its apps (one call per app and department, not per
person); then people, managers before their reports, each created active and already in their groups
(groupIds on the create call), then their own app exceptions and MFA factors (``converge.py``).
"""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.kit.concurrency import bounded
from tenantsim.connectors.kit.refusals import refused
from tenantsim.connectors.okta.attributes import values_for
from tenantsim.connectors.okta.people import profile_for
from tenantsim.connectors.okta.pool import Member
from tenantsim.connectors.okta.state import OrgState
from tenantsim.errors import Skippable
from tenantsim.scenario.company import Employee, GroupSpec


async def load_apps(state: OrgState) -> None:
    member = state.pool.members[0]
    state.apps = {str(a.get("label", "")).lower(): a async for a in member.client.apps()
                  if a.get("status") == "ACTIVE"}


async def ensure_group(state: OrgState, spec: GroupSpec) -> None:
    # Group names are unique in an org and not to a job: another job may want "Engineering" too, so
    # the name is claimed for the job first (``Intents.ensure``), and the group carries no mark.
    async def find(member: Member) -> dict[str, Any] | None:
        return await member.client.find_group_by_name(spec.name)

    async def create(member: Member) -> dict[str, Any]:
        return await member.client.create_group(spec.name, spec.description)

    try:
        gid = await state.intents.ensure("group", spec.key, attrs={"name": spec.name, "kind": spec.kind},
                                         parent_key=None, find=find, create=create, claim=spec.name)
    except Skippable as exc:  # the org, or another job of it, has a group of that name: left untouched
        refused(state.ctx.ledger, "group", spec.key, exc.message, {"name": spec.name, "kind": spec.kind})
        state.ctx.activity("notice", f"Group \"{spec.name}\" was not created: {exc.message}; the one "
                           "there is left untouched.", [{"type": "group", "name": spec.name}])
        return
    if gid:
        state.groups[spec.key] = gid


def department_grants(state: OrgState) -> list[tuple[str, dict[str, Any]]]:
    """(group key, app) for every department group and each app its department gets."""
    pairs = []
    for department in state.company.departments:
        group_key = state.company.department_group(department.name)
        if group_key is None or group_key not in state.groups:
            continue
        for label in department.apps:
            app = state.apps.get(label.lower())
            if app is not None:
                pairs.append((group_key, app))
    return pairs


async def grant_department_apps(state: OrgState) -> int:
    """App assignments by department, made once per department group (Okta then covers members)."""
    pairs = department_grants(state)

    async def grant(pair: tuple[str, dict[str, Any]]) -> None:
        group_key, app = pair

        async def create(member: Member) -> dict[str, Any]:
            await member.client.assign_group_to_app(str(app["id"]), state.groups[group_key])
            return {"id": state.groups[group_key]}

        async def find(member: Member) -> dict[str, Any] | None:
            return None  # re-granting is harmless (PUT), so an unsettled intent simply grants again

        await state.intents.ensure("app_group_assignment", f"{group_key}>{app['id']}", parent_key=group_key,
                     attrs={"app_id": app["id"], "app_label": app.get("label"), "group_key": group_key},
                     find=find, create=create)

    await bounded(pairs, grant)
    return len(pairs)


async def ensure_person(state: OrgState, person: Employee) -> str | None:
    """Create one person, active and in their groups (idempotent); returns their Okta id. Their manager
    is made first (``onboard.py``), so the profile names them."""
    company, ledger = state.company, state.ctx.ledger
    entry = ledger.get("user", person.key)
    if entry is not None and entry.status == "created" and entry.platform_id:
        return entry.platform_id
    profile = full_profile(state, person, state.user_id(person.manager))
    group_keys = [k for k in company.groups_of(person) if k in state.groups]

    async def find(member: Member) -> dict[str, Any] | None:
        return await member.client.find_user_by_login(profile["login"])

    async def create(member: Member) -> dict[str, Any]:
        password = state.password_of(person, 0)
        return await member.client.create_user(profile, password=password,
                                               group_ids=[state.groups[k] for k in group_keys])

    recorded = {"login": profile["login"], "status": "ACTIVE", "groups": group_keys,
                "profile": {k: profile.get(k) for k in tracked(state)}}
    try:
        uid = await state.intents.ensure("user", person.key, attrs=recorded, parent_key=None, find=find,
                                         create=create, claim=profile["login"])
    except Skippable as exc:  # recorded even when refused before its intent: not asked for again
        refused(ledger, "user", person.key, exc.message, recorded)
        state.ctx.activity("notice", f"{person.name} could not be created in Okta: {exc.message}",
                           [{"type": "user", "login": profile["login"]}])
        return None
    return uid


# The profile attributes the company changes over time (the rest never change for a person).
TRACKED_PROFILE = ("title", "department", "division", "costCenter", "manager", "managerId", "city",
                   "countryCode", "timezone", "locale", "preferredLanguage")


def tracked(state: OrgState) -> tuple[str, ...]:
    """The profile attributes converging compares: Okta's own, then the job's custom ones."""
    return (*TRACKED_PROFILE, *state.attributes)


def full_profile(state: OrgState, person: Employee, manager_id: str | None) -> dict[str, Any]:
    """The person's profile with the job's custom attributes filled from the company."""
    profile = profile_for(state.company, person, manager_id)
    if state.attributes:
        custom = values_for(state.attributes, state.company, person)
        profile.update({name: value for name, value in custom.items() if value is not None})
    return profile


async def grant_direct(state: OrgState, person: Employee, user_id: str, app: dict[str, Any]) -> bool:
    """One app assigned to one person directly (USER scope), recorded for cleanup."""
    key = f"{person.key}>{app['id']}"

    async def create(member: Member) -> dict[str, Any]:
        await member.client.assign_user_to_app(str(app["id"]), user_id)
        return {"id": user_id}

    async def find(member: Member) -> dict[str, Any] | None:
        return None  # assigning again is harmless

    made = await state.intents.ensure("app_assignment", key, parent_key=person.key, find=find, create=create,
                        attrs={"app_id": app["id"], "app_label": app.get("label"), "user_key": person.key})
    return made is not None
