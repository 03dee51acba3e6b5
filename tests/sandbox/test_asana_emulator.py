"""The Asana sandbox over real loopback HTTP: auth, the objects we use, trash, permissions, pagination
under a mount prefix, plans, per-token rate limits, concurrency caps, faults, stats and reset."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from tenantsim.sandbox.asana import AsanaSandbox, create_app
from tests.support.servers import serve_asgi


class Api:
    """A thin synchronous client acting as one sandbox user."""

    def __init__(self, base: str, token: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=base, headers=headers, timeout=10)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params)

    def post(self, path: str, data: dict[str, Any]) -> httpx.Response:
        return self.http.post(path, json={"data": data})

    def put(self, path: str, data: dict[str, Any]) -> httpx.Response:
        return self.http.put(path, json={"data": data})

    def delete(self, path: str) -> httpx.Response:
        return self.http.delete(path)


@pytest.fixture
def sandbox() -> AsanaSandbox:
    return create_app(users=3, seed=7)


@pytest.fixture
def base(sandbox: AsanaSandbox) -> Iterator[str]:
    """Mounted under /sandbox/asana like `tenantsim serve --sandbox` does."""
    host = Starlette(routes=[Mount("/sandbox/asana", app=sandbox)])
    with serve_asgi(host) as url:
        yield f"{url}/sandbox/asana/api/1.0"


def org_of(sandbox: AsanaSandbox) -> tuple[str, str, str]:
    described = sandbox.describe("http://x/api/1.0")
    org = next(w for w in described["workspaces"] if w["is_organization"])
    plain = next(w for w in described["workspaces"] if not w["is_organization"])
    return org["gid"], plain["gid"], described["teams"][0]["gid"]


def test_tokens_are_deterministic_and_shaped_like_real_pats() -> None:
    first, again = create_app(users=4, seed=3), create_app(users=4, seed=3)
    assert first.tokens == again.tokens
    assert first.tokens != create_app(users=4, seed=4).tokens
    for token in first.tokens:
        version, user_gid, rest = token.split("/")
        token_id, secret = rest.split(":")
        assert version == "2" and user_gid.isdigit() and token_id.isdigit() and len(secret) == 32


def test_auth_and_identity(sandbox: AsanaSandbox, base: str) -> None:
    assert Api(base, None).get("/users/me").status_code == 401
    refused = Api(base, "2/1/2:deadbeef").get("/users/me")
    assert refused.status_code == 401 and refused.json()["errors"][0]["message"] == "Not Authorized"
    users = sandbox.describe(base)["users"]
    for user in users:
        me = Api(base, user["token"]).get("/users/me", opt_fields="name,email").json()["data"]
        assert me == {"gid": user["gid"], "name": user["name"], "email": user["email"]}
    api = Api(base, users[0]["token"])
    workspaces = api.get("/workspaces").json()["data"]
    assert {w["name"] for w in workspaces} == {"Sandbox Corp", "Personal Projects"}
    org, plain, _ = org_of(sandbox)
    full = api.get(f"/workspaces/{org}").json()["data"]
    assert full["is_organization"] is True and full["resource_type"] == "workspace"
    members = api.get(f"/workspaces/{org}/users").json()["data"]
    assert {m["gid"] for m in members} == {u["gid"] for u in users}
    assert len(api.get(f"/workspaces/{org}/teams").json()["data"]) == 3
    assert api.get(f"/workspaces/{plain}/teams").status_code == 400


def test_projects_sections_tasks_and_trash(sandbox: AsanaSandbox, base: str) -> None:
    org, plain, team = org_of(sandbox)
    users = sandbox.describe(base)["users"]
    api = Api(base, users[0]["token"])
    assert api.post("/projects", {"workspace": org, "name": "No team"}).status_code == 400
    in_plain = api.post("/projects", {"workspace": plain, "name": "Side project"})
    assert in_plain.status_code == 201 and in_plain.json()["data"]["team"] is None
    created = api.post(f"/teams/{team}/projects", {"name": "Launch", "notes": "Go", "color": "dark-green"})
    assert created.status_code == 201
    project = created.json()["data"]
    assert project["team"]["gid"] == team and project["workspace"]["gid"] == org
    assert api.put(f"/projects/{project['gid']}", {"notes": "Go now"}).json()["data"]["notes"] == "Go now"
    todo = api.post(f"/projects/{project['gid']}/sections", {"name": "To do"}).json()["data"]
    done = api.post(f"/projects/{project['gid']}/sections", {"name": "Done"}).json()["data"]
    assert api.post("/tasks", {"name": "Orphan"}).status_code == 400
    task = api.post(
        "/tasks",
        {
            "name": "Write brief",
            "projects": [project["gid"]],
            "assignee": users[1]["gid"],
            "due_on": "2030-05-01",
            "notes": "Two pages",
        },
    ).json()["data"]
    assert task["assignee"]["gid"] == users[1]["gid"] and task["due_on"] == "2030-05-01"
    # A new project starts with Asana's "Untitled section"; new tasks land in the first section.
    assert task["memberships"][0]["section"]["name"] == "Untitled section"
    assert todo["gid"] != task["memberships"][0]["section"]["gid"]
    assert (
        api.post("/tasks", {"name": "Bad date", "projects": [project["gid"]], "due_on": "May 1"}).status_code
        == 400
    )
    sub = api.post(f"/tasks/{task['gid']}/subtasks", {"name": "Outline"}).json()["data"]
    assert sub["parent"]["gid"] == task["gid"]
    assert [s["gid"] for s in api.get(f"/tasks/{task['gid']}/subtasks").json()["data"]] == [sub["gid"]]
    assert api.post(f"/sections/{done['gid']}/addTask", {"task": task["gid"]}).json() == {"data": {}}
    in_done = api.get(f"/sections/{done['gid']}/tasks").json()["data"]
    assert [t["gid"] for t in in_done] == [task["gid"]]
    updated = api.put(f"/tasks/{task['gid']}", {"completed": True}).json()["data"]
    assert updated["completed"] is True and updated["completed_by"]["gid"] == users[0]["gid"]
    assert updated["completed_at"] is not None
    assert api.get("/tasks", project=project["gid"], completed_since="now").json()["data"] == []
    # Trash: a deleted task (and its subtasks) is gone from GET.
    assert api.delete(f"/tasks/{task['gid']}").json() == {"data": {}}
    assert api.get(f"/tasks/{task['gid']}").status_code == 404
    assert api.get(f"/tasks/{sub['gid']}").status_code == 404
    assert api.delete(f"/tasks/{task['gid']}").status_code == 404
    assert api.delete(f"/projects/{project['gid']}").status_code == 200
    assert api.get(f"/projects/{project['gid']}").status_code == 404


def test_comments_only_their_author_may_delete(sandbox: AsanaSandbox, base: str) -> None:
    org, _, _ = org_of(sandbox)
    users = sandbox.describe(base)["users"]
    alice, bob = Api(base, users[0]["token"]), Api(base, users[1]["token"])
    task = alice.post("/tasks", {"name": "Discuss", "workspace": org}).json()["data"]
    story = bob.post(f"/tasks/{task['gid']}/stories", {"text": "I can take this."}).json()["data"]
    assert story["created_by"]["gid"] == users[1]["gid"] and story["type"] == "comment"
    assert alice.delete(f"/stories/{story['gid']}").status_code == 403
    assert bob.delete(f"/stories/{story['gid']}").status_code == 200
    kinds = [s["resource_subtype"] for s in alice.get(f"/tasks/{task['gid']}/stories").json()["data"]]
    assert "comment_added" not in kinds


def test_tags_custom_fields_and_portfolios(sandbox: AsanaSandbox, base: str) -> None:
    org, _, team = org_of(sandbox)
    api = Api(base, sandbox.tokens[0])
    project = api.post("/projects", {"workspace": org, "team": team, "name": "Fields"}).json()["data"]
    tag = api.post("/tags", {"workspace": org, "name": "urgent", "color": "dark-red"}).json()["data"]
    field = api.post(
        "/custom_fields",
        {
            "workspace": org,
            "name": "Priority",
            "resource_subtype": "enum",
            "enum_options": [{"name": "High", "color": "red"}, {"name": "Low", "color": "green"}],
        },
    )
    assert field.status_code == 201
    priority = field.json()["data"]
    high = priority["enum_options"][0]["gid"]
    effort = api.post(
        "/custom_fields", {"workspace": org, "name": "Effort", "resource_subtype": "number", "precision": 1}
    ).json()["data"]
    assert (
        api.post(
            "/custom_fields", {"workspace": org, "name": "priority", "resource_subtype": "text"}
        ).status_code
        == 400
    )
    task = api.post("/tasks", {"name": "Tune", "projects": [project["gid"]], "tags": [tag["gid"]]}).json()[
        "data"
    ]
    not_on_project = api.put(f"/tasks/{task['gid']}", {"custom_fields": {priority["gid"]: high}})
    assert not_on_project.status_code == 400
    for gid in (priority["gid"], effort["gid"]):
        setting = api.post(f"/projects/{project['gid']}/addCustomFieldSetting", {"custom_field": gid})
        assert setting.status_code == 200 and setting.json()["data"]["custom_field"]["gid"] == gid
    values = api.put(f"/tasks/{task['gid']}", {"custom_fields": {priority["gid"]: high, effort["gid"]: 2.5}})
    shown = {f["name"]: f["display_value"] for f in values.json()["data"]["custom_fields"]}
    assert shown == {"Priority": "High", "Effort": "2.5"}
    assert api.put(f"/tasks/{task['gid']}", {"custom_fields": {priority["gid"]: "nope"}}).status_code == 400
    assert [t["gid"] for t in api.get(f"/tags/{tag['gid']}/tasks").json()["data"]] == [task["gid"]]
    portfolio = api.post("/portfolios", {"workspace": org, "name": "Bets", "color": "light-blue"}).json()[
        "data"
    ]
    assert api.post(f"/portfolios/{portfolio['gid']}/addItem", {"item": project["gid"]}).status_code == 200
    items = api.get(f"/portfolios/{portfolio['gid']}/items").json()["data"]
    assert [i["gid"] for i in items] == [project["gid"]]
    assert Api(base, sandbox.tokens[1]).get(f"/portfolios/{portfolio['gid']}").status_code == 403
    assert api.delete(f"/portfolios/{portfolio['gid']}").status_code == 200
    assert api.delete(f"/custom_fields/{priority['gid']}").status_code == 200
    assert api.get(f"/tasks/{task['gid']}").json()["data"]["custom_fields"][0]["name"] == "Effort"
    assert api.delete(f"/tags/{tag['gid']}").status_code == 200
    assert api.get(f"/tasks/{task['gid']}").json()["data"]["tags"] == []


def test_free_plan_has_no_portfolios_or_custom_fields() -> None:
    sandbox = create_app(users=1, plan="free")
    org, _, _ = org_of(sandbox)
    with serve_asgi(sandbox) as url:
        api = Api(f"{url}/api/1.0", sandbox.tokens[0])
        assert api.post("/portfolios", {"workspace": org, "name": "P"}).status_code == 402
        made = api.post("/custom_fields", {"workspace": org, "name": "F", "resource_subtype": "text"})
        assert made.status_code == 402
        assert made.json()["errors"][0]["message"] == "Custom Fields are not available for free users."
        assert api.post("/tags", {"workspace": org, "name": "ok"}).status_code == 201


def test_pagination_opt_fields_and_mount_prefix(sandbox: AsanaSandbox, base: str) -> None:
    org, _, team = org_of(sandbox)
    api = Api(base, sandbox.tokens[0])
    project = api.post("/projects", {"workspace": org, "team": team, "name": "Many"}).json()["data"]
    made = [
        api.post("/tasks", {"name": f"Task {n}", "projects": [project["gid"]]}).json()["data"]["gid"]
        for n in range(5)
    ]
    assert "next_page" not in api.get(f"/projects/{project['gid']}/tasks").json()
    for bad in (0, 101, "x"):
        assert api.get(f"/projects/{project['gid']}/tasks", limit=bad).status_code == 400
    seen: list[str] = []
    response = api.get(f"/projects/{project['gid']}/tasks", limit=2, opt_fields="name,assignee")
    while True:
        body = response.json()
        assert all(set(t) == {"gid", "name", "assignee"} for t in body["data"])
        seen += [t["gid"] for t in body["data"]]
        if body["next_page"] is None:
            break
        assert body["next_page"]["uri"].startswith(base + f"/projects/{project['gid']}/tasks?")
        assert body["next_page"]["path"].startswith(f"/projects/{project['gid']}/tasks?")
        response = api.http.get(body["next_page"]["uri"])
    assert seen == made
    forged = api.get(f"/projects/{project['gid']}/tasks", limit=2, offset="bm90LWEtdG9rZW4")
    assert forged.status_code == 400 and "errors" in forged.json()


def test_rate_limit_is_per_token_with_retry_after() -> None:
    sandbox = create_app(users=2, rate_limit=3, window_seconds=60)
    with serve_asgi(sandbox) as url:
        first, second = Api(f"{url}/api/1.0", sandbox.tokens[0]), Api(f"{url}/api/1.0", sandbox.tokens[1])
        assert [first.get("/users/me").status_code for _ in range(3)] == [200, 200, 200]
        limited = first.get("/users/me")
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert "rate limit" in limited.json()["errors"][0]["message"]
        assert second.get("/users/me").status_code == 200
        stats = httpx.get(f"{url}/_sandbox/stats").json()
        mine = stats["tokens"][f"user:{sandbox.store.users()[0]['gid']}"]
        assert mine["requests"] == 4 and mine["throttled"] == 1
        assert sandbox.tokens[0] not in str(stats)


def test_free_plan_default_limit_is_150_per_minute() -> None:
    assert create_app(plan="free").rate_limit == 150
    assert create_app(plan="paid").rate_limit == 1500
    assert create_app(plan="paid", rate_limit=10).rate_limit == 10


async def test_concurrent_writes_over_the_cap_get_429() -> None:
    sandbox = create_app(users=1, latency_ms=800)
    org, _, _ = org_of(sandbox)
    with serve_asgi(sandbox) as url:
        headers = {"Authorization": f"Bearer {sandbox.tokens[0]}"}
        async with httpx.AsyncClient(
            base_url=f"{url}/api/1.0", headers=headers, timeout=20, limits=httpx.Limits(max_connections=40)
        ) as client:
            calls = [
                client.post("/tags", json={"data": {"workspace": org, "name": f"t{n}"}}) for n in range(20)
            ]
            statuses = [r.status_code for r in await asyncio.gather(*calls)]
    assert statuses.count(201) == 15 and statuses.count(429) == 5


def test_faults_stats_and_reset(sandbox: AsanaSandbox, base: str) -> None:
    org, _, team = org_of(sandbox)
    admin = base.removesuffix("/api/1.0") + "/_sandbox"
    api = Api(base, sandbox.tokens[0])
    before = {p["gid"] for p in api.get("/projects", workspace=org).json()["data"]}
    assert before, "the sandbox starts with pre-existing projects"
    api.post("/projects", {"workspace": org, "team": team, "name": "Temporary"})
    assert httpx.post(f"{admin}/faults", json={"fault_rate": 1.0, "kinds": ["error"]}).status_code == 200
    failed = api.get("/users/me")
    assert failed.status_code == 500 and failed.json()["errors"][0]["phrase"]
    stats = httpx.get(f"{admin}/stats").json()
    assert stats["totals"]["faults"] == 1 and stats["totals"]["errors"] >= 1
    assert httpx.post(f"{admin}/reset").status_code == 200
    assert api.get("/users/me").status_code == 200, "reset clears faults and keeps tokens"
    after = {p["gid"] for p in api.get("/projects", workspace=org).json()["data"]}
    assert after == before
    assert httpx.get(f"{admin}/stats").json()["totals"]["requests"] == 2


def test_dropped_connection_fault(sandbox: AsanaSandbox) -> None:
    with serve_asgi(sandbox) as url:
        httpx.post(f"{url}/_sandbox/faults", json={"fault_rate": 1.0, "kinds": ["reset"]})
        with pytest.raises(httpx.TransportError):
            Api(f"{url}/api/1.0", sandbox.tokens[0]).get("/users/me")


def test_describe_lists_workspaces_and_users(sandbox: AsanaSandbox) -> None:
    described = sandbox.describe("http://127.0.0.1:5001/sandbox/asana")
    assert described["base_url"] == "http://127.0.0.1:5001/sandbox/asana/api/1.0"
    assert len(described["users"]) == 3 and all(u["token"] in sandbox.tokens for u in described["users"])
    assert {w["is_organization"] for w in described["workspaces"]} == {True, False}
