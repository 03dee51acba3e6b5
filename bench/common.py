"""What every benchmark shares: the machine, results files, processes (emulators, the server) and the
job API. Benchmarks measure ratios and distributions from one run; nothing here asserts a time."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
OKTA_TOKEN = "00sandbox-okta-admin"


def machine() -> dict[str, Any]:
    model = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cpus": os.cpu_count(), "cpu_model": model, "python": platform.python_version(),
            "platform": platform.platform(), "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def write_result(name: str, figures: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    body = {"benchmark": name, "machine": machine(), **figures}
    path.write_text(json.dumps(body, indent=2, sort_keys=False) + "\n")
    return path


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return float(ordered[rank - 1])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- processes ------------------------------------------------------------------------------------------
@dataclass
class Process:
    """A child process serving HTTP on a loopback port, with its log in a file."""

    name: str
    port: int
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ps(self) -> psutil.Process:
        return psutil.Process(self.popen.pid)

    def cpu_seconds(self) -> float:
        times = self.ps.cpu_times()
        return float(times.user + times.system)

    def rss_bytes(self) -> int:
        return int(self.ps.memory_info().rss)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


def spawn(name: str, module: str, args: list[str], *, workdir: Path, ready_path: str = "/_bench/ping",
          timeout: float = 60.0, env: dict[str, str] | None = None) -> Process:
    port = free_port()
    log = workdir / f"{name}.log"
    handle = log.open("wb")
    # This tree's code ahead of any installed copy (an editable install may point at another checkout).
    path = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    popen = subprocess.Popen([sys.executable, "-m", module, "--port", str(port), *args], cwd=ROOT,
                             stdout=handle, stderr=subprocess.STDOUT,
                             env={**os.environ, "PYTHONPATH": path, **(env or {})})
    handle.close()
    proc = Process(name, port, popen, log)
    deadline = time.monotonic() + timeout
    while True:
        if popen.poll() is not None:
            raise RuntimeError(f"{name} exited at start-up:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(proc.url + ready_path, timeout=2).status_code < 500:
                return proc
        if time.monotonic() > deadline:
            proc.stop()
            raise RuntimeError(f"{name} did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)


@dataclass
class Stack:
    """The processes of one benchmark; stopped together."""

    workdir: Path
    processes: list[Process] = field(default_factory=list)

    def okta(self, *, orgs: int = 1, rate_limit: int = 0, window: float = 60.0, users: int = 5,
             name: str = "okta") -> Process:
        proc = spawn(name, "bench.emulator", ["okta", "--orgs", str(orgs), "--rate-limit", str(rate_limit),
                                              "--window", str(window), "--users", str(users)],
                     workdir=self.workdir)
        self.processes.append(proc)
        return proc

    def asana(self, *, users: int = 3, rate_limit: int = 0, window: float = 60.0,
              name: str = "asana") -> Process:
        proc = spawn(name, "bench.emulator", ["asana", "--users", str(users), "--rate-limit",
                                              str(rate_limit), "--window", str(window)],
                     workdir=self.workdir)
        self.processes.append(proc)
        return proc

    def server(self, *, window: float = 60.0, limits: dict[str, int] | None = None,
               database_url: str | None = None, name: str = "server",
               env: dict[str, str] | None = None) -> Process:
        args = ["--window", str(window), "--var", str(self.workdir / name)]
        for tenant, limit in (limits or {}).items():
            args += ["--limit", f"{tenant}={limit}"]
        if database_url:
            args += ["--database-url", database_url]
        proc = spawn(name, "bench.server", args, workdir=self.workdir, timeout=120, env=env)
        self.processes.append(proc)
        return proc

    def stop(self) -> None:
        for proc in reversed(self.processes):
            proc.stop()


@contextlib.contextmanager
def stack(name: str) -> Iterator[Stack]:
    with tempfile.TemporaryDirectory(prefix=f"tenantsim-bench-{name}-") as tmp:
        running = Stack(Path(tmp))
        try:
            yield running
        finally:
            running.stop()


# -- the job API ------------------------------------------------------------------------------------------
def api(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, timeout=120)


def start_job(client: httpx.Client, body: dict[str, Any]) -> str:
    response = client.post("/api/jobs/start", json=body)
    if response.status_code != 200:
        raise RuntimeError(f"job did not start: {response.status_code} {response.text[:500]}")
    return str(response.json()["job_id"])


def job(client: httpx.Client, job_id: str) -> dict[str, Any]:
    response = client.get(f"/api/jobs/{job_id}")
    response.raise_for_status()
    body: dict[str, Any] = response.json()  # the job view, at the top level
    return body


def wait_for(client: httpx.Client, job_id: str, *, seeded: bool = False, statuses: Sequence[str] = (),
             timeout: float = 900.0, poll: float = 1.0) -> dict[str, Any]:
    """Poll the job until it is seeded or in one of ``statuses``; fail on failed."""
    deadline = time.monotonic() + timeout
    while True:
        found = job(client, job_id)
        if seeded and found.get("seeded"):
            return found
        if found.get("status") in statuses:
            return found
        if found.get("status") == "failed" and "failed" not in statuses:
            raise RuntimeError(f"job {job_id} failed: {found.get('last_error')}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} still {found.get('status')} after {timeout:.0f} s")
        time.sleep(poll)


def okta_job(org_url: str, users: int, *, capacity: int = 100, seed: int = 7, **extra: Any) -> dict[str, Any]:
    token = {"name": "admin", "token": OKTA_TOKEN, "org_url": org_url}
    return {"connection_type": "okta", "industry": "technology", "org_url": org_url,
            "org_size": "enterprise", "initial_users": users, "user_tokens": [token],
            "content_provider": "offline", "activity_level": "low", "max_api_capacity": capacity,
            "seed": seed, **extra}


def windows(emulator: Process) -> dict[str, Any]:
    """Per bucket (Okta) or token (Asana): calls served and refused in each emulator window."""
    body: dict[str, Any] = httpx.get(emulator.url + "/_bench/windows", timeout=30).json()
    return body


def window_utilisation(rows: list[list[float]], limit: int, *, trim: int = 1) -> dict[str, Any]:
    """``rows``: [window end, served, refused] for one key. Whole windows of the busy stretch only:
    the first and last ``trim`` busy windows are partial (the work began or ended inside them)."""
    busy = [row for row in sorted(rows) if row[1] + row[2] > 0]
    inner = busy[trim:len(busy) - trim] if len(busy) > 2 * trim else []
    shares = [row[1] / limit for row in inner]
    return {"windows": len(inner), "mean": round(sum(shares) / len(shares), 4) if shares else None,
            "min": round(min(shares), 4) if shares else None,
            "max": round(max(shares), 4) if shares else None,
            "calls_per_window": [int(row[1]) for row in inner]}
