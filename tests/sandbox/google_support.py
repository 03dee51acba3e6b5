"""Shared by the Google Workspace emulator tests: the official client wired to a served emulator, every
request and response it makes checked against the Discovery documents the client itself ships with."""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import google_auth_httplib2
import httplib2
import httpx
import jsonschema
import jwt
from google.oauth2 import service_account
from googleapiclient.discovery import build
from googleapiclient.discovery_cache import get_static_doc

from tenantsim.sandbox.google import GoogleSandbox

AUTH = "https://www.googleapis.com/auth/"
DIRECTORY_SCOPES = [AUTH + s for s in ("admin.directory.user", "admin.directory.group",
                                       "admin.directory.group.member", "admin.directory.orgunit")]
CALENDAR_SCOPES = [AUTH + "calendar"]

# Google's error envelope for the JSON APIs, as strict as the emulator promises to be.
ERROR_SCHEMA = {
    "type": "object", "required": ["error"], "additionalProperties": False,
    "properties": {"error": {
        "type": "object", "required": ["code", "message", "errors", "status"], "additionalProperties": False,
        "properties": {
            "code": {"type": "integer"}, "message": {"type": "string"}, "status": {"type": "string"},
            "errors": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["message", "domain", "reason"],
                "properties": {"message": {"type": "string"}, "domain": {"type": "string"},
                               "reason": {"type": "string"}}}}}}},
}


