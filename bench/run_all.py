"""``make bench``: every benchmark in turn, each against emulators it starts itself, then
bench/results/SUMMARY.md — the table the README's Performance section shows.

Each figure is a ratio or a distribution from one run on this machine; nothing here is a test and
nothing asserts a time. A benchmark that fails is reported in the table and the others still run.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from bench.common import RESULTS, machine

# (result file, module, what it measures); run in this order
BENCHMARKS = [
    ("utilisation", "bench.utilisation", "Okta seed of 1,000 users, Asana job with 3 tokens, capacity 50"),
    ("enterprise_seed", "bench.enterprise", "Okta seed of 5,000 users and its cleanup"),
    ("throughput", "bench.throughput", "calls per second and CPU per call, emulators without limits"),
    ("asana_emulator", "bench.asana_emulator", "Asana emulator CPU per call as 500 jobs fill its workspace"),
    ("scale", "bench.scale", "1,000 concurrent jobs in one server"),
    ("api", "bench.api_latency", "API latency with 10,000 jobs and 1,000,000 activity rows"),
    ("realism", "bench.realism", "a simulated month of an Okta and an Asana company, read back and measured"),
]


def load(name: str) -> dict[str, Any]:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def fmt(value: Any, digits: int = 2, suffix: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}{suffix}"
    return f"{value}{suffix}"


def pct(value: Any) -> str:
    return "—" if value is None else f"{100 * float(value):.2f} %"


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**missed**")


def check(value: Any, test: Callable[[float], bool]) -> bool | None:
    return None if value is None else test(float(value))


def rows() -> list[tuple[str, str, str, str]]:
    """(figure, measured, target, verdict) for every figure, from the results files."""
    out: list[tuple[str, str, str, str]] = []
    util, capacity = load("utilisation"), load("capacity")
    okta = util.get("okta_seed_1000_users", {})
    binding = (okta.get("utilisation_binding_bucket") or {}).get("mean")
    out.append(("Utilisation, Okta seed of 1,000 users (binding bucket, whole windows)", fmt(binding),
                "≥ 0.95", verdict(check(binding, lambda v: v >= 0.95))))
    out.append(("429s as a share of calls, Okta seed", pct(okta.get("share_429")), "≤ 1 %",
                verdict(check(okta.get("share_429"), lambda v: v <= 0.01))))
    asana = util.get("asana_3_tokens", {})
    job, layer = asana.get("job", {}), asana.get("http_layer", {})
    out.append(("Utilisation, Asana job with 3 tokens (per token, whole windows)",
                fmt(job.get("utilisation")), "≥ 0.95",
                verdict(check(job.get("utilisation"), lambda v: v >= 0.95))))
    out.append(("…the same job: elapsed ÷ bound (the busiest token's calls at its budget's rate)",
                fmt(job.get("elapsed_over_bound"), 3), "≤ 1.05",
                verdict(check(job.get("elapsed_over_bound"), lambda v: v <= 1.05))))
    out.append(("…the same job: calls ÷ what all its tokens' budgets allowed while it ran",
                fmt(job.get("budget_share")), "—", "—"))
    out.append(("Utilisation, 3 Asana tokens driven by the HTTP layer alone", fmt(layer.get("utilisation")),
                "≥ 0.95", verdict(check(layer.get("utilisation"), lambda v: v >= 0.95))))
    share = None if not job else job.get("share_429")
    out.append(("429s as a share of calls, Asana job", pct(share), "≤ 1 %",
                verdict(check(share, lambda v: v <= 0.01))))
    cap = capacity.get("okta_seed_600_users_capacity_50", {})
    cap_value = (cap.get("utilisation_binding_bucket") or {}).get("mean")
    out.append(("Utilisation with max_api_capacity 50 (Okta seed, binding bucket)", fmt(cap_value),
                "0.50 ± 0.05", verdict(check(cap_value, lambda v: abs(v - 0.5) <= 0.05))))
    enterprise = load("enterprise_seed")
    seed = enterprise.get("seed", {})
    users = (seed.get("buckets") or {}).get("users", {}).get("utilisation_mean")
    out.append(("Utilisation, Okta seed of 5,000 users at 100 calls/s (users bucket)", fmt(users), "≥ 0.95",
                verdict(check(users, lambda v: v >= 0.95))))
    alone = (enterprise.get("http_layer_alone_users_bucket") or {}).get("utilisation_mean")
    out.append(("…the same bucket and limit driven by the HTTP layer alone", fmt(alone), "≥ 0.95",
                verdict(check(alone, lambda v: v >= 0.95))))
    out.append(("Enterprise seed (5,000 Okta users): elapsed ÷ rate-limit bound",
                fmt(seed.get("elapsed_over_bound"), 3), "≤ 1.05",
                verdict(check(seed.get("elapsed_over_bound"), lambda v: v <= 1.05))))
    out.append(("…the same, bound taken window by window in the job's own order of work",
                fmt(seed.get("elapsed_over_windowed_bound"), 3), "≤ 1.05",
                verdict(check(seed.get("elapsed_over_windowed_bound"), lambda v: v <= 1.05))))
    clean = load("cleanup").get("cleanup", {})
    clean_binding = (clean.get("utilisation_binding_bucket") or {}).get("mean")
    out.append((f"Cleanup of {clean.get('objects', 5000):,} objects: utilisation (binding bucket)",
                fmt(clean_binding), "≥ 0.95", verdict(check(clean_binding, lambda v: v >= 0.95))))
    out.append(("Cleanup: 429s as a share of calls", pct(clean.get("share_429")), "≤ 1 %",
                verdict(check(clean.get("share_429"), lambda v: v <= 0.01))))
    out.append(("Cleanup: residue (objects left behind)", fmt(clean.get("residue_total")), "0",
                verdict(check(clean.get("residue_total"), lambda v: v == 0))))
    scale = load("scale")
    lag = (scale.get("event_loop_lag_steady") or {}).get("p99_ms")
    out.append((f"Scale, {scale.get('jobs', 1000):,} concurrent jobs: event-loop lag p99", fmt(lag, 1, " ms"),
                "≤ 50 ms", verdict(check(lag, lambda v: v <= 50))))
    starting = (scale.get("event_loop_lag_while_seeding") or {}).get("p99_ms")
    out.append(("…the same while the 1,000 jobs start and seed", fmt(starting, 1, " ms"), "≤ 50 ms",
                verdict(check(starting, lambda v: v <= 50))))
    rss = scale.get("rss_per_job_kib")
    out.append(("Scale: resident memory per job", fmt(None if rss is None else rss / 1024, 2, " MiB"),
                "≤ 1 MiB", verdict(check(rss, lambda v: v <= 1024))))
    through = load("throughput")
    out.append(("Throughput: platform calls per second, one server process",
                fmt(through.get("calls_per_second"), 0), "(the most sustained)", "—"))
    cpu = through.get("server_cpu_ms_per_call")
    out.append(("Throughput: server CPU time per platform call (job path)", fmt(cpu, 2, " ms"), "≤ 1 ms",
                verdict(check(cpu, lambda v: v <= 1.0))))
    layer_cpu = (through.get("http_layer_alone") or {}).get("client_cpu_ms_per_call")
    out.append(("…of which the HTTP layer alone (pacing, retries, httpx)", fmt(layer_cpu, 2, " ms"), "≤ 1 ms",
                verdict(check(layer_cpu, lambda v: v <= 1.0))))
    emulator = load("asana_emulator")
    first, last, events = ((emulator.get(part) or {}).get("cpu_ms_per_call")
                           for part in ("first_jobs", "last_jobs", "events_in_full_workspace"))
    out.append((f"Asana emulator, one process, {emulator.get('jobs', 500)} jobs' workspace of "
                f"{emulator.get('users', 500)} people: its CPU per call (the last 25 jobs' calls)",
                fmt(last, 2, " ms"), "≤ 2 ms", verdict(check(last, lambda v: v <= 2.0))))
    growth = last / first if first and last else None
    out.append(("…÷ the same for the first 25 jobs (a nearly empty workspace)", fmt(growth), "≤ 2",
                verdict(check(growth, lambda v: v <= 2.0))))
    out.append(("…a running job's event calls in the full workspace (move, tag, complete, comment, read)",
                fmt(events, 2, " ms"), "≤ 2 ms", verdict(check(events, lambda v: v <= 2.0))))
    api = load("api")
    for key, label in (("get_jobs", "GET /api/jobs"), ("activity_log_random_jobs", "GET activity_log"),
                       ("activity_log_largest_job_paging", "GET activity_log, paging a 200k-row job")):
        p99 = (api.get(key) or {}).get("p99_ms")
        out.append((f"API with 10,000 jobs / 1,000,000 activity rows: {label} p99", fmt(p99, 1, " ms"),
                    "≤ 20 ms", verdict(check(p99, lambda v: v <= 20))))
    realism = load("realism")
    for platform in ("okta", "asana"):
        month = realism.get(platform) or {}
        for measure in month.get("measures") or []:
            out.append((f"Realism, a month of {month.get('company')} ({platform}): {measure['name']}",
                        fmt(measure["value"]), str(measure["band"]), verdict(bool(measure["ok"]))))
    return out


def render(failures: dict[str, str], durations: dict[str, float]) -> str:
    info = machine()
    load_avg = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        "# tenantsim benchmark results",
        "",
        f"Measured {info['date']} on {info['cpus']} × {info['cpu_model']}, {info['memory_gib']} GiB, "
        f"Python {info['python']} ({info['platform']}). Load average at the end: {load_avg}. "
        "One run per figure; see the README's Performance section for how each is measured and why a target "
        "is missed.",
        "",
        "| Figure | Measured | Target | |",
        "|---|---|---|---|",
    ]
    lines += [f"| {figure} | {measured} | {target} | {ok} |" for figure, measured, target, ok in rows()]
    lines += ["", "Run times: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in durations.items())
              + "."]
    if failures:
        lines += ["", "Benchmarks that failed in this run (their rows show older results or —):", ""]
        lines += [f"- {name}: {error}" for name, error in failures.items()]
    return "\n".join(lines) + "\n"


def main(only: list[str] | None = None) -> int:
    """Run every benchmark (or those named), then write SUMMARY.md; ``--summary`` only rewrites it."""
    if only == ["--summary"]:
        (RESULTS / "SUMMARY.md").write_text(render({}, {}))
        return 0
    failures: dict[str, str] = {}
    durations: dict[str, float] = {}
    for name, module, what in BENCHMARKS:
        if only and name not in only:
            continue
        print(f"[bench] {name}: {what}", flush=True)
        started = time.monotonic()
        try:
            importlib.import_module(module).run()
        except Exception as exc:  # one failed benchmark must not hide the others
            traceback.print_exc()
            failures[name] = f"{type(exc).__name__}: {str(exc)[:300]}"
        durations[name] = time.monotonic() - started
        print(f"[bench] {name}: {durations[name]:.0f} s", flush=True)
    if not only or "content" in only:
        try:  # the content benchmark lives next to these; it is quick and has its own results file
            started = time.monotonic()
            importlib.import_module("bench.content_bench").main()
            durations["content"] = time.monotonic() - started
        except Exception as exc:
            failures["content"] = f"{type(exc).__name__}: {str(exc)[:300]}"
    summary = render(failures, durations)
    (RESULTS / "SUMMARY.md").write_text(summary)
    print(summary)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or None))
