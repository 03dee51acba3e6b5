"""POST /api/workspaces over loopback HTTP, with the Asana sandbox mounted in the same server."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tenantsim.api import envelope
from tenantsim.api.routes import asana as asana_routes
from tenantsim.connectors.asana.connector import AsanaConnector
from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.sandbox.asana import create_app
from tenantsim.settings import Settings
from tests.support.servers import free_port, serve_asgi


def test_workspaces_route() -> None:
    sandbox = create_app(users=2, seed=2)
    port = free_port()
    app = FastAPI()
    app.state.settings = Settings(sandbox=True)
    app.state.connectors = {
        "asana": AsanaConnector(ConnectorRuntime(budgets=BudgetRegistry(), sandbox_mode=True))
    }
    app.state.sandbox_descriptions = {"asana": sandbox.describe(f"http://127.0.0.1:{port}/sandbox/asana")}
    app.state.sandbox_asana_base_url = app.state.sandbox_descriptions["asana"]["base_url"]
    envelope.install(app)
    app.include_router(asana_routes.router)
    app.mount("/sandbox/asana", sandbox)
    with serve_asgi(app, port=port) as url:
        routed = httpx.post(f"{url}/api/workspaces", json={"api_key": sandbox.tokens[0]}, timeout=10)
        assert routed.status_code == 200
        body = routed.json()
        assert body["success"] is True
        assert sorted(w["name"] for w in body["workspaces"]) == ["Personal Projects", "Sandbox Corp"]
        assert set(body["workspaces"][0]) == {"gid", "name", "is_organization"}
        explicit = httpx.post(
            f"{url}/api/workspaces",
            json={"api_key": sandbox.tokens[1], "base_url": f"{url}/sandbox/asana/api/1.0"},
            timeout=10,
        )
        assert explicit.json()["workspaces"] == body["workspaces"]
        missing = httpx.post(f"{url}/api/workspaces", json={}, timeout=10)
        assert missing.status_code == 400 and missing.json() == {
            "success": False,
            "error": "Missing required field: api_key",
        }
        remote = httpx.post(
            f"{url}/api/workspaces", json={"api_key": "x", "base_url": "https://example.com"}, timeout=10
        )
        assert remote.status_code == 400 and remote.json()["success"] is False
        refused = httpx.post(
            f"{url}/api/workspaces",
            json={"api_key": "2/1/1:" + "0" * 32, "base_url": f"{url}/sandbox/asana/api/1.0"},
            timeout=10,
        )
        assert refused.status_code == 401 and "2/1/1:" not in refused.text
