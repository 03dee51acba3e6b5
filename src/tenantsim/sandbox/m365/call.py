"""One Graph call as the handlers see it: the tenant, the caller, path parameters, query options, body."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tenantsim.sandbox.kit.bodies import json_object
from tenantsim.sandbox.m365 import errors as err
from tenantsim.sandbox.m365.auth import Principal
from tenantsim.sandbox.m365.tenant import Tenant


@dataclass
class Call:
    request: Request
    tenant: Tenant
    params: dict[str, str]
    principal: Principal
    at: float  # the emulator's clock at this call
    base: str  # the emulator's URL (without /v1.0): what @odata links start with

    def query(self, name: str) -> str | None:
        """A query option, with or without its ``$`` (Graph accepts both spellings)."""
        params = self.request.query_params
        value = params.get(name)
        if value is None and name.startswith("$"):
            value = params.get(name[1:])
        return value

    @property
    def eventual(self) -> bool:
        return (self.request.headers.get("consistencylevel") or "").lower() == "eventual"

    def context(self, fragment: str) -> str:
        return f"{self.base}/v1.0/$metadata#{fragment}"

    async def body(self) -> dict[str, Any]:
        return await json_object(
            self.request,
            lambda: err.invalid_request(
                "Unable to read JSON request payload. Please ensure Content-Type header is "
                "set and payload is of valid JSON format."
            ),
            lambda: err.invalid_request("Unable to read JSON request payload: an object was expected."),
        )


Handler = Callable[[Call], Awaitable[Response]]


def ok(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(data, status_code=status, headers=headers)


def no_content() -> Response:
    return Response(status_code=204)
