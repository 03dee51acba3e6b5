"""Shared by the Salesforce emulator tests: simple-salesforce wired to a served emulator, and every
exchange checked against the vendor's OpenAPI document (sObject routes) or, for the routes it leaves out
(SOQL, Composite, Collections, limits, describe), against schemas written from Salesforce's reference."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import httpx
import jsonschema
import requests
from simple_salesforce import Salesforce, SFType
from simple_salesforce.exceptions import SalesforceError

from tenantsim.sandbox.salesforce import SalesforceSandbox

API = "/services/data/v59.0"
_SPEC_NAME = Path("salesforce") / "sobjects-core.v59.oas.json"
SPEC_DIR = Path(__file__).resolve().parents[2] / "specs"  # the vendor's documents, kept in the repository
_SPEC_OBJECTS = ("Account", "Contact", "Opportunity", "Case", "Lead", "Task", "Event", "User")

ERRORS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["message", "errorCode"],
        "additionalProperties": False,
        "properties": {
            "message": {"type": "string"},
            "errorCode": {"type": "string", "pattern": "^[A-Z_]+$"},
            "fields": {"type": "array", "items": {"type": "string"}},
        },
    },
}
_ATTRIBUTES = {
    "type": "object",
    "required": ["type", "url"],
    "additionalProperties": False,
    "properties": {"type": {"type": "string"}, "url": {"type": "string", "pattern": f"^{API}/"}},
}
QUERY = {
    "type": "object",
    "required": ["totalSize", "done", "records"],
    "additionalProperties": False,
    "properties": {
        "totalSize": {"type": "integer"},
        "done": {"type": "boolean"},
        "nextRecordsUrl": {"type": "string", "pattern": f"^{API}/query(All)?/01g[A-Za-z0-9]+-\\d+$"},
        "records": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["attributes"],
                "properties": {"attributes": _ATTRIBUTES},
            },
        },
    },
}
_SAVE_ERROR = {
    "type": "object",
    "required": ["statusCode", "message", "fields"],
    "additionalProperties": False,
    "properties": {
        "statusCode": {"type": "string"},
        "message": {"type": "string"},
        "fields": {"type": "array", "items": {"type": "string"}},
    },
}
SAVE_RESULTS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["success", "errors"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": "^[a-zA-Z0-9]{18}$"},
            "success": {"type": "boolean"},
            "errors": {"type": "array", "items": _SAVE_ERROR},
        },
    },
}
COMPOSITE = {
    "type": "object",
    "required": ["compositeResponse"],
    "additionalProperties": False,
    "properties": {
        "compositeResponse": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["body", "httpHeaders", "httpStatusCode", "referenceId"],
                "properties": {
                    "body": {},
                    "httpHeaders": {"type": "object"},
                    "httpStatusCode": {"type": "integer"},
                    "referenceId": {"type": "string"},
                },
            },
        }
    },
}
LIMITS = {
    "type": "object",
    "required": ["DailyApiRequests"],
    "additionalProperties": {
        "type": "object",
        "required": ["Max", "Remaining"],
        "additionalProperties": False,
        "properties": {"Max": {"type": "integer"}, "Remaining": {"type": "integer", "minimum": 0}},
    },
}
DESCRIBE = {
    "type": "object",
    "required": ["name", "fields", "keyPrefix", "urls"],
    "properties": {
        "fields": {
            "type": "array",
            "items": {"type": "object", "required": ["name", "type", "createable", "updateable", "nillable"]},
        }
    },
}
CASE_COMMENT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "attributes": _ATTRIBUTES,
        **{
            name: {}
            for name in (
                "Id",
                "ParentId",
                "IsPublished",
                "CommentBody",
                "CreatedById",
                "CreatedDate",
                "SystemModstamp",
                "LastModifiedDate",
                "LastModifiedById",
                "IsDeleted",
            )
        },
    },
}


# -- the OpenAPI document as JSON Schema -----------------------------------------------------------------
@functools.cache
def spec() -> dict[str, Any]:
    return dict(json.loads((SPEC_DIR / _SPEC_NAME).read_text()))


def require_spec() -> dict[str, Any]:
    return spec()


def _convert(node: Any) -> Any:
    """OpenAPI 3.0 to JSON Schema. Salesforce sends every field, null when empty, so each typed property
    also admits null; sObject schemas are closed, so a misspelt field in a record fails the check."""
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": "#/definitions/" + node["$ref"].rsplit("/", 1)[-1]}
    out = {
        k: _convert(v)
        for k, v in node.items()
        if k not in ("description", "example", "format", "properties", "readOnly", "xml")
    }
    if "properties" in node:
        out["properties"] = {}
        for name, prop in node["properties"].items():
            converted = _convert(prop)
            if isinstance(converted.get("type"), str):
                converted["type"] = [converted["type"], "null"]
            out["properties"][name] = converted
    return out


@functools.cache
def _definitions() -> dict[str, Any]:
    definitions = {name: _convert(s) for name, s in require_spec()["components"]["schemas"].items()}
    for name in _SPEC_OBJECTS:
        definitions[f"{name}SObject"]["additionalProperties"] = False
    return definitions


def _validate(schema: dict[str, Any], data: Any) -> None:
    full = {**schema, "definitions": _definitions()}
    error = jsonschema.exceptions.best_match(jsonschema.Draft7Validator(full).iter_errors(data))
    if error is not None:
        raise error


def _spec_operation(method: str, rest: str) -> dict[str, Any] | None:
    document = spec()
    if document is None:  # without the vendor document only the schemas written here are checked
        return None
    paths = document["paths"]
    parts = rest.strip("/").split("/")
    if rest == "/sobjects":
        template = "/sobjects"
    elif len(parts) == 2 and parts[0] == "sobjects":
        template = f"/sobjects/{parts[1]}"
    elif len(parts) == 3 and parts[0] == "sobjects" and parts[2] != "describe":
        template = f"/sobjects/{parts[1]}/{{id}}"
    else:
        return None
    operation = paths.get(template, {}).get(method.lower())
    return dict(operation) if operation is not None else None


def _schema_of(content: dict[str, Any] | None) -> dict[str, Any] | None:
    if not content:
        return None
    media = content.get("application/json") or next(iter(content.values()))
    schema = media.get("schema")
    return _convert(schema) if schema is not None else None


def check_exchange(method: str, rest: str, status: int, sent: Any, received: Any) -> None:
    """One request and its answer, as Salesforce's reference describes them."""
    if status >= 400:
        jsonschema.validate(received, ERRORS)
    operation = _spec_operation(method, rest)
    if operation is not None:
        if sent is not None and "requestBody" in operation and status < 400:  # refusals may send nonsense
            body_schema = _schema_of(operation["requestBody"]["content"])
            if body_schema is not None:
                _validate(body_schema, sent)
        response = operation["responses"].get(str(status))
        assert response is not None, f"{method} {rest}: status {status} is not in the spec"
        schema = _schema_of(response.get("content"))
        if status == 204:
            assert received is None
        elif schema is not None:
            _validate(schema, received)
        return
    if status >= 400:
        return
    parts = rest.strip("/").split("/")
    if parts[0] in ("query", "queryAll"):
        jsonschema.validate(received, QUERY)
    elif rest == "/composite":
        jsonschema.validate(received, COMPOSITE)
        for request, answer in zip(sent["compositeRequest"], received["compositeResponse"], strict=True):
            sub = re.sub(r"^/services/data/v\d+\.0", "", urlsplit(request["url"]).path).rstrip("/")
            check_exchange(
                request["method"], sub, answer["httpStatusCode"], request.get("body"), answer["body"]
            )
    elif rest == "/composite/sobjects" and method != "GET":
        jsonschema.validate(received, SAVE_RESULTS)
    elif rest == "/limits":
        jsonschema.validate(received, LIMITS)
    elif parts[-1] == "describe":
        jsonschema.validate(received, DESCRIBE)
    elif len(parts) >= 2 and parts[1] == "CaseComment" and method == "GET" and len(parts) == 3:
        jsonschema.validate(received, CASE_COMMENT)


