"""What one call to Claude writes, and where it goes in the pool.

A call is made because something was asked for that the pool does not hold; it also writes what the
job is about to need of the same kind, so the next asks cost no call:

* projects: every department of the industry that has none pooled yet, a few each;
* tasks: the sets of the job's other projects that are running low, sharing one call's worth;
* comment threads: threads being talked on that are about to run out are continued, the job's newest
  undiscussed tasks get their whole thread, and the call is filled with threads for the tasks the job
  will create next (the pool's next ones). New tasks arrive about as often as discussions start, so a
  call that only covered the tasks in use would be made for nearly every new discussion.

Sizes keep one answer well under its ``max_tokens`` (``anthropic_calls.MAX_TOKENS``).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools

from tenantsim.content.anthropic_calls import ModelCaller
from tenantsim.content.anthropic_prompts import ThreadAsk, comments_prompt, projects_prompt, tasks_prompt
from tenantsim.content.base import ContentContext, ContentPoolStore
from tenantsim.content.demand import Demand, Thread
from tenantsim.content.offline import OfflineContentProvider
from tenantsim.content.offline_talk import normalized
from tenantsim.content.packs import IndustryPack

PROVIDER = "anthropic"
PROJECTS_PER_DEPARTMENT = 3  # at least; as many as the department asked for needs when that is more
MAX_PROJECTS_PER_CALL = 48  # about 100 output tokens a project: under 5k tokens an answer
TASKS_PER_CALL = 60  # about 100 output tokens a task (name, notes, steps): some 6k tokens an answer
MIN_TASK_SET = 15  # a smaller set is not worth a place in the call
TOP_UP_BELOW = 20  # another project's set joins the call when fewer tasks than this are left unasked
# A thread is written whole: as many comments as a real conversation on a task has, so most tasks need
# one call; one call writes the threads of many tasks (some 50 output tokens a comment: about 6.5k).
THREAD_LENGTH = 6
THREADS_PER_CALL = 20
NEAR_END = 2  # a thread talked on with at most this many comments left is continued in the same call
FILL_WITHIN = 4  # ...and, when no more tasks need a first thread, one with this many left
SHOWN_WHEN_CONTINUING = 2  # the last comments a continued thread's prompt shows


def context_key(*parts: str) -> str:
    """A pool key from parts; long ones keep a readable prefix and a hash of the whole."""
    key = "|".join(parts)
    if len(key) <= 250:
        return key
    return f"{key[:200]}#{hashlib.blake2b(key.encode(), digest_size=12).hexdigest()}"


def split_task_call(missing: int, others: int) -> tuple[int, int, int]:
    """How one call's tasks are shared: (tasks for the project asked for, how many of the ``others``
    running low join, tasks for each of them)."""
    fair = TASKS_PER_CALL // (1 + others)
    own = min(max(missing, fair), TASKS_PER_CALL)
    room = TASKS_PER_CALL - own
    joining = min(others, room // MIN_TASK_SET)
    return own, joining, room // joining if joining else 0


class BatchWriter:
    def __init__(self, model: ModelCaller, pool: ContentPoolStore, demand: Demand,
                 fallback: OfflineContentProvider) -> None:
        self._model = model
        self._pool = pool
        self._demand = demand
        self._fallback = fallback
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    def _lock(self, kind: str, industry: str) -> asyncio.Lock:
        """One call at a time per kind and industry: a request that waited finds what the call before
        it wrote instead of paying for it again."""
        return self._locks.setdefault((kind, industry), asyncio.Lock())

    async def _pooled(self, industry: str, kind: str, key: str, limit: int = 5000) -> int:
        return len(await self._pool.load(PROVIDER, industry, kind, key, limit=limit))

    # --- projects --------------------------------------------------------------------------------

    async def project_sets(self, pack: IndustryPack, description: str, department: str, need: int) -> None:
        async with self._lock("projects", pack.key):
            while self._model.available():
                missing = need - await self._pooled(pack.key, "projects", context_key(department))
                if missing <= 0:
                    return
                wanted = [(department, min(max(missing, PROJECTS_PER_DEPARTMENT), MAX_PROJECTS_PER_CALL))]
                each = max(PROJECTS_PER_DEPARTMENT, need)  # other departments will likely be asked as much
                room = MAX_PROJECTS_PER_CALL - wanted[0][1]
                for other in pack.department_names:
                    if room < each:
                        break
                    if other not in (department, "Executive") and not await self._pooled(
                            pack.key, "projects", context_key(other), limit=1):
                        wanted.append((other, each))
                        room -= each
                asks = [(name, count, self._project_examples(pack, name)) for name, count in wanted]
                prompt = projects_prompt(pack.display_name, description, asks)
                sets = await self._model.call("projects", prompt)
                stored = await self._store_sets(pack.key, "projects", "department", sets,
                                                {name.casefold(): context_key(name) for name, _ in wanted})
                if context_key(department) not in stored:
                    return  # nothing usable came back: the caller serves offline content

    def _project_examples(self, pack: IndustryPack, department: str) -> list[str]:
        ctx = ContentContext(pack.key, self._fallback.seed, department=department)
        return [p.name for p in self._fallback.projects_sync(ctx, 3)]

    # --- tasks -----------------------------------------------------------------------------------

    async def task_sets(self, pack: IndustryPack, ctx: ContentContext, department: str, project: str,
                        need: int) -> None:
        async with self._lock("tasks", pack.key):
            while self._model.available():
                missing = need - await self._pooled(pack.key, "tasks", context_key(department, project))
                if missing <= 0:
                    return
                low = await self._running_low(pack.key, (department, project))
                own, joining, each = split_task_call(missing, len(low))
                wanted = [(department, project, own), *((d, p, each) for d, p in low[:joining])]
                asks = [(d, p, count, self._task_examples(ctx, d, p)) for d, p, count in wanted]
                sets = await self._model.call("tasks", tasks_prompt(pack.display_name, asks))
                stored = await self._store_sets(pack.key, "tasks", "project", sets,
                                                {p.casefold(): context_key(d, p) for d, p, _ in wanted})
                if context_key(department, project) not in stored:
                    return

    async def _running_low(self, industry: str, asked_for: tuple[str, str]) -> list[tuple[str, str]]:
        """The job's other projects with fewer than TOP_UP_BELOW pooled tasks nobody asked for yet,
        lowest first."""
        low: list[tuple[int, str, str]] = []
        for department, project in self._demand.active_projects(industry):
            if (department, project) == asked_for or project.casefold() == asked_for[1].casefold():
                continue
            key = context_key(department, project)
            left = await self._pooled(industry, "tasks", key) - self._demand.asked(industry, "tasks", key)
            if left < TOP_UP_BELOW:
                low.append((left, department, project))
        return [(d, p) for _left, d, p in sorted(low)]

    def _task_examples(self, ctx: ContentContext, department: str, project: str) -> list[str]:
        about = ContentContext(ctx.industry, ctx.seed, ctx.company_name, department, project)
        return [t.name for t in self._fallback.tasks_sync(about, 3)]

    async def _store_sets(self, industry: str, kind: str, owner: str, sets: list[dict[str, object]] | None,
                          keys: dict[str, str]) -> set[str]:
        """Each returned set under its own pool key (matched by the name we gave); the keys stored."""
        stored: set[str] = set()
        for found in sets or []:
            key = keys.get(str(found[owner]).casefold())
            items = found[kind]
            if key is not None and isinstance(items, list) and items:
                await self._pool.add(PROVIDER, industry, kind, key, items)
                stored.add(key)
        return stored

    # --- comment threads -------------------------------------------------------------------------

    async def threads(self, pack: IndustryPack, thread: Thread, need: int) -> None:
        async with self._lock("comments", pack.key):
            written = await self._thread(pack.key, thread)
            if len(written) >= need or not self._model.available():
                return
            length = max(THREAD_LENGTH, need - len(written))
            asks: dict[Thread, list[str]] = {thread: written}
            await self._continuations(pack.key, asks, NEAR_END)
            await self._first_threads(pack.key, asks)
            await self._upcoming_threads(pack.key, asks)
            await self._continuations(pack.key, asks, FILL_WITHIN)
            prompt = comments_prompt(pack.display_name, [_ask(t, said) for t, said in asks.items()], length)
            answer = await self._model.call("comments", prompt)
            by_name = {t[2].casefold(): t for t in asks}
            for found in answer or []:
                match = by_name.get(str(found["task"]).casefold())
                if match is None:
                    continue
                said = {normalized(text) for text in asks[match]}
                fresh = [{"text": text} for text in found["comments"]
                         if normalized(text) not in said]
                if fresh:
                    await self._pool.add(PROVIDER, pack.key, "comments", context_key(*match), fresh)

    async def _thread(self, industry: str, thread: Thread) -> list[str]:
        return [str(p.get("text", "")) for _id, p in
                await self._pool.load(PROVIDER, industry, "comments", context_key(*thread))]

    def _has_room(self, asks: dict[Thread, list[str]], thread: Thread) -> bool:
        """Room in the call, and no task of the same name in it (answers are matched by name)."""
        return len(asks) < THREADS_PER_CALL and all(t[2].casefold() != thread[2].casefold() for t in asks)

    async def _add_first(self, industry: str, asks: dict[Thread, list[str]], thread: Thread) -> bool:
        """Ask for ``thread`` from its start when it has room and no pooled thread; False once full."""
        if len(asks) >= THREADS_PER_CALL:
            return False
        if self._has_room(asks, thread) and not await self._pool.load(
                PROVIDER, industry, "comments", context_key(*thread), limit=1):
            asks[thread] = []
        return True

    async def _continuations(self, industry: str, asks: dict[Thread, list[str]], within: int) -> None:
        """Threads people are talking on with at most ``within`` comments left: the fewest left first."""
        ending: list[tuple[int, Thread, list[str]]] = []
        for thread, used in self._demand.recent_talk(industry).items():
            if thread not in asks:
                written = await self._thread(industry, thread)
                if written and len(written) - used <= within:
                    ending.append((len(written) - used, thread, written))
        for _left, thread, written in sorted(ending, key=lambda e: e[0]):
            if self._has_room(asks, thread):
                asks[thread] = written

    async def _first_threads(self, industry: str, asks: dict[Thread, list[str]]) -> None:
        """The job's newest tasks nobody has talked on yet and no pooled thread covers."""
        talked = self._demand.recent_talk(industry)
        for thread in self._demand.recent_tasks(industry):
            if thread not in talked and not await self._add_first(industry, asks, thread):
                return

    async def _upcoming_threads(self, industry: str, asks: dict[Thread, list[str]]) -> None:
        """The tasks the job's projects get next: pooled after the newest one the job took (tasks are
        handed out in pool order), a project at a time in turn, until the call is full."""
        taken = set(self._demand.recent_tasks(industry))
        queues: list[list[Thread]] = []
        for department, project in self._demand.active_projects(industry):
            pooled = await self._pool.load(PROVIDER, industry, "tasks", context_key(department, project))
            tasks = [(department, project, str(payload["name"])) for _id, payload in pooled]
            newest = max((i for i, task in enumerate(tasks) if task in taken), default=-1)
            queues.append(tasks[newest + 1:])
        for turn in itertools.zip_longest(*queues):
            for thread in turn:
                if thread is not None and not await self._add_first(industry, asks, thread):
                    return


def _ask(thread: Thread, written: list[str]) -> ThreadAsk:
    department, project, task = thread
    return department, project, task, len(written), written[-SHOWN_WHEN_CONTINUING:]
