"""One API call as the handlers see it: the tenant, the acting user, path parameters and parsed input."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tenantsim.sandbox.google import errors as err
from tenantsim.sandbox.google.tenant import Tenant
from tenantsim.sandbox.kit.bodies import json_object


@dataclass
class Call:
    request: Request
    tenant: Tenant
    params: dict[str, str]
    subject: str | None  # the impersonated user's primary email
    at: float  # the emulator's clock at this call

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)

    def enum(self, name: str, allowed: tuple[str, ...], default: str | None = None) -> str | None:
        value = self.request.query_params.get(name)
        if value is None or value == "":
            return default
        if value not in allowed:
            raise err.invalid(f"Invalid value for: {name} is not a valid value")
        return value

    async def body(self) -> dict[str, Any]:
        return await json_object(self.request, err.parse_error)


Handler = Callable[[Call], Awaitable[Response]]


def ok(data: Any, status: int = 200) -> Response:
    return JSONResponse(data, status_code=status)


def no_content() -> Response:
    return Response(status_code=204)
