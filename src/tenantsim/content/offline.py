"""The offline content provider: no network, deterministic for a job seed.

Everything a job needs (the org, hires, titles, projects, tasks, comment threads) comes from the
industry packs. The same seed gives the same content on a re-run; each entity has its own derived
seed (``base.derive_seed``) so one change does not shift everything after it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable

from tenantsim.content.base import (
    CommentIdea,
    ContentContext,
    OrgPlan,
    Person,
    ProjectIdea,
    TaskIdea,
    derive_seed,
)
from tenantsim.content.offline_people import build_org_plan, make_hires
from tenantsim.content.offline_talk import make_comments
from tenantsim.content.offline_work import make_projects, make_tasks
from tenantsim.content.packs import get_pack

THREAD_ABOVE = 2000  # build bigger orgs in a worker thread so the event loop keeps serving other jobs


class OfflineContentProvider:
    """Implements ``ContentProvider`` from the industry packs."""

    name = "offline"

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)

    # Synchronous forms: handy for benchmarks and for the Anthropic provider's fallback paths.
    def org_plan_sync(self, industry: str, headcount: int) -> OrgPlan:
        return build_org_plan(get_pack(industry), headcount, self.seed)

    def hires_sync(self, industry: str, department: str, count: int, taken_logins: Iterable[str],
                   start_index: int) -> list[Person]:
        return make_hires(get_pack(industry), department, count, taken_logins, start_index, self.seed)

    def title_for_sync(self, industry: str, department: str, level: int, index: int) -> str:
        pack = get_pack(industry)
        spec = pack.department(department)
        if level <= 0 and spec.name != "Executive":
            level = 1
        titles = spec.titles_at(level)
        rng = random.Random(derive_seed(self.seed, "title", pack.key, spec.name, level, index))
        return titles[rng.randrange(len(titles))]

    def _ctx_seed(self, ctx: ContentContext) -> int:
        return derive_seed(self.seed, ctx.seed)

    def projects_sync(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[ProjectIdea]:
        return make_projects(ctx, count, start_index, self._ctx_seed(ctx))

    def tasks_sync(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[TaskIdea]:
        return make_tasks(ctx, count, start_index, self._ctx_seed(ctx))

    def comments_sync(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[CommentIdea]:
        return make_comments(ctx, count, start_index, self._ctx_seed(ctx))

    # ContentProvider
    async def org_plan(self, industry: str, headcount: int) -> OrgPlan:
        if headcount > THREAD_ABOVE:
            return await asyncio.to_thread(self.org_plan_sync, industry, headcount)
        return self.org_plan_sync(industry, headcount)

    async def hires(self, industry: str, department: str, count: int, taken_logins: Iterable[str],
                    start_index: int) -> list[Person]:
        return self.hires_sync(industry, department, count, taken_logins, start_index)

    async def title_for(self, industry: str, department: str, level: int, index: int) -> str:
        return self.title_for_sync(industry, department, level, index)

    async def projects(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[ProjectIdea]:
        return self.projects_sync(ctx, count, start_index)

    async def tasks(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[TaskIdea]:
        return self.tasks_sync(ctx, count, start_index)

    async def comments(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[CommentIdea]:
        return self.comments_sync(ctx, count, start_index)

    async def aclose(self) -> None:
        return None
