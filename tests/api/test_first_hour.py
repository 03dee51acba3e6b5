"""What a new user meets in the first hour: start requests that say everything wrong with them at once
(unknown fields named with the closest known one, what would satisfy a missing field), a job list that
refuses a status it does not know, one copy of each field in the job view, token checks that recognise
an Okta body, and cleanup results that add up over runs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tenantsim.api.validation import known_fields
from tenantsim.connectors.registry import PLATFORMS
from tenantsim.templating import TemplateStore
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import OKTA_URL, asana_body, okta_body, wait_for
from tests.support.fake_platform import FakeConnector, FakePlatform

WEB_JS = Path(__file__).resolve().parents[2] / "src" / "tenantsim" / "web" / "js"


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[RunningServer]:
    platform = FakePlatform()
    connectors = {"asana": FakeConnector("asana", platform), "okta": FakeConnector("okta", platform)}
    with running_server(tmp_path, database_url, connectors=connectors) as srv:
        yield srv


def refused(response: Any) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    body = dict(response.json())
    assert body["success"] is False and isinstance(body["error"], str)
    return body


def job_total(srv: RunningServer) -> int:
    return int(srv.client.get("/api/jobs").json()["total"])


# -- unknown fields -------------------------------------------------------------------------------

def test_an_unknown_field_is_refused_naming_the_closest_known_one(server: RunningServer) -> None:
    before = job_total(server)
    body = refused(server.client.post("/api/jobs/start", json=okta_body(initial_user=5)))
    assert body["error"] == "Unknown field: initial_user (did you mean initial_users?)"
    assert body["errors"] == [body["error"]]
    assert job_total(server) == before


def test_a_field_of_the_other_platform_says_whose_it_is(server: RunningServer) -> None:
    body = refused(server.client.post("/api/jobs/start", json=asana_body(org_size="startup")))
    assert body["error"] == 'Unknown field: org_size (a field of Okta jobs: set "connection_type": "okta")'
    nothing_close = refused(server.client.post("/api/jobs/start", json=asana_body(zzz=1)))
    assert nothing_close["error"] == "Unknown field: zzz"


def test_known_fields_are_the_shared_ones_and_the_platforms_own() -> None:
    okta, asana = set(known_fields("okta")), set(known_fields("asana"))
    shared = {"connection_type", "template", "industry", "job_name", "user_tokens", "anthropic_api_key",
              "content_provider", "activity_level", "working_hours", "timezone", "time_scale", "seed",
              "duration_days", "cleanup_after", "max_api_capacity"}
    assert shared <= okta and shared <= asana
    assert {"org_url", "org_size", "initial_users"} <= okta - asana
    assert {"workspace_gid", "initial_projects", "base_url"} <= asana - okta


@pytest.mark.parametrize("name", TemplateStore.load().names())
def test_every_template_field_is_known_to_its_platform(name: str) -> None:
    template = TemplateStore.load().get(name)
    known = {field for kind in template.platforms for field in known_fields(kind)}
    if len(template.platforms) > 1:  # one company on several platforms: the list is known too
        known.add("platforms")
    assert set(template.config) <= known


def test_every_field_the_dashboard_sends_is_known() -> None:
    """newjob.js builds the body from a fixed list plus each platform's form fields (GET /api/platforms)."""
    script = (WEB_JS / "newjob.js").read_text(encoding="utf-8")
    block = re.search(r"const body = \{(.*?)\};", script, re.S)
    assert block, "newjob.js no longer builds `const body = {...}`: update this test"
    fixed = set(re.findall(r"(\w+):", block.group(1))) | {"anthropic_api_key", "user_tokens"}
    for connection_type, spec in PLATFORMS.items():
        form = {field.name for field in spec.fields()}
        assert fixed | form <= set(known_fields(connection_type)), connection_type


def test_unknown_null_fields_are_ignored_and_template_overrides_accepted(server: RunningServer) -> None:
    started = server.client.post("/api/jobs/start", json=okta_body(initial_user=None))
    assert started.status_code == 200, started.text
    body = {"template": "startup-tech-okta", "org_url": OKTA_URL, "activity_level": "high",
            "user_tokens": [{"name": "admin1", "token": "good-okta-1", "org_url": OKTA_URL}]}
    assert server.client.post("/api/jobs/start", json=body).status_code == 200


def test_a_clone_leaves_fields_no_longer_accepted_behind(server: RunningServer) -> None:
    source = server.client.post("/api/jobs/start", json=asana_body()).json()["job_id"]
    engine = server.app.state.manager.engine
    from tenantsim.store import jobs_repo

    row = jobs_repo.get_job(engine, source)
    assert row is not None
    jobs_repo.update_job(engine, source, config={**row["config"], "legacy_note": "from an old version"})
    clone = server.client.post(f"/api/jobs/{source}/clone", json={"activity_level": "low"})
    assert clone.status_code == 200, clone.text
    typo = refused(server.client.post(f"/api/jobs/{source}/clone", json={"activty_level": "low"}))
    assert typo["error"] == "Unknown field: activty_level (did you mean activity_level?)"


# -- every problem at once --------------------------------------------------------------------------

