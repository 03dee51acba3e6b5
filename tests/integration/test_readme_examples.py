"""The README's curl examples work as written against the embedded sandbox (only the port differs)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tenantsim.cli import build_sandbox_apps
from tenantsim.settings import Settings
from tests.support.apiserver import running_server
from tests.support.bodies import wait_for
from tests.support.servers import free_port

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_bodies() -> list[dict[str, Any]]:
    text = README.read_text()
    start = r"curl -s localhost:5001/api/jobs/start -H 'content-type: application/json' -d "
    bodies = re.findall(start + r"'(\{.*?\})'\n", text, flags=re.S)
    # An example that splices values in with the shell ('"$(...)"') is run by its own test.
    return [json.loads(body) for body in bodies if "'\"$(" not in body]


def kind(body: dict[str, Any]) -> str:
    if "platforms" in body:
        return "+".join(p["connection_type"] for p in body["platforms"])
    return str(body.get("connection_type", "asana"))


def test_readme_has_every_example() -> None:
    assert [kind(b) for b in readme_bodies()] == ["okta", "asana", "okta+asana"]


@pytest.mark.parametrize("index", [0, 1, 2], ids=["okta", "asana", "okta+asana"])
def test_readme_curl_starts_a_job_and_cleanup_restores_the_tenant(tmp_path: Path, index: int) -> None:
    port = free_port()
    body = json.loads(json.dumps(readme_bodies()[index]).replace("127.0.0.1:5001", f"127.0.0.1:{port}"))
    if "initial_users" in body:  # an Okta job (an Asana job has no such field: it would be refused)
        body["initial_users"] = min(body["initial_users"], 12)  # keep the test quick
    body["time_scale"] = 1_000_000  # a simulated month in a few seconds: events at real rates come quickly
    settings = Settings(var_dir=tmp_path, port=port, sandbox_rate_limit=60_000)
    with running_server(tmp_path, "", sandbox_apps=build_sandbox_apps(settings), port=port,
                        sandbox_rate_limit=60_000) as srv:
        response = srv.client.post("/api/jobs/start", json=body)
        assert response.status_code == 200, response.text
        job_id = response.json()["job_id"]

        def seeded() -> bool:
            view = srv.client.get(f"/api/jobs/{job_id}").json()
            assert view["status"] in ("pending", "running"), view.get("last_error")
            return bool(view["seeded"] and view["events_total"] >= 3)

        wait_for(seeded, timeout=120, message="the README job to build and produce events")
        result = srv.client.post(f"/api/jobs/{job_id}/cleanup").json()
        assert result["success"] is True
        left = srv.client.get(f"/api/jobs/{job_id}").json()["created_objects"]
        assert sum(left.values()) == 0, left