# -- clients ---------------------------------------------------------------------------------------------
@dataclass
class Exchange:
    method: str
    rest: str
    status: int
    request: Any
    response: Any
    headers: dict[str, str]


class CheckedSession(requests.Session):
    """simple-salesforce's transport: sends its https://<host>/services/... URLs to the served emulator
    (plain HTTP, possibly under a mount prefix) and checks every exchange."""

    def __init__(self, instance_url: str) -> None:
        super().__init__()
        self.instance = instance_url.rstrip("/")
        self.exchanges: list[Exchange] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        text = url.decode() if isinstance(url, bytes) else url
        if not text.startswith(self.instance):
            parts = urlsplit(text)
            text = self.instance + parts.path + ("?" + parts.query if parts.query else "")
        response = super().request(
            method.decode() if isinstance(method, bytes) else method, text, *args, **kwargs
        )
        verb = method.decode() if isinstance(method, bytes) else method
        path = urlsplit(text).path[len(urlsplit(self.instance).path) :]
        if path.startswith("/services/oauth2/"):  # OAuth's own error shape; checked by the auth tests
            return response
        raw = kwargs.get("data") if len(args) < 1 else args[0]
        sent = kwargs.get("json") if raw is None else json.loads(raw)
        received = response.json() if response.content else None
        rest = re.sub(r"^/services/data/v\d+\.0", "", path).rstrip("/") or "/"
        self.exchanges.append(
            Exchange(verb.upper(), rest, response.status_code, sent, received, dict(response.headers))
        )
        check_exchange(verb.upper(), rest, response.status_code, sent, received)
        return response


def token(http: httpx.Client, described: dict[str, Any], **overrides: str) -> httpx.Response:
    form = {
        "grant_type": "client_credentials",
        "client_id": described["consumer_key"],
        "client_secret": described["consumer_secret"],
        **overrides,
    }
    return http.post(described["token_url"], data=form)


def access_token(base: str, sandbox: SalesforceSandbox) -> str:
    with httpx.Client(timeout=10) as http:
        granted = token(http, sandbox.describe(base))
    assert granted.status_code == 200, granted.text
    return str(granted.json()["access_token"])


def connect(sandbox: SalesforceSandbox, base: str) -> tuple[Salesforce, CheckedSession]:
    session = CheckedSession(base)
    client = Salesforce(
        instance_url=base, session_id=access_token(base, sandbox), version="59.0", session=session
    )
    return client, session


def sobject(sf: Salesforce, name: str) -> SFType:
    """``sf.Account`` with the type the client's attribute access does not state."""
    return cast(SFType, getattr(sf, name))


def rest(sf: Salesforce, path: str, **kwargs: Any) -> Any:
    """``sf.restful``: the parsed JSON answer (None only for 204)."""
    return sf.restful(path, **kwargs)


def first_error(exc: SalesforceError) -> dict[str, Any]:
    """The one error of a refused call, as Salesforce listed it."""
    content = cast(Any, exc.content)
    assert isinstance(content, list) and len(content) == 1, content
    return dict(content[0])
