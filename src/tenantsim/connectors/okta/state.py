"""What an Okta job knows while it runs: the company, the org's apps and the ids of its groups.

Rebuilt from the ledger on every start, so a restarted job carries on where it stopped; the people's
Okta ids and what Okta last showed of them are in the ledger's user rows.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tenantsim.connectors.base import JobContext
from tenantsim.connectors.okta.pool import Member, OktaClientPool
from tenantsim.errors import Skippable
from tenantsim.scenario.company import Company

# An object Okta made after our intent was written is ours. The allowance for clock skew between us
# and Okta is kept small: a wrongly refused adoption leaves an orphan (reported), a wrong one would
# let cleanup delete someone else's object.
CLOCK_SKEW = timedelta(seconds=5)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass
class OrgState:
    """The company, the org's apps, and the Okta ids of the job's groups."""

    ctx: JobContext
    pool: OktaClientPool
    company: Company
    apps: dict[str, dict[str, Any]] = field(default_factory=dict)  # lower-cased label -> app
    groups: dict[str, str] = field(default_factory=dict)  # group key -> Okta id

    def rng(self, *names: object) -> random.Random:
        return self.ctx.rng("okta", *names)

    def acting(self, *names: object) -> Member:
        """Which admin token does this piece of work (spread over tokens, reproducibly)."""
        return self.pool.pick(self.rng("actor", *names))

    def user_id(self, person_key: str | None) -> str | None:
        entry = self.ctx.ledger.get("user", person_key) if person_key else None
        return entry.platform_id if entry is not None and entry.status == "created" else None


def _ours(found: dict[str, Any] | None, requested_at: str | None) -> bool:
    """Okta made this object after our intent was written (so no one else's object is ever claimed)."""
    if found is None or not requested_at or "created" not in found:
        return False
    return parse_time(str(found["created"])) >= parse_time(requested_at) - CLOCK_SKEW


async def ensure(state: OrgState, kind: str, key: str, *, attrs: dict[str, Any], parent_key: str | None,
                 find: Callable[[Member], Awaitable[dict[str, Any] | None]],
                 create: Callable[[Member], Awaitable[dict[str, Any]]]) -> str | None:
    """Create an object once: an intent before the call, the id after. An intent left without an id
    (a crash mid-call), or a create refused because the object exists (a retried call that had in fact
    succeeded), is settled by looking the object up and adopting it only if it is ours."""
    ledger = state.ctx.ledger
    entry = ledger.get(kind, key)
    if entry is not None and (entry.platform_id or entry.status == "failed"):
        return entry.platform_id if entry.status == "created" else None
    member = state.pool.by_label(entry.actor) if entry is not None else state.acting(kind, key)
    requested_at: str | None
    if entry is None:
        requested_at = datetime.now(UTC).isoformat()
        ledger.intent(kind, key, parent_key=parent_key, actor=member.label,
                      attrs={**attrs, "requested_at": requested_at})
    else:
        requested_at = entry.attrs.get("requested_at")
        found = await find(member)
        if _ours(found, requested_at):
            assert found is not None
            ledger.created(kind, key, str(found["id"]), attrs)
            return str(found["id"])
    await state.ctx.checkpoint_now()
    try:
        made = await create(member)
    except Skippable:
        found = await find(member)
        if not _ours(found, requested_at):
            raise
        assert found is not None
        made = found
    ledger.created(kind, key, str(made["id"]), attrs)
    return str(made["id"])
