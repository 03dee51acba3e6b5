"""Calls sent without httpx's client (``connectors/outgoing.py``) are the same on the wire as httpx's own,
byte for byte; their responses read as httpx's do, with the request there when asked for; and whatever
needs the client (auth, cookies, a call's own headers, a form) still goes through it."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
from collections.abc import AsyncIterator, Generator
from typing import Any

import httpx
import pytest

from tenantsim.connectors.outgoing import Sender, joined
from tenantsim.connectors.platform_client import PlatformClient
from tenantsim.connectors.response import PlatformResponse, ResponseHeaders


@contextlib.asynccontextmanager
async def recording_server(*extra: bytes, body: bytes = b'{"ok":true}',
                           ) -> AsyncIterator[tuple[str, list[bytes]]]:
    """Answers every request with ``body`` (and ``extra`` header lines); records each request as sent."""
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                seen.append(head + (await reader.readexactly(length) if length else b""))
                fields = b"".join(line + b"\r\n" for line in extra)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), fields, body))
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", seen


CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/api/v1/users", {"params": {"limit": 200, "search": 'profile.department eq "R&D"'}}),
    ("POST", "/api/v1/users", {"params": {"activate": False},
                               "json": {"profile": {"name": "Zoë", "n": 1.5}}}),
    ("POST", "/api/v1/users/00u1/lifecycle/activate", {}),
    ("PUT", "/api/v1/groups/00g1/users/00u1", {}),
    ("PATCH", "/tasks/1", {"json": {"data": {"completed": True}}}),
    ("DELETE", "/api/v1/groups/00g1", {}),
]


def client_headers() -> Generator[dict[str, str], None, None]:
    yield {"Authorization": "SSWS token", "Accept": "application/json"}
    yield {"Authorization": "Bearer t", "Content-Type": "application/json; charset=utf-8", "X-Trace": "1"}


@pytest.mark.parametrize("headers", list(client_headers()))
async def test_the_same_bytes_as_httpx_sends(headers: dict[str, str]) -> None:
    async with recording_server() as (url, seen):
        async with httpx.AsyncClient(headers=headers) as reference:  # httpx's own transport
            for method, path, options in CALLS:
                await reference.request(method, f"{url}{path}", **options)
        expected = list(seen)
        seen.clear()
        async with PlatformClient(headers=headers) as http:
            sender = Sender(http)
            for method, path, options in CALLS:
                target = joined(httpx.URL(url), path, options.get("params"))
                response = await sender.send(method.lower(), target, json=options.get("json"))
                assert response.json() == {"ok": True}
                assert isinstance(response, PlatformResponse) and response.make_request is not None  # direct
    assert seen == expected


async def test_a_response_reads_as_httpx_reads_it_and_knows_its_request() -> None:
    packed = gzip.compress(b'{"packed":true}')
    async with recording_server(body=b'{"a":1}') as (url, _), \
            recording_server(b"Content-Encoding: gzip", body=packed) as (zipped, _), \
            PlatformClient(headers={"Authorization": "SSWS t"}) as http:
        sender = Sender(http)
        response = await sender.send("POST", httpx.URL(f"{url}/x?y=1"), json={"b": 2})
        decoded = await sender.send("GET", httpx.URL(f"{zipped}/z"))
        through_httpx = await http.post(f"{url}/x?y=1", json={"b": 2})
    assert isinstance(response, PlatformResponse)
    for name in ("content", "text", "is_closed", "is_stream_consumed", "num_bytes_downloaded", "status_code",
                 "http_version", "reason_phrase"):
        assert getattr(response, name) == getattr(through_httpx, name), name
    assert response.json() == {"a": 1} and decoded.json() == {"packed": True}
    request = response.request  # made now, as httpx would have made it
    assert (request.method, request.url, request.content) == ("POST", httpx.URL(f"{url}/x?y=1"), b'{"b":2}')
    assert request.headers["authorization"] == "SSWS t"


async def test_cookies_auth_own_headers_and_forms_still_go_through_the_client() -> None:
    class Signed(httpx.Auth):
        def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
            request.headers["Authorization"] = "Bearer fresh"
            yield request

    async with recording_server(b"Set-Cookie: session=s1; Path=/") as (url, seen):
        async with PlatformClient() as http:
            sender = Sender(http)
            await sender.send("GET", httpx.URL(f"{url}/login"))  # sets a cookie
            await sender.send("GET", httpx.URL(f"{url}/next"))
            await sender.send("GET", httpx.URL(f"{url}/own"), headers={"X-Own": "yes"})
            await sender.send("POST", httpx.URL(f"{url}/form"), data={"a": "b c"})
        async with PlatformClient(auth=Signed()) as http:
            await Sender(http).send("GET", httpx.URL(f"{url}/signed"))
    login, after, own, form, signed = seen
    assert b"cookie" not in login.lower() and b"Cookie: session=s1" in after
    assert b"X-Own: yes" in own and form.endswith(b"\r\n\r\na=b+c")
    assert b"Authorization: Bearer fresh" in signed


@pytest.mark.parametrize(("base", "path"), [
    ("http://127.0.0.1:4000/o1", "/api/v1/users/ann.lee@example.com"),
    ("https://acme.okta.com", "api/v1/users/00u1/lifecycle/activate"),
    ("http://h:1/a/b", "/with space/and%2Fescape"),
    ("http://h:1/a", "/../up/./here"),
    ("http://h:1", "/ünïcode"),
    ("http://h:1", ""),
])
@pytest.mark.parametrize("params", [None, {}, {"limit": 200, "activate": False, "q": "a b&c", "n": None,
                                                "many": [1, 2]}])
def test_joined_urls_are_httpx_s_own(base: str, path: str, params: dict[str, Any] | None) -> None:
    ours = joined(httpx.URL(base), path, params)
    theirs = httpx.URL(f"{base}/{path.lstrip('/')}", params=params)
    assert (ours, ours.raw_path, ours.path, ours.query, ours.netloc) == \
        (theirs, theirs.raw_path, theirs.path, theirs.query, theirs.netloc)


def test_response_headers_answer_as_httpx_s_own() -> None:
    raw = [(b"Content-Type", b"application/json"), (b"Set-Cookie", b"a=1"), (b"set-cookie", b"b=2"),
           (b"X-Rate-Limit-Limit", b"600"), (b"X-Name", "Zoë".encode())]
    ours, theirs = ResponseHeaders(raw), httpx.Headers(raw)
    for name in ("content-type", "SET-COOKIE", "x-rate-limit-limit", "X-Name", "missing"):
        assert ours.get(name) == theirs.get(name) and (name in ours) == (name in theirs)
        assert ours.get_list(name) == theirs.get_list(name)
    assert ours.raw == theirs.raw and ours.multi_items() == theirs.multi_items() and ours == theirs
    assert ours.encoding == theirs.encoding
    with pytest.raises(KeyError):
        ours["missing"]
    for headers in (ours, theirs):  # changes are seen by later lookups
        headers["X-Rate-Limit-Limit"] = "10"
        del headers["content-type"]
        headers.update({"X-New": "n"})
        headers.encoding = "iso-8859-1"
    assert ours == theirs and ours["x-new"] == "n" and "content-type" not in ours
    assert ours["x-rate-limit-limit"] == "10" and ours["x-name"] == theirs["x-name"]