def test_every_problem_is_reported_and_error_stays_the_seeds_first(server: RunningServer) -> None:
    body = okta_body(org_size="huge", initial_user=5, activity_level="frantic")
    body.pop("org_url")
    answer = refused(server.client.post("/api/jobs/start", json=body))
    assert answer["error"] == "Missing required field for Okta: org_url"  # exactly as before
    errors = answer["errors"]
    assert errors[0].startswith("Missing required field for Okta: org_url (")  # what would satisfy it
    assert "Invalid activity_level: must be one of low, medium, high" in errors
    assert "Invalid org_size: must be one of startup, midsize, enterprise" in errors
    assert errors[-1] == "Unknown field: initial_user (did you mean initial_users?)"
    assert not any("Invalid org_url" in e for e in errors), "a missing field is said once"


def test_a_missing_anthropic_key_says_offline_would_do(server: RunningServer) -> None:
    body = okta_body()
    body.pop("content_provider")
    answer = refused(server.client.post("/api/jobs/start", json=body))
    assert answer["error"] == "Missing required field for Okta: anthropic_api_key"
    assert answer["errors"] == ['Missing required field for Okta: anthropic_api_key, or set '
                                '"content_provider": "offline"']


def test_every_bad_token_is_named(server: RunningServer) -> None:
    tokens = [{"name": "a", "token": "good-1"}, {"name": "b", "token": "good-2"}]
    answer = refused(server.client.post("/api/jobs/start", json=okta_body(user_tokens=tokens)))
    assert answer["error"] == "Missing org_url in token config for token: a"
    assert "Missing org_url in token config for token: b" in answer["errors"]


def test_the_request_models_problems_and_the_rest_together(server: RunningServer) -> None:
    answer = refused(server.client.post("/api/jobs/start", json=asana_body(job_name="n" * 201,
                                                                            initial_project=3)))
    assert answer["error"].startswith("Invalid value for job_name")
    assert answer["errors"][0] == answer["error"]
    assert "Unknown field: initial_project (did you mean initial_projects?)" in answer["errors"]
    assert not any("job_name" in e for e in answer["errors"][1:])


# -- the job list's status filter ---------------------------------------------------------------------

def test_an_unknown_status_is_refused_naming_the_valid_ones(server: RunningServer) -> None:
    answer = refused(server.client.get("/api/jobs", params={"status": "bogus"}))
    assert answer["error"] == ("Invalid status: bogus. Valid statuses: pending, running, paused, stopped, "
                               "failed, cleaning, cleaned, deleted")
    assert server.client.get("/api/jobs", params={"status": "running,paused"}).status_code == 200


# -- the job view ---------------------------------------------------------------------------------------

def test_the_job_view_holds_each_field_once(server: RunningServer) -> None:
    job_id = server.client.post("/api/jobs/start", json=okta_body()).json()["job_id"]
    view = server.client.get(f"/api/jobs/{job_id}").json()
    assert "job" not in view
    assert (view["success"], view["job_id"], view["connection_type"]) == (True, job_id, "okta")
    assert view["status"] in ("pending", "running")
    assert view["config"]["org_size"] == "midsize" and view["config"]["user_tokens"][0]["token"] == "…"
    for key in ("created_objects", "progress", "rate_limits", "cleanup_result", "sim_time", "seed"):
        assert key in view
    assert not any(isinstance(v, dict) and "job_id" in v for v in view.values()), "no nested copy"


# -- token checks -----------------------------------------------------------------------------------

def test_a_token_with_an_org_url_is_an_okta_token(server: RunningServer) -> None:
    answer = server.client.post("/api/validate_token", json={"token": "good-okta-1", "org_url": OKTA_URL})
    assert answer.status_code == 200, answer.text
    assert answer.json()["connection_type"] == "okta"
    asana = server.client.post("/api/validate_token", json={"api_key": "good-asana-1"})
    assert asana.json()["connection_type"] == "asana"  # the seed's default stays for everything else
    both = server.client.post("/api/validate_token", json={"api_key": "good-1", "org_url": OKTA_URL})
    assert both.json()["connection_type"] == "asana"
    bare = server.client.post("/api/validate_token", json={"token": "good-asana-1"})
    assert bare.json()["connection_type"] == "asana"


# -- cleanup results add up ------------------------------------------------------------------------------

def test_cleaning_a_cleaned_job_again_keeps_what_the_first_cleanup_did(server: RunningServer) -> None:
    job_id = server.client.post("/api/jobs/start", json=asana_body()).json()["job_id"]
    wait_for(lambda: server.client.get(f"/api/jobs/{job_id}").json()["created_objects"].get("widget", 0) >= 5,
             message="build")
    first = server.client.post(f"/api/jobs/{job_id}/cleanup").json()
    assert first["deleted_widgets"] >= 5
    second = server.client.post(f"/api/jobs/{job_id}/cleanup")
    assert second.status_code == 200, second.text
    stored = server.client.get(f"/api/jobs/{job_id}").json()["cleanup_result"]
    assert stored["deleted_widgets"] == first["deleted_widgets"] + second.json()["deleted_widgets"]
