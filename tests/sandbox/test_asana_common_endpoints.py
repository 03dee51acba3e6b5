"""The common Asana endpoints integrations use beyond tasks and projects, driven through the official
`asana` SDK over loopback HTTP: setParent, removeProject, followers, dependencies and dependents,
attachments (multipart upload, stored bytes, download), user task lists, memberships (project, team,
portfolio), status updates, section and enum option ordering, /batch, typeahead, duplication as a job,
date / people / multi_enum custom fields, and the free plan.

Every request the SDK sends and every response the sandbox answers is checked against the vendor's
OpenAPI document (``Recording`` below): JSON request bodies against the operation's request schema,
responses with ``check`` from test_asana_spec."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asana
import httpx
import jsonschema
import pytest
from asana.rest import ApiException
from starlette.applications import Starlette
from starlette.routing import Mount

from tenantsim.sandbox.asana import AsanaSandbox, create_app
from tenantsim.sandbox.asana.snapshot import dump_store, load_store
from tenantsim.sandbox.common import Message, Receive, Scope, Send
from tests.sandbox.test_asana_spec import (
    _convert,
    _resolve,
    check,
    definitions,
    response_schema,
    spec,
    template_for,
)
from tests.support.servers import serve_asgi

FREE_FIELDS = "Custom Fields are not available for free users."


class Recording:
    """ASGI wrapper keeping each API exchange: (method, path, request body, content type, status, body)."""

    def __init__(self, app: AsanaSandbox) -> None:
        self.app = app
        self.exchanges: list[tuple[str, str, bool, bytes, str, int, bytes]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/1.0"):
            await self.app(scope, receive, send)
            return
        sent: list[bytes] = []
        answer: dict[str, Any] = {"status": 0, "body": []}

        async def listen() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                sent.append(message.get("body", b""))
            return message

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body":
                answer["body"].append(message.get("body", b""))
            await send(message)

        await self.app(scope, listen, capture)
        content_type = dict(scope["headers"]).get(b"content-type", b"").decode()
        selected = b"opt_fields=" in scope.get("query_string", b"")
        self.exchanges.append(
            (
                scope["method"],
                scope["path"].removeprefix("/api/1.0"),
                selected,
                b"".join(sent),
                content_type,
                answer["status"],
                b"".join(answer["body"]),
            )
        )

    def verify(self) -> int:
        """Check every exchange so far against the spec; how many were checked."""
        checked = 0
        for method, path, selected, sent, content_type, status, body in self.exchanges:
            if sent and content_type.startswith("application/json") and status < 400:
                check_request(method, path, json.loads(sent))
            if selected:  # opt_fields may add fields a compact schema lacks: types only
                check_types(method, path, httpx.Response(status, content=body))
            else:
                check(method, path, httpx.Response(status, content=body))
            checked += 1
        self.exchanges.clear()
        return checked


def _as_documented(node: Any) -> Any:
    """Request schemas as the vendor's prose documents them where the schema is narrower: a field whose
    description says `null` is accepted may be null (``setParent``'s ``parent``); custom field values
    may be "an enum GID, string, number, object, or array"; read-only (response) properties that request
    schemas share, such as a create's ``memberships``, are not checked."""
    if isinstance(node, list):
        return [_as_documented(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("readOnly"):
        return {}
    out = {k: _as_documented(v) for k, v in node.items()}
    description = str(out.get("description", ""))
    if "type" in out and "`null`" in description:
        out["nullable"] = True
    if "object, or array" in description:
        out.pop("additionalProperties", None)
    return out


@functools.cache
def request_definitions() -> dict[str, Any]:
    schemas = spec()["components"]["schemas"]
    return {name: _convert(_as_documented(schema)) for name, schema in schemas.items()}


def check_types(method: str, path: str, response: httpx.Response) -> None:
    """The response schema of ``check`` without its no-extra-fields rule."""
    schema = response_schema(method, template_for(path), response.status_code)
    validator = jsonschema.Draft7Validator({**_convert(schema), "definitions": definitions()})
    errors = sorted(validator.iter_errors(response.json()), key=str)
    assert not errors, (
        f"{method} {path} {response.status_code}: {errors[0].message} at {list(errors[0].path)}"
    )


def check_request(method: str, path: str, body: Any) -> None:
    operation = spec()["paths"][template_for(path)][method.lower()]
    schema = _resolve(operation["requestBody"])["content"]["application/json"]["schema"]
    validator = jsonschema.Draft7Validator({**_convert(schema), "definitions": request_definitions()})
    errors = sorted(validator.iter_errors(body), key=str)
    assert not errors, f"request {method} {path}: {errors[0].message} at {list(errors[0].path)}"


def sdk(base: str, token: str) -> asana.ApiClient:
    configuration = asana.Configuration()
    configuration.host = base
    configuration.access_token = token
    configuration.retry_strategy = None
    return asana.ApiClient(configuration)


class World:
    def __init__(self, sandbox: AsanaSandbox, recording: Recording, url: str) -> None:
        self.sandbox = sandbox
        self.recording = recording
        self.url = url
        self.base = f"{url}/api/1.0"
        self.client = sdk(self.base, sandbox.tokens[0])
        self.other = sdk(self.base, sandbox.tokens[1])
        self.me = sandbox.store.users()[0]["gid"]
        self.them = sandbox.store.users()[1]["gid"]
        self.org = sandbox.store.organization["gid"]
        self.team = sandbox.store.teams[0]["gid"]
        self.tasks = asana.TasksApi(self.client)
        self.projects = asana.ProjectsApi(self.client)

    def project(self, name: str) -> dict[str, Any]:
        made: dict[str, Any] = self.projects.create_project(
            {"data": {"name": name, "workspace": self.org, "team": self.team}}, {}
        )
        return made

    def task(self, name: str, **fields: Any) -> dict[str, Any]:
        made: dict[str, Any] = self.tasks.create_task({"data": {"name": name, **fields}}, {})
        return made


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[AsanaSandbox, Recording, str]]:
    sandbox = create_app(users=4, seed=31)
    recording = Recording(sandbox)
    with serve_asgi(recording) as url:
        yield sandbox, recording, url


@pytest.fixture
def world(served: tuple[AsanaSandbox, Recording, str]) -> Iterator[World]:
    sandbox, recording, url = served
    recording.exchanges.clear()
    yield World(sandbox, recording, url)
    assert recording.verify() > 0


def refused(call: Any, *args: Any) -> tuple[int, str]:
    with pytest.raises(ApiException) as caught:
        answer = call(*args)
        if isinstance(answer, Iterator):  # list calls fetch when iterated
            list(answer)
    errors = json.loads(caught.value.body)["errors"]
    assert set(errors[0]) >= {"message", "help"}
    return caught.value.status, errors[0]["message"]


# -- task relations ---------------------------------------------------------------------------------
def test_set_parent_orders_subtasks_and_unparents(world: World) -> None:
    parent = world.task("Launch", workspace=world.org)
    first = world.task("Draft", parent=parent["gid"])
    last = world.task("Publish", parent=parent["gid"])
    loose = world.task("Review", workspace=world.org)
    moved = world.tasks.set_parent_for_task(
        {"data": {"parent": parent["gid"], "insert_after": first["gid"]}},
        loose["gid"],
        {"opt_fields": "parent.name,name"},
    )
    assert moved["parent"]["gid"] == parent["gid"] and moved["parent"]["name"] == "Launch"
    order = [t["gid"] for t in world.tasks.get_subtasks_for_task(parent["gid"], {})]
    assert order == [first["gid"], loose["gid"], last["gid"]]
    world.tasks.set_parent_for_task(
        {"data": {"parent": parent["gid"], "insert_before": first["gid"]}}, last["gid"], {}
    )
    order = [t["gid"] for t in world.tasks.get_subtasks_for_task(parent["gid"], {})]
    assert order == [last["gid"], first["gid"], loose["gid"]]
    alone = world.tasks.set_parent_for_task({"data": {"parent": None}}, loose["gid"], {})
    assert alone["parent"] is None
    status, message = refused(
        world.tasks.set_parent_for_task, {"data": {"parent": first["gid"]}}, parent["gid"], {}
    )
    assert status == 400 and "subtask" in message
    assert refused(world.tasks.set_parent_for_task, {"data": {}}, loose["gid"], {}) == (
        400,
        "parent: Missing input",
    )


def test_remove_project_and_followers(world: World) -> None:
    one, two = world.project("Relations A"), world.project("Relations B")
    task = world.task("Shared", projects=[one["gid"], two["gid"]], assignee=world.them)
    world.tasks.remove_project_for_task({"data": {"project": one["gid"]}}, task["gid"])
    after = world.tasks.get_task(task["gid"], {"opt_fields": "projects,followers"})
    assert [p["gid"] for p in after["projects"]] == [two["gid"]]
    assert [t["gid"] for t in world.tasks.get_tasks_for_project(one["gid"], {})] == []
    followed = world.tasks.add_followers_for_task(
        {"data": {"followers": [world.sandbox.store.users()[2]["gid"]]}}, task["gid"], {}
    )
    assert len(followed["followers"]) == 3
    trimmed = world.tasks.remove_follower_for_task(
        {"data": {"followers": [world.them, "me"]}}, task["gid"], {}
    )
    assert [f["gid"] for f in trimmed["followers"]] == [world.sandbox.store.users()[2]["gid"]]
    status, message = refused(world.tasks.remove_project_for_task, {"data": {"project": "42"}}, task["gid"])
    assert status == 400 and message == "project: Not a recognized ID: 42"


def test_dependencies_and_dependents(world: World) -> None:
    design, build, ship = (world.task(name, workspace=world.org) for name in ("Design", "Build", "Ship"))
    world.tasks.add_dependencies_for_task({"data": {"dependencies": [design["gid"]]}}, build["gid"])
    world.tasks.add_dependents_for_task({"data": {"dependents": [ship["gid"]]}}, build["gid"])
    assert [t["gid"] for t in world.tasks.get_dependencies_for_task(build["gid"], {})] == [design["gid"]]
    assert [t["gid"] for t in world.tasks.get_dependents_for_task(build["gid"], {})] == [ship["gid"]]
    assert [t["gid"] for t in world.tasks.get_dependencies_for_task(ship["gid"], {})] == [build["gid"]]
    full = world.tasks.get_task(build["gid"], {})
    assert full["dependencies"] == [{"gid": design["gid"], "resource_type": "task"}]
    assert full["dependents"] == [{"gid": ship["gid"], "resource_type": "task"}]
    status, message = refused(
        world.tasks.add_dependencies_for_task, {"data": {"dependencies": [ship["gid"]]}}, design["gid"]
    )
    assert status == 400 and "cycle" in message
    world.tasks.remove_dependencies_for_task({"data": {"dependencies": [design["gid"]]}}, build["gid"])
    world.tasks.remove_dependents_for_task({"data": {"dependents": [ship["gid"]]}}, build["gid"])
    assert list(world.tasks.get_dependencies_for_task(build["gid"], {})) == []
    assert list(world.tasks.get_dependents_for_task(build["gid"], {})) == []


# -- attachments ------------------------------------------------------------------------------------
def test_attachment_upload_list_download_delete(world: World, tmp_path: Path) -> None:
    project = world.project("Attachments")
    task = world.task("With files", projects=[project["gid"]])
    payload = bytes(range(256)) * 64 + "résumé\r\n--boundary\r\n".encode()
    upload = tmp_path / "spec sheet.pdf"
    upload.write_bytes(payload)
    files = asana.AttachmentsApi(world.client)
    made = files.create_attachment_for_object(
        {"parent": task["gid"], "file": str(upload), "resource_subtype": "asana"}
    )
    assert made["resource_type"] == "attachment" and made["name"] == "spec sheet.pdf"
    assert made["size"] == len(payload) and made["host"] == "asana"
    assert made["parent"]["gid"] == task["gid"]
    fetched = files.get_attachment(made["gid"], {})
    downloaded = httpx.get(fetched["download_url"])
    assert downloaded.status_code == 200 and downloaded.content == payload
    assert downloaded.headers["content-type"] == "application/pdf"
    forged = httpx.get(fetched["download_url"].replace(f"/{made['gid']}/", f"/{made['gid']}/x"))
    assert forged.status_code == 403
    assert (
        httpx.get(fetched["download_url"].replace(f"/{made['gid']}/", f"/{made['gid']}/é")).status_code == 403
    )
    link = files.create_attachment_for_object(
        {
            "parent": project["gid"],
            "resource_subtype": "external",
            "url": "https://example.com/brief.html",
            "name": "Brief",
        }
    )
    assert link["host"] == "external" and link["download_url"] == "https://example.com/brief.html"
    listed = list(files.get_attachments_for_object(task["gid"], {}))
    assert listed == [
        {
            "gid": made["gid"],
            "resource_type": "attachment",
            "name": "spec sheet.pdf",
            "resource_subtype": "asana",
        }
    ]
    assert [a["gid"] for a in files.get_attachments_for_object(project["gid"], {})] == [link["gid"]]
    files.delete_attachment(made["gid"])
    assert refused(files.get_attachment, made["gid"], {})[0] == 404
    assert httpx.get(fetched["download_url"]).status_code == 404
    status, message = refused(files.create_attachment_for_object, {"file": str(upload)})
    assert (status, message) == (400, "parent: Missing input")


def test_deleting_a_task_takes_its_attachments(world: World, tmp_path: Path) -> None:
    task = world.task("Doomed", workspace=world.org)
    upload = tmp_path / "notes.txt"
    upload.write_text("hello")
    files = asana.AttachmentsApi(world.client)
    made = files.create_attachment_for_object({"parent": task["gid"], "file": str(upload)})
    world.tasks.delete_task(task["gid"])
    assert refused(files.get_attachment, made["gid"], {})[0] == 404


# -- user task lists --------------------------------------------------------------------------------
def test_user_task_list(world: World) -> None:
    lists = asana.UserTaskListsApi(world.client)
    mine = lists.get_user_task_list_for_user("me", world.org, {})
    assert mine["name"] == "My Tasks" and mine["owner"]["gid"] == world.me
    assert mine["workspace"]["gid"] == world.org
    assert lists.get_user_task_list_for_user(world.me, world.org, {})["gid"] == mine["gid"]
    assert lists.get_user_task_list(mine["gid"], {"opt_fields": "name"}) == {
        "gid": mine["gid"],
        "name": "My Tasks",
    }
    theirs = lists.get_user_task_list_for_user(world.them, world.org, {})
    assert theirs["gid"] != mine["gid"]
    open_task = world.task("Mine, open", workspace=world.org, assignee="me")
    done = world.task("Mine, done", workspace=world.org, assignee="me", completed=True)
    world.task("Theirs", workspace=world.org, assignee=world.them)
    listed = [t["gid"] for t in world.tasks.get_tasks_for_user_task_list(mine["gid"], {})]
    assert open_task["gid"] in listed and done["gid"] in listed
    pending = [
        t["gid"] for t in world.tasks.get_tasks_for_user_task_list(mine["gid"], {"completed_since": "now"})
    ]
    assert open_task["gid"] in pending and done["gid"] not in pending
    assert all(world.sandbox.store.records[g]["assignee"] == world.me for g in listed)
    status, message = refused(lists.get_user_task_list_for_user, "me", "1", {})
    assert status == 400 and message == "workspace: Not a recognized ID: 1"


# -- memberships ------------------------------------------------------------------------------------
def test_project_memberships(world: World) -> None:
    project = world.project("Members")
    memberships = asana.MembershipsApi(world.client)
    owner = list(memberships.get_memberships({"parent": project["gid"]}))
    assert [(m["member"]["gid"], m["access_level"], m["resource_subtype"]) for m in owner] == [
        (world.me, "admin", "project_membership")
    ]
    made = memberships.create_membership(
        {"body": {"data": {"parent": project["gid"], "member": world.them, "access_level": "commenter"}}}
    )
    assert made["resource_type"] == "membership" and made["parent"]["gid"] == project["gid"]
    assert made["member"] == {
        "gid": world.them,
        "resource_type": "user",
        "name": world.sandbox.store.records[world.them]["name"],
    }
    assert memberships.get_membership(made["gid"])["access_level"] == "commenter"
    changed = memberships.update_membership({"data": {"access_level": "editor"}}, made["gid"])
    assert changed["access_level"] == "editor"
    again = refused(
        memberships.create_membership, {"body": {"data": {"parent": project["gid"], "member": world.them}}}
    )
    assert again[0] == 400
    legacy = asana.ProjectMembershipsApi(world.client)
    listed = list(legacy.get_project_memberships_for_project(project["gid"], {}))
    assert [m["member"]["gid"] for m in listed] == [world.me, world.them]
    one = legacy.get_project_membership(made["gid"], {})
    assert one["user"]["gid"] == world.them and one["write_access"] == "full_write"
    assert [
        m["gid"] for m in legacy.get_project_memberships_for_project(project["gid"], {"user": world.them})
    ] == [made["gid"]]
    assert [u["gid"] for u in world.projects.get_project(project["gid"], {})["members"]] == [
        world.me,
        world.them,
    ]
    memberships.delete_membership(made["gid"])
    assert refused(memberships.get_membership, made["gid"])[0] == 404
    third = world.sandbox.store.users()[2]["gid"]
    grown = world.projects.add_members_for_project(
        {"data": {"members": f"{world.them},{third}"}}, project["gid"], {}
    )
    assert [u["gid"] for u in grown["members"]] == [world.me, world.them, third]
    shrunk = world.projects.remove_members_for_project({"data": {"members": third}}, project["gid"], {})
    assert [u["gid"] for u in shrunk["members"]] == [world.me, world.them]
    assert refused(memberships.get_memberships, {})[0] == 400


def test_team_memberships_add_and_remove_users(world: World) -> None:
    teams = asana.TeamsApi(world.client)
    team = world.sandbox.store.teams[2]["gid"]
    newcomer = world.sandbox.store.users()[1]["gid"]
    assert newcomer not in world.sandbox.store.team_members(world.sandbox.store.teams[2])
    membership = teams.add_user_for_team({"data": {"user": newcomer}}, team, {})
    assert membership["resource_type"] == "team_membership" and membership["user"]["gid"] == newcomer
    assert membership["team"]["gid"] == team and membership["gid"].isdigit()
    api = asana.TeamMembershipsApi(world.client)
    assert api.get_team_membership(membership["gid"], {})["user"]["gid"] == newcomer
    listed = [m["user"]["gid"] for m in api.get_team_memberships_for_team(team, {})]
    assert newcomer in listed and world.me in listed
    assert [m["gid"] for m in api.get_team_memberships({"team": team, "user": newcomer})] == [
        membership["gid"]
    ]
    mine = list(api.get_team_memberships_for_user(newcomer, world.org, {}))
    assert membership["gid"] in [m["gid"] for m in mine]
    assert teams.add_user_for_team({"data": {"user": newcomer}}, team, {})["gid"] == membership["gid"]
    teams.remove_user_for_team({"data": {"user": newcomer}}, team)
    assert newcomer not in [m["user"]["gid"] for m in api.get_team_memberships_for_team(team, {})]
    assert refused(api.get_team_membership, membership["gid"], {})[0] == 404
    assert refused(api.get_team_memberships, {})[0] == 400


def test_portfolio_memberships(world: World) -> None:
    portfolios = asana.PortfoliosApi(world.client)
    portfolio = portfolios.create_portfolio({"data": {"name": "Bets", "workspace": world.org}}, {})
    grown = portfolios.add_members_for_portfolio({"data": {"members": world.them}}, portfolio["gid"], {})
    assert [u["gid"] for u in grown["members"]] == [world.me, world.them]
    api = asana.PortfolioMembershipsApi(world.client)
    listed = list(api.get_portfolio_memberships_for_portfolio(portfolio["gid"], {}))
    assert [(m["user"]["gid"], m["access_level"]) for m in listed] == [
        (world.me, "admin"),
        (world.them, "editor"),
    ]
    assert api.get_portfolio_membership(listed[1]["gid"], {})["portfolio"]["gid"] == portfolio["gid"]
    generic = list(asana.MembershipsApi(world.client).get_memberships({"parent": portfolio["gid"]}))
    assert [m["resource_subtype"] for m in generic] == ["portfolio_membership"] * 2
    portfolios.remove_members_for_portfolio({"data": {"members": world.them}}, portfolio["gid"], {})
    assert [m["user"]["gid"] for m in api.get_portfolio_memberships({"portfolio": portfolio["gid"]})] == [
        world.me
    ]


# -- status updates ---------------------------------------------------------------------------------
def test_status_updates(world: World) -> None:
    project = world.project("Status")
    api = asana.StatusUpdatesApi(world.client)
    first = api.create_status_for_object(
        {
            "data": {
                "parent": project["gid"],
                "status_type": "on_track",
                "title": "Week 1",
                "text": "All good.",
            }
        },
        {},
    )
    assert first["resource_subtype"] == "project_status_update" and first["author"]["gid"] == world.me
    assert first["parent"]["gid"] == project["gid"] and first["html_text"] == "<body>All good.</body>"
    second = api.create_status_for_object(
        {
            "data": {
                "parent": project["gid"],
                "status_type": "at_risk",
                "title": "Week 2",
                "text": "Late!",
                "html_text": "<body><b>Late</b></body>",
            }
        },
        {},
    )
    assert second["text"] == "Late"
    listed = list(api.get_statuses_for_object(project["gid"], {}))
    assert [s["gid"] for s in listed] == [first["gid"], second["gid"]]
    assert set(listed[0]) == {"gid", "resource_type", "title", "resource_subtype"}
    current = world.projects.get_project(project["gid"], {})["current_status_update"]
    assert current["gid"] == second["gid"]
    assert api.get_status(first["gid"], {"opt_fields": "status_type,text"}) == {
        "gid": first["gid"],
        "status_type": "on_track",
        "text": "All good.",
    }
    api.delete_status(second["gid"])
    assert world.projects.get_project(project["gid"], {})["current_status_update"]["gid"] == first["gid"]
    status, message = refused(
        api.create_status_for_object,
        {"data": {"parent": project["gid"], "status_type": "sunny", "text": "x"}},
        {},
    )
    assert status == 400 and message.startswith("status_type: Not a valid value: sunny")
    assert refused(api.get_statuses_for_object, world.me, {})[0] == 400


# -- ordering: sections and enum options ------------------------------------------------------------
def test_insert_section(world: World) -> None:
    project = world.project("Ordering")
    sections = asana.SectionsApi(world.client)
    names = ("Todo", "Doing", "Done")
    made = [
        sections.create_section_for_project(project["gid"], {"body": {"data": {"name": n}}}) for n in names
    ]
    sections.insert_section_for_project(
        project["gid"], {"body": {"data": {"section": made[2]["gid"], "before_section": made[0]["gid"]}}}
    )
    order = [s["name"] for s in sections.get_sections_for_project(project["gid"], {})]
    assert order == ["Untitled section", "Done", "Todo", "Doing"]
    sections.insert_section_for_project(
        project["gid"],
        {"body": {"data": {"section": order and made[2]["gid"], "after_section": made[1]["gid"]}}},
    )
    order = [s["name"] for s in sections.get_sections_for_project(project["gid"], {})]
    assert order == ["Untitled section", "Todo", "Doing", "Done"]
    other = world.project("Elsewhere")
    foreign = sections.get_sections_for_project(other["gid"], {})
    status, _ = refused(
        sections.insert_section_for_project,
        project["gid"],
        {"body": {"data": {"section": made[0]["gid"], "after_section": next(iter(foreign))["gid"]}}},
    )
    assert status == 400


def test_enum_option_update_and_reorder(world: World) -> None:
    fields = asana.CustomFieldsApi(world.client)
    field = fields.create_custom_field(
        {
            "data": {
                "workspace": world.org,
                "name": "Stage (enum test)",
                "resource_subtype": "enum",
                "enum_options": [{"name": "Draft"}, {"name": "Review"}, {"name": "Final"}],
            }
        },
        {},
    )
    draft, review, final = (o["gid"] for o in field["enum_options"])
    renamed = fields.update_enum_option(review, {"body": {"data": {"name": "In review", "color": "blue"}}})
    assert renamed == {
        "gid": review,
        "resource_type": "enum_option",
        "name": "In review",
        "enabled": True,
        "color": "blue",
    }
    fields.insert_enum_option_for_custom_field(
        field["gid"], {"body": {"data": {"enum_option": final, "before_enum_option": draft}}}
    )
    order = [o["gid"] for o in fields.get_custom_field(field["gid"], {})["enum_options"]]
    assert order == [final, draft, review]
    extra = fields.create_enum_option_for_custom_field(
        field["gid"], {"body": {"data": {"name": "Parked", "insert_after": final}}}
    )
    assert [o["gid"] for o in fields.get_custom_field(field["gid"], {})["enum_options"]] == [
        final,
        extra["gid"],
        draft,
        review,
    ]
    for gid in (final, extra["gid"], draft):
        fields.update_enum_option(gid, {"body": {"data": {"enabled": False}}})
    status, message = refused(fields.update_enum_option, review, {"body": {"data": {"enabled": False}}})
    assert status == 400 and "at least one enabled" in message
    assert refused(fields.update_enum_option, review, {"body": {"data": {"color": "plaid"}}})[0] == 400


# -- batch ------------------------------------------------------------------------------------------
def test_batch(world: World) -> None:
    project = world.project("Batch")
    task = world.task("Batched", projects=[project["gid"]])
    before = world.sandbox.stats.bucket(f"user:{world.me}").requests
    results = list(
        asana.BatchAPIApi(world.client).create_batch_request(
            {
                "data": {
                    "actions": [
                        {
                            "relative_path": "/users/me",
                            "method": "get",
                            "options": {"fields": ["name", "email"]},
                        },
                        {
                            "relative_path": "/tasks",
                            "method": "post",
                            "data": {"name": "From batch", "projects": [project["gid"]]},
                        },
                        {
                            "relative_path": f"/tasks/{task['gid']}",
                            "method": "put",
                            "data": {"completed": True},
                        },
                        {
                            "relative_path": f"/projects/{project['gid']}/tasks",
                            "method": "get",
                            "options": {"limit": 1},
                        },
                        {"relative_path": "/tasks/1", "method": "get"},
                        {
                            "relative_path": "/tasks",
                            "method": "get",
                            "data": {"project": project["gid"]},
                            "options": {"fields": ["name"]},
                        },
                    ]
                }
            },
            {},
        )
    )
    assert [r["status_code"] for r in results] == [200, 201, 200, 200, 404, 200]
    me = results[0]["body"]["data"]
    assert set(me) == {"gid", "name", "email"} and me["gid"] == world.me
    created = results[1]["body"]["data"]
    assert created["name"] == "From batch" and results[1]["headers"]["location"] == f"/tasks/{created['gid']}"
    assert results[2]["body"]["data"]["completed"] is True
    assert len(results[3]["body"]["data"]) == 1 and results[3]["body"]["next_page"]["offset"]
    assert results[4]["body"]["errors"][0]["message"] == "Unknown object: 1"
    assert {t["name"] for t in results[5]["body"]["data"]} == {"Batched", "From batch"}
    assert world.sandbox.stats.bucket(f"user:{world.me}").requests == before + 1 + 6, "each action counts"
    batch = asana.BatchAPIApi(world.client)
    assert refused(batch.create_batch_request, {"data": {"actions": []}}, {}) == (
        400,
        "actions: Missing input",
    )
    eleven = [{"relative_path": "/users/me", "method": "get"}] * 11
    assert refused(batch.create_batch_request, {"data": {"actions": eleven}}, {})[0] == 400
    nested = list(
        batch.create_batch_request({"data": {"actions": [{"relative_path": "/batch", "method": "post"}]}}, {})
    )
    assert nested[0]["status_code"] == 400


def test_batch_actions_are_rate_limited() -> None:
    sandbox = create_app(users=1, rate_limit=3, seed=2)
    with serve_asgi(sandbox) as url:
        client = sdk(f"{url}/api/1.0", sandbox.tokens[0])
        results = list(
            asana.BatchAPIApi(client).create_batch_request(
                {"data": {"actions": [{"relative_path": "/users/me", "method": "get"} for _ in range(4)]}}, {}
            )
        )
        assert [r["status_code"] for r in results] == [200, 200, 429, 429]
        assert int(results[2]["headers"]["Retry-After"]) >= 1
        assert sandbox.stats.bucket(f"user:{sandbox.store.users()[0]['gid']}").throttled == 2


# -- typeahead --------------------------------------------------------------------------------------
def test_typeahead(world: World) -> None:
    world.project("Quasar roadmap")
    world.task("Quasar kickoff", workspace=world.org)
    api = asana.TypeaheadApi(world.client)
    users = list(api.typeahead_for_workspace(world.org, "user", {"query": "ava"}))
    assert [u["name"] for u in users] == ["Ava " + world.sandbox.store.records[world.me]["name"].split()[1]]
    assert set(users[0]) == {"gid", "resource_type", "name"}
    projects = list(api.typeahead_for_workspace(world.org, "project", {"query": "quasar road"}))
    assert [p["name"] for p in projects] == ["Quasar roadmap"]
    tasks = list(api.typeahead_for_workspace(world.org, "task", {"query": "quas", "opt_fields": "name"}))
    assert tasks == [{"gid": tasks[0]["gid"], "name": "Quasar kickoff"}]
    some = list(api.typeahead_for_workspace(world.org, "team", {"count": 2}))
    assert len(some) == 2
    assert refused(api.typeahead_for_workspace, world.org, "planet", {})[0] == 400


# -- duplication ------------------------------------------------------------------------------------
def test_duplicate_task_as_a_job(world: World) -> None:
    project = world.project("Dup task")
    tag = asana.TagsApi(world.client).create_tag({"data": {"name": "dup", "workspace": world.org}}, {})
    source = world.task(
        "Original",
        projects=[project["gid"]],
        notes="Read me",
        assignee=world.them,
        due_on="2031-05-01",
        tags=[tag["gid"]],
    )
    world.task("Child", parent=source["gid"])
    job = world.tasks.duplicate_task(
        {"data": {"name": "Copy", "include": "notes,assignee,subtasks,tags,projects"}}, source["gid"], {}
    )
    assert job["resource_type"] == "job" and job["resource_subtype"] == "duplicate_task"
    assert job["status"] in ("not_started", "in_progress", "succeeded") and job["new_task"]["name"] == "Copy"
    polled = asana.JobsApi(world.client).get_job(job["gid"], {})
    assert polled["status"] == "succeeded" and polled["new_task"]["gid"] == job["new_task"]["gid"]
    copy = world.tasks.get_task(job["new_task"]["gid"], {})
    assert copy["notes"] == "Read me" and copy["assignee"]["gid"] == world.them and copy["due_on"] is None
    assert [t["gid"] for t in copy["tags"]] == [tag["gid"]] and copy["projects"][0]["gid"] == project["gid"]
    assert [t["name"] for t in world.tasks.get_subtasks_for_task(copy["gid"], {})] == ["Child"]
    bare = world.tasks.duplicate_task({"data": {"name": "Bare"}}, source["gid"], {})
    plain = world.tasks.get_task(bare["new_task"]["gid"], {})
    assert plain["notes"] == "" and plain["assignee"] is None and plain["projects"] == []
    assert (
        refused(
            world.tasks.duplicate_task, {"data": {"name": "x", "include": "everything"}}, source["gid"], {}
        )[0]
        == 400
    )
    assert refused(asana.JobsApi(world.client).get_job, "1", {})[0] == 404


def test_duplicate_project_as_a_job(world: World) -> None:
    project = world.project("Template")
    sections = asana.SectionsApi(world.client)
    doing = sections.create_section_for_project(project["gid"], {"body": {"data": {"name": "Doing"}}})
    first = world.task("Plan", projects=[project["gid"]], notes="carefully")
    second = world.task("Execute", memberships=[{"project": project["gid"], "section": doing["gid"]}])
    world.tasks.add_dependencies_for_task({"data": {"dependencies": [first["gid"]]}}, second["gid"])
    world.projects.add_members_for_project({"data": {"members": world.them}}, project["gid"], {})
    job = world.projects.duplicate_project(
        project["gid"],
        {"body": {"data": {"name": "From template", "include": "members,task_notes,task_dependencies"}}},
    )
    assert job["resource_subtype"] == "duplicate_project" and job["new_project"]["name"] == "From template"
    new = job["new_project"]["gid"]
    assert [s["name"] for s in sections.get_sections_for_project(new, {})] == ["Untitled section", "Doing"]
    copied = list(
        world.tasks.get_tasks_for_project(new, {"opt_fields": "name,notes,memberships.section.name"})
    )
    assert [(t["name"], t["notes"], t["memberships"][0]["section"]["name"]) for t in copied] == [
        ("Plan", "carefully", "Untitled section"),
        ("Execute", "", "Doing"),
    ]
    links = list(world.tasks.get_dependencies_for_task(copied[1]["gid"], {}))
    assert [t["gid"] for t in links] == [copied[0]["gid"]], "dependencies point at the copies"
    assert {u["gid"] for u in world.projects.get_project(new, {})["members"]} == {world.me, world.them}
    assert asana.JobsApi(world.client).get_job(job["gid"], {})["new_project"]["gid"] == new
    assert refused(world.projects.duplicate_project, project["gid"], {"body": {"data": {}}}) == (
        400,
        "name: Missing input",
    )


# -- custom field types -----------------------------------------------------------------------------
def test_date_people_and_multi_enum_fields(world: World) -> None:
    fields = asana.CustomFieldsApi(world.client)
    project = world.project("Typed fields")
    made = {}
    for name, subtype, extra in (
        ("Launch date", "date", {}),
        ("Reviewers", "people", {}),
        (
            "Channels",
            "multi_enum",
            {"enum_options": [{"name": "Web"}, {"name": "Mobile"}, {"name": "Email"}]},
        ),
    ):
        field = fields.create_custom_field(
            {"data": {"workspace": world.org, "name": name, "resource_subtype": subtype, **extra}}, {}
        )
        assert field["resource_subtype"] == subtype and field["type"] == subtype
        asana.ProjectsApi(world.client).add_custom_field_setting_for_project(
            {"data": {"custom_field": field["gid"]}}, project["gid"], {}
        )
        made[subtype] = field
    web, _, email = (o["gid"] for o in made["multi_enum"]["enum_options"])
    task = world.task(
        "Typed",
        projects=[project["gid"]],
        custom_fields={
            made["date"]["gid"]: {"date": "2031-03-04"},
            made["people"]["gid"]: [world.me, world.them],
            made["multi_enum"]["gid"]: [web, email],
        },
    )
    values = {f["resource_subtype"]: f for f in task["custom_fields"]}
    assert values["date"]["date_value"] == {"date": "2031-03-04"}
    assert values["date"]["display_value"] == "2031-03-04"
    assert [p["gid"] for p in values["people"]["people_value"]] == [world.me, world.them]
    names = [world.sandbox.store.records[g]["name"] for g in (world.me, world.them)]
    assert values["people"]["display_value"] == ", ".join(names)
    assert [o["name"] for o in values["multi_enum"]["multi_enum_values"]] == ["Web", "Email"]
    assert values["multi_enum"]["display_value"] == "Web, Email"
    selected = world.tasks.get_task(
        task["gid"],
        {
            "opt_fields": "custom_fields.display_value,"
            "custom_fields.date_value,custom_fields.people_value.name"
        },
    )
    shown = {f["gid"]: f for f in selected["custom_fields"]}
    assert shown[made["date"]["gid"]] == {
        "gid": made["date"]["gid"],
        "display_value": "2031-03-04",
        "date_value": {"date": "2031-03-04"},
    }
    assert shown[made["people"]["gid"]]["people_value"][1] == {"gid": world.them, "name": names[1]}
    updated = world.tasks.update_task(
        {
            "data": {
                "custom_fields": {
                    made["date"]["gid"]: {"date_time": "2031-03-05T09:30:00Z"},
                    made["people"]["gid"]: [],
                    made["multi_enum"]["gid"]: None,
                }
            }
        },
        task["gid"],
        {},
    )
    values = {f["resource_subtype"]: f for f in updated["custom_fields"]}
    assert values["date"]["date_value"] == {"date": "2031-03-05", "date_time": "2031-03-05T09:30:00.000Z"}
    assert values["people"]["people_value"] == [] and values["people"]["display_value"] is None
    assert values["multi_enum"]["multi_enum_values"] == []
    for bad in (
        {made["date"]["gid"]: {"day": 3}},
        {made["people"]["gid"]: ["nobody"]},
        {made["multi_enum"]["gid"]: ["123"]},
    ):
        assert refused(world.tasks.update_task, {"data": {"custom_fields": bad}}, task["gid"], {})[0] == 400


# -- plans, faults, stats, snapshots ----------------------------------------------------------------
def test_free_plan_has_no_custom_fields_and_refuses_them() -> None:
    sandbox = create_app(users=2, plan="free", seed=9)
    recording = Recording(sandbox)
    with serve_asgi(recording) as url:
        client = sdk(f"{url}/api/1.0", sandbox.tokens[0])
        org = sandbox.store.organization["gid"]
        fields = asana.CustomFieldsApi(client)
        assert list(fields.get_custom_fields_for_workspace(org, {})) == []
        status, message = refused(
            fields.create_custom_field,
            {"data": {"workspace": org, "name": "Priority", "resource_subtype": "enum"}},
            {},
        )
        assert (status, message) == (402, FREE_FIELDS)
        tasks = asana.TasksApi(client)
        one = tasks.create_task({"data": {"name": "a", "workspace": org}}, {})
        two = tasks.create_task({"data": {"name": "b", "workspace": org}}, {})
        assert (
            refused(tasks.add_dependencies_for_task, {"data": {"dependencies": [one["gid"]]}}, two["gid"])[0]
            == 402
        )
        project = asana.ProjectsApi(client).create_project(
            {"data": {"name": "Free", "workspace": org, "team": sandbox.store.teams[0]["gid"]}}, {}
        )
        status_update = asana.StatusUpdatesApi(client).create_status_for_object(
            {"data": {"parent": project["gid"], "status_type": "on_track", "text": "fine"}}, {}
        )
        assert status_update["status_type"] == "on_track", "status updates are on every plan"
        assert recording.verify() >= 6
    assert not any(r["resource_type"] == "custom_field" for r in sandbox.store.records.values())


def test_new_endpoints_get_faults_and_stats() -> None:
    sandbox = create_app(users=1, seed=3)
    with serve_asgi(sandbox) as url:
        client = sdk(f"{url}/api/1.0", sandbox.tokens[0])
        org = sandbox.store.organization["gid"]
        lists = asana.UserTaskListsApi(client)
        lists.get_user_task_list_for_user("me", org, {})
        httpx.post(f"{url}/_sandbox/faults", json={"fault_rate": 1.0, "kinds": ["error"]})
        with pytest.raises(ApiException) as failed:
            lists.get_user_task_list_for_user("me", org, {})
        assert failed.value.status == 500
        httpx.post(f"{url}/_sandbox/faults", json={"fault_rate": 0.0})
        counted = httpx.get(f"{url}/_sandbox/stats").json()["tokens"][
            f"user:{sandbox.store.users()[0]['gid']}"
        ]
        assert counted["requests"] == 2 and counted["faults"] == 1


def test_new_state_round_trips_through_snapshots(tmp_path: Path) -> None:
    state = tmp_path / "asana.json"
    sandbox = create_app(users=3, seed=12, state_path=state)
    upload = tmp_path / "plan.bin"
    upload.write_bytes(b"\x00\x01binary\xff")
    with serve_asgi(sandbox) as url:
        client = sdk(f"{url}/api/1.0", sandbox.tokens[0])
        org = sandbox.store.organization["gid"]
        team = sandbox.store.teams[0]["gid"]
        them = sandbox.store.users()[1]["gid"]
        project = asana.ProjectsApi(client).create_project(
            {"data": {"name": "Kept", "workspace": org, "team": team}}, {}
        )
        tasks = asana.TasksApi(client)
        one = tasks.create_task({"data": {"name": "one", "projects": [project["gid"]]}}, {})
        two = tasks.create_task({"data": {"name": "two", "projects": [project["gid"]]}}, {})
        tasks.add_dependencies_for_task({"data": {"dependencies": [one["gid"]]}}, two["gid"])
        attachment = asana.AttachmentsApi(client).create_attachment_for_object(
            {"parent": one["gid"], "file": str(upload)}
        )
        membership = asana.MembershipsApi(client).create_membership(
            {"body": {"data": {"parent": project["gid"], "member": them}}}
        )
        status = asana.StatusUpdatesApi(client).create_status_for_object(
            {"data": {"parent": project["gid"], "status_type": "off_track", "text": "late"}}, {}
        )
        job = tasks.duplicate_task({"data": {"name": "three"}}, one["gid"], {})
        task_list = asana.UserTaskListsApi(client).get_user_task_list_for_user("me", org, {})
        team_membership = asana.TeamsApi(client).add_user_for_team({"data": {"user": them}}, team, {})
    sandbox.close()
    data = json.loads(json.dumps(dump_store(sandbox.store)))
    assert load_store(data).records == sandbox.store.records
    again = create_app(users=3, seed=12, state_path=state)
    with serve_asgi(again) as url:
        client = sdk(f"{url}/api/1.0", again.tokens[0])
        assert (
            asana.UserTaskListsApi(client).get_user_task_list_for_user("me", org, {})["gid"]
            == task_list["gid"]
        )
        kept = asana.AttachmentsApi(client).get_attachment(attachment["gid"], {})
        assert httpx.get(kept["download_url"]).content == b"\x00\x01binary\xff"
        assert [t["gid"] for t in asana.TasksApi(client).get_dependencies_for_task(two["gid"], {})] == [
            one["gid"]
        ]
        assert asana.MembershipsApi(client).get_membership(membership["gid"])["member"]["gid"] == them
        assert asana.StatusUpdatesApi(client).get_status(status["gid"], {})["text"] == "late"
        assert asana.JobsApi(client).get_job(job["gid"], {})["new_task"]["name"] == "three"
        assert (
            asana.TeamMembershipsApi(client).get_team_membership(team_membership["gid"], {})["user"]["gid"]
            == them
        )
    again.close()


def test_batch_and_downloads_work_under_a_mount_prefix(tmp_path: Path) -> None:
    sandbox = create_app(users=1, seed=8)
    host = Starlette(routes=[Mount("/sandbox/asana", app=sandbox)])
    upload = tmp_path / "a.txt"
    upload.write_bytes(b"mounted")
    with serve_asgi(host) as url:
        base = f"{url}/sandbox/asana/api/1.0"
        client = sdk(base, sandbox.tokens[0])
        org = sandbox.store.organization["gid"]
        task = asana.TasksApi(client).create_task({"data": {"name": "t", "workspace": org}}, {})
        made = asana.AttachmentsApi(client).create_attachment_for_object(
            {"parent": task["gid"], "file": str(upload)}
        )
        assert made["download_url"].startswith(f"{url}/sandbox/asana/_sandbox/files/")
        assert httpx.get(made["download_url"]).content == b"mounted"
        results = list(
            asana.BatchAPIApi(client).create_batch_request(
                {
                    "data": {
                        "actions": [
                            {"relative_path": f"/tasks/{task['gid']}", "method": "get"},
                            {"relative_path": "/workspaces", "method": "get", "options": {"limit": 1}},
                        ]
                    }
                },
                {},
            )
        )
        assert [r["status_code"] for r in results] == [200, 200]
        assert results[1]["body"]["next_page"]["uri"].startswith(f"{base}/workspaces?")


def test_events_and_webhook_scopes_see_attachments_and_status_updates(world: World, tmp_path: Path) -> None:
    project = world.project("Watched")
    task = world.task("Watched task", projects=[project["gid"]])
    events = asana.EventsApi(world.client)
    with pytest.raises(ApiException) as fresh:
        events.get_events(project["gid"], {}, full_payload=True)
    sync = json.loads(fresh.value.body)["sync"]
    upload = tmp_path / "e.txt"
    upload.write_text("x")
    asana.AttachmentsApi(world.client).create_attachment_for_object(
        {"parent": task["gid"], "file": str(upload)}
    )
    asana.StatusUpdatesApi(world.client).create_status_for_object(
        {"data": {"parent": project["gid"], "status_type": "on_hold", "text": "paused"}}, {}
    )
    world.tasks.remove_project_for_task({"data": {"project": project["gid"]}}, task["gid"])
    seen = events.get_events(project["gid"], {"sync": sync}, full_payload=True)
    kinds = [(e["type"], e["action"]) for e in seen["data"]]
    assert kinds == [("attachment", "added"), ("status_update", "added"), ("task", "removed")]


def test_form_encoded_bodies_reach_the_new_endpoints(world: World) -> None:
    first, second = (world.task(name, workspace=world.org) for name in ("Form A", "Form B"))
    with httpx.Client(
        base_url=world.base, headers={"Authorization": f"Bearer {world.sandbox.tokens[0]}"}
    ) as http:
        added = http.post(f"/tasks/{second['gid']}/addDependencies", data={"dependencies": first["gid"]})
        moved = http.post(f"/tasks/{second['gid']}/setParent", data={"parent": first["gid"]})
    assert added.status_code == 200 and added.json() == {"data": {}}
    assert moved.status_code == 200 and moved.json()["data"]["parent"]["gid"] == first["gid"]
    assert [t["gid"] for t in world.tasks.get_dependencies_for_task(second["gid"], {})] == [first["gid"]]
