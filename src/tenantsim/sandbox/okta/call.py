"""One API call as the handlers see it: the org, the org URL, path parameters and parsed input."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tenantsim.sandbox.kit.bodies import json_object
from tenantsim.sandbox.okta import errors as err
from tenantsim.sandbox.okta import syslog
from tenantsim.sandbox.okta.org import OktaOrg
from tenantsim.sandbox.okta.query import link_headers


@dataclass
class Call:
    request: Request
    org: OktaOrg
    base: str  # the org URL of this request, including any mount prefix
    path: str  # the path below the org URL
    params: dict[str, str]
    owner_id: str  # the admin user the token belongs to
    request_id: str = ""  # X-Okta-Request-Id of this call; the System Log's transaction id
    token_id: str = ""  # the API token's id (System Log: transaction.detail.requestApiTokenId)
    client_ip: str = ""  # the end user's address a trusted app forwarded (X-Forwarded-For), if any

    def audit(self, event_type: str, targets: list[dict[str, Any]], **debug: Any) -> None:
        """Write this call's System Log event (the token's user is the actor)."""
        syslog.record(self, event_type, targets, debug=debug or None)

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)

    def flag(self, name: str, default: bool | None) -> bool | None:
        raw = self.request.query_params.get(name)
        if raw is None:
            return default
        if raw.lower() not in ("true", "false"):
            raise err.validation(name, f"{name}: must be true or false")
        return raw.lower() == "true"

    def limit(self, default: int, maximum: int) -> int:
        raw = self.request.query_params.get("limit")
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise err.validation("limit", "limit: must be an integer") from None
        if value < 0:  # Okta treats -1 (and other negatives) as "the default page"
            return default
        return max(1, min(value, maximum))

    def links(self, path: str, limit: int, next_after: str | None) -> list[str]:
        """Link headers for a page of ``path`` (self, and next when another page follows)."""
        return link_headers(self.base, path, self.request.query_params.multi_items(), limit, next_after)

    async def body(self) -> dict[str, Any]:
        return await json_object(self.request, err.bad_body)


Handler = Callable[[Call], Awaitable[Response]]


def ok(data: Any, status: int = 200, links: list[str] | None = None) -> Response:
    response = JSONResponse(data, status_code=status)
    for link in links or []:
        response.headers.append("link", link)
    return response


def no_content() -> Response:
    return Response(status_code=204)
