"""Content benchmark: model calls and tokens per generated object (Anthropic provider against the
loopback fake Messages API), pool reuse by a second job, and the offline provider's speed.

Run from the repository root: ``python -m bench.content_bench``. Writes bench/results/content.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from tests.support.fake_anthropic import FakeAnthropic
from tests.support.servers import serve_asgi

from tenantsim.content.anthropic import AnthropicContentProvider
from tenantsim.content.base import ContentContext
from tenantsim.content.offline import OfflineContentProvider
from tenantsim.content.pool import InMemoryContentPool

RESULTS = Path(__file__).resolve().parent / "results" / "content.json"
KEY = "sk-ant-bench-not-a-real-key"
MODEL = "claude-bench"


def offline_speed(industry: str = "technology", headcount: int = 10_000, rounds: int = 3) -> dict[str, Any]:
    best = float("inf")
    for seed in range(rounds):
        started = time.perf_counter()
        OfflineContentProvider(seed).org_plan_sync(industry, headcount)
        best = min(best, time.perf_counter() - started)
    provider = OfflineContentProvider(1)
    ctx = ContentContext(industry=industry, seed=1, department="Sales", project="Q3 Pipeline Push")
    started = time.perf_counter()
    provider.tasks_sync(ctx, 5000)
    tasks_seconds = time.perf_counter() - started
    return {"headcount": headcount, "people_per_second": round(headcount / best),
            "org_seconds": round(best, 3), "tasks_per_second": round(5000 / tasks_seconds)}


class Meter:
    def __init__(self) -> None:
        self.input_tokens = 0
        self.output_tokens = 0

    def on_usage(self, input_tokens: int, output_tokens: int) -> None:
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens


async def one_job(base_url: str, pool: InMemoryContentPool, seed: int) -> dict[str, Any]:
    meter = Meter()
    provider = AnthropicContentProvider(KEY, MODEL, pool, OfflineContentProvider(seed), meter.on_usage, None,
                                        base_url=base_url)
    counts: dict[str, int] = {}
    calls: dict[str, int] = {}
    tokens: dict[str, tuple[int, int]] = {}

    async def measure(kind: str, work: Any) -> None:
        before = (provider.calls, meter.input_tokens, meter.output_tokens)
        made = await work
        counts[kind] = counts.get(kind, 0) + made
        calls[kind] = calls.get(kind, 0) + provider.calls - before[0]
        prev = tokens.get(kind, (0, 0))
        tokens[kind] = (prev[0] + meter.input_tokens - before[1], prev[1] + meter.output_tokens - before[2])

    async def people() -> int:
        return len((await provider.org_plan("technology", 500)).people)

    await measure("people", people())
    for department in ("Sales", "Engineering", "Marketing", "Finance"):
        ctx = ContentContext(industry="technology", seed=seed, department=department)

        async def projects(ctx: ContentContext = ctx) -> int:
            found = await provider.projects(ctx, 5)
            ctx.project = found[0].name
            return len(found)

        await measure("projects", projects())

        async def tasks(ctx: ContentContext = ctx) -> int:
            found = await provider.tasks(ctx, 30)
            ctx.extra["tasks"] = "\n".join(t.name for t in found[:12])
            return len(found)

        await measure("tasks", tasks())

        async def comments(ctx: ContentContext = ctx) -> int:
            made = 0
            for task in ctx.extra["tasks"].split("\n"):
                ctx.task = task
                made += len(await provider.comments(ctx, 3))
            return made

        await measure("comments", comments())
    await provider.aclose()
    per_object = {
        kind: {"objects": counts[kind], "model_calls": calls[kind],
               "calls_per_object": round(calls[kind] / counts[kind], 4),
               "input_tokens_per_object": round(tokens[kind][0] / counts[kind], 1),
               "output_tokens_per_object": round(tokens[kind][1] / counts[kind], 1)}
        for kind in counts
    }
    return {"model_calls": provider.calls, "input_tokens": meter.input_tokens,
            "output_tokens": meter.output_tokens, "per_kind": per_object}


async def model_costs() -> dict[str, Any]:
    server = FakeAnthropic(KEY, models=(MODEL,))
    pool = InMemoryContentPool()
    with serve_asgi(server.app()) as base_url:
        first = await one_job(base_url, pool, seed=1)
        second = await one_job(base_url, pool, seed=2)  # same industry: reads the pool
    return {"first_job": first, "second_job_same_industry": second, "pooled_items": pool.count(),
            "request_shape_problems": len(server.problems),
            "note": "tokens are the fake server's estimates (about 4 characters per token), not Claude's"}


async def a_jobs_month(days: float = 30.0) -> dict[str, Any]:
    """Model calls per object a job actually creates: the media team's Asana job (the issue's own case)
    with Claude's provider, as a job makes it, against the fake Messages API, through a simulated month:
    the company, its projects, tasks, subtasks and conversations. Also: the calls by kind (tool), the
    largest answer asked for and written, and the workspace's realism measures at the end."""
    import tempfile

    from tests.conformance.asana_case import AsanaCase
    from tests.support.jobctx import make_context

    from tenantsim.content.factory import make_provider
    from tenantsim.jobs.simulation import Simulation

    server = FakeAnthropic(KEY, models=(MODEL,))
    meter = Meter()
    case = AsanaCase()
    with serve_asgi(server.app()) as base_url, case.tenant() as base, \
            tempfile.TemporaryDirectory() as folder:
        content = make_provider(kind="anthropic", seed=3, api_key=KEY, model=MODEL, base_url=base_url,
                                pool=InMemoryContentPool(), on_usage=meter.on_usage, on_notice=None)
        config = {**case.config(base, 5), "industry": "media", "content_provider": "anthropic"}
        ctx = make_context(Path(folder), config, seed=3, content=content)
        connector = case.connector()
        sim = await Simulation.open(ctx, [await connector.open_adapter(ctx)])
        await sim.build()
        await sim.fast_forward(days)
        made = sum(1 for e in ctx.ledger.entries() if e.platform_id)
        calls = len(server.requests)
        fallback = getattr(content, "served_from_fallback", 0)
        await sim.aclose()
        await content.aclose()
        measures = await connector.realism(config, ctx.ledger.entries(), sim.company)
    by_kind: dict[str, int] = {}
    for request in server.requests:
        tool = str(request["tool_choice"]["name"])
        by_kind[tool] = by_kind.get(tool, 0) + 1
    return {"simulated_days": days, "objects_created": made, "model_calls": calls,
            "calls_per_object": round(calls / made, 4) if made else None,
            "calls_by_tool": by_kind,
            "largest_max_tokens": max((int(r["max_tokens"]) for r in server.requests), default=0),
            "largest_answer_output_tokens": max((u["output_tokens"] for u in server.usages), default=0),
            "input_tokens": meter.input_tokens, "output_tokens": meter.output_tokens,
            "served_offline_while_waiting": fallback, "target_calls_per_object": 0.05,
            "realism": measures}


def main() -> None:
    result = {
        "benchmark": "content",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "offline": offline_speed(),
        "anthropic_fake": asyncio.run(model_costs()),
        "anthropic_job_month": asyncio.run(a_jobs_month()),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
