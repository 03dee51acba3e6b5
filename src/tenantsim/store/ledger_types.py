"""The ledger's vocabulary: what a job recorded about each object it made on a platform.

Lives with the store (which persists it) so platform code and the store share it without either
importing the other's layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass
class LedgerEntry:
    """One object a job created (or intends to create) on the platform."""

    kind: str  # "user", "group", "group_membership", "app_assignment", "project", "task", ...
    key: str  # the job's own stable client key, unique per (job, kind)
    platform_id: str | None = None
    parent_key: str | None = None
    actor: str | None = None  # name of the user token that created it (cleanup deletes with it)
    status: str = "intent"  # intent | created | deleted | failed
    attrs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    recorded_at: datetime | None = None  # when the intent was written (reconciling adopts only newer objects)


class Ledger(Protocol):
    """Every object a job creates is recorded here: an intent before the call, the id after.

    Re-recording an intent for an existing (kind, key) returns the existing entry unchanged, so a
    restarted job can tell "already created" (platform_id set) from "maybe created" (intent only:
    look it up on the platform before creating again).
    """

    def intent(self, kind: str, key: str, *, parent_key: str | None = None, actor: str | None = None,
               attrs: dict[str, Any] | None = None) -> LedgerEntry: ...

    def created(self, kind: str, key: str, platform_id: str, attrs: dict[str, Any] | None = None,
                progress: dict[str, Any] | None = None) -> None:
        """Record the platform id; ``progress`` (the job's whole progress dict) is written in the same
        transaction, so a restart never sees the object without the progress that made it."""
        ...

    def update_attrs(self, kind: str, key: str, attrs: dict[str, Any]) -> None: ...

    def deleted(self, kind: str, key: str) -> None: ...

    def failed(self, kind: str, key: str, reason: str) -> None: ...

    def get(self, kind: str, key: str) -> LedgerEntry | None: ...

    def entries(self, kind: str | None = None, statuses: Sequence[str] | None = None, *,
                parent_key: str | None = None) -> list[LedgerEntry]:
        """Rows in the order they were first recorded; ``parent_key``: only those under that parent."""
        ...

    def counts(self) -> dict[str, int]: ...

    async def flush(self) -> None:
        """Every change recorded so far is durable (reads never need it: they are served from memory)."""
        ...


class Claims(Protocol):
    """Names unique in a tenant, held by one job at a time (``store/claims_repo.py``)."""

    def held(self, tenant: str, kind: str, name: str) -> bool:
        """Whether the job is known to hold ``name`` already (answered from memory)."""
        ...

    def claim(self, tenant: str, kind: str, name: str) -> bool:
        """Take ``name`` for the job; False when another job holds it."""
        ...

    def claim_many(self, tenant: str, kind: str, names: Iterable[str]) -> set[str]:
        """Take each name no other job holds, at once; the names the job holds."""
        ...
