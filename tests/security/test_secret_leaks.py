"""Recognisable secrets go in; none comes out. Okta and Asana jobs run on the embedded sandbox with
recognisable tokens and an Anthropic key; then every response body (every GET route, errors, the live
stream, /metrics), the server's log output, the activity log and the raw database files are scanned
for them. The sealed column must still hold them, so the scan is looking at real data."""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from websockets.sync.client import connect

from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.logging_setup import configure_logging
from tenantsim.sandbox.asana import create_app as create_asana
from tenantsim.sandbox.okta import create_app as create_okta
from tenantsim.secretbox import SecretBox, load_or_create_key
from tenantsim.store import jobs_repo
from tests.security.support import RecordingTransport, files_bytes, leaks, serve_app
from tests.support.apiserver import RunningServer
from tests.support.bodies import wait_for

OKTA_TOKEN = "00SECRETokta0admin0token0RECOGNISABLE0xyz"
OKTA_REJECTED = "00SECRETokta0rejected0token0RECOGNISABLE0q"
ANTHROPIC_KEY = "sk-ant-api03-SECRETanthropicRECOGNISABLEkey-0123456789"
BAD_ASANA = "2/9999999999/8888888888:SECRETbadasanaRECOGNISABLE"
# Listing the sandbox tenants is what /api/sandbox is for: it shows the emulator's own tokens.
SHOWS_SANDBOX_TOKENS = {"/api/sandbox"}


@dataclass
class Scan:
    server: RunningServer
    log: io.StringIO
    secrets: list[str]
    job_ids: list[str]
    bodies: dict[str, str] = field(default_factory=dict)

    def keep(self, label: str, response: httpx.Response) -> httpx.Response:
        self.bodies[f"{label} -> {response.status_code}"] = response.text
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.keep(f"GET {path}", self.server.client.get(path, **kwargs))

    def post(self, path: str, body: Any = None) -> httpx.Response:
        return self.keep(f"POST {path}", self.server.client.post(path, json=body))


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scan]:
    okta = create_okta(tokens=[OKTA_TOKEN], users=5, window_seconds=1.0)
    asana = create_asana(users=3, window_seconds=1.0)
    # Loopback (the embedded sandbox) for real; nothing can leave the machine.
    runtime = ConnectorRuntime(sandbox_mode=True, transport=RecordingTransport())
    log = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("debug", stream=log)
    var_dir = tmp_path_factory.mktemp("leaks")
    try:
        with serve_app(var_dir, sandbox_apps={"okta": okta, "asana": asana}, runtime=runtime) as srv:
            tenants = srv.client.get("/api/sandbox").json()["tenants"]
            asana_tokens = [u["token"] for u in tenants["asana"]["users"]]
            run = Scan(srv, log, [OKTA_TOKEN, OKTA_REJECTED, ANTHROPIC_KEY, BAD_ASANA, *asana_tokens], [])
            exercise(run, tenants)
            yield run
            for job_id in run.job_ids:  # a quick shutdown: nothing left mid-call
                srv.client.post(f"/api/jobs/{job_id}/stop")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def exercise(run: Scan, tenants: dict[str, Any]) -> None:
    """Everything a user does with secrets: check tokens, read orgs, start, watch, clone, clean up."""
    org = tenants["okta"]["org_url"]
    asana = tenants["asana"]
    asana_tokens = [u["token"] for u in asana["users"]]
    run.post("/api/validate_token", {"connection_type": "okta", "token": OKTA_TOKEN, "org_url": org})
    assert run.post("/api/validate_token", {"connection_type": "okta", "token": OKTA_REJECTED,
                                            "org_url": org}).status_code == 401
    assert run.post("/api/validate_token", {"api_key": BAD_ASANA, "base_url": asana["base_url"]}) \
        .status_code == 401
    run.post("/api/validate_token", {"api_key": asana_tokens[0], "base_url": asana["base_url"]})
    for kind in ("orgs", "users", "groups", "apps"):
        response = run.post(f"/api/okta/{kind}", {"token": OKTA_TOKEN, "org_url": org, "limit": 3})
        assert response.status_code == 200, response.text
    assert run.post("/api/okta/users", {"token": OKTA_REJECTED, "org_url": org}).status_code == 401
    run.post("/api/workspaces", {"api_key": asana_tokens[1], "base_url": asana["base_url"]})
    okta_job = run.post("/api/jobs/start", {
        "connection_type": "okta", "industry": "healthcare", "org_url": org, "org_size": "startup",
        "initial_users": 4, "content_provider": "offline", "anthropic_api_key": ANTHROPIC_KEY,
        "time_scale": 1_000_000, "activity_level": "high",
        "user_tokens": [{"name": "admin", "token": OKTA_TOKEN, "org_url": org},
                        {"name": "revoked", "token": OKTA_REJECTED, "org_url": org}]})
    asana_job = run.post("/api/jobs/start", {
        "industry": "technology", "workspace_gid": asana["workspaces"][0]["gid"],
        "base_url": asana["base_url"], "initial_projects": 1, "content_provider": "offline",
        "anthropic_api_key": ANTHROPIC_KEY, "time_scale": 100_000, "activity_level": "high",
        "user_tokens": [{"name": f"user{i}", "token": t} for i, t in enumerate(asana_tokens)]
        + [{"name": "bad", "token": BAD_ASANA}]})
    assert okta_job.status_code == 200 and asana_job.status_code == 200, (okta_job.text, asana_job.text)
    run.job_ids = [okta_job.json()["job_id"], asana_job.json()["job_id"]]
    for job_id in run.job_ids:
        wait_for(partial(has_events, run.server, job_id, 3), timeout=90, message=f"events of {job_id}")
    clone = run.post(f"/api/jobs/{run.job_ids[1]}/clone", {"job_name": "copy"})
    assert clone.status_code == 200, clone.text
    run.job_ids.append(clone.json()["job_id"])
    run.post(f"/api/jobs/{run.job_ids[0]}/pause")
    run.post(f"/api/jobs/{run.job_ids[0]}/resume")
    run.post(f"/api/jobs/{run.job_ids[2]}/stop")
    assert run.post(f"/api/jobs/{run.job_ids[2]}/cleanup").status_code == 200
    read_streams(run)


