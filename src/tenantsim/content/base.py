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
    author: str = ""  # first name of who wrote it (or, from a provider, who is best placed to write it)


THREAD_KINDS = ("question", "update", "review", "blocker", "handoff")


@dataclass
class ContentContext:
    """Where content is wanted: the job's industry and seed, and what it is about.

    For comment threads, ``extra`` carries names (first names, comma-separated where several):
    ``mentions`` the people on the thread (the task's assignee and the people the job acts as; a
    comment only ever @mentions one of them, and with none it mentions nobody), ``author`` who writes
    the first comment asked for (never mentioned by it), ``owner`` the task's assignee, and
    ``task_done`` ("yes") when the task is complete. ``thread`` is the thread so far, oldest first
    (a reply answers the last of it; nothing in it is said again), and ``thread_kind`` (one of
    ``THREAD_KINDS``) what the thread's first exchange is; keep it the same on every call for a task.
    """

    industry: str
    seed: int
    company_name: str = ""
    department: str | None = None
    project: str | None = None
    task: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    thread: tuple[CommentIdea, ...] = ()
    thread_kind: str | None = None

    def names(self, key: str = "mentions") -> list[str]:
        """The first names listed under ``extra[key]``, in order, without repeats."""
        found = (n.strip() for n in self.extra.get(key, "").split(","))
        return list(dict.fromkeys(n for n in found if n))


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
        """Comments ``start_index``.. of the thread on ctx.task: short exchanges about the task (a
        question gets an answer, an update a reaction, a blocker a follow-up) between the people named
        in ``ctx.extra["mentions"]``, continuing ``ctx.thread`` without repeating it."""
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
