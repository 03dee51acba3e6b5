"""One REST call as the handlers see it, whether it came over HTTP or as a subrequest of a composite
call: the org, the acting user, path and query parameters and the parsed JSON body."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tenantsim.sandbox.salesforce.org import Org

if TYPE_CHECKING:
    from tenantsim.sandbox.salesforce.querying import Cursors


@dataclass
class Call:
    org: Org
    method: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    headers: dict[str, str]  # lower-cased names
    user_id: str
    at: float
    cursors: Cursors
    limits: dict[str, Any]  # what GET /limits reports
    dispatch: Callable[[Call, str, str, Any], Result] | None = None  # set for composite's subrequests


@dataclass
class Result:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Result]


def ok(body: Any, status: int = 200) -> Result:
    return Result(status, body)


def no_content() -> Result:
    return Result(204)
