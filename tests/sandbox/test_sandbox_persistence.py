"""Sandbox tenants given a state file keep their data across restarts, like a real tenant: same objects,
same ids, same tokens. A file they cannot trust is set aside, never half-restored; a reset persists the
seeded start state. Last, through the real server: a resumed Asana job still finds what it made."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from tenantsim.cli import build_sandbox_apps
from tenantsim.sandbox.asana import AsanaSandbox
from tenantsim.sandbox.asana import create_app as create_asana
from tenantsim.sandbox.asana.snapshot import dump_store
from tenantsim.sandbox.okta import OktaSandbox
from tenantsim.sandbox.okta import create_app as create_okta
from tenantsim.sandbox.okta.factors import enroll
from tenantsim.sandbox.okta.snapshot import dump_org
from tenantsim.settings import Settings
from tenantsim.store.engine import SqliteLock
from tests.sandbox.okta_support import client, person, with_password
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import wait_for
from tests.support.servers import free_port, serve_asgi

OKTA_TOKENS = ["00persist-token-one", "00persist-token-two"]


def okta(path: Path | None) -> OktaSandbox:
    return create_okta(tokens=OKTA_TOKENS, users=4, seed=11, state_path=path)


def asana(path: Path | None) -> AsanaSandbox:
    return create_asana(users=3, seed=11, state_path=path)


def asana_client(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=f"{base}/api/1.0", headers={"Authorization": f"Bearer {token}"}, timeout=10)


def okta_json(sandbox: OktaSandbox) -> str:
    return json.dumps(dump_org(sandbox.org))


# -- Okta -------------------------------------------------------------------------------------------
def test_okta_org_survives_a_restart(tmp_path: Path) -> None:
    path, port = tmp_path / "okta.json", free_port()
    with serve_asgi(okta(path), port=port) as base, client(base, OKTA_TOKENS[0]) as http:
        user = http.post("/api/v1/users", params={"activate": "true"},
                         json=with_password(person("mira.stone@example.com"))).json()
        uid = user["id"]
        group = http.post("/api/v1/groups", json={"profile": {"name": "Night Shift"}}).json()
        assert http.put(f"/api/v1/groups/{group['id']}/users/{uid}").status_code == 204
        app_id = http.get("/api/v1/apps", params={"limit": 1}).json()[0]["id"]
        assigned = http.post(f"/api/v1/apps/{app_id}/users", json={"id": uid})
        assert assigned.status_code == 200, assigned.text
        factor = http.post(f"/api/v1/users/{uid}/factors", params={"activate": "true"},
                           json={"factorType": "email", "provider": "OKTA"})
        assert factor.status_code == 200, factor.text
        gone = http.post("/api/v1/groups", json={"profile": {"name": "Short Lived"}}).json()["id"]
        assert http.delete(f"/api/v1/groups/{gone}").status_code == 204
        reads = [f"/api/v1/users/{uid}", f"/api/v1/groups/{group['id']}/users", f"/api/v1/users/{uid}/groups",
                 f"/api/v1/apps/{app_id}/users/{uid}", f"/api/v1/users/{uid}/factors"]
        before = [http.get(url).json() for url in reads]
    # The server is gone; only the file is left. Same port, so the links in the bodies match too.
    restored = okta(path)
    issued = set(restored.org.seq_of)
    with serve_asgi(restored, port=port) as base:
        for token in OKTA_TOKENS:
            with client(base, token) as http:
                assert [http.get(url).json() for url in reads] == before
        with client(base, OKTA_TOKENS[1]) as http:
            assert http.get(f"/api/v1/groups/{gone}").status_code == 404
            later = http.post("/api/v1/users", params={"activate": "false"},
                              json=person("omar.vale@example.com")).json()
    # ids continue the sequence: the first id after the restart is not one issued before it
    assert uid in issued and later["id"] not in issued


def test_okta_reset_persists_the_start_state(tmp_path: Path) -> None:
    path = tmp_path / "okta.json"
    sandbox = okta(path)
    with serve_asgi(sandbox) as base, client(base, OKTA_TOKENS[0]) as http:
        uid = http.post("/api/v1/users", json=person("ida.frost@example.com")).json()["id"]
    assert uid in okta(path).org.users  # saved when the server stopped
    with serve_asgi(sandbox) as base:
        assert httpx.post(f"{base}/_sandbox/reset").status_code == 200
        # read back while the server still runs: reset itself wrote the file
        assert okta_json(okta(path)) == okta_json(okta(None))


# -- Asana ------------------------------------------------------------------------------------------
def test_asana_workspace_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "asana.json"
    sandbox = asana(path)
    tokens = sandbox.tokens
    org = sandbox.store.organization["gid"]
    with serve_asgi(sandbox) as base, asana_client(base, tokens[0]) as http:
        def made(url: str, data: dict[str, Any]) -> str:
            response = http.post(url, json={"data": data})
            assert response.status_code == 201, response.text
            return str(response.json()["data"]["gid"])

        team = sandbox.store.teams[0]["gid"]
        project = made("/projects", {"workspace": org, "name": "Launch", "team": team})
        section = made(f"/projects/{project}/sections", {"name": "Doing"})
        task = made("/tasks", {"workspace": org, "name": "Write the brief", "projects": [project]})
        assert http.post(f"/sections/{section}/addTask", json={"data": {"task": task}}).status_code == 200
        made(f"/tasks/{task}/stories", {"text": "Draft is in the shared folder."})
        tag = made("/tags", {"workspace": org, "name": "urgent"})
        assert http.post(f"/tasks/{task}/addTag", json={"data": {"tag": tag}}).status_code == 200
        trashed = made("/tasks", {"workspace": org, "name": "Scratch", "projects": [project]})
        assert http.delete(f"/tasks/{trashed}").status_code == 200
        reads = [f"/tasks/{task}", f"/tasks/{task}/stories", f"/projects/{project}",
                 f"/projects/{project}/sections", f"/tags/{tag}", "/users/me"]
        before = [http.get(url).json() for url in reads]
    restored = asana(path)
    assert restored.tokens == tokens
    with serve_asgi(restored) as base:
        for token in tokens[:2]:
            with asana_client(base, token) as http:
                assert [http.get(url).json() for url in reads[:-1]] == before[:-1]
        with asana_client(base, tokens[0]) as http:
            assert http.get("/users/me").json() == before[-1]
            assert http.get(f"/tasks/{trashed}").status_code == 404
            later = http.post("/tags", json={"data": {"workspace": org, "name": "later"}})
    assert later.status_code == 201
    # gids continue the sequence instead of starting over
    assert int(later.json()["data"]["gid"]) > max(int(g) for g in (project, section, task, tag, trashed))


def test_asana_saves_while_serving_not_only_at_shutdown(tmp_path: Path) -> None:
    path = tmp_path / "asana.json"
    sandbox = asana(path)
    assert sandbox.persistence is not None
    sandbox.persistence.delay = 0.05  # the same debounce, compressed
    org = sandbox.store.organization["gid"]
    with serve_asgi(sandbox) as base, asana_client(base, sandbox.tokens[1]) as http:
        body = {"workspace": org, "name": "Quarterly plan", "team": sandbox.store.teams[0]["gid"]}
        gid = http.post("/projects", json={"data": body}).json()["data"]["gid"]
        wait_for(lambda: path.exists() and gid in asana(path).store.records, timeout=10,
                 message="a save within the debounce delay")
        assert path.stat().st_mode & 0o777 == 0o600  # it holds the sandbox's tokens


def test_asana_reset_persists_the_start_state(tmp_path: Path) -> None:
    path = tmp_path / "asana.json"
    sandbox = asana(path)
    org = sandbox.store.organization["gid"]
    with serve_asgi(sandbox) as base, asana_client(base, sandbox.tokens[0]) as http:
        gid = http.post("/tags", json={"data": {"workspace": org, "name": "temporary"}}).json()["data"]["gid"]
    assert gid in asana(path).store.records
    with serve_asgi(sandbox) as base:
        assert httpx.post(f"{base}/_sandbox/reset").status_code == 200
        reread, fresh = asana(path).store, asana(None).store
        assert gid not in reread.records
        assert (list(reread.records), reread.tokens) == (list(fresh.records), fresh.tokens)


def _busy_okta(path: Path) -> OktaSandbox:
    sandbox = okta(path)
    org = sandbox.org
    user = org.create_user(person("lea.brandt@example.com")["profile"], password="Correct-Horse-42",
                           activate=True)
    group = org.create_group({"name": "Auditors", "description": "Read-only reviewers"})
    org.add_member(group.id, user)
    app = next(iter(org.apps.values()))
    org.assign_user(app, user, {"role": "viewer"}, "lea")
    org.assign_group(app, group, 3, {})
    enroll(org, user, {"factorType": "sms", "profile": {"phoneNumber": "+15550100"}}, activate=False)
    org.delete_group(org.create_group({"name": "Gone"}))
    return sandbox


def _busy_asana(path: Path) -> AsanaSandbox:
    sandbox = asana(path)
    store = sandbox.store
    actor, org = store.user_order[1], store.organization["gid"]
    project = store.create_project(actor, workspace=org, team=store.teams[1]["gid"], name="Audit")
    task = store.create_task(actor, workspace=org, name="Collect evidence", projects=[project["gid"]])
    store.add_story(task, actor, "Started on the access reviews.")
    store.delete_task(store.create_task(actor, workspace=org, name="Duplicate", projects=[project["gid"]]))
    store.teams[1]["description"] = "Changed in place, like the routes do."
    return sandbox


@pytest.mark.parametrize("busy", [_busy_okta, _busy_asana], ids=["okta", "asana"])
def test_a_restore_brings_back_every_attribute_exactly(tmp_path: Path, busy: Any) -> None:
    """A new attribute on OktaOrg or Store that the snapshot forgets fails here, not in a demo."""
    path = tmp_path / "state.json"
    sandbox = busy(path)
    sandbox.save()
    original: Any
    again: Any
    if isinstance(sandbox, OktaSandbox):
        original, again = sandbox.org, okta(path).org
        assert json.dumps(dump_org(again)) == json.dumps(dump_org(original))
    else:
        original, again = sandbox.store, asana(path).store
        assert json.dumps(dump_store(again)) == json.dumps(dump_store(original))
        assert again.teams[1] is again.records[again.teams[1]["gid"]]  # re-linked, not a copy
    assert {k: type(v) for k, v in vars(again).items()} == {k: type(v) for k, v in vars(original).items()}


# -- files that must not be restored ----------------------------------------------------------------
def _damage(path: Path, kind: str, build: Any) -> None:
    """Write a file of the given kind of bad, starting from a genuine save."""
    sandbox = build(path)
    sandbox.save()
    document = json.loads(path.read_text())
    if kind == "garbage":
        path.write_bytes(b"\x00{not json at all")
    elif kind == "future version":
        path.write_text(json.dumps({**document, "version": 999}))
    elif kind == "other origin":
        path.write_text(json.dumps({**document, "origin": {**document["origin"], "seed": 12}}))
    elif kind == "damaged state":
        path.write_text(json.dumps({**document, "state": {"records": "nope"}}))


def _start_state(sandbox: Any) -> Any:
    if isinstance(sandbox, OktaSandbox):
        return okta_json(sandbox)
    store = sandbox.store
    return list(store.records), store.tokens


@pytest.mark.parametrize("build", [okta, asana], ids=["okta", "asana"])
@pytest.mark.parametrize("kind", ["garbage", "future version", "other origin", "damaged state"])
def test_an_untrustworthy_file_falls_back_to_the_start_state(tmp_path: Path, build: Any, kind: str,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "state.json"
    with serve_asgi(build(path)) as base:  # some tenant data worth keeping
        if build is okta:
            with client(base, OKTA_TOKENS[0]) as http:
                http.post("/api/v1/groups", json={"profile": {"name": "Keep me"}})
        else:
            sandbox_tokens = build(None).tokens
            with asana_client(base, sandbox_tokens[0]) as http:
                org = http.get("/workspaces").json()["data"][0]["gid"]
                http.post("/tags", json={"data": {"workspace": org, "name": "keep me"}})
    _damage(path, kind, build)
    bad = path.read_bytes()
    with caplog.at_level(logging.WARNING, logger="tenantsim.sandbox"):
        sandbox = build(path)
    assert _start_state(sandbox) == _start_state(build(None))
    assert any("not restoring" in r.getMessage() for r in caplog.records)
    assert path.read_bytes() == bad  # building alone leaves the file alone
    sandbox.save()
    assert path.with_name("state.json.rejected").read_bytes() == bad  # kept, not overwritten
    assert _start_state(build(path)) == _start_state(build(None))


# -- through the real server ------------------------------------------------------------------------
def _job(srv: RunningServer, job_id: str) -> dict[str, Any]:
    return dict(srv.client.get(f"/api/jobs/{job_id}").json())


def _activity(srv: RunningServer, job_id: str, limit: int) -> list[dict[str, Any]]:
    log = srv.client.get(f"/api/jobs/{job_id}/activity_log", params={"limit": limit}).json()
    return list(log["activity_log"])


def _job_tasks(srv: RunningServer) -> set[str]:
    objects = srv.client.get("/sandbox/asana/_sandbox/objects").json()["objects"]
    return {o["gid"] for o in objects if o["resource_type"] == "task"}


def test_a_resumed_asana_job_still_finds_its_objects(tmp_path: Path) -> None:
    database_url = f"sqlite:///{(tmp_path / 'tenantsim.db').as_posix()}"
    port = free_port()  # the same address after the restart, as a stored job's base URL expects

    def serve() -> Any:
        apps = build_sandbox_apps(Settings(var_dir=tmp_path, sandbox_users=4))
        return running_server(tmp_path, database_url, sandbox_apps=apps, port=port)

    with serve() as srv:
        tenant = srv.client.get("/api/sandbox").json()["tenants"]["asana"]
        tokens = [u["token"] for u in tenant["users"]]
        started = srv.client.post("/api/jobs/start", json={
            "industry": "technology", "workspace_gid": tenant["workspaces"][0]["gid"], "initial_projects": 1,
            "content_provider": "offline", "time_scale": 3600, "activity_level": "high",
            "user_tokens": [{"name": f"user{i}", "token": t} for i, t in enumerate(tokens[:3])]})
        assert started.status_code == 200, started.text
        job_id = started.json()["job_id"]
        wait_for(lambda: _job(srv, job_id)["seeded"], timeout=120, message="the job's seed")
        made_before = _job_tasks(srv)
        assert made_before
        last_before = _activity(srv, job_id, 1)[0]["id"]
    # Fully stopped (its lifespan ran to the end, sandbox saves included) once it lets go of the database.
    lock = SqliteLock(database_url)
    wait_for(lock.acquire, timeout=60, message="the first server to release the database")
    lock.release()
    with serve() as srv:
        assert [u["token"] for u in srv.client.get("/api/sandbox").json()["tenants"]["asana"]["users"]] \
            == tokens
        assert made_before <= _job_tasks(srv)
        events = _job(srv, job_id)["events_total"]
        wait_for(lambda: _job(srv, job_id)["events_total"] >= events + 8, timeout=120,
                 message="events of the resumed job")
        after = [e for e in _activity(srv, job_id, 1000) if e["id"] > last_before]
        assert after, "the resumed job logged nothing"
        # what a job sees when its own objects are gone: 404s, or its project gid refused as unknown
        vanished = [e["message"] for e in after if e["event_type"] == "skipped"
                    and ("404" in e["message"] or "Not a recognized ID" in e["message"])]
        assert not vanished, vanished
