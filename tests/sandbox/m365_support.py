"""Shared by the Microsoft 365 emulator tests: the emulator served over TLS on loopback (Entra's authority
must be https for azure-identity and MSAL), the official ``msgraph-sdk`` wired to it, and every Graph
exchange checked against the trimmed OpenAPI documents of Microsoft Graph v1.0."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import re
import ssl
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import jsonschema
import yaml
from azure.core.credentials import AccessToken, TokenCredential
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.middleware.options import RetryHandlerOption
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.graph_request_adapter import options as SDK_OPTIONS
from msgraph_core import GraphClientFactory
from starlette.applications import Starlette
from starlette.routing import Mount

from tenantsim.sandbox.m365 import M365Sandbox
from tests.support.servers import serve_tls
from tests.support.tls import tls_files

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
T = TypeVar("T")
_ROOT = Path(__file__).resolve().parents[2]
# The trimmed Graph documents live beside the repository's other vendor specs, or in the shared folder.
SPEC_DIR = next(
    (p for p in (_ROOT / "specs" / "msgraph", _ROOT.parent / "shared" / "specs" / "msgraph") if p.is_dir()),
    _ROOT / "specs" / "msgraph",
)
SPEC_FILES = ["users", "groups", "teams", "planner"]
DROP = {
    "nullable",
    "example",
    "readOnly",
    "writeOnly",
    "discriminator",
    "xml",
    "externalDocs",
    "deprecated",
    "description",
    "title",
    "format",
    "additionalProperties",
}


# -- the OpenAPI documents as JSON Schema -------------------------------------------------------------
def _convert(node: Any) -> Any:
    """OpenAPI 3.0 -> JSON Schema draft 7. Graph marks every object open with additionalProperties
    {type: object}; that is dropped here and unknown fields are checked by name instead (``_properties``)."""
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": "#/definitions/" + node["$ref"].rsplit("/", 1)[-1]}
    out = {k: _convert(v) for k, v in node.items() if k not in DROP and not k.startswith("x-")}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
            return out
        return {"anyOf": [{"type": "null"}, out]}
    return out


@dataclass
class Spec:
    document: dict[str, Any]
    definitions: dict[str, Any] = field(init=False)
    _validators: dict[str, Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.definitions = {n: _convert(s) for n, s in self.document["components"]["schemas"].items()}

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            section, name = node["$ref"].split("/")[-2:]
            node = self.document["components"][section][name]
        return node

    def properties(self, node: dict[str, Any]) -> set[str]:
        node = self.resolve(node)
        names = set(node.get("properties", {}))
        for member in node.get("allOf", []) + node.get("anyOf", []):
            names |= self.properties(member)
        return names

    def check(self, schema: dict[str, Any], data: Any, where: str) -> None:
        key = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(key)
        if validator is None:
            validator = self._validators[key] = jsonschema.Draft7Validator(
                {**_convert(schema), "definitions": self.definitions}
            )
        error = jsonschema.exceptions.best_match(validator.iter_errors(data))
        assert error is None, f"{where}: {error.message} at {list(error.absolute_path)}"


@functools.cache
def specs() -> list[tuple[re.Pattern[str], str, Spec]]:
    out = []
    for name in SPEC_FILES:
        with (SPEC_DIR / f"graph-v1.0-{name}.trimmed.yaml").open() as handle:
            spec = Spec(yaml.load(handle, Loader=yaml.CSafeLoader))
        for template in spec.document["paths"]:
            pattern = re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
            pattern = re.sub(r"\{[^}]+\}", "[^/]+", pattern)
            out.append((re.compile("^" + pattern + "$"), template, spec))
    return out


def operation(method: str, path: str) -> tuple[str, Spec, dict[str, Any]] | None:
    """The documented operation of a request; literal segments win over parameters."""
    found = [(t.count("{"), t, s) for pattern, t, s in specs() if pattern.match(path)]
    for _, template, spec in sorted(found, key=lambda f: f[0]):
        op = spec.document["paths"][template].get(method.lower())
        if op is not None:
            return template, spec, op
    return None


def check_exchange(method: str, path: str, status: int, sent: Any, received: Any) -> bool:
    """Check one exchange; False when the spec does not document the path (manager, $count, me...)."""
    found = operation(method, path)
    if found is None:
        return False
    template, spec, op = found
    where = f"{method} {template} {status}"
    if sent is not None and "requestBody" in op:
        body = spec.resolve(op["requestBody"])["content"]["application/json"]["schema"]
        spec.check(body, sent, where + " request")
    responses = op["responses"]
    if status >= 400:
        error = spec.resolve(responses["default"])["content"]["application/json"]["schema"]
        spec.check(error, received, where)
        assert set(received["error"]) == {"code", "message", "innerError"}, where
        assert {"date", "request-id", "client-request-id"} <= set(received["error"]["innerError"]), where
        return True
    documented = spec.resolve(responses["2XX"])
    content = documented.get("content", {}).get("application/json")
    if content is None or received is None:
        assert received is None or status == 200, f"{where}: a body where Graph sends none"
        return True
    schema = content["schema"]
    spec.check(schema, received, where)
    entity = spec.resolve(schema)
    value = _value_schema(spec, entity)
    if value is not None:
        records = received.get("value", [])
        allowed = spec.properties(value["items"])
    else:
        records, allowed = [received], spec.properties(entity)
    for record in records:
        typed = str(record.get("@odata.type") or "").lstrip("#")
        if typed in spec.definitions:  # a directoryObject that is a user: checked as one
            spec.check({"$ref": f"#/components/schemas/{typed}"}, record, where + " " + typed)
            allowed = spec.properties({"$ref": f"#/components/schemas/{typed}"})
        extra = {k for k in record if "@odata." not in k} - allowed
        assert not extra, f"{where}: fields the spec does not define: {sorted(extra)}"
    return True


def _value_schema(spec: Spec, node: dict[str, Any]) -> dict[str, Any] | None:
    """The ``value`` array of a collection response, looked up through allOf."""
    node = spec.resolve(node)
    if "value" in node.get("properties", {}):
        return dict(node["properties"]["value"])
    for member in node.get("allOf", []):
        found = _value_schema(spec, member)
        if found is not None:
            return found
    return None


@dataclass
class Exchange:
    method: str
    path: str
    status: int
    request: Any
    response: Any
    headers: httpx.Headers


class Recorder:
    """httpx event hooks that record every Graph exchange and check it against the spec."""

    def __init__(self, base: str) -> None:
        self.base_path = urlsplit(base).path.rstrip("/") + "/v1.0"
        self.exchanges: list[Exchange] = []
        self.unchecked: set[str] = set()
        self.failures: list[str] = []

    def record(self, request: httpx.Request, response: httpx.Response, body: bytes) -> None:
        path = request.url.path
        if not path.startswith(self.base_path):
            return
        path = path[len(self.base_path) :]
        sent = json.loads(request.content) if request.content else None
        received = (
            json.loads(body)
            if body and response.headers.get("content-type", "").startswith("application/json")
            else None
        )
        self.exchanges.append(
            Exchange(request.method, path, response.status_code, sent, received, response.headers)
        )
        try:
            if not check_exchange(request.method, path, response.status_code, sent, received):
                self.unchecked.add(f"{request.method} {re.sub(r'/[^/]*[0-9][^/]*', '/{id}', path)}")
        except AssertionError as exc:
            self.failures.append(str(exc))

    async def on_response(self, response: httpx.Response) -> None:
        self.record(response.request, response, await response.aread())

    def on_response_sync(self, response: httpx.Response) -> None:
        self.record(response.request, response, response.read())

    def assert_clean(self) -> None:
        assert not self.failures, "\n".join(self.failures)


# -- clients ------------------------------------------------------------------------------------------
class StaticToken(TokenCredential):
    """A delegated token handed out by the sandbox, as a credential the SDK can use."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self.token, int(time.time()) + 3600)


