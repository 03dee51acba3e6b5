"""Real processes for the reliability tests: `tenantsim serve` servers that can be killed with SIGKILL,
and the sandbox emulators in processes of their own (so they outlive the servers' deaths).

Every child is started in its own session and ended by its pid only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet

from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
# One Fernet key for every server of a test: they must read each other's job secrets.
SECRET_KEY = Fernet.generate_key().decode()


def _clean_env(**settings: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENANTSIM_")}
    env.update({f"TENANTSIM_{k.upper()}": str(v) for k, v in settings.items()})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    return env


class Child:
    """A child process and its log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._log_file = log.open("ab")
        self.proc = subprocess.Popen(args, env=env, cwd=str(ROOT), stdout=self._log_file,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill9(self) -> None:
        """What a crash looks like: no shutdown code runs."""
        if self.alive():
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._log_file.close()

    def terminate(self, timeout: float = 20.0) -> None:
        if self.alive():
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log_file.close()

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""


def _wait_http(url: str, child: Child, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not child.alive():
            raise RuntimeError(f"process exited ({child.proc.returncode}): {child.output()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up: {child.output()[-2000:]}")


class Emulator:
    """`tenantsim sandbox asana|okta` in its own process."""

    def __init__(self, platform: str, folder: Path, wait: bool = True, **options: Any) -> None:
        self.platform = platform
        self.port = free_port()
        args = [sys.executable, "-m", "tenantsim.cli", "sandbox", platform, "--port", str(self.port)]
        for name, value in options.items():
            args += [f"--{name.replace('_', '-')}", str(value)]
        self.child = Child(args, _clean_env(), folder / f"{platform}-emulator.log")
        self.root = f"http://127.0.0.1:{self.port}"
        if wait:
            self.wait_ready()

    def wait_ready(self) -> Emulator:
        _wait_http(f"{self.root}/_sandbox/stats", self.child)
        return self

    @property
    def api_base(self) -> str:
        return f"{self.root}/api/1.0" if self.platform == "asana" else self.root

    def admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.root}/_sandbox/{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def faults(self, **settings: Any) -> None:
        self.admin("POST", "faults", settings)

    def stop(self) -> None:
        self.child.terminate()


class Server:
    """`tenantsim serve` on one database; restartable on the same port and id after a kill -9."""

    def __init__(self, folder: Path, database_url: str, *, name: str = "a", lease_seconds: float = 30.0,
                 heartbeat_seconds: float = 0.5, port: int | None = None) -> None:
        self.folder = folder
        self.name = name
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = _clean_env(database_url=database_url, port=self.port, host="127.0.0.1", sandbox="true",
                              var_dir=folder / "var", secret_key=SECRET_KEY, server_id=f"server-{name}",
                              lease_seconds=lease_seconds, heartbeat_seconds=heartbeat_seconds,
                              sandbox_users=3, log_level="warning")
        self.child: Child | None = None
        self.starts = 0

    def start(self, wait: bool = True) -> Server:
        args = [sys.executable, "-m", "tenantsim.cli", "serve"]
        self.child = Child(args, self.env, self.folder / f"server-{self.name}.log")
        self.starts += 1
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self) -> Server:
        assert self.child is not None
        _wait_http(f"{self.base_url}/api/health", self.child, timeout=60)
        return self

    def kill9(self) -> None:
        assert self.child is not None
        self.child.kill9()

    def stop(self) -> None:
        if self.child is not None:
            self.child.terminate()

    def restart(self) -> Server:
        return self.start()

    def call(self, method: str, path: str, body: dict[str, Any] | None = None,
             timeout: float = 60.0) -> httpx.Response:
        return httpx.request(method, f"{self.base_url}{path}", json=body, timeout=timeout)

    def ok(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.call(method, path, body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result


@contextlib.contextmanager
def children(*items: Emulator | Server) -> Iterator[None]:
    """Make sure every process a test started is gone when it ends, whatever happened."""
    try:
        yield
    finally:
        for item in items:
            with contextlib.suppress(Exception):
                item.stop()
