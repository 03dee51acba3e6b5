"""The Anthropic provider against a loopback fake of the Messages API (the SDK's base_url)."""

from __future__ import annotations

import dataclasses
import logging
import math
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


# --- batching: each call writes for what the job is about to need ---------------------------------------


def requests_for(server: FakeAnthropic, tool: str) -> list[str]:
    """The prompts of the requests that asked for ``tool``."""
    return [r["messages"][0]["content"] for r in server.requests if r["tool_choice"]["name"] == tool]


async def test_projects_for_every_department_come_from_one_call(fake: tuple[FakeAnthropic, str]) -> None:
    server, base_url = fake
    provider = make(base_url, Recorder(), InMemoryContentPool())
    for department in ("Editorial", "Sales", "Engineering", "Marketing"):
        found = await provider.projects(ContentContext(industry="media", seed=1, department=department), 2)
        assert [p.name.startswith(f"{department} initiative") for p in found] == [True, True]
    await provider.aclose()
    assert len(requests_for(server, "record_projects")) == 1


@pytest.mark.parametrize("projects", [4, 6])
async def test_the_task_sets_of_a_jobs_projects_share_calls(fake: tuple[FakeAnthropic, str],
                                                            projects: int) -> None:
    """Each project's tasks are asked for separately (as a job builds them), yet one call writes the sets
    of as many of the job's projects as fit one call's worth."""
    from tenantsim.content.anthropic_batches import MIN_TASK_SET, TASKS_PER_CALL

    server, base_url = fake
    provider = make(base_url, Recorder(), InMemoryContentPool())
    ctx = ContentContext(industry="media", seed=1, department="Editorial")
    plans = await provider.projects(ctx, projects)
    for plan in plans:
        tasks = await provider.tasks(dataclasses.replace(ctx, project=plan.name), 10)
        assert all(t.name.endswith(f"for {plan.name}") for t in tasks)  # the model's, for this project
    await provider.aclose()
    prompts = requests_for(server, "record_tasks")
    assert len(prompts) <= math.ceil(projects / (TASKS_PER_CALL // MIN_TASK_SET))
    assert plans[1].name in prompts[0]  # the first call already wrote for the other projects


async def test_one_thread_call_covers_the_tasks_in_use_and_the_next_ones(
        fake: tuple[FakeAnthropic, str]) -> None:
    server, base_url = fake
    provider = make(base_url, Recorder(), InMemoryContentPool())
    ctx = ContentContext(industry="media", seed=1, department="Editorial", project="Election Desk",
                         extra={"mentions": "Dana,Lee"})
    first = await provider.tasks(ctx, 4)
    ctx.task = first[0].name
    await provider.comments(ctx, 1)
    assert len(requests_for(server, "record_comment_threads")) == 1
    later = await provider.tasks(dataclasses.replace(ctx, task=None), 8, start_index=4)  # made after the call
    for task in [*first, *later]:
        thread = await provider.comments(dataclasses.replace(ctx, task=task.name), 6)
        assert [c.text for c in thread][-1].endswith(f"update 6 on {task.name}")
    await provider.aclose()
    assert len(requests_for(server, "record_comment_threads")) == 1


async def test_threads_about_to_run_out_are_continued_in_one_call(fake: tuple[FakeAnthropic, str]) -> None:
    server, base_url = fake
    provider = make(base_url, Recorder(), InMemoryContentPool())
    ctx = ContentContext(industry="media", seed=1, department="Editorial", project="Election Desk",
                         extra={"mentions": "Dana,Lee"})
    busy, quiet, idle = (t.name for t in await provider.tasks(ctx, 3))
    for task, comments in ((busy, 6), (quiet, 5), (idle, 1)):
        await provider.comments(dataclasses.replace(ctx, task=task), comments)
    assert len(requests_for(server, "record_comment_threads")) == 1
    more = await provider.comments(dataclasses.replace(ctx, task=busy), 2, start_index=6)
    assert [c.text.split(" ", 1)[1] for c in more] == [f"update {n} on {busy}" for n in (7, 8)]  # goes on
    prompt = requests_for(server, "record_comment_threads")[-1]
    assert f"- {quiet}\n  continues: 6 comments so far" in prompt  # one left: continued too
    assert f"- {idle}\n" not in prompt  # five left: not yet
    await provider.comments(dataclasses.replace(ctx, task=quiet), 3, start_index=5)
    await provider.aclose()
    assert len(requests_for(server, "record_comment_threads")) == 2
