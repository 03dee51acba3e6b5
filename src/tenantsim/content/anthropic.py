"""Content written by Claude through the official SDK, pooled for reuse, with an offline fallback.

Each model call asks for a whole batch (``batch_size`` items, 25 by default) through a tool with a
JSON schema; the fixed instructions are marked for prompt caching. Results go to the shared content
pool and later requests of the same industry and kind read them from there first. Rate limits and
overload (429 / 529 / 5xx) are retried, waiting what ``retry-after`` asks; persistent failure sends
requests to the offline provider for a while and says so once through ``on_notice``.

The API key lives only inside the SDK client: it is never logged, stored or put in a message.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from email.utils import parsedate_to_datetime
from typing import Any

import anthropic

from tenantsim.content.anthropic_prompts import (
    SYSTEM_PROMPT,
    TOOLS,
    clean_items,
    comments_prompt,
    people_prompt,
    projects_prompt,
    tasks_prompt,
)
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
from tenantsim.content.names import draw_first_name
from tenantsim.content.offline import THREAD_ABOVE, OfflineContentProvider
from tenantsim.content.offline_people import build_org_plan, company_name, make_hires, slug
from tenantsim.content.offline_work import resolve_department
from tenantsim.content.packs import DepartmentSpec, IndustryPack, get_pack
from tenantsim.content.pool import InMemoryContentPool
from tenantsim.errors import AuthError, FatalError, Retriable

log = logging.getLogger(__name__)

PROVIDER = "anthropic"
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
THREAD_LENGTH = 4  # comments per thread when threads are written ahead for other tasks
MAX_TOKENS = {"people": 2048, "projects": 4096, "tasks": 8192, "comments": 6144}
REASONS = {401: "rejected the API key (HTTP 401)", 403: "refused the request (HTTP 403)",
           429: "kept rate-limiting us (HTTP 429)", 529: "stayed overloaded (HTTP 529)"}
Sleep = Callable[[float], Awaitable[None]]


def context_key(*parts: str) -> str:
    """A pool key from parts; long ones keep a readable prefix and a hash of the whole."""
    key = "|".join(parts)
    if len(key) <= 250:
        return key
    return f"{key[:200]}#{hashlib.blake2b(key.encode(), digest_size=12).hexdigest()}"


def retry_after(response: Any) -> float | None:
    """Seconds the server asked us to wait (retry-after-ms, retry-after seconds or HTTP date)."""
    if response is None:
        return None
    headers = response.headers
    try:
        if "retry-after-ms" in headers:
            return max(0.0, float(headers["retry-after-ms"]) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class AnthropicContentProvider:
    """Implements ``ContentProvider`` with Claude, falling back to ``fallback`` (offline)."""

    name = "anthropic"

    def __init__(self, api_key: str, model: str, pool: ContentPoolStore | None,
                 fallback: OfflineContentProvider, on_usage: UsageCallback | None,
                 on_notice: NoticeCallback | None, base_url: str | None = None, batch_size: int = 25, *,
                 max_attempts: int = 4, max_retry_wait: float = 60.0, cooldown: float = 300.0,
                 concurrency: int = 4, timeout: float = 120.0, sleep: Sleep = asyncio.sleep) -> None:
        # Our own retry loop (below) decides waits and fallback, so the SDK's retries are off.
        self._client = anthropic.AsyncAnthropic(api_key=api_key, base_url=base_url, max_retries=0,
                                                timeout=timeout)
        self.model = model
        self._pool: ContentPoolStore = pool if pool is not None else InMemoryContentPool()
        self._fallback = fallback
        self.seed = fallback.seed
        self._on_usage = on_usage
        self._on_notice = on_notice
        self.batch_size = max(1, batch_size)
        self._max_attempts = max(1, max_attempts)
        self._max_retry_wait = max_retry_wait
        self._cooldown = cooldown
        self._concurrency = max(1, concurrency)
        self._sleep = sleep
        self._locks: dict[tuple[str, str, str], asyncio.Lock] = {}
        self._degraded_until = 0.0
        self._recent_tasks: dict[tuple[str, str, str], list[str]] = {}
        self._project_departments: dict[tuple[str, str], str] = {}  # callers do not always say
        self.calls = 0  # model calls made (successful or not), for benchmarks and tests

    # --- model calls -------------------------------------------------------------------------------

    def available(self) -> bool:
        return time.monotonic() >= self._degraded_until

    def _degrade(self, reason: str, permanent: bool = False) -> None:
        if not self.available():
            return
        self._degraded_until = math.inf if permanent else time.monotonic() + self._cooldown
        minutes = max(1, round(self._cooldown / 60))
        span = "for the rest of this job" if permanent else f"for the next {minutes} min"
        self._notice(f"Content: Anthropic {reason}; using offline content {span}.")

    def _notice(self, sentence: str) -> None:
        log.warning("%s", sentence)
        if self._on_notice is not None:
            self._on_notice(sentence)

    def _record_usage(self, usage: Any) -> None:
        if usage is None or self._on_usage is None:
            return
        cached = (getattr(usage, "cache_creation_input_tokens", 0) or 0) + (
            getattr(usage, "cache_read_input_tokens", 0) or 0)
        self._on_usage(int(usage.input_tokens or 0) + int(cached), int(usage.output_tokens or 0))

    def _backoff(self, attempt: int) -> float:
        return min(self._max_retry_wait, 2.0 ** (attempt - 1)) * (1 + random.random() * 0.25)

    def _request(self, kind: str, prompt: str) -> dict[str, Any]:
        tool = TOOLS[kind]
        return {
            "model": self.model,
            "max_tokens": MAX_TOKENS[kind],
            # Fixed instructions after the fixed tool: the cacheable prefix of every call.
            "system": [{"type": "text", "text": SYSTEM_PROMPT, "cache_control": {"type": "ephemeral"}}],
            "tools": [tool],
            "tool_choice": {"type": "tool", "name": tool["name"]},
            "messages": [{"role": "user", "content": prompt}],
        }

    async def _call(self, kind: str, prompt: str) -> list[dict[str, Any]] | None:
        """One tool-use request, retried; None when it failed for good (the provider is then degraded)."""
        for attempt in range(1, self._max_attempts + 1):
            if not self.available():
                return None
            self.calls += 1
            try:
                response = await self._client.messages.create(**self._request(kind, prompt))
            except anthropic.APIStatusError as exc:
                status = exc.status_code
                if status not in RETRY_STATUSES:
                    reason = REASONS.get(status, f"failed (HTTP {status})")
                    self._degrade(reason, permanent=status in (401, 403))
                    return None
                wait = retry_after(exc.response)
                wait = self._backoff(attempt) if wait is None else wait
                if attempt == self._max_attempts or wait > self._max_retry_wait:
                    self._degrade(REASONS.get(status, f"kept failing (HTTP {status})"))
                    return None
                log.info("anthropic %s call: HTTP %s, retry %d/%d in %.2fs", kind, status, attempt,
                         self._max_attempts - 1, wait)
                await self._sleep(wait)
                continue
            except anthropic.APIConnectionError:
                if attempt == self._max_attempts:
                    self._degrade("could not be reached")
                    return None
                await self._sleep(self._backoff(attempt))
                continue
            self._record_usage(response.usage)
            block = next((b for b in response.content if getattr(b, "type", "") == "tool_use"), None)
            items = clean_items(kind, getattr(block, "input", None))
            if items:
                return items
            log.info("anthropic %s call: no usable items (stop_reason=%s)", kind, response.stop_reason)
        return []

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
                    return (await self._call(kind, prompt_for(self.batch_size))) or []

            batches = await asyncio.gather(*(one() for _ in range(math.ceil(missing / self.batch_size))))
            for fresh in batches:
                if fresh:
                    items = items + await self._pool.add(PROVIDER, industry, kind, key, fresh)
            return items

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
        examples = [p.name for p in self._fallback.projects_sync(dept_ctx, 3, start_index)]
        description = f"{ctx.company_name or company_name(pack, self.seed)}, {pack.description}"
        pooled = await self._ensure("projects", pack.key, context_key(spec.name), start_index + count,
                                    lambda n: projects_prompt(pack.display_name, description, spec.name, n,
                                                              examples))
        out: list[ProjectIdea] = []
        for index in range(start_index, start_index + count):
            if index < len(pooled):
                p = pooled[index][1]
                out.append(ProjectIdea(key=f"pr-{slug(spec.name)}-{index:05d}", name=str(p["name"]),
                                       notes=str(p.get("notes", "")), department=spec.name,
                                       sections=tuple(str(s) for s in p.get("sections", []))))  # type: ignore[attr-defined]
            else:
                out.extend(self._fallback.projects_sync(dept_ctx, 1, index))
        for project in out:
            self._project_departments[(pack.key, project.name)] = spec.name
        return out

    async def tasks(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[TaskIdea]:
        if not self.available():
            return await self._fallback.tasks(ctx, count, start_index)
        pack = get_pack(ctx.industry)
        spec = self._department(pack, ctx, start_index)
        project = ctx.project or f"{spec.name} work"
        dept_ctx = ContentContext(ctx.industry, ctx.seed, ctx.company_name, spec.name, ctx.project,
                                  extra=dict(ctx.extra))
        examples = [t.name for t in self._fallback.tasks_sync(dept_ctx, 3, start_index)]
        pooled = await self._ensure(
            "tasks", pack.key, context_key(spec.name, project), start_index + count,
            lambda n: tasks_prompt(pack.display_name, spec.name, project, n, examples))
        out: list[TaskIdea] = []
        for index in range(start_index, start_index + count):
            if index < len(pooled):
                t = pooled[index][1]
                subtasks = tuple(str(s) for s in t.get("subtasks", []))  # type: ignore[attr-defined]
                out.append(TaskIdea(name=str(t["name"]), notes=str(t.get("notes", "")), subtasks=subtasks))
            else:
                out.extend(self._fallback.tasks_sync(dept_ctx, 1, index))
        recent = self._recent_tasks.setdefault((pack.key, spec.name, project), [])
        recent.extend(t.name for t in out if t.name not in recent)
        del recent[:-50]
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
            await self._write_threads(pack, spec.name, project, ctx.task, need - len(thread))
            thread = await self._pool.load(PROVIDER, pack.key, "comments", key, limit=need)
        out: list[CommentIdea] = []
        for index in range(start_index, need):
            if index < len(thread):
                rng = random.Random(derive_seed(self.seed, "mention", key, index))
                out.append(CommentIdea(text=_with_mentions(str(thread[index][1].get("text", "")), ctx, rng)))
            else:
                out.extend(self._fallback.comments_sync(ctx, 1, index))
        return out

    async def _write_threads(self, pack: IndustryPack, department: str, project: str, task: str,
                             missing: int) -> None:
        """One call writes this task's thread and threads for other recent tasks of the project that
        have none yet, so later comments on those tasks cost no call."""
        length = max(THREAD_LENGTH, missing)
        recent = self._recent_tasks.get((pack.key, department, project), [])
        at = recent.index(task) + 1 if task in recent else 0
        others: list[str] = []
        for other in recent[at:] + recent[:at]:  # the tasks after this one first: likely talked about next
            if len(others) + 1 >= max(1, self.batch_size // THREAD_LENGTH):
                break
            if other != task and not await self._pool.load(
                    PROVIDER, pack.key, "comments", context_key(department, project, other), limit=1):
                others.append(other)
        wanted = [task, *others]
        lock = self._lock(("comments", pack.key, context_key(department, project)))
        async with lock:
            threads = await self._call("comments", comments_prompt(pack.display_name, department, project,
                                                                   wanted, length))
        for thread in threads or []:
            name = str(thread["task"])
            match = next((t for t in wanted if t.lower() == name.lower()), None)
            if match is not None:
                await self._pool.add(PROVIDER, pack.key, "comments", context_key(department, project, match),
                                     [{"text": text} for text in thread["comments"]])

    async def aclose(self) -> None:
        await self._client.close()


def _with_mentions(text: str, ctx: ContentContext, rng: random.Random) -> str:
    names = [n.strip() for n in ctx.extra.get("mentions", "").split(",") if n.strip()]
    while "{mention}" in text:
        name = names[rng.randrange(len(names))] if names else draw_first_name(rng)
        text = text.replace("{mention}", name, 1)
    return text


async def check_anthropic_key(api_key: str, *, model: str, base_url: str | None = None) -> None:
    """A cheap authenticated call (the model's metadata) to prove the key works before a job starts.

    Raises AuthError on 401/403, FatalError when the model does not exist, Retriable when Anthropic
    cannot be reached or answers 429/5xx. Messages carry status codes only, never the key.
    """
    client = anthropic.AsyncAnthropic(api_key=api_key, base_url=base_url, max_retries=1, timeout=20.0)
    try:
        await client.models.retrieve(model)
    except anthropic.APIStatusError as exc:
        status = exc.status_code
        if status in (401, 403):
            raise AuthError(f"Anthropic rejected the API key (HTTP {status})", status) from None
        if status == 404:
            raise FatalError(f"Anthropic model {model!r} was not found (HTTP 404)", status) from None
        raise Retriable(f"Anthropic could not check the key right now (HTTP {status})", status) from None
    except anthropic.APIConnectionError:
        raise Retriable("Anthropic could not be reached to check the key", 0) from None
    finally:
        await client.close()
