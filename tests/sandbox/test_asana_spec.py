"""Spec conformance: every route the sandbox serves exists in specs/asana-openapi.yaml, and the bodies it
returns validate against the spec's response schemas (OpenAPI 3.0 converted to JSON Schema), with no
top-level fields the spec does not define."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml
from starlette.routing import Mount, Route

from tenantsim.sandbox.asana import create_app
from tests.support.servers import serve_asgi

SPEC_PATH = Path(__file__).resolve().parents[2] / "specs" / "asana-openapi.yaml"
DROP = {"nullable", "example", "readOnly", "writeOnly", "discriminator", "xml", "externalDocs", "deprecated"}


@functools.cache
def spec() -> dict[str, Any]:
    with SPEC_PATH.open() as handle:
        loaded: dict[str, Any] = yaml.load(handle, Loader=yaml.CSafeLoader)
    return loaded


def _convert(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema draft 7 (nullable, $ref into definitions)."""
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": "#/definitions/" + node["$ref"].rsplit("/", 1)[-1]}
    out = {k: _convert(v) for k, v in node.items() if k not in DROP and not k.startswith("x-")}
    members = node.get("allOf", [])
    nullable = node.get("nullable") or any(isinstance(m, dict) and m.get("nullable") for m in members)
    if nullable:
        if "type" in out and "allOf" not in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
            return out
        return {"anyOf": [{"type": "null"}, out]}
    return out


@functools.cache
def definitions() -> dict[str, Any]:
    return {name: _convert(schema) for name, schema in spec()["components"]["schemas"].items()}