def has_events(srv: RunningServer, job_id: str, count: int) -> bool:
    return int(srv.client.get(f"/api/jobs/{job_id}").json()["events_total"]) >= count


def read_streams(run: Scan) -> None:
    job_id = run.job_ids[0]
    lines: list[str] = []
    with run.server.client.stream("GET", f"/api/jobs/{job_id}/stream?heartbeat=0.2") as response:
        started = time.monotonic()
        for line in response.iter_lines():
            lines.append(line)
            if time.monotonic() - started > 1.5:
                break
    run.bodies["SSE stream"] = "\n".join(lines)
    url = run.server.base_url.replace("http://", "ws://") + f"/api/jobs/{job_id}/stream"
    with connect(url, open_timeout=10) as ws:
        run.bodies["WebSocket stream"] = "\n".join(str(ws.recv(timeout=10)) for _ in range(5))


def get_routes(app: Any) -> list[str]:
    return [str(c.path) for c in iter_route_contexts(app.routes)
            if isinstance(c.route, APIRoute) and "GET" in (c.route.methods or ())
            and not str(c.path).endswith("/stream")]


def test_no_response_body_carries_a_secret(scan: Scan) -> None:
    paths = get_routes(scan.server.app)
    assert "/api/jobs/{job_id}" in paths and "/metrics" in paths
    for template in paths:
        for job_id in scan.job_ids:
            path = re.sub(r"\{job_id\}", job_id, template)
            path = re.sub(r"\{[^}]+\}", "startup-tech-okta", path)
            if template in SHOWS_SANDBOX_TOKENS:
                continue
            scan.get(path)
            if template.endswith("activity_log"):
                scan.get(path, params={"limit": 1000})
    scan.get("/api/jobs", params={"status": "running,paused,stopped,cleaned,failed"})
    scan.get("/openapi.json")
    assert len(scan.bodies) > 30
    found = {label: leaks(scan.secrets, text) for label, text in scan.bodies.items()}
    assert {label: hits for label, hits in found.items() if hits} == {}


def test_masks_are_what_users_see(scan: Scan) -> None:
    view = scan.server.client.get(f"/api/jobs/{scan.job_ids[0]}").json()
    tokens = view["config"]["user_tokens"]
    assert [t["token"] for t in tokens] == ["00SE…yz", "00SE…0q"]
    assert view["config"]["anthropic_api_key"] == "sk-a…89"


def test_the_log_output_carries_no_secret(scan: Scan) -> None:
    output = scan.log.getvalue()
    assert "tenantsim" in output  # the capture really saw the server's records
    assert leaks(scan.secrets, output) == []


def test_the_activity_log_carries_no_secret(scan: Scan) -> None:
    for job_id in scan.job_ids:
        entries = scan.server.client.get(f"/api/jobs/{job_id}/activity_log", params={"limit": 1000}).json()
        assert entries["activity_log"], job_id
        assert leaks(scan.secrets, json.dumps(entries)) == []


def test_the_database_files_hold_secrets_only_sealed(scan: Scan) -> None:
    var_dir = scan.server.settings.var_dir
    raw = files_bytes(var_dir)
    assert any(name.startswith("tenantsim.db") for name in raw)
    assert {name: leaks(scan.secrets, data) for name, data in raw.items() if leaks(scan.secrets, data)} == {}
    # ... and they are there, encrypted: the scan looked at the real thing.
    box = SecretBox(load_or_create_key(None, var_dir))
    row = jobs_repo.get_job(scan.server.app.state.manager.engine, scan.job_ids[0])
    assert row is not None
    assert OKTA_TOKEN in json.dumps(box.open(row["secrets"]))
    assert ANTHROPIC_KEY in json.dumps(box.open(row["secrets"]))
