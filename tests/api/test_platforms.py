"""GET /api/platforms and the platform registry: every platform describes itself, and the API takes
what it knows about a platform (labels, validation, token checks) from that description only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tenantsim.cli import build_sandbox_apps
from tenantsim.connectors.registry import PLATFORMS, SUPPORTED, platform_for
from tenantsim.connectors.spec import ConfigContext, PlatformSpec
from tenantsim.errors import InputError
from tenantsim.settings import Settings
from tests.support.apiserver import RunningServer, running_server
from tests.support.fake_platform import FakeConnector, FakePlatform
from tests.support.servers import free_port

FIELD_TYPES = {"url", "text", "number", "choice", "select", "hidden"}
SECTIONS = {"tenant", "tokens", "company"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    platform = FakePlatform()
    connectors = {"asana": FakeConnector("asana", platform), "okta": FakeConnector("okta", platform)}
    with running_server(tmp_path, connectors=connectors) as srv:
        yield srv


def test_every_supported_platform_has_a_spec() -> None:
    assert tuple(PLATFORMS) == SUPPORTED
    for name, spec in PLATFORMS.items():
        assert isinstance(spec, PlatformSpec) and spec.connection_type == name
    assert platform_for(None).connection_type == "asana"  # the seed's default
    with pytest.raises(InputError, match="Unsupported connection type: sharepoint"):
        platform_for("sharepoint")


def test_platforms_describe_themselves_for_the_dashboard(server: RunningServer) -> None:
    body = server.client.get("/api/platforms").json()
    assert body["success"] is True and body["default_connection_type"] == "asana"
    platforms = body["platforms"]
    assert [p["connection_type"] for p in platforms] == [  # identity platforms first
        "okta", "google_workspace", "microsoft365", "asana", "salesforce"]
    assert {p["connection_type"] for p in platforms} == set(
        server.client.get("/api/health").json()["connection_types_supported"])
    okta, google, asana = (next(p for p in platforms if p["connection_type"] == name)
                           for name in ("okta", "google_workspace", "asana"))
    salesforce = next(p for p in platforms if p["connection_type"] == "salesforce")
    assert (salesforce["label"], salesforce["mark"], salesforce["role"]) == ("Salesforce", "S", "work")
    assert salesforce["tenant_field"] == "instance_url"
    assert (okta["label"], okta["mark"], asana["label"], asana["mark"]) == ("Okta", "O", "Asana", "A")
    assert (google["label"], google["mark"], google["role"]) == ("Google Workspace", "G", "identity")
    assert okta["tokens"]["label"] == "Admin API tokens (SSWS)"
    assert asana["tokens"]["label"] == "Personal access tokens"
    for platform in platforms:
        assert platform["description"] and platform["css_class"] and platform["color"].startswith("#")
        names = [f["name"] for f in platform["fields"]]
        assert platform["tenant_field"] in names
        assert set(platform["size_fields"]) <= set(names)
        for field in platform["fields"]:
            assert field["type"] in FIELD_TYPES and field.get("section", "tenant") in SECTIONS, field
    sizes = next(f for f in okta["fields"] if f["name"] == "org_size")
    assert [c["value"] for c in sizes["choices"]] == ["startup", "midsize", "enterprise"]
    assert all(c["hint"].startswith("about ") for c in sizes["choices"])


def test_the_sandbox_tenants_fill_the_form(tmp_path: Path) -> None:
    port = free_port()
    settings = Settings(var_dir=tmp_path, port=port, sandbox=True)
    with running_server(tmp_path, sandbox_apps=build_sandbox_apps(settings), port=port) as srv:
        form = srv.client.get("/api/sandbox").json()["form"]
        okta, asana = form["okta"], form["asana"]
        assert okta["fields"]["org_url"].endswith("/sandbox/okta") and len(okta["user_tokens"]) == 1
        assert asana["fields"]["base_url"].endswith("/api/1.0") and asana["user_tokens"]
        assert asana["options"]["workspace_gid"][0]["value"]
        # What the form sends with the sandbox's values is accepted as it is.
        check = srv.client.post("/api/validate_token", json={
            "connection_type": "okta", "token": okta["user_tokens"][0]["token"], **okta["fields"]})
        assert check.status_code == 200, check.text
        routed = srv.client.post("/api/validate_token", json={
            "connection_type": "asana", "token": asana["user_tokens"][0]["token"]})
        assert routed.status_code == 200, routed.text  # the sandbox's own token goes to the sandbox
        # Google Workspace's sandbox is mounted as "google": its form has the key file's text.
        google = form["google_workspace"]
        assert google["fields"]["api_base_url"].endswith("/sandbox/google") and google["user_tokens"] == []
        assert json.loads(google["fields"]["service_account_key"])["type"] == "service_account"
        check = srv.client.post("/api/validate_token", json={"connection_type": "google_workspace",
                                                              **google["fields"]})
        assert check.status_code == 200, check.text
        assert check.json()["user"]["email"] == google["fields"]["admin_email"]
        assert "PRIVATE KEY" not in check.text
        routed = srv.client.post("/api/validate_token", json={  # without a key: the sandbox's own
            "connection_type": "google_workspace", "admin_email": google["fields"]["admin_email"]})
        assert routed.status_code == 200, routed.text
        health = srv.client.get("/api/health").json()["checks"]["google_workspace"]
        assert health["sandbox"] is True
        # Salesforce: the sandbox org's connected app, checked as the form sends it, and routed when absent.
        salesforce = form["salesforce"]
        assert salesforce["fields"]["instance_url"].endswith("/sandbox/salesforce")
        check = srv.client.post("/api/validate_token", json={"connection_type": "salesforce",
                                                              **salesforce["fields"]})
        assert check.status_code == 200, check.text
        assert salesforce["fields"]["client_secret"] not in check.text
        routed = srv.client.post("/api/validate_token", json={"connection_type": "salesforce"})
        assert routed.status_code == 200, routed.text
        # Microsoft 365's sandbox is mounted as "m365": the app's credentials and the people's tokens.
        m365 = form["microsoft365"]
        assert m365["fields"]["api_base_url"].endswith("/sandbox/m365") and m365["user_tokens"]
        check = srv.client.post("/api/validate_token", json={"connection_type": "microsoft365",
                                                              "token": m365["user_tokens"][0]["token"],
                                                              **m365["fields"]})
        assert check.status_code == 200, check.text
        assert check.json()["user"]["name"] == m365["user_tokens"][0]["name"]
        assert m365["fields"]["client_secret"] not in check.text
        routed = srv.client.post("/api/validate_token", json={  # without a secret: the sandbox's own
            "connection_type": "microsoft365",
            **{k: m365["fields"][k] for k in ("tenant_id", "client_id", "domain")}})
        assert routed.status_code == 200, routed.text


@pytest.mark.parametrize(("connection_type", "body", "message"), [
    ("okta", {"org_url": "https://dev-1.okta.com"}, "Missing required field: token"),
    ("okta", {"token": "t"}, "Missing required field: org_url"),
    ("okta", {"token": "t", "org_url": "http://dev-1.okta.com"}, "Invalid org_url: must start with https://"),
    ("asana", {}, "Missing required field: api_key"),
    ("google_workspace", {"service_account_key": "{}"}, "Missing required field: admin_email"),
    ("google_workspace", {"admin_email": "a@b.example.com"}, "Missing required field: service_account_key"),
    ("microsoft365", {"client_id": "c", "domain": "contoso.com"}, "Missing required field: tenant_id"),
])
def test_token_requests_are_checked_by_their_platform(connection_type: str, body: dict[str, Any],
                                                      message: str) -> None:
    with pytest.raises(InputError) as raised:
        PLATFORMS[connection_type].token_request(body, ConfigContext())
    assert raised.value.message == message
