"""Listening on a non-loopback address without an API key refuses to start, with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from tenantsim.settings import Settings, UnsafeConfig

TENANTSIM = Path(sys.executable).parent / "tenantsim"


def serve(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TENANTSIM_")}
    clean.update({"TENANTSIM_VAR_DIR": str(tmp_path / "var"), "TENANTSIM_PORT": "0", **env})
    return subprocess.run([str(TENANTSIM), "serve", *args], env=clean, capture_output=True, text=True,
                          timeout=60, check=False)


def test_serve_on_all_interfaces_without_a_key_exits_2(tmp_path: Path) -> None:
    result = serve(tmp_path, "--host", "0.0.0.0")
    assert result.returncode == 2, result.stderr
    assert "Refusing to listen on 0.0.0.0 without an API key: set TENANTSIM_API_KEY" in result.stderr
    assert "or bind to 127.0.0.1" in result.stderr
    assert not (tmp_path / "var" / "tenantsim.db").exists()  # refused before touching anything


def test_the_host_from_the_environment_is_checked_too(tmp_path: Path) -> None:
    result = serve(tmp_path, TENANTSIM_HOST="192.0.2.10")
    assert result.returncode == 2
    assert "Refusing to listen on 192.0.2.10 without an API key" in result.stderr


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", "192.168.1.20", "tenantsim.example.com"])
def test_non_loopback_hosts_need_a_key(host: str) -> None:
    with pytest.raises(UnsafeConfig, match="TENANTSIM_API_KEY"):
        Settings(host=host).check_safe()
    Settings(host=host, api_key=SecretStr("k" * 32)).check_safe()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_hosts_need_none(host: str) -> None:
    Settings(host=host).check_safe()
