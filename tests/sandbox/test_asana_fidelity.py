"""What real Asana integrations rely on: custom field values through opt_fields, rich text, due times,
membership-only creates, users by email, incremental task lists, section ordering, default sections,
team membership, subtype checks, form bodies, the unpaginated-list limit, /events, /webhooks and task
search. Every response is validated against the vendor spec (``check``), and the official SDK drives
the calls it has."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import asana
import httpx
import pytest
from asana.rest import ApiException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tenantsim.sandbox.asana import AsanaSandbox, create_app
from tenantsim.sandbox.asana import store as asana_store
from tenantsim.sandbox.asana.store import iso
from tenantsim.sandbox.asana.web import MAX_UNPAGINATED, TOO_LARGE
from tests.sandbox.test_asana_spec import Recorder, check
from tests.support.servers import serve_asgi


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[AsanaSandbox, str]]:
    sandbox = create_app(users=4, seed=21)
    with serve_asgi(sandbox) as url:
        yield sandbox, f"{url}/api/1.0"


@pytest.fixture
def api(served: tuple[AsanaSandbox, str]) -> Recorder:
    sandbox, base = served
    return SyncRecorder(base, sandbox.tokens[0])


def _sdk(base: str, token: str) -> asana.ApiClient:
    configuration = asana.Configuration()
    configuration.host = base
    configuration.access_token = token
    configuration.retry_strategy = None
    return asana.ApiClient(configuration)


def _org_team(api: Recorder) -> tuple[str, str]:
    org = next(w for w in api.call("GET", "/workspaces") if w["name"] == "Sandbox Corp")["gid"]
    return org, api.call("GET", f"/workspaces/{org}/teams")[0]["gid"]


def _project(api: Recorder, name: str) -> dict[str, Any]:
    org, team = _org_team(api)
    project: dict[str, Any] = api.call("POST", "/projects", {"workspace": org, "team": team, "name": name})
    return project


# Asana documents these as null when they do not apply (the event's parent for non-add/remove events,
# a webhook's last success/failure before any delivery) though the spec's schemas do not say nullable.
DOCUMENTED_NULLS = {"parent", "last_success_at", "last_failure_at"}


def _strip_nulls(node: Any) -> Any:
    if isinstance(node, list):
        return [_strip_nulls(item) for item in node]
    if isinstance(node, dict):
        return {k: _strip_nulls(v) for k, v in node.items() if not (k in DOCUMENTED_NULLS and v is None)}
    return node


def _check(method: str, path: str, response: httpx.Response) -> None:
    check(method, path, httpx.Response(response.status_code, json=_strip_nulls(response.json())))


class SyncRecorder(Recorder):
    def call(self, method: str, path: str, data: dict[str, Any] | None = None, **params: Any) -> Any:
        response = self.http.request(
            method, path, params=params or None, json={"data": data} if data is not None else None
        )
        _check(method, path, response)
        return response.json().get("data")


def _raw(api: Recorder, method: str, path: str, **kwargs: Any) -> httpx.Response:
    response = api.http.request(method, path, **kwargs)
    _check(method, path, response)
    return response


def test_custom_field_values_through_opt_fields(api: Recorder) -> None:
    org, _ = _org_team(api)
    project = _project(api, "Fields")
    stage = api.call("POST", "/custom_fields", {"workspace": org, "name": "Phase", "resource_subtype": "enum",
                                                "enum_options": [{"name": "Alpha", "color": "blue"}]})
    points = api.call("POST", "/custom_fields", {"workspace": org, "name": "Pts",
                                                 "resource_subtype": "number", "precision": 1})
    note = api.call("POST", "/custom_fields", {"workspace": org, "name": "Memo", "resource_subtype": "text"})
    for field in (stage, points, note):
        api.call("POST", f"/projects/{project['gid']}/addCustomFieldSetting", {"custom_field": field["gid"]})
    option = stage["enum_options"][0]["gid"]
    task = api.call("POST", "/tasks", {"name": "Valued", "projects": [project["gid"]], "custom_fields": {
        stage["gid"]: option, points["gid"]: 2.5, note["gid"]: "hello"}})
    fields = "custom_fields.display_value,custom_fields.enum_value.name,custom_fields.number_value," \
             "custom_fields.text_value,custom_fields.enum_value"
    got = api.call("GET", f"/tasks/{task['gid']}", opt_fields=fields)
    by_gid = {f["gid"]: f for f in got["custom_fields"]}
    assert by_gid[stage["gid"]]["display_value"] == "Alpha"
    assert by_gid[stage["gid"]]["enum_value"]["name"] == "Alpha"
    assert by_gid[stage["gid"]]["enum_value"]["gid"] == option
    assert by_gid[points["gid"]]["number_value"] == 2.5 and by_gid[points["gid"]]["display_value"] == "2.5"
    assert by_gid[note["gid"]]["text_value"] == "hello" and by_gid[note["gid"]]["display_value"] == "hello"
    # (not spec-checked: opt_fields legitimately adds fields to the compact records of a list)
    listed = api.http.get(f"/projects/{project['gid']}/tasks",
                          params={"opt_fields": "custom_fields.display_value"}).json()["data"]
    assert {f["display_value"] for f in listed[0]["custom_fields"]} == {"Alpha", "2.5", "hello"}


def test_rich_text_and_due_times(api: Recorder) -> None:
    project = _project(api, "Rich")
    task = api.call("POST", "/tasks", {"name": "Rich", "projects": [project["gid"]],
                                       "html_notes": "<body>Fish &amp; <strong>chips</strong></body>",
                                       "due_at": "2031-02-03T04:05:06.000Z"})
    got = api.call("GET", f"/tasks/{task['gid']}", opt_fields="notes,html_notes,due_at,due_on,start_at")
    assert got["notes"] == "Fish & chips"
    assert got["html_notes"] == "<body>Fish &amp; <strong>chips</strong></body>"
    assert got["due_at"] == "2031-02-03T04:05:06.000Z" and got["due_on"] == "2031-02-03"
    plain = api.call("PUT", f"/tasks/{task['gid']}", {"notes": "a < b & c", "due_on": "2031-03-01",
                                                      "start_on": "2031-02-01"})
    assert plain["html_notes"] == "<body>a &lt; b &amp; c</body>"
    assert plain["due_at"] is None and plain["start_on"] == "2031-02-01"
    timed = api.call("PUT", f"/tasks/{task['gid']}", {"start_at": "2031-02-01T09:00:00Z",
                                                      "due_at": "2031-02-02T17:30:00Z"})
    assert timed["start_at"] == "2031-02-01T09:00:00.000Z" and timed["due_at"] == "2031-02-02T17:30:00.000Z"
    assert api.http.put(f"/tasks/{task['gid']}", json={"data": {"start_at": "2031-02-01T09:00:00Z"}}
                        ).status_code == 400  # start_at needs due_at in the same request
    story = api.call("POST", f"/tasks/{task['gid']}/stories", {"html_text": "<body>Nice &lt;3</body>"})
    assert story["text"] == "Nice <3" and story["html_text"] == "<body>Nice &lt;3</body>"
    comment = api.call("POST", f"/tasks/{task['gid']}/stories", {"text": "x < y"})
    assert comment["html_text"] == "<body>x &lt; y</body>"
    created = api.call("POST", "/projects", {**{k: v["gid"] for k, v in project.items() if k in ("team",)},
                                             "name": "P", "html_notes": "<body>&quot;q&quot;</body>"})
    assert created["notes"] == '"q"'


def test_memberships_only_create_and_subtype_validation(api: Recorder) -> None:
    project = _project(api, "Members")
    sections = api.call("GET", f"/projects/{project['gid']}/sections")
    assert [s["name"] for s in sections] == ["Untitled section"]
    later = api.call("POST", f"/projects/{project['gid']}/sections", {"name": "Later"})
    task = api.call("POST", "/tasks", {"name": "Placed", "memberships": [
        {"project": project["gid"], "section": later["gid"]}]})
    assert task["memberships"][0]["section"]["gid"] == later["gid"]
    assert task["workspace"]["gid"] == project["workspace"]["gid"]
    milestone = api.call("POST", "/tasks", {"name": "M", "projects": [project["gid"]],
                                            "resource_subtype": "milestone"})
    assert milestone["resource_subtype"] == "milestone"
    bad = api.http.post("/tasks", json={"data": {"name": "B", "projects": [project["gid"]],
                                                 "resource_subtype": "epic"}})
    check("POST", "/tasks", bad)
    assert bad.status_code == 400 and "resource_subtype" in bad.json()["errors"][0]["message"]
    assert [t["name"] for t in api.call("GET", f"/projects/{project['gid']}/tasks")] == ["Placed", "M"]


def test_users_by_email_and_real_team_membership(served: tuple[AsanaSandbox, str], api: Recorder) -> None:
    sandbox, base = served
    users = sandbox.store.users()
    org, team = _org_team(api)
    second = users[1]
    assert api.call("GET", f"/users/{second['email'].upper()}")["gid"] == second["gid"]
    project = _project(api, "Emails")
    task = api.call("POST", "/tasks", {"name": "To email", "projects": [project["gid"]],
                                       "assignee": second["email"]})
    assert task["assignee"]["gid"] == second["gid"]
    assert [t["gid"] for t in api.call("GET", "/tasks", assignee=second["email"], workspace=org)
            if t["gid"] == task["gid"]] == [task["gid"]]
    teams = api.call("GET", f"/workspaces/{org}/teams")
    members = {t["gid"]: {u["gid"] for u in api.call("GET", f"/teams/{t['gid']}/users")} for t in teams}
    assert any(m != {u["gid"] for u in users} for m in members.values()), "teams are not everyone"
    assert all(users[0]["gid"] in m for m in members.values())
    outsider = next(u for u in users if u["gid"] not in members[team])
    mine = {t["gid"] for t in api.call("GET", f"/users/{outsider['gid']}/teams", organization=org)}
    assert team not in mine and mine
    api.call("POST", f"/teams/{team}/addUser", {"user": outsider["email"]})
    assert outsider["gid"] in {u["gid"] for u in api.call("GET", "/users", team=team)}
    api.call("POST", f"/teams/{team}/removeUser", {"user": outsider["gid"]})
    assert outsider["gid"] not in {u["gid"] for u in api.call("GET", f"/teams/{team}/users")}
    client = _sdk(base, sandbox.tokens[0])
    assert asana.UsersApi(client).get_user(second["email"], {})["gid"] == second["gid"]
    listed = {u["gid"] for u in asana.UsersApi(client).get_users_for_team(team, {})}
    assert listed == members[team]


def test_incremental_lists(api: Recorder) -> None:
    org, _ = _org_team(api)
    project = _project(api, "Since")
    old = api.call("POST", "/tasks", {"name": "Old", "projects": [project["gid"]]})
    done = api.call("POST", "/tasks", {"name": "Done long ago", "projects": [project["gid"]]})
    api.call("PUT", f"/tasks/{done['gid']}", {"completed": True})
    time.sleep(0.05)
    mark = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time())) + \
        f".{int(time.time() * 1000) % 1000:03d}Z"
    time.sleep(0.05)
    new = api.call("POST", "/tasks", {"name": "New", "projects": [project["gid"]]})
    changed = [t["gid"] for t in api.call("GET", "/tasks", project=project["gid"], modified_since=mark)]
    assert changed == [new["gid"]]
    open_only = [t["gid"] for t in api.call("GET", f"/projects/{project['gid']}/tasks",
                                            completed_since="now")]
    assert open_only == [old["gid"], new["gid"]]
    section = api.call("GET", f"/projects/{project['gid']}/sections")[0]["gid"]
    in_section = api.call("GET", f"/sections/{section}/tasks", completed_since=mark)
    assert done["gid"] not in [t["gid"] for t in in_section]
    everything = api.call("GET", f"/sections/{section}/tasks", completed_since="2000-01-01T00:00:00Z")
    assert done["gid"] in [t["gid"] for t in everything]
    assert org


def test_add_task_ordering(served: tuple[AsanaSandbox, str], api: Recorder) -> None:
    sandbox, base = served
    project = _project(api, "Order")
    section = api.call("GET", f"/projects/{project['gid']}/sections")[0]["gid"]
    a, b, c = (api.call("POST", "/tasks", {"name": n, "projects": [project["gid"]]}) for n in "abc")

    def order() -> list[str]:
        return [t["name"] for t in api.call("GET", f"/sections/{section}/tasks")]
    assert order() == ["a", "b", "c"]
    api.call("POST", f"/sections/{section}/addTask", {"task": c["gid"], "insert_before": a["gid"]})
    assert order() == ["c", "a", "b"]
    api.call("POST", f"/sections/{section}/addTask", {"task": c["gid"], "insert_after": b["gid"]})
    assert order() == ["a", "b", "c"]
    other = api.call("POST", f"/projects/{project['gid']}/sections", {"name": "Other"})
    stray = api.call("POST", "/tasks", {"name": "d", "memberships": [
        {"project": project["gid"], "section": other["gid"]}]})
    refused = api.http.post(f"/sections/{section}/addTask", json={"data": {
        "task": a["gid"], "insert_before": stray["gid"]}})
    check("POST", f"/sections/{section}/addTask", refused)
    assert refused.status_code == 400
    sections = asana.SectionsApi(_sdk(base, sandbox.tokens[0]))
    sections.add_task_for_section(section, {"body": {"data": {"task": b["gid"], "insert_before": a["gid"]}}})
    assert order() == ["b", "a", "c"]
    api.call("POST", f"/sections/{other['gid']}/addTask", {"task": c["gid"]})
    assert [t["name"] for t in api.call("GET", f"/sections/{other['gid']}/tasks")] == ["c", "d"]


def test_form_encoded_bodies(api: Recorder) -> None:
    project = _project(api, "Form")
    response = _raw(api, "POST", "/tasks", data={"name": "Formed", "projects": project["gid"],
                                                 "notes": "from a form", "completed": "false"})
    assert response.status_code == 201
    task = response.json()["data"]
    assert task["name"] == "Formed" and task["projects"][0]["gid"] == project["gid"]
    assert task["completed"] is False
    updated = _raw(api, "PUT", f"/tasks/{task['gid']}", data={"completed": "true", "name": "Formed!"})
    assert updated.json()["data"]["completed"] is True and updated.json()["data"]["name"] == "Formed!"
    section = api.call("GET", f"/projects/{project['gid']}/sections")[0]["gid"]
    placed = _raw(api, "POST", "/tasks", data={"name": "Placed", "memberships[0][project]": project["gid"],
                                               "memberships[0][section]": section})
    assert placed.status_code == 201 and placed.json()["data"]["memberships"][0]["section"]["gid"] == section


def test_large_unpaginated_lists_are_refused(served: tuple[AsanaSandbox, str]) -> None:
    sandbox = create_app(users=1, seed=2)
    store = sandbox.store
    project = store.create_project(store.user_order[0], workspace=store.organization["gid"],
                                   team=store.teams[0]["gid"], name="Big", default_section=True)
    for number in range(MAX_UNPAGINATED + 1):
        store.create_task(store.user_order[0], workspace=store.organization["gid"], name=f"t{number}",
                          projects=[project["gid"]])
    with serve_asgi(sandbox) as url:
        api = Recorder(f"{url}/api/1.0", sandbox.tokens[0])
        refused = _raw(api, "GET", f"/projects/{project['gid']}/tasks")
        assert refused.status_code == 400 and refused.json()["errors"][0]["message"] == TOO_LARGE
        paged = _raw(api, "GET", f"/projects/{project['gid']}/tasks", params={"limit": 100})
        assert paged.status_code == 200 and len(paged.json()["data"]) == 100
        listed = asana.TasksApi(_sdk(f"{url}/api/1.0", sandbox.tokens[0])).get_tasks_for_project(
            project["gid"], {"limit": 100})
        assert sum(1 for _ in listed) == MAX_UNPAGINATED + 1


def test_events_with_sync_tokens(served: tuple[AsanaSandbox, str], api: Recorder) -> None:
    sandbox, base = served
    project = _project(api, "Events")
    first = _raw(api, "GET", "/events", params={"resource": project["gid"]})
    assert first.status_code == 412 and first.json()["sync"]
    token = first.json()["sync"]
    empty = _raw(api, "GET", "/events", params={"resource": project["gid"], "sync": token})
    assert empty.status_code == 200 and empty.json()["data"] == [] and empty.json()["has_more"] is False
    token = empty.json()["sync"]
    task = api.call("POST", "/tasks", {"name": "Evented", "projects": [project["gid"]]})
    api.call("PUT", f"/tasks/{task['gid']}", {"name": "Renamed"})
    api.call("POST", f"/tasks/{task['gid']}/stories", {"text": "hi"})
    got = _raw(api, "GET", "/events", params={"resource": project["gid"], "sync": token}).json()
    kinds = [(e["type"], e["action"], (e.get("change") or {}).get("field")) for e in got["data"]]
    assert ("task", "added", None) in kinds and ("task", "changed", "name") in kinds
    assert ("story", "added", None) in kinds
    added = next(e for e in got["data"] if e["type"] == "task" and e["action"] == "added")
    assert added["parent"]["gid"] == project["gid"] and added["resource"]["gid"] == task["gid"]
    again = _raw(api, "GET", "/events", params={"resource": project["gid"], "sync": got["sync"]}).json()
    assert again["data"] == []
    stale = _raw(api, "GET", "/events", params={"resource": project["gid"], "sync": "nope"})
    assert stale.status_code == 412
    # The SDK: full_payload shows the 412 and its fresh token, then the changes since.
    events = asana.EventsApi(_sdk(base, sandbox.tokens[0]))
    with pytest.raises(ApiException) as refused:
        events.get_events(task["gid"], {}, full_payload=True)
    assert refused.value.status == 412
    fresh = json.loads(refused.value.body)["sync"]
    api.call("PUT", f"/tasks/{task['gid']}", {"completed": True})
    later = events.get_events(task["gid"], {"sync": fresh}, full_payload=True)
    assert [(e["action"], e["change"]["field"]) for e in later["data"] if e["type"] == "task"] == [
        ("changed", "completed")]
    assert later["sync"] and later["has_more"] is False


def test_a_sync_token_older_than_the_event_log_gets_412_and_a_fresh_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The log is bounded (a sandbox runs for weeks): a stream that fell behind it is told to resync, as
    Asana tells one whose token is too old; a stream that kept up reads on."""
    monkeypatch.setattr(asana_store, "EVENT_LOG_LIMIT", 40)
    sandbox = create_app(users=2, seed=3)
    with serve_asgi(sandbox) as url:
        api = SyncRecorder(f"{url}/api/1.0", sandbox.tokens[0])
        project = _project(api, "Busy")

        def token() -> str:
            return str(_raw(api, "GET", "/events", params={"resource": project["gid"]}).json()["sync"])

        behind, current = token(), token()
        for n in range(60):  # past the log's limit: its oldest quarter is trimmed, more than once
            api.call("POST", "/tasks", {"name": f"Task {n}", "projects": [project["gid"]]})
            if n % 10 == 9:
                read = _raw(api, "GET", "/events", params={"resource": project["gid"], "sync": current})
                added = [e for e in read.json()["data"] if e["type"] == "task" and e["action"] == "added"]
                assert read.status_code == 200 and len(added) == 10  # nothing lost to the trimming
                current = read.json()["sync"]
        assert len(sandbox.store.events) <= 40
        stale = _raw(api, "GET", "/events", params={"resource": project["gid"], "sync": behind})
        assert stale.status_code == 412
        assert stale.json()["errors"][0]["message"].startswith("Sync token invalid or too old")
        fresh = stale.json()["sync"]
        api.call("POST", "/tasks", {"name": "After the resync", "projects": [project["gid"]]})
        after = _raw(api, "GET", "/events", params={"resource": project["gid"], "sync": fresh}).json()
        assert [e["resource"]["name"] for e in after["data"] if e["type"] == "task"] == ["After the resync"]