@contextlib.contextmanager
def open_session(sandbox: M365Sandbox, folder: Path, mount: str = "") -> Iterator[Session]:
    """Serve the emulator (mounted under ``mount`` in a host app when given) and check what passes."""
    cert, key = tls_files(str(folder))
    app: Any = Starlette(routes=[Mount(mount, app=sandbox)]) if mount else sandbox
    with serve_tls(app, cert, key) as root:
        session = Session(sandbox, root + mount, cert, Recorder(root + mount))
        try:
            yield session
        finally:
            for credential in session.credentials:  # their connections would hold the server open
                credential.close()
    session.recorder.assert_clean()


@dataclass
class Session:
    sandbox: M365Sandbox
    base: str
    cafile: str
    recorder: Recorder
    credentials: list[Any] = field(default_factory=list)

    @property
    def described(self) -> dict[str, Any]:
        return self.sandbox.describe(self.base)

    def secret_credential(self, secret: str | None = None, client_id: str | None = None) -> Any:
        from azure.identity import ClientSecretCredential

        info = self.described
        credential = ClientSecretCredential(
            info["tenant_id"],
            client_id or info["client_id"],
            secret or info["client_secret"],
            authority=self.base,
            disable_instance_discovery=True,
            connection_verify=self.cafile,
        )
        self.credentials.append(credential)
        return credential

    def certificate_credential(self, pem: str | None = None) -> Any:
        from azure.identity import CertificateCredential

        info = self.described
        data = (pem or info["certificate"]["pem"]).encode()
        credential = CertificateCredential(
            info["tenant_id"],
            info["client_id"],
            certificate_data=data,
            authority=self.base,
            disable_instance_discovery=True,
            connection_verify=self.cafile,
        )
        self.credentials.append(credential)
        return credential

    def user_credential(self, index: int = 0) -> StaticToken:
        return StaticToken(self.described["users"][index]["token"])

    def graph(self, credential: Any, retries: bool = False) -> GraphServiceClient:
        """The official client with its default middleware, pointed at the emulator's Graph."""
        # No keep-alive: each test runs the client in its own event loop and never closes it.
        http = httpx.AsyncClient(
            verify=ssl.create_default_context(cafile=self.cafile),
            limits=httpx.Limits(max_keepalive_connections=0),
            event_hooks={"response": [self.recorder.on_response]},
            timeout=20,
        )
        options = dict(SDK_OPTIONS)  # the SDK's own (/me rewriting, telemetry), plus ours
        if not retries:  # a test of throttling sees the 429 itself rather than the SDK waiting it out
            options[RetryHandlerOption.get_key()] = RetryHandlerOption(max_retries=0)
        http = GraphClientFactory.create_with_default_middleware(client=http, options=options)
        auth = AzureIdentityAuthenticationProvider(
            credential, scopes=[GRAPH_SCOPE], allowed_hosts=["127.0.0.1"]
        )
        adapter = GraphRequestAdapter(auth, client=http)
        adapter.base_url = self.base + "/v1.0"
        return GraphServiceClient(request_adapter=adapter)

    def http(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(
            base_url=self.base,
            verify=ssl.create_default_context(cafile=self.cafile),
            headers=headers,
            timeout=20,
            event_hooks={"response": [self.recorder.on_response_sync]},
        )

    def app_token(self, client: httpx.Client | None = None) -> str:
        info = self.described
        with self.http() as http:
            granted = (client or http).post(
                f"/{info['tenant_id']}/oauth2/v2.0/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": info["client_id"],
                    "client_secret": info["client_secret"],
                    "scope": GRAPH_SCOPE,
                },
            )
        assert granted.status_code == 200, granted.text
        return str(granted.json()["access_token"])


def run(coro: Coroutine[Any, Any, T]) -> T:
    """The SDK's calls are coroutines; a test awaits one from plain code."""
    return asyncio.run(coro)
