"""Shared by the Okta emulator tests: a served emulator and validation against the official spec."""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import hmac
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tenantsim.sandbox.okta import DEFAULT_TOKEN

SPEC_PATH = Path(__file__).resolve().parents[2] / "specs" / "okta-management-openapi.yaml"
AUTH = {"Authorization": f"SSWS {DEFAULT_TOKEN}"}
_SPEC_URI = "urn:okta-management-openapi"


def client(base: str, token: str = DEFAULT_TOKEN) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"SSWS {token}"}, timeout=10)


def person(login: str, **extra: Any) -> dict[str, Any]:
    first, last = login.split("@")[0].split(".")[:2]
    return {"profile": {"login": login, "email": login, "firstName": first.title(), "lastName": last.title(),
                        **extra}}


def with_password(body: dict[str, Any], password: str = "Correct-Horse-42") -> dict[str, Any]:
    return {**body, "credentials": {"password": {"value": password}}}


def totp_code(secret: str, at: float | None = None) -> str:
    """What an authenticator app shows for a base32 secret (RFC 6238, SHA-1, 30 s, six digits)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return str((int.from_bytes(digest[offset:offset + 4], "big") & 0x7FFFFFFF) % 1_000_000).zfill(6)


def pages(http: httpx.Client, url: str, **params: Any) -> Iterator[httpx.Response]:
    """Follow rel="next" Link headers the way Okta says to: as opaque URLs."""
    response = http.get(url, params=params)
    while True:
        yield response
        next_url = response.links.get("next", {}).get("url")
        if not next_url:
            return
        response = http.get(next_url)


# -- the official spec as a JSON Schema validator -----------------------------------------------------
def _nullable_to_jsonschema(node: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` is not JSON Schema: spell it as a type that also allows null."""
    if isinstance(node, list):
        return [_nullable_to_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _nullable_to_jsonschema(value) for key, value in node.items()}
    if out.pop("nullable", False) is True:
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            return {"anyOf": [{"type": "null"}, out]}
    out.pop("discriminator", None)
    return out


@functools.lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    with SPEC_PATH.open() as handle:
        loaded: dict[str, Any] = yaml.load(handle, Loader=yaml.CSafeLoader)
    return loaded


@functools.lru_cache(maxsize=1)
def _registry() -> Registry:
    contents = _nullable_to_jsonschema(copy.deepcopy(spec()))
    return Registry().with_resource(_SPEC_URI, Resource.from_contents(contents, default_specification=DRAFT4))


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec()
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def response_pointer(method: str, path: str, status: int) -> str | None:
    """JSON pointer of the response schema the spec gives an operation; None when it has no body."""
    operation = spec()["paths"][path][method.lower()]
    response = _resolve(operation["responses"][str(status)])
    if "application/json" not in response.get("content", {}):
        return None
    schema = response["content"]["application/json"]["schema"]
    if "$ref" in schema:
        return str(schema["$ref"])
    responses = f"#/paths/{path.replace('~', '~0').replace('/', '~1')}/{method.lower()}/responses"
    return f"{responses}/{status}/content/application~1json/schema"


def schema_errors(instance: Any, pointer: str) -> list[str]:
    validator = jsonschema.Draft4Validator({"$ref": f"{_SPEC_URI}{pointer}"}, registry=_registry())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


def assert_conforms(response: httpx.Response, method: str, path: str) -> None:
    pointer = response_pointer(method, path, response.status_code)
    if pointer is None:
        assert response.content == b"", f"{method} {path}: the spec documents no body"
        return
    problems = schema_errors(response.json(), pointer)
    assert not problems, f"{method} {path} -> {response.status_code} breaks the spec: {problems[:5]}"
