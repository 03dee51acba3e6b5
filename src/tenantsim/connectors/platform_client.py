"""The httpx client that platform calls go through, without per-call work they never need.

* Requests to the network go through ``transport.PlatformTransport`` (HTTP/1.1 parsed in C on asyncio's
  own transports) instead of httpcore's pool; ``verify`` and the connection limit are as given.
* Cookies are read from a response only when it sets one: httpx otherwise wraps every response and its
  request in urllib's classes for the cookie jar to find nothing (a few percent of a call's CPU).

A transport given to the client (tests: ASGI, ``httpx.MockTransport``) is used as it is.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx

from tenantsim.connectors.transport import PlatformTransport

DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)  # httpx's own
_UNLIMITED = 1 << 20  # httpx.Limits(max_connections=None)


class _SetCookies(httpx.Cookies):
    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers or "set-cookie2" in response.headers:
            super().extract_cookies(response)


class PlatformClient(httpx.AsyncClient):
    def __init__(self, *, transport: httpx.AsyncBaseTransport | None = None,
                 verify: ssl.SSLContext | str | bool = True, limits: httpx.Limits = DEFAULT_LIMITS,
                 trust_env: bool = True, **options: Any) -> None:
        if transport is None:
            transport = PlatformTransport(verify=verify, max_connections=limits.max_connections or _UNLIMITED,
                                          max_keepalive_connections=limits.max_keepalive_connections,
                                          keepalive_expiry=limits.keepalive_expiry, trust_env=trust_env)
        super().__init__(transport=transport, verify=verify, limits=limits, trust_env=trust_env, **options)
        self._cookies = _SetCookies(self._cookies.jar)  # the same jar, read only when there is a cookie
