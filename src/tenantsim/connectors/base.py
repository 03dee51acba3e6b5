"""The connector interface. Connectors know nothing of jobs: a job hands them a ``JobContext``.

A platform package (``connectors/<platform>/``) provides:

* ``client.py``  — paths, auth, pagination, ``classify_response`` (status -> errors.py taxonomy)
* ``adapter.py`` — makes the platform show the job's company and each of its events (``PlatformAdapter``)
* ``cleanup.py`` — deletes the ledger's objects in dependency order
* a ``Connector`` object registered in ``connectors/registry.py``

Adapters read the company (``scenario/company.py``) and its events (``scenario/events.py``) as data;
they never decide what happens in the company — the director does.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import httpx

from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.store.ledger_types import Claims, Ledger, LedgerEntry

if TYPE_CHECKING:
    from tenantsim.connectors.http import CallObserver, HttpStats
    from tenantsim.content.base import ContentProvider
    from tenantsim.scenario.company import Company
    from tenantsim.scenario.events import Event
    from tenantsim.scenario.founding import KnownPerson
    from tenantsim.scenario.worktask import WorkTask


@dataclass
class ConnectorRuntime:
    """What every connector of this server shares: budgets, mode and test hooks."""

    budgets: BudgetRegistry = field(default_factory=BudgetRegistry)
    sandbox_mode: bool = False
    okta_allowed_hosts: list[str] = field(default_factory=list)
    transport: httpx.AsyncBaseTransport | None = None  # tests may inject one; production: None
    observer: CallObserver | None = None  # metrics hook for every platform call
    timeout: float = 30.0


@runtime_checkable
class JobContext(Protocol):
    """What a running job offers the platform code. Implemented by ``tenantsim.jobs.context``."""

    job_id: str
    config: dict[str, Any]  # the job's validated configuration, secrets included (never log it)
    ledger: Ledger
    claims: Claims  # names unique in a tenant: which job may make the object that carries one
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


class PlatformAdapter(Protocol):
    """What a job does on one platform: make it show the company, then reflect each event."""

    platform: str  # its connection_type; also the ledger's platform column
    handles: frozenset[str]  # the event kinds it reflects (the director draws only kinds some adapter has)

    async def prepare(self) -> None:
        """Learn what the platform already holds that the company depends on (apps, members)."""
        ...

    def catalogue(self) -> Sequence[str]:
        """App labels people can be granted here (identity platforms); empty elsewhere."""
        ...

    def known_people(self) -> Sequence[KnownPerson] | None:
        """People who already exist here and whom the job acts as (a work platform's token owners);
        None when the platform creates the company's people itself."""
        ...

    def email_domain(self) -> str | None:
        """The domain every address of the company must be in here (a Google Workspace's own domain),
        or None when any will do. In a job with several platforms, the company takes it everywhere."""
        ...

    def build_total(self, company: Company) -> int:
        """How many objects the initial build will create (for progress and ETA)."""
        ...

    async def build(self, company: Company) -> None:
        """Make the platform show the company. Resumable: skips what the ledger says exists."""
        ...

    async def apply(self, event: Event, company: Company) -> None:
        """Reflect one event, already applied to ``company``. Idempotent: after a crash the same event
        is applied again, and must converge rather than repeat."""
        ...

    async def cleanup(self) -> dict[str, Any]:
        """Delete the job's ledger objects in dependency order; returns the seed's result fields."""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class TaskRecorder(Protocol):
    """A work platform whose ledger may hold tasks a job saved by an earlier version, when the company
    held no tasks yet: it gives them back as the company's, so the job carries on with that work."""

    def recorded_tasks(self, company: Company) -> list[WorkTask]: ...


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

    async def open_adapter(self, ctx: JobContext) -> PlatformAdapter:
        """Validate the job's tokens (at least one must be valid) and build its adapter."""
        ...

    async def realism(self, config: dict[str, Any], entries: list[LedgerEntry],
                      company: Company) -> list[dict[str, Any]]:
        """How real the job's tenant looks, read back through the platform's API (``realism.py``):
        ``[{"name", "value", "band", "ok"}]``, given the job's configuration (secrets included), its
        ledger entries on this platform and its company."""
        ...
