"""The seed's HTTP contract for jobs, through the real app over loopback, on SQLite and PostgreSQL.

Platform calls go to a fake connector (core tests only); the real connectors have their own suites.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tenantsim.connectors.registry import PLATFORMS
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import OKTA_URL, asana_body, okta_body, wait_for
from tests.support.fake_platform import FakeConnector, FakePlatform
from tests.support.quiet import stays_quiet


@pytest.fixture
def platform() -> FakePlatform:
    return FakePlatform()


@pytest.fixture
def server(tmp_path: Path, database_url: str, platform: FakePlatform) -> Iterator[RunningServer]:
    connectors = {"asana": FakeConnector("asana", platform), "okta": FakeConnector("okta", platform)}
    with running_server(tmp_path, database_url, connectors=connectors) as srv:
        yield srv


def job(srv: RunningServer, job_id: str) -> dict[str, Any]:
    response = srv.client.get(f"/api/jobs/{job_id}")
    assert response.status_code == 200, response.text
    return response.json()


def test_health_is_exactly_the_seed(server: RunningServer) -> None:
    body = server.client.get("/api/health").json()
    assert body["success"] is True
    assert body["status"] == "running"
    supported = body["connection_types_supported"]
    assert supported[:2] == ["asana", "okta"]  # the seed's, in its order; newer platforms follow
    assert set(supported) == set(PLATFORMS)
    assert body["version"] == "2.0.0"
    assert isinstance(body["active_jobs"], int)
    assert body["checks"]["database"]["ok"] is True
    assert set(body["checks"]) >= {"asana", "okta"}


def test_okta_start_returns_seed_response_and_builds(server: RunningServer, platform: FakePlatform) -> None:
    response = server.client.post("/api/jobs/start", json=okta_body())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    assert body["connection_type"] == "okta"
    assert body["job_id"].startswith("job_")
    assert body["message"] == f"Okta continuous generation started - Job ID: {body['job_id']}"
    view = wait_for(lambda: (j := job(server, body["job_id"]))["created_objects"].get("widget", 0) >= 5 and j,
                    message="initial build")
    assert view["status"] == "running"
    assert view["connection_type"] == "okta"
    assert view["config"]["org_size"] == "midsize"


def test_connection_type_defaults_to_asana(server: RunningServer) -> None:
    body = server.client.post("/api/jobs/start", json=asana_body()).json()
    assert body["connection_type"] == "asana"
    assert job(server, body["job_id"])["connection_type"] == "asana"


@pytest.mark.parametrize("missing", ["industry", "org_url", "user_tokens", "org_size"])
def test_okta_missing_field_messages(server: RunningServer, missing: str) -> None:
    body = okta_body()
    body.pop(missing)
    response = server.client.post("/api/jobs/start", json=body)
    assert response.status_code == 400
    body = response.json()
    assert (body["success"], body["error"]) == (False, f"Missing required field for Okta: {missing}")
    assert body["errors"][0].startswith(body["error"])  # every problem, each saying what satisfies it


def test_okta_requires_anthropic_key_unless_offline(server: RunningServer) -> None:
    body = okta_body()
    body.pop("content_provider")
    response = server.client.post("/api/jobs/start", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "Missing required field for Okta: anthropic_api_key"


@pytest.mark.parametrize("missing", ["industry", "workspace_gid", "user_tokens"])
def test_asana_missing_field_messages(server: RunningServer, missing: str) -> None:
    body = asana_body()
    body.pop(missing)
    response = server.client.post("/api/jobs/start", json=body)
    assert response.status_code == 400
    body = response.json()
    assert (body["success"], body["error"]) == (False, f"Missing required field: {missing}")
    assert body["errors"][0].startswith(body["error"])


@pytest.mark.parametrize(("override", "message"), [
    ({"org_url": "http://dev-123456.okta.com"}, "Invalid org_url: must start with https://"),
    ({"org_size": "huge"}, "Invalid org_size: must be one of startup, midsize, enterprise"),
    ({"user_tokens": [{"name": "admin1", "token": "good-okta-1"}]},
     "Missing org_url in token config for token: admin1"),
    ({"connection_type": "sharepoint"}, "Unsupported connection type: sharepoint"),
    ({"initial_users": 100_001}, "Invalid value for initial_users: must be between 1 and 100000"),
    ({"industry": "alchemy"}, "Unknown industry: alchemy"),
])
def test_okta_validation_errors_change_nothing(server: RunningServer, platform: FakePlatform,
                                               override: dict[str, Any], message: str) -> None:
    before = server.client.get("/api/jobs").json()["total"]
    response = server.client.post("/api/jobs/start", json=okta_body(**override))
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert response.json()["error"].startswith(message)
    assert server.client.get("/api/jobs").json()["total"] == before
    assert platform.calls == 0


def test_invalid_tokens_are_401(server: RunningServer) -> None:
    body = okta_body(user_tokens=[{"name": "a", "token": "bad", "org_url": OKTA_URL}])
    response = server.client.post("/api/jobs/start", json=body)
    assert response.status_code == 401
    assert response.json()["success"] is False
    assert "bad" not in response.text


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), [
    ("post", "/api/jobs/start", {"content": b"{not json", "headers": {"content-type": "application/json"}},
     400),
    ("post", "/api/jobs/start", {"json": [1, 2]}, 400),
    ("get", "/api/nothing-here", {}, 404),
    ("get", "/api/jobs/job_doesnotexist", {}, 404),
    ("put", "/api/health", {}, 405),
    ("get", "/api/jobs/start", {}, 405),
    ("get", "/api/jobs/job_x/activity_log?limit=0", {}, 400),
    ("get", "/api/jobs/job_x/activity_log?limit=1001", {}, 400),
])
def test_every_error_is_the_envelope(server: RunningServer, method: str, path: str, kwargs: dict[str, Any],
                                     status: int) -> None:
    response = getattr(server.client, method)(path, **kwargs)
    assert response.status_code == status
    body = response.json()
    assert body["success"] is False
    assert isinstance(body["error"], str) and body["error"]
    assert set(body) == {"success", "error"}


def widgets(platform: FakePlatform, job_id: str) -> int:
    """What the job made on the platform, as the platform holds it."""
    return sum(1 for o in platform.objects.values() if o["name"].startswith(f"{job_id}:"))


def test_pause_resume_stop_take_effect(server: RunningServer, platform: FakePlatform) -> None:
    job_id = server.client.post("/api/jobs/start", json=asana_body()).json()["job_id"]
    witness = server.client.post("/api/jobs/start", json=asana_body()).json()["job_id"]  # keeps running
    wait_for(lambda: job(server, job_id)["events_total"] >= 2, message="events")
    assert server.client.post(f"/api/jobs/{job_id}/pause").json()["status"] == "paused"
    # While the other job makes several widgets, the paused one makes none (one in flight may land).
    frozen = stays_quiet(lambda: widgets(platform, job_id), lambda: widgets(platform, witness), in_flight=1,
                         what="the paused job")
    assert job(server, job_id)["status"] == "paused"
    assert server.client.post(f"/api/jobs/{job_id}/pause").status_code == 409
    assert server.client.post(f"/api/jobs/{job_id}/resume").json()["status"] == "running"
    wait_for(lambda: widgets(platform, job_id) > frozen, message="widgets after resume")
    assert server.client.post(f"/api/jobs/{job_id}/stop").json()["status"] == "stopped"
    stays_quiet(lambda: widgets(platform, job_id), lambda: widgets(platform, witness), what="the stopped job")
    assert server.client.post(f"/api/jobs/{job_id}/resume").status_code == 409
    server.client.post(f"/api/jobs/{witness}/stop")


def test_cleanup_removes_only_job_objects_and_is_idempotent(server: RunningServer,
                                                            platform: FakePlatform) -> None:
    job_id = server.client.post("/api/jobs/start", json=asana_body()).json()["job_id"]
    wait_for(lambda: job(server, job_id)["events_total"] >= 3, message="events")
    response = server.client.post(f"/api/jobs/{job_id}/cleanup")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["success"] is True
    assert result["deleted_widgets"] >= 8
    assert set(platform.objects) == platform.preexisting
    assert job(server, job_id)["status"] == "cleaned"
    again = server.client.post(f"/api/jobs/{job_id}/cleanup").json()
    assert again["success"] is True and again["deleted_widgets"] == 0


def test_get_job_masks_every_secret(server: RunningServer) -> None:
    secret = "good-okta-RECOGNISABLE-SECRET-123"
    body = okta_body(user_tokens=[{"name": "admin1", "token": secret, "org_url": OKTA_URL}])
    job_id = server.client.post("/api/jobs/start", json=body).json()["job_id"]
    view = job(server, job_id)
    assert secret not in str(view)
    assert view["config"]["user_tokens"][0]["token"] == "good…23"
    listing = server.client.get("/api/jobs").text
    assert secret not in listing


def test_activity_log_newest_first_with_before_cursor(server: RunningServer) -> None:
    job_id = server.client.post("/api/jobs/start", json=asana_body()).json()["job_id"]
    wait_for(lambda: job(server, job_id)["events_total"] >= 6, message="events")
    first = server.client.get(f"/api/jobs/{job_id}/activity_log", params={"limit": 3}).json()
    entries = first["activity_log"]
    assert len(entries) == 3
    ids = [e["id"] for e in entries]
    assert ids == sorted(ids, reverse=True)
    for entry in entries:
        assert {"timestamp", "event_type", "message", "objects"} <= set(entry)
    older = server.client.get(f"/api/jobs/{job_id}/activity_log",
                              params={"limit": 3, "before": first["next_before"]}).json()["activity_log"]
    assert older and max(e["id"] for e in older) < min(ids)


def test_delete_marks_job_and_keeps_platform_data(server: RunningServer, platform: FakePlatform) -> None:
    job_id = server.client.post("/api/jobs/start", json=asana_body()).json()["job_id"]
    wait_for(lambda: job(server, job_id)["seeded"], message="seeded")
    objects_before = len(platform.objects)
    response = server.client.delete(f"/api/jobs/{job_id}/delete")
    assert response.status_code == 200
    assert response.json()["status"] == "deleted"
    assert job(server, job_id)["status"] == "deleted"
    assert job_id not in [j["job_id"] for j in server.client.get("/api/jobs").json()["jobs"]]
    assert len(platform.objects) >= objects_before
    assert server.client.delete(f"/api/jobs/{job_id}/delete").status_code == 404


def test_validate_token_routes_by_connection_type(server: RunningServer) -> None:
    ok = server.client.post("/api/validate_token", json={"api_key": "good-1"})
    assert ok.status_code == 200
    assert ok.json() == {"success": True, "valid": True, "connection_type": "asana",
                         "user": {"name": "Fake Admin", "email": "admin@example.com", "id": "u-1"}}
    okta = server.client.post("/api/validate_token", json={"connection_type": "okta", "token": "good-2",
                                                           "org_url": OKTA_URL})
    assert okta.json()["connection_type"] == "okta"
    missing = server.client.post("/api/validate_token", json={"connection_type": "okta", "token": "x"})
    assert missing.status_code == 400 and missing.json()["error"] == "Missing required field: org_url"
    bad = server.client.post("/api/validate_token", json={"api_key": "bad-token"})
    assert bad.status_code == 401 and bad.json()["success"] is False
    unsupported = server.client.post("/api/validate_token", json={"connection_type": "x", "api_key": "a"})
    assert unsupported.status_code == 400
    assert unsupported.json()["error"] == "Unsupported connection type: x"
