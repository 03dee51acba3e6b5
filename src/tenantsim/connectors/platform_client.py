"""The httpx client that platform calls go through, without per-call work they never need.

* Socket I/O on asyncio's transports (``sockets.py``) instead of anyio's streams.
* Cookies are read from a response only when it sets one: httpx otherwise wraps every response and its
  request in urllib's classes for the cookie jar to find nothing (a few percent of a call's CPU).

httpx has no parameters for either, so they are set on the objects it made. A transport given to the
client (tests) is left alone.
"""

from __future__ import annotations

from typing import Any

import httpx

from tenantsim.connectors.sockets import AsyncioBackend


class _SetCookies(httpx.Cookies):
    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers or "set-cookie2" in response.headers:
            super().extract_cookies(response)


class PlatformClient(httpx.AsyncClient):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._cookies = _SetCookies(self._cookies.jar)  # the same jar, read only when there is a cookie
        transport = self._transport
        if isinstance(transport, httpx.AsyncHTTPTransport):
            # the pool hands its backend to each connection it opens
            transport._pool._network_backend = AsyncioBackend()
