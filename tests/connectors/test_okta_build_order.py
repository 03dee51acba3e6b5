"""On a free-plan org (users 100 a minute, apps 20) the job's first person is made at once, not after
the department app grants: the apps bucket works alongside the users bucket instead of before it.

What happened when is read from the org's own System Log through the Okta API, after the seed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tenantsim.sandbox.okta import DEFAULT_TOKEN, OktaSandbox, create_app
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import okta_body, wait_for

USERS_PER_WINDOW = 100  # a free plan's users bucket; its other buckets in Okta's ratios...
APPS_PER_WINDOW = 20  # ...but its apps bucket, the one an enterprise org has six times over
WINDOW = 1.0  # a minute compressed, so the test takes seconds


@pytest.fixture(scope="module")
def sandbox() -> OktaSandbox:
    org = create_app(users=12, seed=19, rate_limit=USERS_PER_WINDOW, window_seconds=WINDOW)
    org.limits["apps"] = APPS_PER_WINDOW
    return org


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sandbox: OktaSandbox) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("okta-order"), sandbox_apps={"okta": sandbox}) as srv:
        yield srv


def system_log(org_url: str, since: str) -> list[dict[str, Any]]:
    """Every event from ``since`` until now, oldest first (a bounded query: it ends)."""
    until = datetime.now(UTC).isoformat()
    events: list[dict[str, Any]] = []
    with httpx.Client(headers={"Authorization": f"SSWS {DEFAULT_TOKEN}"}, timeout=30) as okta:
        url: str | None = f"{org_url}/api/v1/logs"
        params: dict[str, Any] = {"since": since, "until": until, "limit": 1000}
        while url:
            response = okta.get(url, params=params)
            response.raise_for_status()
            events += response.json()
            url, params = response.links.get("next", {}).get("url"), {}
    return events


def test_the_first_person_is_made_while_the_department_grants_are_still_going(
        server: RunningServer, sandbox: OktaSandbox) -> None:
    org_url = f"{server.base_url}/sandbox/okta"
    since = datetime.now(UTC).isoformat()
    start = server.client.post("/api/jobs/start", json=okta_body(
        org_url=org_url, org_size="startup", initial_users=60, time_scale=1.0,
        user_tokens=[{"name": "admin", "token": DEFAULT_TOKEN, "org_url": org_url}]))
    assert start.status_code == 200, start.text
    job_id = start.json()["job_id"]
    wait_for(lambda: server.client.get(f"/api/jobs/{job_id}").json().get("seeded"), timeout=120,
             message="the seed")
    server.client.post(f"/api/jobs/{job_id}/stop")

    kinds = [e["eventType"] for e in system_log(org_url, since)
             if e["eventType"] in ("user.lifecycle.create", "group.application_assignment.add")]
    grants = kinds.count("group.application_assignment.add")
    first_person = kinds.index("user.lifecycle.create")
    assert grants > APPS_PER_WINDOW  # more than one window of the apps bucket: order matters
    # Before the first person, fewer grants than one apps window holds (not all of them, as when the
    # grants were a phase of their own)...
    assert kinds[:first_person].count("group.application_assignment.add") < APPS_PER_WINDOW
    # ...and people keep coming while the grants go on.
    last_grant = len(kinds) - 1 - kinds[::-1].index("group.application_assignment.add")
    assert kinds[first_person:last_grant].count("user.lifecycle.create") > 1