def _resolve(ref_or_obj: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in ref_or_obj:
        section, name = ref_or_obj["$ref"].split("/")[-2:]
        ref_or_obj = spec()["components"][section][name]
    return ref_or_obj


def _properties(schema: dict[str, Any]) -> set[str]:
    schema = _resolve(schema)
    names = set(schema.get("properties", {}))
    for member in schema.get("allOf", []):
        names |= _properties(member)
    return names


@functools.cache
def templates() -> list[tuple[re.Pattern[str], str, int]]:
    out = []
    for path in spec()["paths"]:
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
        out.append((pattern, path, path.count("{")))
    return out


def template_for(path: str) -> str:
    """The spec path a concrete path matches; literal segments win (/users/me over /users/{gid})."""
    matches = [(params, template) for pattern, template, params in templates() if pattern.match(path)]
    assert matches, f"{path} is not an Asana API path"
    return min(matches)[1]


def response_schema(method: str, template: str, status: int) -> dict[str, Any]:
    responses = spec()["paths"][template][method.lower()]["responses"]
    found = responses.get(status) or responses.get(str(status))
    if found is None:  # 402 and 429 are documented globally, not per operation
        return {"$ref": "#/components/schemas/ErrorResponse"}
    schema: dict[str, Any] = _resolve(found)["content"]["application/json"]["schema"]
    return schema


def check(method: str, path: str, response: httpx.Response) -> None:
    template = template_for(path)
    schema = response_schema(method, template, response.status_code)
    body = response.json()
    validator = jsonschema.Draft7Validator({**_convert(schema), "definitions": definitions()})
    errors = sorted(validator.iter_errors(body), key=str)
    assert not errors, (
        f"{method} {template} {response.status_code}: {errors[0].message} at {list(errors[0].path)}"
    )
    data_schema = _resolve(schema).get("properties", {}).get("data")
    if data_schema is None or not isinstance(body.get("data"), dict | list):
        return
    item_schema = data_schema.get("items", data_schema)
    allowed = _properties(item_schema)
    records = body["data"] if isinstance(body["data"], list) else [body["data"]]
    for record in records:
        extra = set(record) - allowed
        assert not extra or not allowed, f"{method} {template}: fields not in the spec: {sorted(extra)}"


class Recorder:
    def __init__(self, base: str, token: str) -> None:
        self.http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        self.count = 0

    def call(self, method: str, path: str, data: dict[str, Any] | None = None, **params: Any) -> Any:
        response = self.http.request(
            method, path, params=params or None, json={"data": data} if data is not None else None
        )
        check(method, path, response)
        self.count += 1
        return response.json().get("data")


@pytest.fixture(scope="module")
def recorded() -> int:
    sandbox = create_app(users=3, seed=5)
    with serve_asgi(sandbox) as url:
        api = Recorder(f"{url}/api/1.0", sandbox.tokens[0])
        other = Recorder(f"{url}/api/1.0", sandbox.tokens[1])
        me = api.call("GET", "/users/me")
        api.call("GET", f"/users/{me['gid']}")
        workspaces = api.call("GET", "/workspaces", limit=1)
        org = next(w for w in api.call("GET", "/workspaces") if w["name"] == "Sandbox Corp")["gid"]
        api.call("GET", f"/workspaces/{org}")
        api.call("GET", f"/workspaces/{org}/users", limit=2)
        api.call("GET", "/users", workspace=org)
        team = api.call("GET", f"/workspaces/{org}/teams")[0]["gid"]
        api.call("GET", f"/teams/{team}")
        api.call("GET", f"/users/{me['gid']}/teams", organization=org)
        project = api.call(
            "POST",
            "/projects",
            {
                "workspace": org,
                "team": team,
                "name": "Spec",
                "notes": "n",
                "color": "dark-blue",
                "default_view": "board",
            },
        )
        api.call("POST", f"/teams/{team}/projects", {"name": "Spec 2"})
        api.call("GET", f"/projects/{project['gid']}")
        api.call("PUT", f"/projects/{project['gid']}", {"notes": "m"})
        api.call("GET", "/projects", workspace=org, limit=10)
        api.call("GET", f"/teams/{team}/projects")
        section = api.call("POST", f"/projects/{project['gid']}/sections", {"name": "Doing"})
        api.call("GET", f"/sections/{section['gid']}")
        api.call("GET", f"/projects/{project['gid']}/sections")
        tag = api.call("POST", "/tags", {"workspace": org, "name": "spec", "color": "light-teal"})
        api.call("GET", "/tags", workspace=org)
        api.call("GET", f"/tags/{tag['gid']}")
        field = api.call(
            "POST",
            "/custom_fields",
            {
                "workspace": org,
                "name": "Stage",
                "resource_subtype": "enum",
                "enum_options": [{"name": "Draft", "color": "blue"}],
            },
        )
        number = api.call(
            "POST",
            "/custom_fields",
            {"workspace": org, "name": "Points", "resource_subtype": "number", "precision": 0},
        )
        text = api.call(
            "POST", "/custom_fields", {"workspace": org, "name": "Owner note", "resource_subtype": "text"}
        )
        api.call("POST", f"/custom_fields/{field['gid']}/enum_options", {"name": "Final", "color": "green"})
        api.call("GET", f"/custom_fields/{field['gid']}")
        api.call("GET", f"/workspaces/{org}/custom_fields")
        for custom in (field, number, text):
            api.call(
                "POST", f"/projects/{project['gid']}/addCustomFieldSetting", {"custom_field": custom["gid"]}
            )
        api.call("GET", f"/projects/{project['gid']}/custom_field_settings")
        task = api.call(
            "POST",
            "/tasks",
            {
                "name": "Validate",
                "projects": [project["gid"]],
                "assignee": "me",
                "due_on": "2031-01-31",
                "tags": [tag["gid"]],
                "custom_fields": {
                    number["gid"]: 3,
                    text["gid"]: "x",
                    field["gid"]: field["enum_options"][0]["gid"],
                },
            },
        )
        api.call("GET", f"/tasks/{task['gid']}")
        api.call("GET", f"/tasks/{task['gid']}", opt_fields="name,assignee.email,custom_fields.display_value")
        api.call("PUT", f"/tasks/{task['gid']}", {"completed": True, "assignee": me["gid"]})
        api.call("POST", f"/sections/{section['gid']}/addTask", {"task": task["gid"]})
        api.call("GET", f"/sections/{section['gid']}/tasks")
        api.call("GET", f"/projects/{project['gid']}/tasks", limit=5)
        api.call("GET", "/tasks", project=project["gid"], limit=5)
        sub = api.call("POST", f"/tasks/{task['gid']}/subtasks", {"name": "Part"})
        api.call("GET", f"/tasks/{task['gid']}/subtasks")
        api.call("POST", f"/tasks/{sub['gid']}/addTag", {"tag": tag["gid"]})
        api.call("GET", f"/tasks/{task['gid']}/tags")
        story = other.call("POST", f"/tasks/{task['gid']}/stories", {"text": "Looks right."})
        api.call("GET", f"/tasks/{task['gid']}/stories")
        api.call("GET", f"/stories/{story['gid']}")
        api.call("DELETE", f"/stories/{story['gid']}")  # 403: not the author
        other.call("DELETE", f"/stories/{story['gid']}")
        portfolio = api.call(
            "POST", "/portfolios", {"workspace": org, "name": "Spec bets", "color": "dark-red"}
        )
        api.call("POST", f"/portfolios/{portfolio['gid']}/addItem", {"item": project["gid"]})
        api.call("GET", f"/portfolios/{portfolio['gid']}/items")
        api.call("GET", f"/portfolios/{portfolio['gid']}")
        api.call("GET", "/portfolios", workspace=org, owner="me")
        api.call("GET", f"/tasks/{task['gid']}", limit=500)
        api.call("GET", f"/workspaces/{org}/users", limit=500)  # 400
        api.call("POST", "/tasks", {"name": "nowhere"})  # 400
        for path in (
            f"/tasks/{sub['gid']}",
            f"/tasks/{task['gid']}",
            f"/portfolios/{portfolio['gid']}",
            f"/custom_fields/{field['gid']}",
            f"/tags/{tag['gid']}",
            f"/projects/{project['gid']}",
        ):
            api.call("DELETE", path)
        api.call("GET", f"/tasks/{task['gid']}")  # 404
        assert workspaces
        return api.count + other.count


def test_recorded_responses_match_the_spec(recorded: int) -> None:
    assert recorded > 60


def test_every_emulated_route_is_in_the_spec() -> None:
    sandbox = create_app(users=1)
    mount = next(r for r in sandbox.app.routes if isinstance(r, Mount))
    checked = 0
    for route in mount.routes:
        assert isinstance(route, Route)
        for method in route.methods or ():
            if method == "HEAD":
                continue
            assert route.path in spec()["paths"], route.path
            assert method.lower() in spec()["paths"][route.path], f"{method} {route.path}"
            checked += 1
    assert checked > 50


def test_the_checker_catches_a_wrong_type() -> None:
    wrong = httpx.Response(200, json={"data": {"gid": 5, "resource_type": "user", "name": "x"}})
    with pytest.raises(AssertionError):
        check("GET", "/users/me", wrong)
    extra = httpx.Response(200, json={"data": {"gid": "5", "resource_type": "user", "invented": 1}})
    with pytest.raises(AssertionError):
        check("GET", "/users/me", extra)
