"""Pre-generation: a slow model never holds up the job; buffered content is served without waiting."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable

from tenantsim.content.base import CommentIdea, ContentContext, OrgPlan, Person, ProjectIdea, TaskIdea
from tenantsim.content.factory import make_provider
from tenantsim.content.offline import OfflineContentProvider
from tenantsim.content.prefetch import PrefetchingContentProvider


class GatedProvider:
    """A stand-in for a slow model: every call waits until the test opens the gate."""

    name = "anthropic"

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.calls: list[tuple[str, int, int]] = []

    async def _wait(self, kind: str, count: int, start: int) -> None:
        self.calls.append((kind, count, start))
        await self.gate.wait()

    async def tasks(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[TaskIdea]:
        await self._wait("tasks", count, start_index)
        return [TaskIdea(name=f"model task {start_index + i}", notes="") for i in range(count)]

    async def projects(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[ProjectIdea]:
        await self._wait("projects", count, start_index)
        return [ProjectIdea(f"k{i}", f"model project {start_index + i}", "", "Sales", ("A", "B"))
                for i in range(count)]

    async def comments(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[CommentIdea]:
        await self._wait("comments", count, start_index)
        return [CommentIdea(text=f"model comment {start_index + i} on {ctx.task}") for i in range(count)]

    async def org_plan(self, industry: str, headcount: int) -> OrgPlan:
        raise NotImplementedError

    async def hires(self, industry: str, department: str, count: int, taken_logins: Iterable[str],
                    start_index: int) -> list[Person]:
        raise NotImplementedError

    async def title_for(self, industry: str, department: str, level: int, index: int) -> str:
        return "Account Executive"

    async def aclose(self) -> None:
        return None


CTX = ContentContext(industry="technology", seed=1, department="Sales", project="Q3 Pipeline Push")


async def test_a_slow_model_does_not_hold_up_the_caller() -> None:
    inner, offline = GatedProvider(), OfflineContentProvider(5)
    provider = PrefetchingContentProvider(inner, offline, batch=10, max_wait=0.05)
    first = await provider.tasks(CTX, 3)
    assert not inner.gate.is_set() and inner.calls == [("tasks", 10, 0)]  # the model call is still pending
    assert first == offline.tasks_sync(CTX, 3)  # ...so this request was answered offline
    inner.gate.set()
    await asyncio.sleep(0)
    await provider._fills[provider._key("tasks", CTX)]
    second = await provider.tasks(CTX, 4)
    assert [t.name for t in second] == [f"model task {i}" for i in range(4)]
    assert provider.served_from_fallback == 3 and provider.served_from_buffer == 4
    await provider.aclose()


async def test_the_buffer_is_refilled_before_it_runs_dry() -> None:
    inner = GatedProvider()
    inner.gate.set()
    provider = PrefetchingContentProvider(inner, OfflineContentProvider(5), batch=10, low_water=5, max_wait=5)
    got = [t.name for _ in range(4) for t in await provider.tasks(CTX, 3)]
    assert got == [f"model task {i}" for i in range(12)]  # served in order across refills
    task_calls = [c for c in inner.calls if c[0] == "tasks"]
    assert task_calls[:2] == [("tasks", 10, 0), ("tasks", 10, 10)]  # refilled when 4 were left
    assert provider.served_from_fallback == 0
    await provider.aclose()


async def test_a_thread_is_written_once_when_first_needed_and_only_then() -> None:
    """Most tasks are never discussed: creating tasks writes no comments; the first comment on a task
    writes its whole thread; the thread's next comments cost no call; a full buffer is never refilled."""
    inner = GatedProvider()
    inner.gate.set()
    provider = PrefetchingContentProvider(inner, OfflineContentProvider(5), batch=5, max_wait=5)
    tasks = await provider.tasks(CTX, 2)
    await asyncio.sleep(0.01)
    assert [c for c in inner.calls if c[0] == "comments"] == []
    thread_ctx = ContentContext(industry="technology", seed=1, department="Sales", project="Q3 Pipeline Push",
                                task=tasks[0].name)
    thread = [c.text for _ in range(5) for c in await provider.comments(thread_ctx, 1)]
    assert thread == [f"model comment {i} on {tasks[0].name}" for i in range(5)]
    assert [c for c in inner.calls if c[0] == "comments"] == [("comments", provider.thread_length, 0)]
    assert provider.prefetch("comments", thread_ctx) is None  # one comment left: nothing to write yet
    await provider.aclose()


async def test_factory_picks_offline_without_a_key_and_says_why() -> None:
    notices: list[str] = []
    offline = make_provider(kind="offline", seed=3, api_key="sk-ant-x", model="m", base_url=None, pool=None,
                            on_usage=None, on_notice=notices.append)
    assert isinstance(offline, OfflineContentProvider) and notices == []
    keyless = make_provider(kind="anthropic", seed=3, api_key=None, model="m", base_url=None, pool=None,
                            on_usage=None, on_notice=notices.append)
    assert keyless.name == "offline" and notices == ["Content: no Anthropic API key is available; "
                                                     "using offline content."]
    model = make_provider(kind="anthropic", seed=3, api_key="sk-ant-x", model="m",
                          base_url="http://127.0.0.1:9", pool=None, on_usage=None, on_notice=notices.append)
    assert isinstance(model, PrefetchingContentProvider) and model.name == "anthropic"
    await model.aclose()


async def test_buffered_comments_only_mention_the_threads_people() -> None:
    class Chatty(GatedProvider):
        async def comments(self, ctx: ContentContext, count: int, start_index: int = 0) -> list[CommentIdea]:
            return [CommentIdea(text=f"@Dong-hyun model comment {start_index + i}") for i in range(count)]

    inner = Chatty()
    inner.gate.set()
    provider = PrefetchingContentProvider(inner, OfflineContentProvider(5), batch=5, max_wait=5)
    ctx = ContentContext(industry="technology", seed=1, department="Sales", project="Q3 Pipeline Push",
                         task="Send the order form for Harlow Freight", extra={"mentions": "Ava,Liam"})
    thread = await provider.comments(ctx, 3)
    assert all(set(re.findall(r"@([\w-]+)", c.text)) <= {"Ava", "Liam"} for c in thread)
    assert len({c.text for c in thread}) == 3
    await provider.aclose()


async def test_what_the_job_takes_is_reported_not_what_is_buffered_ahead() -> None:
    """The inner provider writes ahead for what the job uses: the buffer's items are not in use yet."""
    class Listening(GatedProvider):
        def __init__(self) -> None:
            super().__init__()
            self.reports: list[tuple[str, list[str], int]] = []

        def served(self, kind: str, ctx: ContentContext, items: list[TaskIdea], start_index: int) -> None:
            self.reports.append((kind, [t.name for t in items], start_index))

    inner = Listening()
    inner.gate.set()
    provider = PrefetchingContentProvider(inner, OfflineContentProvider(5), batch=10, max_wait=5)
    await provider.tasks(CTX, 2)
    await provider.tasks(CTX, 1, start_index=2)
    assert inner.calls[0] == ("tasks", 10, 0)  # ten written ahead...
    assert inner.reports == [("tasks", ["model task 0", "model task 1"], 0),  # ...three taken
                             ("tasks", ["model task 2"], 2)]
    await provider.aclose()
