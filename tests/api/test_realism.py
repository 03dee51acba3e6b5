"""GET /api/jobs/<id>/realism: each platform measures its job's tenant through its own API.

Against the embedded sandbox tenants, with real connectors: an Okta job and an Asana job are built and
run a few events, then paused (so the simulated clock stands still) and measured; a change made directly
through the emulator's API — a user deprovisioned, a manager moved, a comment repeated, a stranger
mentioned — shows in the next measurement, so the values come from the tenant, not from the job's records.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tenantsim.cli import build_sandbox_apps
from tenantsim.connectors.asana import realism as asana_realism
from tenantsim.connectors.okta import realism as okta_realism
from tenantsim.settings import Settings
from tenantsim.store.ledger_repo import SqlLedger
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import okta_body, wait_for
from tests.support.fake_platform import FakeConnector
from tests.support.servers import free_port

OKTA_NAMES = [okta_realism.HIRES, okta_realism.DEPARTURES, okta_realism.ON_LEAVE,
              okta_realism.MANAGERS_ELSEWHERE]
ASANA_NAMES = [asana_realism.DISTINCT, asana_realism.REPEATS, asana_realism.STRANGERS,
               asana_realism.DUE_EARLY, asana_realism.COMPLETED]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    var_dir = tmp_path_factory.mktemp("realism")
    port = free_port()
    settings = Settings(var_dir=var_dir, port=port, sandbox_rate_limit=60_000)
    with running_server(var_dir, "", sandbox_apps=build_sandbox_apps(settings), port=port,
                        sandbox_rate_limit=60_000) as srv:
        yield srv


def realism(srv: RunningServer, job_id: str) -> dict[str, dict[str, Any]]:
    response = srv.client.get(f"/api/jobs/{job_id}/realism")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True and isinstance(body["sampled_at"], str)
    for measure in body["measures"]:
        assert set(measure) == {"name", "value", "band", "ok"}, measure
        assert isinstance(measure["value"], int | float) and not isinstance(measure["value"], bool)
        assert isinstance(measure["band"], str) and measure["band"]
        assert isinstance(measure["ok"], bool)
    return {m["name"]: m for m in body["measures"]}


def start_and_stop(srv: RunningServer, body: dict[str, Any], events: int = 3) -> str:
    """A job that built its company and lived a little, then stopped: the tenant holds still."""
    response = srv.client.post("/api/jobs/start", json=body)
    assert response.status_code == 200, response.text
    job_id = str(response.json()["job_id"])

    def lived() -> bool:
        view = srv.client.get(f"/api/jobs/{job_id}").json()
        assert view["status"] in ("pending", "running"), view.get("last_error")
        return bool(view["seeded"] and view["events_total"] >= events)

    wait_for(lived, timeout=120, message="the job to build and produce events")
    stopped = srv.client.post(f"/api/jobs/{job_id}/stop")  # answers once the job's last call is done
    assert stopped.status_code == 200 and stopped.json()["status"] == "stopped", stopped.text
    return job_id


def ledger_ids(srv: RunningServer, job_id: str, platform: str, kind: str) -> list[str]:
    ledger = SqlLedger(srv.app.state.manager.engine, job_id, platform)
    return [str(e.platform_id) for e in ledger.entries(kind, statuses=["created"]) if e.platform_id]


def test_okta_measures_come_from_the_org(sandbox: RunningServer) -> None:
    tenant = sandbox.client.get("/api/sandbox").json()["tenants"]["okta"]
    org_url, token = tenant["org_url"], tenant["tokens"][0]
    body = okta_body(org_url=org_url, org_size="startup", initial_users=20, time_scale=1_000_000,
                     user_tokens=[{"name": "admin", "token": token, "org_url": org_url}])
    job_id = start_and_stop(sandbox, body)
    before = realism(sandbox, job_id)
    assert list(before) == OKTA_NAMES
    assert before[okta_realism.HIRES]["band"] == before[okta_realism.DEPARTURES]["band"] == "0.5–8"
    assert before[okta_realism.ON_LEAVE]["band"] == "0.5–6"
    assert before[okta_realism.MANAGERS_ELSEWHERE]["band"] == "0"

    with httpx.Client(base_url=org_url, headers={"Authorization": f"SSWS {token}"}, timeout=30) as okta:
        users = {uid: okta.get(f"/api/v1/users/{uid}").json()
                 for uid in ledger_ids(sandbox, job_id, "okta", "user")}
        active = [u for u in users.values() if u["status"] == "ACTIVE"]

        def counted(user: dict[str, Any]) -> bool:  # what the measure counts, as the emulator shows it
            manager = users.get(user["profile"].get("managerId") or "")
            return bool(manager is not None and manager["profile"].get("managerId")
                        and manager["profile"]["department"] != user["profile"]["department"])

        managed = [u for u in active if u["profile"].get("managerId")]  # everyone but the chief executive
        # Someone not counted yet gets a manager (not the chief executive) from another department.
        mover = next(u for u in managed if not counted(u))
        elsewhere = next(m for m in managed if m["id"] != mover["id"]
                         and m["profile"]["department"] != mover["profile"]["department"])
        leaver = next(u for u in managed if not counted(u) and u["id"] not in (mover["id"], elsewhere["id"]))
        moved = okta.post(f"/api/v1/users/{mover['id']}", json={"profile": {"managerId": elsewhere["id"]}})
        assert moved.status_code == 200, moved.text
        gone = okta.post(f"/api/v1/users/{leaver['id']}/lifecycle/deactivate", params={"sendEmail": "false"})
        assert gone.status_code == 200, gone.text

    after = realism(sandbox, job_id)
    assert after[okta_realism.DEPARTURES]["value"] > before[okta_realism.DEPARTURES]["value"]
    elsewhere_before = before[okta_realism.MANAGERS_ELSEWHERE]["value"]
    assert after[okta_realism.MANAGERS_ELSEWHERE] == {**before[okta_realism.MANAGERS_ELSEWHERE],
                                                      "value": elsewhere_before + 1, "ok": False}


def test_asana_measures_come_from_the_workspace(sandbox: RunningServer) -> None:
    tenant = sandbox.client.get("/api/sandbox").json()["tenants"]["asana"]
    users = tenant["users"][:3]
    body = {"industry": "technology", "workspace_gid": tenant["workspaces"][0]["gid"],
            "base_url": tenant["base_url"], "initial_projects": 2, "content_provider": "offline",
            "time_scale": 100_000, "activity_level": "high",
            "user_tokens": [{"name": u["name"].split(" ")[0], "token": u["token"]} for u in users]}
    job_id = start_and_stop(sandbox, body)
    before = realism(sandbox, job_id)
    assert list(before) == ASANA_NAMES
    assert before[asana_realism.DISTINCT]["band"] == "≥ 0.9"
    assert before[asana_realism.COMPLETED]["band"] == "0.2–0.8"
    assert 0 <= before[asana_realism.COMPLETED]["value"] <= 1
    assert before[asana_realism.DUE_EARLY]["value"] == 0  # the job never dates a task before it exists

    headers = {"Authorization": f"Bearer {users[0]['token']}"}
    with httpx.Client(base_url=tenant["base_url"], headers=headers, timeout=30) as asana:
        def comments(gid: str) -> list[str]:
            stories = asana.get(f"/tasks/{gid}/stories").json()["data"]
            return [s["text"] for s in stories if s.get("resource_subtype") == "comment_added"]

        # A thread without a repeat (or without comments) gets the same words twice.
        tasks = ledger_ids(sandbox, job_id, "asana", "task")
        task = next(gid for gid in tasks if len(set(comments(gid))) == len(comments(gid)))
        for _ in range(2):
            said = asana.post(f"/tasks/{task}/stories", json={"data": {"text": "Moving this to Thursday."}})
            assert said.status_code == 201, said.text
        mention = asana.post(f"/tasks/{tasks[0]}/stories",
                             json={"data": {"text": "@Zebulon Quartermaine can you take a look?"}})
        assert mention.status_code == 201, mention.text

    after = realism(sandbox, job_id)
    assert after[asana_realism.REPEATS]["value"] > before[asana_realism.REPEATS]["value"]
    assert after[asana_realism.REPEATS]["ok"] is False
    assert after[asana_realism.STRANGERS]["value"] == before[asana_realism.STRANGERS]["value"] + 1
    assert after[asana_realism.STRANGERS]["ok"] is False


def test_unknown_job_is_404_and_an_unbuilt_company_is_409(tmp_path: Path) -> None:
    # A build that takes minutes: the company is not in the tenant yet.
    connectors = {"okta": FakeConnector("okta", seed_count=100, delay=2.0)}
    with running_server(tmp_path, connectors=connectors) as srv:
        missing = srv.client.get("/api/jobs/job_nope/realism")
        assert missing.status_code == 404
        assert missing.json() == {"success": False, "error": "Job not found: job_nope"}
        job_id = srv.client.post("/api/jobs/start", json=okta_body()).json()["job_id"]
        early = srv.client.get(f"/api/jobs/{job_id}/realism")
        assert early.status_code == 409
        assert early.json()["success"] is False and "has not built its company yet" in early.json()["error"]
        srv.client.post(f"/api/jobs/{job_id}/stop")
