"""Pre-generation: content for the next events is made ahead of need.

``PrefetchingContentProvider`` wraps a slow provider (the Anthropic one). It keeps a buffer of
upcoming projects, tasks and comments per context and refills it in the background when it runs
low, so the job's platform calls never wait on the model. When a buffer is empty and its refill
takes longer than ``max_wait``, that request is answered from the offline fallback instead.

What is buffered is not in use yet: what the job takes is reported to the inner provider's
``served`` (when it has one), so its model calls write for what the job really has.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import deque
from collections.abc import Iterable
from typing import Any

from tenantsim.content.base import CommentIdea, ContentContext, ContentProvider, OrgPlan, Person
from tenantsim.content.offline_talk import MENTION_RE, normalized

log = logging.getLogger(__name__)

Key = tuple[str, str, str, str, str]
KINDS = ("projects", "tasks", "comments")
COMMENTS_LOW_WATER = 1  # a thread continues past its written length only when a comment asks for it
PROJECTS_LOW_WATER = 1  # a job starts a project now and then: one in hand is enough


class PrefetchingContentProvider:
    def __init__(self, inner: ContentProvider, fallback: ContentProvider, *, batch: int = 10,
                 low_water: int = 5, max_wait: float = 2.0, thread_length: int = 6,
                 project_batch: int = 2) -> None:
        self.inner = inner
        self.fallback = fallback
        self.name = inner.name
        self.batch = batch
        self.low_water = low_water
        self.max_wait = max_wait
        self.thread_length = thread_length
        self.project_batch = project_batch
        self._buffers: dict[Key, deque[Any]] = {}
        self._next: dict[Key, int] = {}
        self._fills: dict[Key, asyncio.Task[None]] = {}
        self.served_from_buffer = 0  # items handed out without waiting (for benchmarks and tests)
        self.served_from_fallback = 0

    @staticmethod
    def _key(kind: str, ctx: ContentContext) -> Key:
        return kind, ctx.industry, ctx.department or "", ctx.project or "", ctx.task or ""

    def _low_water(self, kind: str) -> int:
        return {"comments": COMMENTS_LOW_WATER, "projects": PROJECTS_LOW_WATER}.get(kind, self.low_water)

    def _ask_size(self, kind: str) -> int:
        """How many items one refill asks for: a thread's written length, a couple of projects, or a
        batch of tasks (the inner provider pools more per model call than this)."""
        return {"comments": self.thread_length, "projects": self.project_batch}.get(kind, self.batch)

    def prefetch(self, kind: str, ctx: ContentContext) -> asyncio.Task[None] | None:
        """Start filling the buffer for ``kind`` in ``ctx`` unless it is being filled or holds enough
        (asking again for a buffer that is full would pay for content nobody takes)."""
        key = self._key(kind, ctx)
        running = self._fills.get(key)
        if running is not None and not running.done():
            return running
        if len(self._buffers.get(key) or ()) >= self._low_water(kind):
            return None
        size = self._ask_size(kind)
        snapshot = dataclasses.replace(ctx, extra=dict(ctx.extra))  # the caller may change ctx later
        task = asyncio.create_task(self._fill(kind, key, snapshot, size))
        self._fills[key] = task
        return task

    async def _fill(self, kind: str, key: Key, ctx: ContentContext, size: int) -> None:
        start = self._next.get(key, 0)
        try:
            items = await getattr(self.inner, kind)(ctx, size, start)
        except Exception:  # the inner provider falls back by itself; this is a last line of defence
            log.exception("pre-generating %s failed", kind)
            return
        self._next[key] = start + len(items)
        self._buffers.setdefault(key, deque()).extend(items)

    async def _take(self, kind: str, ctx: ContentContext, count: int, start_index: int) -> list[Any]:
        key = self._key(kind, ctx)
        buffer = self._buffers.setdefault(key, deque())
        if len(buffer) < count:
            fill = self.prefetch(kind, ctx)
            if fill is not None:
                await asyncio.wait({fill}, timeout=self.max_wait)  # never cancels the fill
        taken = [buffer.popleft() for _ in range(min(count, len(buffer)))]
        self.served_from_buffer += len(taken)
        if len(taken) < count:
            more = await getattr(self.fallback, kind)(ctx, count - len(taken), start_index + len(taken))
            self.served_from_fallback += len(more)
            taken.extend(more)
        report = getattr(self.inner, "served", None)
        if report is not None:
            report(kind, ctx, taken, start_index)
        # A thread's next comments are written when it is about to run out, not when it starts: most
        # tasks never get past their first few comments, and an early continuation is a wasted call.
        if len(buffer) < self._low_water(kind):
            self.prefetch(kind, ctx)
        return taken

    async def projects(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[Any]:
        return await self._take("projects", ctx, count, start_index)

    async def tasks(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[Any]:
        # No threads are written ahead for new tasks: most tasks are never discussed, and the first
        # comment on one writes its thread together with those of the project's other recent tasks.
        return await self._take("tasks", ctx, count, start_index)

    async def comments(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[Any]:
        """Buffered comments were written before this thread's people and its latest comments were
        known: one that would repeat the thread, mention its own author or name someone not on the
        thread is written again by the fallback, for this thread."""
        taken: list[CommentIdea] = await self._take("comments", ctx, count, start_index)
        people, author = set(ctx.names()), next(iter(ctx.names("author")), "")
        said = {normalized(c.text) for c in ctx.thread}
        out: list[CommentIdea] = []
        for offset, idea in enumerate(taken):
            mentioned = set(MENTION_RE.findall(idea.text))
            if normalized(idea.text) in said or author in mentioned or not mentioned <= people:
                so_far = dataclasses.replace(ctx, thread=(*ctx.thread, *out), extra=dict(ctx.extra))
                if offset:
                    so_far.extra.pop("author", None)
                idea = (await self.fallback.comments(so_far, 1, start_index + offset))[0]
            said.add(normalized(idea.text))
            out.append(idea)
        return out

    async def org_plan(self, industry: str, headcount: int) -> OrgPlan:
        return await self.inner.org_plan(industry, headcount)

    async def hires(self, industry: str, department: str, count: int, taken_logins: Iterable[str],
                    start_index: int) -> list[Person]:
        return await self.inner.hires(industry, department, count, taken_logins, start_index)

    async def title_for(self, industry: str, department: str, level: int, index: int) -> str:
        return await self.inner.title_for(industry, department, level, index)

    async def aclose(self) -> None:
        for task in self._fills.values():
            task.cancel()
        await asyncio.gather(*self._fills.values(), return_exceptions=True)
        await self.inner.aclose()
