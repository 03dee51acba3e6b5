"""Input limits: bodies up to 1 MiB, at most 100 user tokens, initial_users up to 100,000, bounded
strings and bounded list parameters. Each refusal is a clear 400 (413 for size) in the envelope, and
nothing is created."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import OKTA_URL, asana_body, okta_body
from tests.support.fake_platform import FakeConnector, FakePlatform

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def platform() -> FakePlatform:
    return FakePlatform()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, platform: FakePlatform) -> Iterator[RunningServer]:
    connectors = {"asana": FakeConnector("asana", platform), "okta": FakeConnector("okta", platform)}
    with running_server(tmp_path_factory.mktemp("limits"), connectors=connectors) as srv:
        yield srv


def refused(response: Any, status: int = 400) -> str:
    assert response.status_code == status, response.text[:300]
    body = response.json()
    assert set(body) <= {"success", "error", "errors"} and body["success"] is False
    if "errors" in body:  # a refused start lists every problem; the first is the one ``error`` names
        assert body["errors"][0].startswith(body["error"])
    return str(body["error"])


def job_count(srv: RunningServer) -> int:
    return int(srv.client.get("/api/jobs").json()["total"])


def test_a_two_mib_body_is_413(server: RunningServer) -> None:
    big = json.dumps(asana_body(job_name="x", padding="p" * (2 * MIB))).encode()
    message = refused(server.client.post("/api/jobs/start", content=big,
                                         headers={"content-type": "application/json"}), 413)
    assert message == f"Request body too large: at most {MIB} bytes"


def test_a_chunked_two_mib_body_is_413_too(server: RunningServer) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must count what arrives
        yield b'{"padding": "'
        for _ in range(32):
            yield b"p" * (64 * 1024)
        yield b'"}'

    response = server.client.post("/api/jobs/start", content=chunks(),
                                  headers={"content-type": "application/json"})
    assert refused(response, 413).startswith("Request body too large")


def test_a_body_just_under_the_limit_is_read(server: RunningServer) -> None:
    body = json.dumps({"tokens": ["t" * 1000] * 1000}).encode()  # ~1 MB, under 1 MiB
    assert len(body) < MIB
    message = refused(server.client.post("/api/jobs/start", content=body,
                                         headers={"content-type": "application/json"}))
    assert message == "Missing required field: industry"


@pytest.mark.parametrize(("count", "accepted"), [(100, True), (101, False)])
def test_at_most_100_user_tokens(server: RunningServer, count: int, accepted: bool) -> None:
    tokens = [{"name": f"user{i}", "token": f"good-asana-{i}"} for i in range(count)]
    response = server.client.post("/api/jobs/start", json=asana_body(user_tokens=tokens))
    if accepted:
        assert response.status_code == 200, response.text
    else:
        assert refused(response) == "Too many user_tokens: at most 100"


@pytest.mark.parametrize(("users", "accepted"), [(100_000, True), (100_001, False), (0, False),
                                                 (1.5, False), ("many", False)])
def test_initial_users_bounds(server: RunningServer, users: Any, accepted: bool) -> None:
    response = server.client.post("/api/jobs/start", json=okta_body(initial_users=users))
    if accepted:
        assert response.status_code == 200, response.text
        # Accepted is all this checks: stop it before it builds a company of 100,000 on a shared server.
        assert server.client.post(f"/api/jobs/{response.json()['job_id']}/stop").status_code == 200
    else:
        assert refused(response).startswith("Invalid value for initial_users")


@pytest.mark.parametrize(("override", "message"), [
    ({"job_name": "n" * 201}, "Invalid value for job_name: String should have at most 200 characters"),
    ({"industry": "i" * 101}, "Invalid value for industry"),
    ({"anthropic_api_key": "k" * 501}, "Invalid value for anthropic_api_key"),
    ({"user_tokens": [{"name": "u", "token": "good-" + "t" * 8200}]},
     "Invalid value for user_tokens.0.token"),
    ({"user_tokens": [{"name": "n" * 201, "token": "good-1"}]}, "Invalid value for user_tokens.0.name"),
    ({"notes": "x" * 2001}, "Invalid value for notes: longer than 2000 characters"),
    ({"timezone": "Z" * 81}, "Invalid value for timezone"),
    ({"cleanup_after": "99999999999d"}, "Invalid cleanup_after"),
    ({"cleanup_after": 1e300}, "Invalid cleanup_after"),
    ({"time_scale": 1e9}, "Invalid value for time_scale"),
    ({"max_api_capacity": 0}, "Invalid value for max_api_capacity"),
    ({"seed": 2**70}, "Invalid value for seed"),
    ({"initial_projects": 10_000}, "Invalid value for initial_projects"),
])
def test_strings_and_numbers_are_bounded(server: RunningServer, override: dict[str, Any],
                                         message: str) -> None:
    before = job_count(server)
    assert refused(server.client.post("/api/jobs/start", json=asana_body(**override))).startswith(message)
    assert job_count(server) == before


def test_org_url_length_is_bounded(server: RunningServer) -> None:
    long_url = "https://" + "a" * 300 + ".okta.com"
    assert refused(server.client.post("/api/jobs/start", json=okta_body(org_url=long_url))) \
        .startswith("Invalid value for org_url")
    tokens = [{"name": "a", "token": "good-1", "org_url": OKTA_URL}]
    assert refused(server.client.post("/api/validate_token", json={
        "connection_type": "okta", "token": "good-1", "org_url": long_url, "user_tokens": tokens})) \
        .startswith("Invalid value for org_url")


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"42", b"null", b"{not json", b"[" * 100_000,
                                  b'{"a":' * 50_000 + b"1" + b"}" * 50_000])
def test_bodies_that_are_not_an_object_are_400(server: RunningServer, body: bytes) -> None:
    refused(server.client.post("/api/jobs/start", content=body, headers={"content-type": "application/json"}))


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=-1", "limit=abc", "offset=-1",
                                   "offset=99999999999", "status=" + "s" * 41])
def test_job_list_parameters_are_bounded(server: RunningServer, query: str) -> None:
    assert refused(server.client.get(f"/api/jobs?{query}")).startswith("Invalid value for")


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=1e3", "before=-1",
                                   "before=1000000000000000000000000000000"])
def test_activity_log_parameters_are_bounded(server: RunningServer, query: str) -> None:
    job_id = server.client.post("/api/jobs/start", json=asana_body()).json()["job_id"]
    assert refused(server.client.get(f"/api/jobs/{job_id}/activity_log?{query}")) \
        .startswith("Invalid value for")
    assert server.client.get(f"/api/jobs/{job_id}/activity_log?limit=1000").status_code == 200
