"""The initial company in Okta, built the way an admin would with the fewest calls:

groups first; each department group is granted its apps (one call per app and department, not per
person); then people, managers before their reports, each created active and already in their groups
(groupIds on the create call). A few people get an extra app directly, as real orgs have exceptions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from tenantsim.connectors.okta.people import Worker, new_password, profile_for
from tenantsim.connectors.okta.pool import Member
from tenantsim.connectors.okta.state import OrgState, ensure
from tenantsim.content.base import GroupIdea, Person
from tenantsim.errors import Skippable

PARALLEL = 8  # calls in flight while seeding; the shared budget still paces them
DIRECT_GRANT_SHARE = 0.1
CROSS_GROUP_SHARE = 0.15


async def bounded(items: Sequence[Any], work: Callable[[Any], Awaitable[None]]) -> None:
    """``work`` on every item, a few at a time. The first failure (or JobStopping) cancels the rest
    and is raised as itself, so pause and stop take effect at once and the runner sees the real error."""
    gate = asyncio.Semaphore(PARALLEL)

    async def one(item: Any) -> None:
        async with gate:
            await work(item)

    tasks = [asyncio.ensure_future(one(item)) for item in items]
    if not tasks:
        return
    try:
        _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in tasks:
        error = None if task.cancelled() else task.exception()
        if error is not None:
            raise error


async def load_apps(state: OrgState) -> None:
    member = state.pool.members[0]
    state.apps = {str(a.get("label", "")).lower(): a async for a in member.client.apps()
                  if a.get("status") == "ACTIVE"}


def department_group(state: OrgState, department: str) -> str | None:
    return next((g.key for g in state.plan.groups if g.kind == "department" and g.department == department),
                None)


def groups_for(state: OrgState, person: Person) -> list[str]:
    """Ledger keys of the groups a person belongs in: department, office, maybe a team or two."""
    plan, rng = state.plan, state.rng("groups", person.key)
    keys = [g.key for g in plan.groups if (g.kind == "department" and g.department == person.department)
            or (g.kind == "location" and g.location == person.location)]
    teams = [g.key for g in plan.groups if g.kind == "team" and g.department == person.department]
    if teams:
        keys.append(teams[rng.randrange(len(teams))])
    company_wide = [g.key for g in plan.groups if g.kind == "team" and g.department is None]
    if company_wide and rng.random() < CROSS_GROUP_SHARE:
        keys.append(company_wide[rng.randrange(len(company_wide))])
    return keys


async def ensure_group(state: OrgState, idea: GroupIdea) -> None:
    # Group names are not unique to a job: another job (or a person) may create "Engineering" at the
    # same moment, so a group found by name is adopted only if it carries this job's mark.
    mark = f"[tenantsim {state.ctx.job_id}]"

    async def find(member: Member) -> dict[str, Any] | None:
        found = await member.client.find_group_by_name(idea.name)
        description = str(((found or {}).get("profile") or {}).get("description") or "")
        return found if mark in description else None

    async def create(member: Member) -> dict[str, Any]:
        return await member.client.create_group(idea.name, f"{idea.description} {mark}".strip())

    try:
        gid = await ensure(state, "group", idea.key, attrs={"name": idea.name, "kind": idea.kind},
                           parent_key=None, find=find, create=create)
    except Skippable as exc:  # a group of that name already exists in the org: not ours, leave it be
        state.ctx.ledger.failed("group", idea.key, exc.message)
        state.ctx.activity("notice", f"Group \"{idea.name}\" was not created: the org already has one by "
                           "that name, and it is left untouched.", [{"type": "group", "name": idea.name}])
        return
    if gid:
        state.groups[idea.key] = gid


async def grant_department_apps(state: OrgState) -> int:
    """App assignments by department, made once per department group (Okta then covers members)."""
    pairs = []
    for department in state.plan.departments:
        group_key = department_group(state, department.name)
        if group_key is None or group_key not in state.groups:
            continue
        for label in department.apps:
            app = state.apps.get(label.lower())
            if app is not None:
                pairs.append((group_key, app))

    async def grant(pair: tuple[str, dict[str, Any]]) -> None:
        group_key, app = pair

        async def create(member: Member) -> dict[str, Any]:
            await member.client.assign_group_to_app(str(app["id"]), state.groups[group_key])
            return {"id": state.groups[group_key]}

        async def find(member: Member) -> dict[str, Any] | None:
            return None  # re-granting is harmless (PUT), so an unsettled intent simply grants again

        await ensure(state, "app_group_assignment", f"{group_key}>{app['id']}", parent_key=group_key,
                     attrs={"app_id": app["id"], "app_label": app.get("label"), "group_key": group_key},
                     find=find, create=create)

    await bounded(pairs, grant)
    return len(pairs)


async def ensure_person(state: OrgState, person: Person) -> Worker | None:
    """Create one person (idempotent). Their manager must already exist."""
    found = state.roster.get(person.key)
    if found is not None:
        return found
    manager = state.roster.get(person.manager_key or "")
    profile = profile_for(person, domain=state.domain, company=state.company, manager=manager)
    group_keys = [k for k in groups_for(state, person) if k in state.groups]

    async def find(member: Member) -> dict[str, Any] | None:
        return await member.client.find_user_by_login(profile["login"])

    async def create(member: Member) -> dict[str, Any]:
        password = new_password(person.first_name, person.last_name, person.login)
        return await member.client.create_user(profile, password=password,
                                               group_ids=[state.groups[k] for k in group_keys])

    try:
        uid = await ensure(state, "user", person.key, attrs={"login": profile["login"]}, parent_key=None,
                           find=find, create=create)
    except Skippable as exc:
        state.ctx.ledger.failed("user", person.key, exc.message)
        state.ctx.activity("notice", f"{person.display_name} could not be created: {exc.message}",
                           [{"type": "user", "login": profile["login"]}])
        return None
    if uid is None:
        return None
    worker = Worker.from_person(person, uid, profile["login"], group_keys)
    state.save_worker(worker)
    return worker


def waves(people: Sequence[Person]) -> list[list[Person]]:
    """People in rounds where everyone's manager is in an earlier round."""
    placed: set[str] = set()
    remaining = list(people)
    rounds: list[list[Person]] = []
    while remaining:
        ready = [p for p in remaining if p.manager_key is None or p.manager_key in placed]
        if not ready:  # a broken chain: place the rest without their managers rather than stall
            ready = remaining
        rounds.append(ready)
        placed.update(p.key for p in ready)
        remaining = [p for p in remaining if p.key not in placed]
    return rounds


async def grant_direct(state: OrgState, worker: Worker, app: dict[str, Any], reason: str) -> bool:
    """One app assigned to one person directly (USER scope), recorded for cleanup."""
    key = f"{worker.key}>{app['id']}"

    async def create(member: Member) -> dict[str, Any]:
        await member.client.assign_user_to_app(str(app["id"]), worker.user_id)
        return {"id": worker.user_id}

    async def find(member: Member) -> dict[str, Any] | None:
        return None  # assigning again is harmless

    made = await ensure(state, "app_assignment", key, parent_key=worker.key, find=find, create=create,
                        attrs={"app_id": app["id"], "app_label": app.get("label"), "user_key": worker.key,
                               "reason": reason})
    return made is not None


def extra_app_for(state: OrgState, worker: Worker, salt: object) -> dict[str, Any] | None:
    """An app the person's department does not get as a group: a plausible individual exception."""
    department = next((d for d in state.plan.departments if d.name == worker.department), None)
    covered = {label.lower() for label in department.apps} if department else set()
    candidates = sorted(label for label in state.apps if label not in covered)
    if not candidates:
        return None
    return state.apps[state.rng("extra-app", worker.key, salt).choice(candidates)]
