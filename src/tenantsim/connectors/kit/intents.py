"""The ledger discipline for one create: an intent before the call, the platform id after.

An intent left without an id (a crash mid-call, a create that got no answer), or a create refused
because the object exists (a retried call that had in fact succeeded), is settled by looking the object
up and adopting it only if the platform made it after the intent was written — so no one else's object
is ever claimed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from tenantsim.errors import HeldByAnotherJob, OutcomeUnknown, Skippable
from tenantsim.store.ledger_types import Claims, Ledger, LedgerEntry

# The allowance for clock skew between us and the platform is kept small: a wrongly refused adoption
# leaves an orphan (reported), a wrong one would let cleanup delete someone else's object.
CLOCK_SKEW = timedelta(seconds=5)
# A create that got no answer is looked up, then made again when absent, at most this many times.
UNKNOWN_OUTCOME_TRIES = 3

M = TypeVar("M")


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def made_after(
    found: dict[str, Any] | None, since: str | datetime | None, created_field: str = "created"
) -> bool:
    """The platform made ``found`` after ``since`` (an intent's time), allowing for clock skew."""
    if found is None or not since or not found.get(created_field):
        return False
    start = parse_time(since) if isinstance(since, str) else since
    return parse_time(str(found[created_field])) >= start - CLOCK_SKEW


def settle_intent(ledger: Ledger, entry: LedgerEntry, found_id: str | None, *, seeded: bool,
                  not_made: str) -> bool:
    """The outcome of a create a crash left without an id, once the object was looked up: found, it is
    recorded as created; not found once the seed is complete (nothing will ask for that key again), as
    failed with ``not_made``; during the seed it is left for the seed to make. Whether it was settled."""
    if found_id is not None:
        ledger.created(entry.kind, entry.key, found_id)
    elif seeded:
        ledger.failed(entry.kind, entry.key, not_made)
    else:
        return False
    return True


@dataclass
class Intents(Generic[M]):
    """How one platform's objects are named and found: which member acts, the id and creation fields."""

    ledger: Ledger
    checkpoint: Callable[[], Awaitable[None]]  # honours pause and stop before each create
    member_for: Callable[[LedgerEntry | None, str, str], M]  # (existing entry, kind, key) -> who acts
    label_of: Callable[[M], str]
    id_field: str = "id"
    created_field: str = "created"
    claims: Claims | None = None  # with ``tenant``: names unique in the tenant are claimed before use
    tenant: str = ""

    async def ensure(
        self,
        kind: str,
        key: str,
        *,
        attrs: dict[str, Any],
        parent_key: str | None,
        find: Callable[[M], Awaitable[dict[str, Any] | None]],
        create: Callable[[M], Awaitable[dict[str, Any]]],
        claim: str | None = None,
        look_first: bool = False,
    ) -> str | None:
        """Create the object once; its platform id, or None when the ledger says it failed.

        ``claim``: the object's name that is unique in the tenant (a login, a group's name). Another job
        of this tenant holding it refuses the create, so neither job can adopt the other's object.
        ``look_first``: the platform gives no creation time to tell a found object's age by, so the name
        is looked up before the intent: absent then, an object found under a claimed name is the job's.
        """
        ledger = self.ledger
        entry = ledger.get(kind, key)
        if entry is not None and (entry.platform_id or entry.status == "failed"):
            return entry.platform_id if entry.status == "created" else None
        member = self.member_for(entry, kind, key)
        requested_at: str | None
        if entry is None:
            if claim is not None:
                await self._claim(kind, claim)
                if look_first and await find(member) is not None:
                    raise Skippable(f"{claim} already exists in this tenant and is not the job's", 409)
            requested_at = datetime.now(UTC).isoformat()
            ledger.intent(
                kind,
                key,
                parent_key=parent_key,
                actor=self.label_of(member),
                attrs={**attrs, "requested_at": requested_at},
            )
        else:
            requested_at = entry.attrs.get("requested_at")
            found = await find(member)
            if self._ours(found, requested_at, look_first):
                assert found is not None
                ledger.created(kind, key, str(found[self.id_field]), attrs)
                return str(found[self.id_field])
        await self.checkpoint()
        for attempt in range(1, UNKNOWN_OUTCOME_TRIES + 1):
            try:
                made = await create(member)
                break
            except Skippable:
                found = await find(member)
                if not self._ours(found, requested_at, look_first):
                    raise
                assert found is not None
                made = found
                break
            except OutcomeUnknown:  # no answer: adopt it if the platform made it, else make it again
                found = await find(member)
                if self._ours(found, requested_at, look_first):
                    assert found is not None
                    made = found
                    break
                if attempt == UNKNOWN_OUTCOME_TRIES:
                    raise  # the intent stays open: the next try (or start) looks it up first
        ledger.created(kind, key, str(made[self.id_field]), attrs)
        return str(made[self.id_field])

    async def _claim(self, kind: str, name: str) -> None:
        claims, unique = self.claims, name.lower()  # names unique in a tenant are mostly case-blind
        if claims is None or claims.held(self.tenant, kind, unique):
            return
        if not await asyncio.to_thread(claims.claim, self.tenant, kind, unique):
            raise HeldByAnotherJob(f"{name} is used by another job on this tenant", 409)

    async def claim_ahead(self, kind: str, names: Iterable[str]) -> None:
        """Claim many names in one go before their objects are made one by one (a build)."""
        if self.claims is not None:
            await asyncio.to_thread(self.claims.claim_many, self.tenant, kind, {n.lower() for n in names})

    def _ours(self, found: dict[str, Any] | None, requested_at: str | None, looked_first: bool) -> bool:
        """A found object is the job's: made after its intent, or (looked up absent before the intent)
        found at all."""
        if looked_first:
            return found is not None
        return made_after(found, requested_at, self.created_field)
