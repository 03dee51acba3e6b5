"""Content written by Claude through the official SDK, pooled for reuse, with an offline fallback.

Each model call asks for a whole batch through a tool with a JSON schema; the fixed instructions are
marked for prompt caching. Results go to the shared content pool and later requests of the same
industry and kind read them from there first. A call writes more than was asked for: what the job is
about to need of the same kind (``anthropic_batches``, sized from what the job uses, ``demand``).
Rate limits and overload (429 / 529 / 5xx) are retried, waiting what ``retry-after`` asks;
persistent failure sends requests to the offline provider for a while and says so once through
``on_notice``.

Model calls, retries and the fallback decision live in ``anthropic_calls``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import random
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from tenantsim.content.anthropic_batches import PROVIDER, BatchWriter, context_key
from tenantsim.content.anthropic_calls import ModelCaller, Sleep, check_anthropic_key
from tenantsim.content.anthropic_prompts import people_prompt
from tenantsim.content.base import (
    CommentIdea,
    ContentContext,
    ContentPoolStore,
    NoticeCallback,
    OrgPlan,
    Person,
    PooledItem,
    ProjectIdea,
    TaskIdea,
    UsageCallback,
    derive_seed,
)
from tenantsim.content.demand import Demand
from tenantsim.content.offline import THREAD_ABOVE, OfflineContentProvider
from tenantsim.content.offline_people import build_org_plan, company_name, make_hires, slug
from tenantsim.content.offline_talk import normalized
from tenantsim.content.offline_work import resolve_department
from tenantsim.content.packs import DepartmentSpec, IndustryPack, get_pack
from tenantsim.content.pool import InMemoryContentPool
from tenantsim.content.templates import tidy

__all__ = ["AnthropicContentProvider", "check_anthropic_key", "context_key"]


class AnthropicContentProvider:
    """Implements ``ContentProvider`` with Claude, falling back to ``fallback`` (offline).

    ``use_reported``: a pre-generating wrapper in front buffers what this returns and reports what the
    job takes through ``served``; without one, what this returns is in use.
    """

    name = "anthropic"

    def __init__(self, api_key: str, model: str, pool: ContentPoolStore | None,
                 fallback: OfflineContentProvider, on_usage: UsageCallback | None,
                 on_notice: NoticeCallback | None, base_url: str | None = None, batch_size: int = 25, *,
                 max_attempts: int = 4, max_retry_wait: float = 60.0, cooldown: float = 300.0,
                 concurrency: int = 4, timeout: float = 120.0, sleep: Sleep = asyncio.sleep,
                 use_reported: bool = False) -> None:
        self._model = ModelCaller(api_key, model, base_url=base_url, on_usage=on_usage, on_notice=on_notice,
                                  max_attempts=max_attempts, max_retry_wait=max_retry_wait, cooldown=cooldown,
                                  timeout=timeout, sleep=sleep)
        self.model = model
        self._pool: ContentPoolStore = pool if pool is not None else InMemoryContentPool()
        self._fallback = fallback
        self.seed = fallback.seed
        self.batch_size = max(1, batch_size)
        self._concurrency = max(1, concurrency)
        self._locks: dict[tuple[str, str, str], asyncio.Lock] = {}
        self._demand = Demand()
        self._use_reported = use_reported
        self._writer = BatchWriter(self._model, self._pool, self._demand, fallback)
        self._project_departments: dict[tuple[str, str], str] = {}  # callers do not always say

    @property
    def calls(self) -> int:
        """Model requests sent so far (answered or not)."""
        return self._model.calls

    def available(self) -> bool:
        """False while Anthropic is being given a rest (requests then go to the offline provider)."""
        return self._model.available()

    def _lock(self, key: tuple[str, str, str]) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())

    async def _ensure(self, kind: str, industry: str, key: str, need: int,
                      prompt_for: Callable[[int], str]) -> list[PooledItem]:
        """The pool's items for a key, generating (in parallel batches) until there are ``need``."""
        async with self._lock((kind, industry, key)):
            items = await self._pool.load(PROVIDER, industry, kind, key, limit=max(need, 5000))
            missing = need - len(items)
            if missing <= 0 or not self.available():
                return items
            gate = asyncio.Semaphore(self._concurrency)

            async def one() -> list[dict[str, Any]]:
                async with gate:
                    return (await self._model.call(kind, prompt_for(self.batch_size))) or []

            batches = await asyncio.gather(*(one() for _ in range(math.ceil(missing / self.batch_size))))
            for fresh in batches:
                if fresh:
                    items = items + await self._pool.add(PROVIDER, industry, kind, key, fresh)
            return items

    # --- what the job uses -----------------------------------------------------------------------------

    def served(self, kind: str, ctx: ContentContext, items: Sequence[Any], start_index: int) -> None:
        """The job took ``items`` (from ``start_index``) for ``ctx``: the next calls write for them."""
        if not items:
            return
        pack = get_pack(ctx.industry)
        if kind == "projects":
            for project in items:
                self._project_departments[(pack.key, project.name)] = project.department
                self._demand.use_projects(pack.key, project.department, [project.name])
            return
        if not ctx.task and kind == "tasks":
            spec = self._department(pack, ctx, start_index)
            self._demand.use_tasks(pack.key, spec.name, ctx.project or f"{spec.name} work",
                                   [t.name for t in items])
        elif ctx.task and kind == "comments":
            spec = self._department(pack, ctx, 0)
            thread = (spec.name, ctx.project or f"{spec.name} work", ctx.task)
            self._demand.use_comments(pack.key, thread, start_index + len(items))

    def _returned(self, kind: str, ctx: ContentContext, items: Sequence[Any], start_index: int) -> None:
        if not self._use_reported:
            self.served(kind, ctx, items, start_index)

    # --- people ----------------------------------------------------------------------------------------

    async def _names(self, pack: IndustryPack, need: int) -> list[tuple[str, str]]:
        """Pooled names in this job's own order (so two jobs of one industry differ), at least ``need``
        of them when the model can provide them."""
        description = f"{company_name(pack, self.seed)}, {pack.description}"
        pooled = await self._ensure("people", pack.key, "", math.ceil(need * 1.05),
                                    lambda n: people_prompt(pack.display_name, description, n))
        pooled = sorted(pooled, key=lambda item: derive_seed(self.seed, "name-order", item[0]))
        return [(str(p.get("first_name", "")), str(p.get("last_name", ""))) for _id, p in pooled]

    async def org_plan(self, industry: str, headcount: int) -> OrgPlan:
        if not self.available():
            return await self._fallback.org_plan(industry, headcount)
        pack = get_pack(industry)
        names = await self._names(pack, headcount)
        if headcount > THREAD_ABOVE:
            return await asyncio.to_thread(build_org_plan, pack, headcount, self.seed, iter(names))
        return build_org_plan(pack, headcount, self.seed, iter(names))

    async def hires(self, industry: str, department: str, count: int, taken_logins: Iterable[str],
                    start_index: int) -> list[Person]:
        if not self.available():
            return await self._fallback.hires(industry, department, count, taken_logins, start_index)
        pack = get_pack(industry)
        names = await self._names(pack, start_index + count)
        return make_hires(pack, department, count, taken_logins, start_index, self.seed,
                          iter(names[start_index:] + names[:start_index]))

    async def title_for(self, industry: str, department: str, level: int, index: int) -> str:
        return await self._fallback.title_for(industry, department, level, index)  # titles come from packs

    # --- work items ------------------------------------------------------------------------------------

    def _department(self, pack: IndustryPack, ctx: ContentContext, index: int) -> DepartmentSpec:
        """ctx.department, else the department this provider wrote the project for, else a guess."""
        if not ctx.department and ctx.project:
            known = self._project_departments.get((pack.key, ctx.project))
            if known is not None:
                return pack.department(known)
        spec = resolve_department(pack, ctx, index, self.seed)
        if ctx.project:
            self._project_departments[(pack.key, ctx.project)] = spec.name
        return spec

    async def projects(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[ProjectIdea]:
        if not self.available():
            return await self._fallback.projects(ctx, count, start_index)
        pack = get_pack(ctx.industry)
        spec = self._department(pack, ctx, start_index)
        dept_ctx = ContentContext(ctx.industry, ctx.seed, ctx.company_name, spec.name, extra=dict(ctx.extra))
        description = f"{ctx.company_name or company_name(pack, self.seed)}, {pack.description}"
        key = context_key(spec.name)
        need = start_index + count
        pooled = await self._pool.load(PROVIDER, pack.key, "projects", key, limit=max(need, 5000))
        if len(pooled) < need:
            await self._writer.project_sets(pack, description, spec.name, need)
            pooled = await self._pool.load(PROVIDER, pack.key, "projects", key, limit=max(need, 5000))
        out: list[ProjectIdea] = []
        for index in range(start_index, need):
            if index < len(pooled):
                p = pooled[index][1]
                out.append(ProjectIdea(key=f"pr-{slug(spec.name)}-{index:05d}", name=str(p["name"]),
                                       notes=str(p.get("notes", "")), department=spec.name,
                                       sections=tuple(str(s) for s in p.get("sections", []))))  # type: ignore[attr-defined]
            else:
                out.extend(self._fallback.projects_sync(dept_ctx, 1, index))
        for project in out:
            self._project_departments[(pack.key, project.name)] = spec.name
        self._returned("projects", ctx, out, start_index)
        return out

    async def tasks(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[TaskIdea]:
        if not self.available():
            return await self._fallback.tasks(ctx, count, start_index)
        if ctx.task:  # subtasks for an existing task: its steps, which the offline grammar knows
            steps = self._fallback.tasks_sync(ctx, count, start_index)
            ideas = await self._task_ideas(dataclasses.replace(ctx, task=None), count, start_index)
            return [dataclasses.replace(idea, subtasks=step.subtasks)
                    for idea, step in zip(ideas, steps, strict=True)]
        out = await self._task_ideas(ctx, count, start_index)
        self._returned("tasks", ctx, out, start_index)
        return out

    async def _task_ideas(self, ctx: ContentContext, count: int, start_index: int) -> list[TaskIdea]:
        pack = get_pack(ctx.industry)
        spec = self._department(pack, ctx, start_index)
        project = ctx.project or f"{spec.name} work"
        dept_ctx = ContentContext(ctx.industry, ctx.seed, ctx.company_name, spec.name, ctx.project,
                                  extra=dict(ctx.extra))
        key = context_key(spec.name, project)
        need = start_index + count
        self._demand.ask(pack.key, "tasks", key, need)
        pooled = await self._pool.load(PROVIDER, pack.key, "tasks", key, limit=max(need, 5000))
        if len(pooled) < need:
            await self._writer.task_sets(pack, dept_ctx, spec.name, project, need)
            pooled = await self._pool.load(PROVIDER, pack.key, "tasks", key, limit=max(need, 5000))
        out: list[TaskIdea] = []
        for index in range(start_index, need):
            if index < len(pooled):
                t = pooled[index][1]
                subtasks = tuple(str(s) for s in t.get("subtasks", []))  # type: ignore[attr-defined]
                out.append(TaskIdea(name=str(t["name"]), notes=str(t.get("notes", "")), subtasks=subtasks))
            else:
                out.extend(self._fallback.tasks_sync(dept_ctx, 1, index))
        return out

    async def comments(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[CommentIdea]:
        if not self.available() or not ctx.task:
            return await self._fallback.comments(ctx, count, start_index)
        pack = get_pack(ctx.industry)
        spec = self._department(pack, ctx, 0)
        project = ctx.project or f"{spec.name} work"
        need = start_index + count
        key = context_key(spec.name, project, ctx.task)
        thread = await self._pool.load(PROVIDER, pack.key, "comments", key, limit=need)
        if len(thread) < need:
            await self._writer.threads(pack, (spec.name, project, ctx.task), need)
            thread = await self._pool.load(PROVIDER, pack.key, "comments", key, limit=need)
        out: list[CommentIdea] = []
        said = {normalized(c.text) for c in ctx.thread}
        author = (ctx.names("author") or [""])[0]
        for index in range(start_index, need):
            rng = random.Random(derive_seed(self.seed, "mention", key, index))
            writer = author if index == start_index else ""
            text = (_with_mentions(str(thread[index][1].get("text", "")), ctx, rng, writer)
                    if index < len(thread) else "")
            if text and normalized(text) not in said:
                out.append(CommentIdea(text=text, author=writer))
            else:  # none pooled, or it would repeat the thread: the offline thread continues it
                so_far = dataclasses.replace(ctx, thread=(*ctx.thread, *out), extra=dict(ctx.extra))
                if index != start_index:
                    so_far.extra.pop("author", None)
                out.extend(self._fallback.comments_sync(so_far, 1, index))
            said.add(normalized(out[-1].text))
        self._returned("comments", ctx, out, start_index)
        return out

    async def aclose(self) -> None:
        await self._model.aclose()


def _with_mentions(text: str, ctx: ContentContext, rng: random.Random, author: str = "") -> str:
    """Fill the model's @{mention} placeholders with the thread's participants (never the author);
    with nobody to name, the mention goes and the sentence stays."""
    names = [n for n in ctx.names() if n != author]
    if "{mention}" not in text:
        return text
    while "{mention}" in text and names:
        text = text.replace("{mention}", names[rng.randrange(len(names))], 1)
    return tidy(_UNNAMED.sub("", text))


_UNNAMED = re.compile(r"@?\{mention\}[,:]?")
