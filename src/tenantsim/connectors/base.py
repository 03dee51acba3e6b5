"""The connector interface. Connectors know nothing of jobs: a job hands them a ``JobContext``.

A platform package (``connectors/<platform>/``) provides:

* ``client.py``  — paths, auth, pagination, ``classify_response`` (status -> errors.py taxonomy)
* ``service.py`` — what a job does on that platform (``PlatformService``)
* ``cleanup.py`` — deletes the ledger's objects in dependency order
* a ``Connector`` object registered in ``connectors/registry.py``
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import httpx

from tenantsim.connectors.ratelimit import BudgetRegistry

if TYPE_CHECKING:
    from tenantsim.connectors.http import CallObserver, HttpStats
    from tenantsim.content.base import ContentProvider


@dataclass
class ConnectorRuntime:
    """What every connector of this server shares: budgets, mode and test hooks."""

    budgets: BudgetRegistry = field(default_factory=BudgetRegistry)
    sandbox_mode: bool = False
    okta_allowed_hosts: list[str] = field(default_factory=list)
    transport: httpx.AsyncBaseTransport | None = None  # tests may inject one; production: None
    observer: CallObserver | None = None  # metrics hook for every platform call
    timeout: float = 30.0


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

    def entries(self, kind: str | None = None,
                statuses: Sequence[str] | None = None) -> list[LedgerEntry]: ...

    def counts(self) -> dict[str, int]: ...


@runtime_checkable
class JobContext(Protocol):
    """What a running job offers the platform code. Implemented by ``tenantsim.jobs.context``."""

    job_id: str
    config: dict[str, Any]  # the job's validated configuration, secrets included (never log it)
    ledger: Ledger
    content: ContentProvider
    http_stats: HttpStats  # per-tenant rate-limit figures shown in GET /api/jobs/<id>

    def rng(self, *names: object) -> random.Random:
        """A generator seeded from the job's seed and the names: per-entity, reproducible."""
        ...

    def activity(self, event_type: str, message: str, objects: list[dict[str, Any]] | None = None) -> None:
        """Append to the job's activity log: a readable sentence and the objects involved."""
        ...

    def checkpoint(self, **progress: Any) -> None:
        """Persist progress (merged into the job's progress dict); survives restarts."""
        ...

    def record_created(self, kind: str, key: str, platform_id: str, attrs: dict[str, Any] | None = None,
                       **progress: Any) -> None:
        """``ledger.created`` and ``checkpoint(**progress)`` in one transaction."""
        ...

    @property
    def progress(self) -> dict[str, Any]: ...

    async def checkpoint_now(self) -> None:
        """Honour pause/stop: returns when the job may go on, raises JobStopping otherwise."""
        ...


class PlatformService(Protocol):
    """What a job does on one platform."""

    async def seed(self) -> None:
        """Build the initial company. Resumable: skips what the ledger says exists."""
        ...

    def event_types(self) -> Sequence[str]:
        """The kinds of ongoing event this platform produces."""
        ...

    async def run_event(self, event_type: str | None = None) -> str | None:
        """Produce one ongoing event (a random weighted one when None). Returns its type, or None
        when nothing could be done right now."""
        ...

    def seed_total(self) -> int:
        """How many objects the initial build will create (for progress and ETA)."""
        ...

    async def cleanup(self) -> dict[str, Any]:
        """Delete the job's ledger objects in dependency order; returns the seed's result fields."""
        ...

    async def aclose(self) -> None: ...


@dataclass
class ValidatedUser:
    """What /api/validate_token returns about a token's owner."""

    name: str
    email: str | None
    id: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "email": self.email, "id": self.id}


class Connector(Protocol):
    """One per platform; registered by connection_type in ``connectors/registry.py``."""

    connection_type: str

    async def validate_token(self, credentials: dict[str, Any]) -> ValidatedUser:
        """Check one token (AuthError when refused)."""
        ...

    async def open_service(self, ctx: JobContext) -> PlatformService:
        """Validate the job's tokens (at least one must be valid) and build its service."""
        ...