# -- the Discovery documents as JSON Schema ------------------------------------------------------------
def _to_jsonschema(node: Any) -> Any:
    """Discovery schemas are close to JSON Schema: refs name a schema, "any" means anything. Objects with
    declared properties are closed here, so a misspelt field in a response fails the check."""
    if isinstance(node, list):
        return [_to_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": f"#/definitions/{node['$ref']}"}
    out = {key: _to_jsonschema(value) for key, value in node.items()
           if key not in ("annotations", "description", "id", "readOnly", "properties")}
    if "properties" in node:  # a map of field names, any of which may be "id" or "description"
        out["properties"] = {name: _to_jsonschema(value) for name, value in node["properties"].items()}
    if out.get("type") == "any":
        del out["type"]
    if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


@dataclass
class Api:
    prefix: str  # the path the discovery paths hang under ("/" + servicePath)
    document: dict[str, Any]
    definitions: dict[str, Any] = field(init=False)
    methods: list[tuple[str, re.Pattern[str], dict[str, Any]]] = field(init=False)
    _validators: dict[str, Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.definitions = {name: _to_jsonschema(s) for name, s in self.document["schemas"].items()}
        self.methods = []

        def walk(resources: dict[str, Any]) -> None:
            for resource in resources.values():
                for method in resource.get("methods", {}).values():
                    template = re.sub(r"\{\+(\w+)\}", r"(?P<\1>.+)", method["path"])
                    template = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
                    self.methods.append((method["httpMethod"], re.compile("^" + self.prefix + template + "$"),
                                         method))
                walk(resource.get("resources", {}))

        walk(self.document["resources"])

    def method(self, verb: str, path: str) -> dict[str, Any] | None:
        """The method a request is for; a literal path beats a catch-all like ``v1/{+name}``."""
        found = [m for http_method, pattern, m in self.methods if http_method == verb and pattern.match(path)]
        found.sort(key=lambda m: (m["path"].count("{+"), -len(re.sub(r"\{[^}]*\}", "", m["path"]))))
        return found[0] if found else None

    def check(self, ref: str, data: Any) -> None:
        validator = self._validators.get(ref)
        if validator is None:  # built once per schema: checking the schema itself is the slow part
            schema = {"$ref": f"#/definitions/{ref}", "definitions": self.definitions}
            validator = self._validators[ref] = jsonschema.Draft7Validator(schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(data))
        if error is not None:
            raise error


@functools.cache
def apis() -> tuple[Api, Api]:
    directory = json.loads(get_static_doc("admin", "directory_v1") or "{}")
    calendar = json.loads(get_static_doc("calendar", "v3") or "{}")
    return Api("/" + directory["servicePath"], directory), Api("/" + calendar["servicePath"], calendar)


@dataclass
class Exchange:
    method: str
    path: str
    status: int
    request: Any
    response: Any


class CheckedHttp(httplib2.Http):
    """The client's transport, checking each exchange against the Discovery document of its API."""

    def __init__(self, base: str) -> None:
        super().__init__(timeout=10)
        self.base_path = urlsplit(base).path.rstrip("/")
        self.exchanges: list[Exchange] = []

    def request(self, uri: str, method: str = "GET", body: Any = None, headers: Any = None,
                **kwargs: Any) -> Any:
        response, content = super().request(uri, method=method, body=body, headers=headers, **kwargs)
        path = urlsplit(uri).path[len(self.base_path):]
        sent = json.loads(body) if body and path != "/token" else None
        received = json.loads(content) if content else None
        self.exchanges.append(Exchange(method, path, int(response.status), sent, received))
        if path != "/token":
            check_exchange(method, path, int(response.status), sent, received)
        return response, content


def check_exchange(method: str, path: str, status: int, sent: Any, received: Any) -> None:
    found = None
    for api in apis():
        spec = api.method(method, path)
        if spec is not None:
            found = (api, spec)
            break
    assert found is not None, f"{method} {path} is not a method of the Discovery documents"
    api, spec = found
    if sent is not None and "request" in spec:
        api.check(spec["request"]["$ref"], sent)
    if status >= 400:
        jsonschema.validate(received, ERROR_SCHEMA)
        assert received["error"]["code"] == status
    elif "response" in spec:
        api.check(spec["response"]["$ref"], received)
    else:
        assert received is None, f"{method} {path} answered a body where Google sends none"


# -- clients --------------------------------------------------------------------------------------------
@dataclass
class Session:
    sandbox: GoogleSandbox
    base: str
    http: CheckedHttp

    @property
    def info(self) -> dict[str, Any]:
        return self.sandbox.service_account_info(self.base)

    @property
    def admin(self) -> str:
        return self.sandbox.tenant.admin_email

    def credentials(self, scopes: list[str], subject: str | None = None) -> Any:
        return service_account.Credentials.from_service_account_info(
            self.info, scopes=scopes, subject=subject or self.admin)

    def directory(self, scopes: list[str] | None = None, subject: str | None = None) -> Any:
        authed = google_auth_httplib2.AuthorizedHttp(self.credentials(scopes or DIRECTORY_SCOPES, subject),
                                                     http=self.http)
        return build("admin", "directory_v1", http=authed, static_discovery=True,
                     client_options={"api_endpoint": self.base})

    def calendar(self, subject: str | None = None, scopes: list[str] | None = None) -> Any:
        authed = google_auth_httplib2.AuthorizedHttp(self.credentials(scopes or CALENDAR_SCOPES, subject),
                                                     http=self.http)
        # The client puts api_endpoint in place of rootUrl + servicePath, so Calendar's path goes with it.
        return build("calendar", "v3", http=authed, static_discovery=True,
                     client_options={"api_endpoint": self.base + "/calendar/v3/"})


def assertion(info: dict[str, Any], *, key: str | None = None, now: float | None = None,
              **claims: Any) -> str:
    """A JWT bearer assertion as google-auth builds it; ``claims`` override the defaults."""
    issued = int(time.time() if now is None else now)
    body = {"iss": info["client_email"], "sub": claims.pop("sub", None), "aud": info["token_uri"],
            "scope": " ".join(DIRECTORY_SCOPES), "iat": issued, "exp": issued + 3600, **claims}
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, key or info["private_key"], algorithm="RS256",
                      headers={"kid": info["private_key_id"]})


def token(http: httpx.Client, info: dict[str, Any], **claims: Any) -> httpx.Response:
    return http.post(info["token_uri"], data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                              "assertion": assertion(info, **claims)})


def bearer(http: httpx.Client, info: dict[str, Any], **claims: Any) -> dict[str, str]:
    granted = token(http, info, **claims)
    assert granted.status_code == 200, granted.text
    return {"Authorization": f"Bearer {granted.json()['access_token']}"}


def all_pages(request: Any, next_page: Any) -> Iterator[dict[str, Any]]:
    """Follow nextPageToken with the client's own list_next."""
    while request is not None:
        page = request.execute()
        yield page
        request = next_page(request, page)
