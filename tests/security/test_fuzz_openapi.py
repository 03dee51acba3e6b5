"""Fuzzing our own /openapi.json with schemathesis: no 5xx, every response documented and matching its
schema, every error in the envelope. Bounded (25 examples per operation, fixed seed) to stay fast.

The server runs the real connectors against the embedded sandbox; any other host answers 401 from a
recording transport, so nothing generated here can reach the internet. A few real jobs exist, and path
parameters alternate between generated ids and theirs, so the job routes are exercised on real jobs.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tenantsim.api.app import create_app
from tenantsim.cli import build_sandbox_apps
from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.settings import Settings
from tests.security.support import RecordingTransport, serve_app
from tests.support.apiserver import RunningServer

EXAMPLES = 25  # per operation and mode
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    # A one-second rate window keeps the sandbox jobs (and their cleanups) quick.
    var_dir = tmp_path_factory.mktemp("fuzz")  # the sandbox keeps its state here, not in ./var
    sandbox = build_sandbox_apps(Settings(sandbox_users=5, sandbox_window_seconds=1.0, var_dir=var_dir))
    runtime = ConnectorRuntime(budgets=BudgetRegistry(window_seconds=1.0), sandbox_mode=True,
                               transport=RecordingTransport())
    with serve_app(var_dir, sandbox_apps=sandbox, runtime=runtime) as srv:
        tenants = srv.client.get("/api/sandbox").json()["tenants"]
        okta, asana = tenants["okta"], tenants["asana"]
        jobs = [
            srv.client.post("/api/jobs/start", json={
                "connection_type": "okta", "industry": "technology", "org_url": okta["org_url"],
                "org_size": "startup", "initial_users": 3, "content_provider": "offline",
                "user_tokens": [{"name": "admin", "token": okta["tokens"][0], "org_url": okta["org_url"]}]}),
            srv.client.post("/api/jobs/start", json={
                "industry": "technology", "workspace_gid": asana["workspaces"][0]["gid"],
                "base_url": asana["base_url"], "initial_projects": 1, "content_provider": "offline",
                "user_tokens": [{"name": "u1", "token": asana["users"][0]["token"]}]}),
        ]
        for response in jobs:
            assert response.status_code == 200, response.text
        srv.app.state.fuzz_job_ids = [r.json()["job_id"] for r in jobs]
        yield srv


def documented_operations() -> list[tuple[str, str]]:
    """(method, path) of every operation in our OpenAPI document, from an app that is built but not
    started (no database, no port)."""
    settings = Settings(sandbox=True)
    app = create_app(settings, sandbox_apps=build_sandbox_apps(settings))
    found = [(method.upper(), path) for path, item in app.openapi()["paths"].items()
             for method in item if method in ("get", "post", "put", "patch", "delete")]
    return [(m, p) for m, p in found if not p.endswith("/stream")]  # endless by design: tested elsewhere


OPERATIONS = documented_operations()


@pytest.fixture(scope="module")
def api_schema(fuzz_server: RunningServer) -> Any:
    return schemathesis.openapi.from_url(f"{fuzz_server.base_url}/openapi.json")


def test_every_operation_is_fuzzed() -> None:
    assert len(OPERATIONS) >= 20
    assert ("POST", "/api/jobs/start") in OPERATIONS and ("POST", "/api/okta/users") in OPERATIONS


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_api_never_fails_and_matches_its_schema(api_schema: Any, fuzz_server: RunningServer, method: str,
                                                path: str, mode: GenerationMode) -> None:
    operation = api_schema[path][method]
    job_ids = itertools.cycle([None, *fuzz_server.app.state.fuzz_job_ids])

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case: Any) -> None:
        job_id = next(job_ids)  # every other call on a real job, so the routes do real work
        if job_id is not None and case.path_parameters and "job_id" in case.path_parameters:
            case.path_parameters["job_id"] = job_id
        response = case.call_and_validate(base_url=fuzz_server.base_url, checks=CHECKS, timeout=60)
        if response.status_code >= 400:
            body = response.json()
            assert body["success"] is False and isinstance(body["error"], str) and body["error"], body

    try:
        fuzz()
    except Unsatisfiable:
        # Only in negative mode: an operation with nothing to get wrong (no body, no bounded
        # parameter) has no invalid input to generate.
        if mode is not GenerationMode.NEGATIVE:
            raise
