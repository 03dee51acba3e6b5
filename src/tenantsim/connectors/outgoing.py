"""Sends a platform call without the per-call work of ``httpx.AsyncClient`` that our calls never need.

Once the transport was our own (``transport.py``), httpx's client was the largest part of the HTTP
layer's CPU per call: parsing the URL string with a validator in Python (~45 µs for a platform path),
copying the client's headers and cookie jar into a ``Request`` and normalising every header again, then
an auth flow, a redirect loop, a timer and a stream wrapper around the response.

* A path made only of characters a URL path holds as they are is joined to the client's already parsed
  base exactly as httpx would have parsed it; anything else (a percent sign, a dot segment, a query of
  its own) goes through ``httpx.URL``.
* When the client is plain (our transport, no auth, no proxy, no event hooks) and the call brings no
  headers or form of its own while the cookie jar is empty, the request line and headers are written as
  httpx would write them (the client's headers after Host, then the JSON body's Content-Length and
  Content-Type), and the ``Request`` object is made only if someone asks the response for it.
* Any other call is built like ``client.build_request`` does (less the copies) and goes through
  ``client.send``: auth, cookies and proxies work as before.
"""

from __future__ import annotations

import functools
import json as jsonlib
import re
from collections.abc import Mapping
from typing import Any

import httpx

from tenantsim.connectors.http11 import TOKEN, check_fields
from tenantsim.connectors.transport import PlatformTransport

# Characters httpx leaves as they are in a path (RFC 3986 pchar without '%', and '/').
_PLAIN_PATH = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@/-]*")
_BODY_EXPECTED = frozenset({"POST", "PUT", "PATCH"})  # httpx sends Content-Length: 0 when these have none


def joined(base: httpx.URL, path: str, params: Mapping[str, Any] | None) -> httpx.URL:
    """``base`` (parsed, without a query) followed by ``path`` and ``params`` as its query: equal to
    ``httpx.URL(f"{base}/{path.lstrip('/')}", params=params)``."""
    reference = base._uri_reference
    full = f"{reference.path.rstrip('/')}/{path.lstrip('/')}"
    if reference.query is not None or reference.fragment is not None or "/." in full \
            or _PLAIN_PATH.fullmatch(full) is None:
        return httpx.URL(f"{base}/{path.lstrip('/')}", params=params)
    query = _query(params) if params else None
    url = httpx.URL.__new__(httpx.URL)
    url._uri_reference = reference._replace(path=full, query=query)
    return url


def _query(params: Mapping[str, Any]) -> str | None:
    """str(QueryParams) is what httpx puts in the query (its characters are all ones httpx keeps). Calls
    repeat the same few parameters: remembered by value and type (True is 1 to a dict, not to httpx)."""
    try:
        return _known_query(tuple([(name, value.__class__, value) for name, value in params.items()]))
    except TypeError:  # a list of values: not hashable
        return str(httpx.QueryParams(params)) or None


@functools.lru_cache(maxsize=4096)
def _known_query(items: tuple[tuple[str, type, Any], ...]) -> str | None:
    return str(httpx.QueryParams({name: value for name, _, value in items})) or None


def _plain(client: httpx.AsyncClient) -> bool:
    """Nothing between the client and our transport that a request must pass through."""
    hooks = client.event_hooks
    return (client.auth is None and not client._mounts and not hooks["request"] and not hooks["response"])


class Sender:
    """Sends the calls of one client."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client
        self._timeouts: dict[str, float | None] = client.timeout.as_dict()
        transport = client._transport
        self._direct = transport if isinstance(transport, PlatformTransport) and _plain(client) else None
        names = {name.lower() for name in client.headers}
        check_fields(client.headers.raw)
        fields = b"".join([name + b": " + value + b"\r\n" for name, value in client.headers.raw])
        self._fields = fields  # the client's headers, checked once
        self._host = "host" not in names
        # a JSON body's headers, where the client's own do not say them already
        self._length = not names & {"content-length", "transfer-encoding"}
        self._type = b"" if "content-type" in names else b"Content-Type: application/json\r\n"

    async def send(self, method: str, url: httpx.URL, *, json: Any = None,
                   data: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None,
                   ) -> httpx.Response:
        method = method.upper()
        direct = self._direct
        if direct is None or TOKEN.fullmatch(method) is None or data is not None or headers \
                or self._client.cookies.jar or url._uri_reference.userinfo:
            return await self._client.send(self.build(method, url, json=json, data=data, headers=headers))
        body = None if json is None else jsonlib.dumps(
            json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()  # as httpx
        head = [b"%s %s HTTP/1.1\r\n" % (method.encode("ascii"), url.raw_path)]
        if self._host:
            head.append(b"Host: %s\r\n" % url.netloc)
        if body is None and self._length and method in _BODY_EXPECTED:
            head.append(b"Content-Length: 0\r\n")
        head.append(self._fields)
        if body is not None:
            if self._length:
                head.append(b"Content-Length: %d\r\n" % len(body))
            head.append(self._type)
        head.append(b"\r\n")
        try:
            response = await direct.exchange(method, url, b"".join(head), body, self._timeouts)
        except httpx.RequestError as exc:
            exc.request = self.build(method, url, json=json)  # as httpx says which request failed
            raise
        response.make_request = lambda: self.build(method, url, json=json)
        if response.sets_cookie:  # (set-cookie2 too)
            self._client.cookies.extract_cookies(response)
        return response

    def build(self, method: str, url: httpx.URL, *, json: Any = None, data: Mapping[str, Any] | None = None,
              headers: Mapping[str, str] | None = None) -> httpx.Request:
        """The request ``client.build_request`` would make."""
        client = self._client
        merged = client.headers
        if headers:
            merged = httpx.Headers(merged)
            merged.update(headers)
        cookies = client.cookies if client.cookies.jar else None  # an empty jar adds nothing
        return httpx.Request(method, url, headers=merged, cookies=cookies, json=json, data=data,
                             extensions={"timeout": dict(self._timeouts)})