class Receiver:
    """A webhook target on loopback: answers the handshake, keeps what it is sent."""

    def __init__(self, echo: bool = True) -> None:
        self.echo = echo
        self.secret: str | None = None
        self.deliveries: list[tuple[bytes, str]] = []
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        secret = request.headers.get("x-hook-secret")
        if secret is not None:
            self.secret = secret
            return Response(status_code=200, headers={"X-Hook-Secret": secret} if self.echo else {})
        self.deliveries.append((await request.body(), request.headers.get("x-hook-signature", "")))
        return Response(status_code=200)


def _wait(predicate: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_webhooks_handshake_and_signed_deliveries(served: tuple[AsanaSandbox, str], api: Recorder) -> None:
    sandbox, base = served
    org, _ = _org_team(api)
    project = _project(api, "Hooked")
    receiver = Receiver()
    with serve_asgi(receiver.app) as target:
        hook = api.call("POST", "/webhooks", {"resource": project["gid"], "target": f"{target}/hook"})
        assert hook["active"] is True and hook["resource"]["gid"] == project["gid"]
        assert receiver.secret
        task = api.call("POST", "/tasks", {"name": "Pushed", "projects": [project["gid"]]})
        _wait(lambda: receiver.deliveries)
        body, signature = receiver.deliveries[0]
        expected = hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(signature, expected)
        events = json.loads(body)["events"]
        assert any(e["resource"]["gid"] == task["gid"] and e["action"] == "added" for e in events)
        assert set(events[0]["resource"]) <= {"gid", "resource_type", "resource_subtype"}
        listed = api.call("GET", "/webhooks", workspace=org)
        assert hook["gid"] in [w["gid"] for w in listed]
        api.call("GET", f"/webhooks/{hook['gid']}")
        only_completion = [{"resource_type": "task", "action": "changed", "fields": ["completed"]}]
        api.call("PUT", f"/webhooks/{hook['gid']}", {"filters": only_completion})
        seen = len(receiver.deliveries)
        api.call("PUT", f"/tasks/{task['gid']}", {"name": "Filtered out"})
        api.call("PUT", f"/tasks/{task['gid']}", {"completed": True})
        _wait(lambda: len(receiver.deliveries) > seen)
        time.sleep(0.1)
        delivered = [e for body, _ in receiver.deliveries[seen:] for e in json.loads(body)["events"]]
        assert [e["change"]["field"] for e in delivered] == ["completed"]
        api.call("DELETE", f"/webhooks/{hook['gid']}")
        silent = Receiver(echo=False)
        with serve_asgi(silent.app) as other:
            refused = api.http.post("/webhooks", json={"data": {"resource": project["gid"],
                                                                "target": f"{other}/hook"}})
            _check("POST", "/webhooks", refused)
            assert refused.status_code == 400
            client = _sdk(base, sandbox.tokens[0])
            made = asana.WebhooksApi(client).create_webhook(
                {"data": {"resource": project["gid"], "target": f"{target}/hook"}}, {})
            assert made["target"] == f"{target}/hook"
            asana.WebhooksApi(client).delete_webhook(made["gid"])


def test_task_search(served: tuple[AsanaSandbox, str], api: Recorder) -> None:
    sandbox, base = served
    org, _ = _org_team(api)
    users = sandbox.store.users()
    project = _project(api, "Searchable")
    other = _project(api, "Elsewhere")
    alpha = api.call("POST", "/tasks", {"name": "Quokka alpha", "projects": [project["gid"]],
                                        "assignee": "me"})
    time.sleep(0.01)
    beta = api.call("POST", "/tasks", {"name": "Quokka beta", "projects": [other["gid"]],
                                       "assignee": users[1]["gid"], "notes": "zebra"})
    api.call("PUT", f"/tasks/{beta['gid']}", {"completed": True})

    def search(**params: Any) -> list[str]:
        return [t["gid"] for t in api.call("GET", f"/workspaces/{org}/tasks/search", **params)]
    assert set(search(text="quokka")) == {alpha["gid"], beta["gid"]}
    assert search(text="zebra") == [beta["gid"]]
    assert search(**{"text": "quokka", "assignee.any": users[1]["gid"]}) == [beta["gid"]]
    assert search(**{"projects.any": project["gid"]}) == [alpha["gid"]]
    assert search(text="quokka", completed="false") == [alpha["gid"]]
    assert search(text="quokka", sort_by="created_at", sort_ascending="true") == [alpha["gid"], beta["gid"]]
    assert search(text="quokka", sort_by="modified_at") == [beta["gid"], alpha["gid"]]
    stamp = sandbox.store.records[alpha["gid"]]["modified_at"]
    after = iso(stamp + 0.002)
    assert alpha["gid"] not in search(**{"text": "quokka", "modified_at.after": after})
    found = asana.TasksApi(_sdk(base, sandbox.tokens[0])).search_tasks_for_workspace(
        org, {"text": "quokka", "projects.any": other["gid"]})
    assert [t["gid"] for t in found] == [beta["gid"]]
    free = create_app(users=1, plan="free")
    with serve_asgi(free) as url:
        poor = Recorder(f"{url}/api/1.0", free.tokens[0])
        workspace = free.store.organization["gid"]
        refused = _raw(poor, "GET", f"/workspaces/{workspace}/tasks/search", params={"text": "x"})
        assert refused.status_code == 402
