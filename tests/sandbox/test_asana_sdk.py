"""The official Asana Python SDK (PyPI `asana`) drives the sandbox over loopback HTTP."""

from __future__ import annotations

import asana
import pytest
from asana.rest import ApiException

from tenantsim.sandbox.asana import create_app
from tests.support.servers import serve_asgi


def _client(base_url: str, token: str) -> asana.ApiClient:
    configuration = asana.Configuration()
    configuration.host = base_url
    configuration.access_token = token
    configuration.retry_strategy = None  # a failure must surface here, not be retried away
    return asana.ApiClient(configuration)


def test_official_sdk_round_trip() -> None:
    sandbox = create_app(users=2, seed=11)
    with serve_asgi(sandbox) as url:
        base = f"{url}/api/1.0"
        client = _client(base, sandbox.tokens[0])
        me = asana.UsersApi(client).get_user("me", {"opt_fields": "name,email"})
        assert me["gid"] == sandbox.store.users()[0]["gid"] and me["email"].endswith(".example.com")

        workspaces = list(asana.WorkspacesApi(client).get_workspaces({"limit": 1}))
        assert len(workspaces) == 2, "the SDK follows next_page offsets across pages"
        org = next(w for w in workspaces if w["name"] == "Sandbox Corp")
        team = next(iter(asana.TeamsApi(client).get_teams_for_workspace(org["gid"], {})))

        projects = asana.ProjectsApi(client)
        project = projects.create_project(
            {"data": {"name": "SDK launch", "workspace": org["gid"], "team": team["gid"]}}, {}
        )
        tasks = asana.TasksApi(client)
        task = tasks.create_task(
            {"data": {"name": "Ship it", "projects": [project["gid"]], "assignee": "me"}},
            {"opt_fields": "name,assignee.name"},
        )
        assert task["assignee"]["name"] == me["name"]
        listed = list(tasks.get_tasks_for_project(project["gid"], {"limit": 100}))
        assert [t["gid"] for t in listed] == [task["gid"]]

        other = _client(base, sandbox.tokens[1])
        comment = asana.StoriesApi(other).create_story_for_task({"data": {"text": "On it."}}, task["gid"], {})
        assert comment["created_by"]["gid"] == sandbox.store.users()[1]["gid"]
        with pytest.raises(ApiException) as refused:
            asana.StoriesApi(client).delete_story(comment["gid"])
        assert refused.value.status == 403
        asana.StoriesApi(other).delete_story(comment["gid"])

        tasks.delete_task(task["gid"])
        with pytest.raises(ApiException) as gone:
            tasks.get_task(task["gid"], {})
        assert gone.value.status == 404
        projects.delete_project(project["gid"])
        remaining = {p["gid"] for p in projects.get_projects({"workspace": org["gid"], "limit": 100})}
        assert project["gid"] not in remaining and remaining, "pre-existing projects stay"


def test_official_sdk_sees_bad_token_as_401() -> None:
    sandbox = create_app(users=1)
    with serve_asgi(sandbox) as url:
        client = _client(f"{url}/api/1.0", "2/123/456:" + "0" * 32)
        with pytest.raises(ApiException) as refused:
            asana.UsersApi(client).get_user("me", {})
        assert refused.value.status == 401
