"""The build's people, each bucket kept busy: accounts are created (the users bucket) by a few creators,
each person as soon as their manager exists (their profile names the manager); what follows creation —
their own app grants (the apps bucket), a suspension, MFA factors (the default bucket) — is done by a
few finishers of its own, right after the person is made. A person waiting on the small apps bucket so
never holds up the next account, and a manager's slow grant never holds up their reports.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from tenantsim.connectors.kit.concurrency import PARALLEL, as_ready, bounded
from tenantsim.connectors.okta.build import ensure_person
from tenantsim.connectors.okta.converge import converge_person
from tenantsim.connectors.okta.state import OrgState
from tenantsim.scenario.company import Employee

# Calls in flight per lane (the org's cap is 75): enough creators that the users bucket never waits on
# our own round trips; more finishers, as one may wait seconds on the small apps bucket for a person's
# grant while the others keep the default bucket (factors) busy.
CREATORS = 2 * PARALLEL
FINISHERS = 4 * PARALLEL


async def onboard(state: OrgState, people: Sequence[Employee], done: Callable[[], None]) -> None:
    """Every person made and converged; ``done`` after each one (progress). The first failure (or a
    stop) cancels the rest and is raised."""
    created: asyncio.Queue[Employee | None] = asyncio.Queue()

    async def create(person: Employee) -> None:
        if await ensure_person(state, person) is None:  # refused (said so in the activity log)
            done()
            return
        created.put_nowait(person)

    async def creators() -> None:
        await as_ready(people, create, key=lambda p: p.key, after=lambda p: p.manager, parallel=CREATORS)
        for _ in range(FINISHERS):
            created.put_nowait(None)  # no one else is coming: each finisher stops

    async def finisher() -> None:
        while (person := await created.get()) is not None:
            await converge_person(state, person)  # the account exists: only what differs is called
            done()

    await bounded([creators, *[finisher] * FINISHERS], lambda lane: lane(), parallel=FINISHERS + 1)
