"""The content interface: structured, realistic items for a context. Knows nothing of connectors.

Providers are made per job (``content/factory.py``). Everything is deterministic for the offline
provider given the job seed; each entity draws from its own derived seed (``derive_seed``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol


def derive_seed(*parts: object) -> int:
    """A stable 64-bit seed from any parts (job seed, entity kind, index...). Not Python's hash()."""
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


@dataclass(frozen=True)
class Department:
    name: str
    share: float  # share of headcount, the shares of a pack sum to 1
    cost_center: str
    apps: tuple[str, ...] = ()  # app catalogue labels this department gets (Okta)


@dataclass(frozen=True)
class Person:
    key: str  # stable client key within the job, e.g. "p00042"
    first_name: str
    last_name: str
    login: str  # local part, unique within the job, e.g. "jane.smith" (domain added by the service)
    department: str
    title: str
    level: int  # 0 = chief executive, higher = more junior
    location: str
    employee_number: str
    cost_center: str
    manager_key: str | None  # None only for the single root of the org

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class GroupIdea:
    key: str
    name: str
    description: str
    kind: str  # "department" | "location" | "team"
    department: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class OrgPlan:
    company_name: str
    industry: str
    departments: tuple[Department, ...]
    locations: tuple[str, ...]
    people: tuple[Person, ...]
    groups: tuple[GroupIdea, ...]


@dataclass(frozen=True)
class ProjectIdea:
    key: str
    name: str
    notes: str
    department: str
    sections: tuple[str, ...]


@dataclass(frozen=True)
class TaskIdea:
    name: str
    notes: str
    subtasks: tuple[str, ...] = ()


@dataclass(frozen=True)
class CommentIdea:
    text: str


@dataclass
class ContentContext:
    """Where content is wanted: the job's industry and seed, and what it is about."""

    industry: str
    seed: int
    company_name: str = ""
    department: str | None = None
    project: str | None = None
    task: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


UsageCallback = Callable[[int, int], None]  # (input_tokens, output_tokens) for per-job accounting
NoticeCallback = Callable[[str], None]  # a sentence for the activity log (e.g. "fell back to offline")


class ContentProvider(Protocol):
    """Batches of structured items. All methods are deterministic for the offline provider."""

    name: str  # "offline" | "anthropic"

    async def org_plan(self, industry: str, headcount: int) -> OrgPlan:
        """The whole initial company: departments, locations, people with one root and a valid
        manager chain, and department/location groups."""
        ...

    async def hires(self, industry: str, department: str, count: int, taken_logins: Iterable[str],
                    start_index: int) -> list[Person]:
        """New people for a department, unique against ``taken_logins``. ``start_index`` numbers them
        so the same call on a re-run gives the same people."""
        ...

    async def title_for(self, industry: str, department: str, level: int, index: int) -> str:
        """A title fitting the department and seniority level (promotions, transfers)."""
        ...

    async def projects(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[ProjectIdea]:
        """Projects for ctx.department in ctx.industry, with sections."""
        ...

    async def tasks(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[TaskIdea]:
        """Tasks for ctx.project (about that project's work), with notes and subtasks."""
        ...

    async def comments(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[CommentIdea]:
        """A comment thread for ctx.task: replies that read as a conversation."""
        ...

    async def aclose(self) -> None: ...


PooledItem = tuple[int, dict[str, object]]  # (id, payload); ids order the pool, oldest first


class ContentPoolStore(Protocol):
    """Model-generated items shared by every job, keyed by (provider, industry, kind, context_key).

    Later requests of the same industry and kind read what earlier ones paid for instead of calling
    the model again. Implementations: ``store.content_pool.SqlContentPool`` and
    ``content.pool.InMemoryContentPool``. Plain tuples so the store layer needs nothing from here.
    """

    async def load(self, provider: str, industry: str, kind: str, context_key: str,
                   limit: int = 5000) -> list[PooledItem]:
        """Items for the key, oldest first."""
        ...

    async def add(self, provider: str, industry: str, kind: str, context_key: str,
                  payloads: list[dict[str, object]]) -> list[PooledItem]:
        """Store ``payloads`` (in order) and return them with their ids."""
        ...
