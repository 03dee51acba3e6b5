"""What an Okta job knows while it runs: its plan, the org's apps, its groups and people.

Rebuilt from the ledger on every start, so a restarted job carries on where it stopped.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tenantsim.connectors.base import JobContext
from tenantsim.connectors.okta.people import Worker, email_domain
from tenantsim.connectors.okta.pool import Member, OktaClientPool
from tenantsim.content.base import OrgPlan
from tenantsim.errors import Skippable

# An object Okta made after our intent was written is ours. The allowance for clock skew between us
# and Okta is kept small: a wrongly refused adoption leaves an orphan (reported), a wrong one would
# let cleanup delete someone else's object.
CLOCK_SKEW = timedelta(seconds=5)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass
class OrgState:
    ctx: JobContext
    pool: OktaClientPool
    plan: OrgPlan
    apps: dict[str, dict[str, Any]] = field(default_factory=dict)  # lower-cased label -> app
    groups: dict[str, str] = field(default_factory=dict)  # group key -> Okta id
    roster: dict[str, Worker] = field(default_factory=dict)  # person key -> worker
    _origin_real: float = field(default_factory=time.time)
    _origin_sim: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def domain(self) -> str:
        return email_domain(self.plan.company_name)

    @property
    def company(self) -> str:
        return self.plan.company_name

    def rng(self, *names: object) -> random.Random:
        return self.ctx.rng("okta", *names)

    def acting(self, *names: object) -> Member:
        """Which admin token does this piece of work (spread over tokens, reproducibly)."""
        return self.pool.pick(self.rng("actor", *names))

    def sim_now(self) -> datetime:
        """The job's simulated clock: time_scale simulated seconds per real second."""
        scale = float(self.ctx.config.get("time_scale") or 1.0)
        return self._origin_sim + timedelta(seconds=(time.time() - self._origin_real) * scale)

    def start_clock(self) -> None:
        saved = self.ctx.progress.get("sim_now")
        if isinstance(saved, str):
            self._origin_sim = parse_time(saved)
        self._origin_real = time.time()

    def save_worker(self, worker: Worker) -> None:
        self.roster[worker.key] = worker
        self.ctx.ledger.update_attrs("user", worker.key, worker.attrs())

    def people_in(self, department: str, status: str | None = "ACTIVE") -> list[Worker]:
        return [w for w in self.roster.values()
                if w.department == department and (status is None or w.status == status)]


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
