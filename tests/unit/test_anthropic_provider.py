"""The Anthropic provider against a loopback fake of the Messages API (the SDK's base_url)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine

from tenantsim.content.anthropic import AnthropicContentProvider
from tenantsim.content.base import ContentContext
from tenantsim.content.offline import OfflineContentProvider
from tenantsim.content.orgmodel import hierarchy_problems
from tenantsim.content.pool import InMemoryContentPool
from tenantsim.store.content_pool import SqlContentPool
from tenantsim.store.tables import content_pool, metadata
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.servers import serve_asgi

KEY = "sk-ant-api03-TESTKEY-do-not-leak-0123456789"
MODEL = "claude-test-1"


@pytest.fixture
def fake() -> Iterator[tuple[FakeAnthropic, str]]:
    server = FakeAnthropic(KEY, models=(MODEL,))
    with serve_asgi(server.app()) as base_url:
        yield server, base_url


class Recorder:
    def __init__(self) -> None:
        self.usage: list[tuple[int, int]] = []
        self.notices: list[str] = []
        self.sleeps: list[float] = []

    def on_usage(self, input_tokens: int, output_tokens: int) -> None:
        self.usage.append((input_tokens, output_tokens))

    async def sleep(self, seconds: float) -> None:  # records the wait instead of taking it
        self.sleeps.append(seconds)


def make(base_url: str, rec: Recorder, pool: object | None = None, seed: int = 1,
         key: str = KEY, **kwargs: object) -> AnthropicContentProvider:
    return AnthropicContentProvider(key, MODEL, pool, OfflineContentProvider(seed),  # type: ignore[arg-type]
                                    rec.on_usage, rec.notices.append, base_url=base_url,
                                    sleep=rec.sleep, **kwargs)  # type: ignore[arg-type]


async def test_a_500_person_org_costs_at_most_25_calls(fake: tuple[FakeAnthropic, str]) -> None:
    server, base_url = fake
    rec = Recorder()
    provider = make(base_url, rec)
    plan = await provider.org_plan("technology", 500)
    await provider.aclose()
    assert server.problems == []
    assert 1 <= len(server.requests) <= 25
    assert len(plan.people) == 500 and hierarchy_problems(plan.people) == []
    assert len({p.login for p in plan.people}) == 500
    model_names = sum(1 for p in plan.people if p.first_name in {"Amara", "Bilal", "Chen", "Priya", "Soren"})
    assert model_names > 50  # the names came from the model, not the offline lists
    tool_names = {r["tool_choice"]["name"] for r in server.requests}
    assert tool_names == {"record_people"}
    assert all(r["model"] == MODEL for r in server.requests)


async def test_pooled_results_serve_a_second_job_without_model_calls(
        fake: tuple[FakeAnthropic, str], tmp_path: object) -> None:
    server, base_url = fake
    engine = create_engine(f"sqlite:///{tmp_path}/pool.db")
    metadata.create_all(engine, tables=[content_pool])
    pool = SqlContentPool(engine)
    ctx = ContentContext(industry="healthcare", seed=1, department="Nursing")

    first = make(base_url, Recorder(), pool, seed=1)
    projects = await first.projects(ctx, 5)
    ctx.project = projects[0].name
    tasks = await first.tasks(ctx, 10)
    await first.aclose()
    calls_after_first = len(server.requests)
    assert calls_after_first == 2  # one batch of projects, one batch of tasks

    second = make(base_url, Recorder(), pool, seed=2)
    again = await second.projects(ContentContext(industry="healthcare", seed=2, department="Nursing"), 5)
    assert [p.name for p in again] == [p.name for p in projects]
    assert [t.name for t in await second.tasks(ctx, 10)] == [t.name for t in tasks]
    await second.aclose()
    assert len(server.requests) == calls_after_first
    assert all("Nursing" in p.name for p in projects)


async def test_comment_threads_are_written_ahead_for_the_projects_other_tasks(
        fake: tuple[FakeAnthropic, str]) -> None:
    server, base_url = fake
    provider = make(base_url, Recorder(), InMemoryContentPool())
    ctx = ContentContext(industry="technology", seed=1, department="Sales", project="Operation Bluebird",
                         extra={"mentions": "Dana"})
    tasks = await provider.tasks(ctx, 8)
    before = len(server.requests)
    ctx.task = tasks[0].name
    thread = await provider.comments(ctx, 3)
    assert len(server.requests) == before + 1
    assert thread[0].text.startswith("@Dana update 1 on")
    for task in tasks[1:6]:  # asked without the department, as a caller that only knows the project might
        bare = ContentContext(industry="technology", seed=1, project="Operation Bluebird", task=task.name)
        assert len(await provider.comments(bare, 3)) == 3
    assert len(server.requests) == before + 1  # the other tasks' threads came from the same call
    await provider.aclose()


async def test_rate_limits_and_overload_are_retried_after_the_wait_asked_for(
        fake: tuple[FakeAnthropic, str]) -> None:
    server, base_url = fake
    server.script.extend([(429, {"retry-after": "2"}), (529, {"retry-after-ms": "1500"}), (500, {})])
    rec = Recorder()
    provider = make(base_url, rec, max_attempts=5)
    projects = await provider.projects(ContentContext(industry="retail", seed=1, department="Marketing"), 3)
    await provider.aclose()
    assert rec.sleeps[:2] == [2.0, 1.5]
    assert len(rec.sleeps) == 3 and 4.0 <= rec.sleeps[2] <= 5.0  # no header: 2^(attempt-1) s plus jitter
    assert [p.name.startswith("Marketing initiative") for p in projects] == [True, True, True]
    assert rec.notices == []


async def test_persistent_failure_falls_back_to_offline_and_says_so(fake: tuple[FakeAnthropic, str]) -> None:
    server, base_url = fake
    server.always_fail = 529
    rec = Recorder()
    provider = make(base_url, rec, seed=7, max_attempts=3)
    ctx = ContentContext(industry="technology", seed=1, department="Engineering", project="Observability")
    tasks = await provider.tasks(ctx, 6)
    assert tasks == OfflineContentProvider(7).tasks_sync(ctx, 6)
    assert len(server.requests) == 3
    assert len(rec.notices) == 1 and "overloaded" in rec.notices[0] and "offline" in rec.notices[0]
    # While degraded, requests go straight to offline content without calling the model.
    plan = await provider.org_plan("technology", 40)
    assert plan == OfflineContentProvider(7).org_plan_sync("technology", 40)
    assert len(server.requests) == 3 and len(rec.notices) == 1
    await provider.aclose()


async def test_a_rejected_key_falls_back_for_the_rest_of_the_job(fake: tuple[FakeAnthropic, str]) -> None:
    _server, base_url = fake
    rec = Recorder()
    provider = make(base_url, rec, key="sk-ant-wrong-key")
    projects = await provider.projects(ContentContext(industry="media", seed=1, department="Editorial"), 2)
    await provider.aclose()
    assert len(projects) == 2 and not provider.available()
    assert rec.notices == ["Content: Anthropic rejected the API key (HTTP 401); using offline content "
                           "for the rest of this job."]


async def test_tokens_are_accounted_per_call(fake: tuple[FakeAnthropic, str]) -> None:
    server, base_url = fake
    rec = Recorder()
    provider = make(base_url, rec)
    await provider.org_plan("energy", 60)
    ctx = ContentContext(industry="energy", seed=1, department="Field Services")
    await provider.projects(ctx, 4)
    await provider.aclose()
    assert len(rec.usage) == server.answered >= 2
    assert sum(i for i, _ in rec.usage) == server.input_tokens
    assert sum(o for _, o in rec.usage) == server.output_tokens


async def test_the_key_never_appears_in_logs_notices_or_pool(
        fake: tuple[FakeAnthropic, str], caplog: pytest.LogCaptureFixture) -> None:
    server, base_url = fake
    for name in ("", "anthropic", "httpx", "httpx2", "tenantsim"):
        caplog.set_level(logging.DEBUG, logger=name)
    pool = InMemoryContentPool()
    rec = Recorder()
    provider = make(base_url, rec, pool, max_attempts=2)
    await provider.org_plan("travel", 30)
    server.always_fail = 429
    await provider.projects(ContentContext(industry="travel", seed=1, department="Loyalty"), 3)
    await provider.aclose()
    assert rec.notices  # the failure was reported...
    everything = caplog.text + " ".join(rec.notices) + repr(pool._items)
    assert "anthropic" in caplog.text.lower()  # the SDK's own debug logging was captured too
    assert KEY not in everything and KEY[-12:] not in everything  # ...without the key
    assert all(r["model"] == MODEL for r in server.requests)
