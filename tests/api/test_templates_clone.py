"""Job templates, POST /api/jobs/<id>/clone and POST /api/jobs/<id>/generate-now, over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tenantsim.templating import TEMPLATES_DIR, TemplateError, TemplateStore, parse_template
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import OKTA_URL, asana_body, wait_for
from tests.support.fake_platform import FakeConnector, FakePlatform


@pytest.fixture
def platform() -> FakePlatform:
    return FakePlatform()


@pytest.fixture
def server(tmp_path: Path, platform: FakePlatform) -> Iterator[RunningServer]:
    connectors = {"asana": FakeConnector("asana", platform), "okta": FakeConnector("okta", platform)}
    with running_server(tmp_path, connectors=connectors) as srv:
        yield srv


def job(srv: RunningServer, job_id: str) -> dict[str, Any]:
    response = srv.client.get(f"/api/jobs/{job_id}")
    assert response.status_code == 200, response.text
    return response.json()


def tenant_fields(connection_type: str) -> dict[str, Any]:
    """What a person adds to a template: the tenant and a token (never in the template itself)."""
    if connection_type == "okta":
        return {"org_url": OKTA_URL, "user_tokens": [{"name": "admin1", "token": "good-okta-1",
                                                      "org_url": OKTA_URL}]}
    return {"workspace_gid": "123456789", "user_tokens": [{"name": "user1", "token": "good-asana-1"}]}


# -- templates ----------------------------------------------------------------------------------------

def test_shipped_templates_are_listed_and_hold_no_secrets(server: RunningServer) -> None:
    templates = server.client.get("/api/templates").json()["templates"]
    names = {t["name"] for t in templates}
    shipped = {"startup-tech-okta", "midsize-healthcare-okta", "agency-asana", "enterprise-finance-okta"}
    assert shipped <= names
    for template in templates:
        text = str(template["config"]).lower()
        assert "token" not in text and "key" not in text and "org_url" not in text
        assert template["title"] and template["description"]


@pytest.mark.parametrize("name", TemplateStore.load().names())
def test_every_template_starts_a_job_with_its_values(server: RunningServer, name: str) -> None:
    template = server.client.get(f"/api/templates/{name}").json()["template"]
    kinds = template["platforms"]
    body: dict[str, Any] = {"template": name, **tenant_fields(kinds[0])}
    if len(kinds) > 1:  # one company on several platforms: each platform's tenant in its entry
        body = {"template": name, "platforms": [tenant_fields(kind) for kind in kinds]}
    response = server.client.post("/api/jobs/start", json=body)
    assert response.status_code == 200, response.text
    view = job(server, response.json()["job_id"])
    config = view["config"]
    assert config["template"] == name and view["platforms"] == kinds
    for key, value in template["config"].items():
        if key != "platforms":
            assert config[key] == value, key


def test_request_values_win_over_the_template(server: RunningServer) -> None:
    body = {"template": "startup-tech-okta", "org_size": "enterprise", "activity_level": "low",
            **tenant_fields("okta")}
    config = job(server, server.client.post("/api/jobs/start", json=body).json()["job_id"])["config"]
    assert config["org_size"] == "enterprise"
    assert config["activity_level"] == "low"
    assert config["industry"] == "technology"  # from the template


def test_unknown_template_is_400_and_starts_nothing(server: RunningServer) -> None:
    response = server.client.post("/api/jobs/start", json={"template": "moon-base", **tenant_fields("okta")})
    assert response.status_code == 400
    assert response.json() == {"success": False, "error": "Unknown template: moon-base",
                               "errors": ["Unknown template: moon-base"]}
    assert server.client.get("/api/jobs").json()["total"] == 0
    assert server.client.get("/api/templates/moon-base").status_code == 404


@pytest.mark.parametrize("config", [
    {"connection_type": "okta", "user_tokens": [{"name": "a", "token": "00abc"}]},
    {"connection_type": "okta", "org_url": "https://dev-1.okta.com"},
    {"connection_type": "asana", "anthropic_api_key": "sk-ant-xyz"},
    {"connection_type": "asana", "extras": {"api_token": "x"}},
])
def test_a_template_holding_access_is_refused(config: dict[str, Any]) -> None:
    with pytest.raises(TemplateError, match="must not hold"):
        parse_template({"name": "leaky", "title": "Leaky", "config": config}, "leaky.yaml")


def test_template_files_are_data_next_to_the_code() -> None:
    files = sorted(p.stem for p in TEMPLATES_DIR.glob("*.yaml"))
    assert files == TemplateStore.load().names()


# -- clone --------------------------------------------------------------------------------------------

def test_clone_keeps_config_and_tokens_applies_overrides(server: RunningServer) -> None:
    source = server.client.post("/api/jobs/start", json=asana_body(job_name="Demo", duration_days=3)).json()
    wait_for(lambda: job(server, source["job_id"])["created_objects"].get("widget", 0) >= 5, message="build")
    response = server.client.post(f"/api/jobs/{source['job_id']}/clone",
                                  json={"activity_level": "low", "duration_days": None})
    assert response.status_code == 200, response.text
    clone = response.json()
    assert clone["success"] is True and clone["cloned_from"] == source["job_id"]
    assert clone["job_id"] != source["job_id"] and clone["connection_type"] == "asana"
    original, copy = job(server, source["job_id"]), job(server, clone["job_id"])
    assert copy["config"]["activity_level"] == "low"
    assert "duration_days" not in copy["config"]
    assert copy["job_name"] == "Demo (copy)"
    assert copy["config"]["workspace_gid"] == original["config"]["workspace_gid"]
    assert copy["seed"] != original["seed"], "a clone in the same tenant needs its own names"
    # The clone's token is the original's (kept sealed): it validated and the clone builds its company.
    wait_for(lambda: job(server, clone["job_id"])["created_objects"].get("widget", 0) >= 5,
             message="clone's build")
    assert "good-asana-1" not in response.text and "good-asana-1" not in str(copy)


def test_clone_validates_overrides_and_unknown_jobs(server: RunningServer) -> None:
    source = server.client.post("/api/jobs/start", json=asana_body()).json()["job_id"]
    bad = server.client.post(f"/api/jobs/{source}/clone", json={"activity_level": "frantic"})
    assert bad.status_code == 400
    assert bad.json()["error"] == "Invalid activity_level: must be one of low, medium, high"
    missing = server.client.post("/api/jobs/job_nope/clone", json={})
    assert missing.status_code == 404
    assert missing.json() == {"success": False, "error": "Job not found: job_nope"}
    assert server.client.get("/api/jobs").json()["total"] == 1


def test_clone_without_a_body_copies_as_is(server: RunningServer) -> None:
    source = server.client.post("/api/jobs/start", json=asana_body()).json()["job_id"]
    response = server.client.post(f"/api/jobs/{source}/clone")
    assert response.status_code == 200, response.text
    assert job(server, response.json()["job_id"])["config"]["industry"] == "technology"


# -- generate-now -------------------------------------------------------------------------------------

def test_generate_now_makes_one_event_right_away(server: RunningServer) -> None:
    # Real time and a low level: left alone, the next event would be minutes away.
    job_id = server.client.post("/api/jobs/start",
                                json=asana_body(time_scale=1.0, activity_level="low")).json()["job_id"]
    wait_for(lambda: job(server, job_id)["progress"]["phase"] == "activity", message="initial build")
    before = job(server, job_id)["events_total"]
    response = server.client.post(f"/api/jobs/{job_id}/generate-now")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "running"
    wait_for(lambda: job(server, job_id)["events_total"] > before, message="the event")
    log = server.client.get(f"/api/jobs/{job_id}/activity_log").json()["activity_log"]
    assert any(e["event_type"] == "generate_now" for e in log)


def test_generate_now_only_for_running_jobs(server: RunningServer) -> None:
    job_id = server.client.post("/api/jobs/start", json=asana_body(time_scale=1.0)).json()["job_id"]
    wait_for(lambda: job(server, job_id)["progress"]["phase"] == "activity", message="initial build")
    server.client.post(f"/api/jobs/{job_id}/pause")
    response = server.client.post(f"/api/jobs/{job_id}/generate-now")
    assert response.status_code == 409
    assert response.json()["error"] == f"Job {job_id} is paused; events are generated for running jobs"
    assert server.client.post("/api/jobs/job_nope/generate-now").status_code == 404
