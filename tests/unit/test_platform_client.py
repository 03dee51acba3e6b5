"""The client platform calls go through. Over its own transport (``connectors/transport.py``) answers
arrive whole over plain TCP and TLS, large bodies wait for the socket to drain, a connection the server
closed while idle is not reused, and a silent server times out as through httpx's own transport. Cookies a
platform sets are kept and sent back as httpx keeps them; a transport given to it is used as it is. The
transport's own cases are in test_transport.py."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tenantsim.connectors.platform_client import PlatformClient
from tenantsim.connectors.transport import PlatformTransport
from tests.support.servers import serve_asgi, serve_tls
from tests.support.tls import tls_files


async def echo(request: Request) -> JSONResponse:
    body = await request.body()
    response = JSONResponse({"received": len(body), "path": request.url.path, "cookies": request.cookies})
    if "set" in request.query_params:
        response.set_cookie("session", request.query_params["set"])
    return response


APP = Starlette(routes=[Route("/{path:path}", echo, methods=["GET", "POST"])])


def client(**options: object) -> httpx.AsyncClient:
    return PlatformClient(**options)


async def test_answers_arrive_over_the_platform_transport_and_big_bodies_drain() -> None:
    body = b"x" * (4 * 2**20)  # well over a transport's write buffer
    with serve_asgi(APP) as url:
        async with client(base_url=url) as http:
            small = await http.get("/small")
            big = await http.post("/big", content=body)
    assert small.json() == {"received": 0, "path": "/small", "cookies": {}}
    assert big.json() == {"received": len(body), "path": "/big", "cookies": {}}
    assert isinstance(http._transport, PlatformTransport)


async def test_a_transport_given_is_used_as_it_is() -> None:
    mock = httpx.MockTransport(lambda request: httpx.Response(200, json={"path": request.url.path}))
    async with client(base_url="http://platform", transport=mock) as http:
        assert (await http.get("/mocked")).json() == {"path": "/mocked"}
        assert http._transport is mock


async def test_cookies_a_platform_sets_are_sent_back() -> None:
    with serve_asgi(APP) as url:
        async with client(base_url=url) as http:
            await http.get("/login", params={"set": "s1"})
            after = await http.get("/next")  # sets none: the cookie stays
            await http.get("/again", params={"set": "s2"})
            last = await http.get("/last")
    assert after.json()["cookies"] == {"session": "s1"}
    assert last.json()["cookies"] == {"session": "s2"}


async def test_tls(tmp_path: Path) -> None:
    cert, key = tls_files(str(tmp_path))
    with serve_tls(APP, cert, key) as url:
        async with client(base_url=url, verify=ssl.create_default_context(cafile=cert)) as http:
            response = await http.post("/secure", content=b"abc")
    assert response.json() == {"received": 3, "path": "/secure", "cookies": {}}


async def test_an_untrusted_certificate_is_refused(tmp_path: Path) -> None:
    cert, key = tls_files(str(tmp_path))
    with serve_tls(APP, cert, key) as url:
        async with client(base_url=url) as http:
            with pytest.raises(httpx.ConnectError):
                await http.get("/")


@contextlib.asynccontextmanager
async def raw_server(handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
                     ) -> AsyncIterator[str]:
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


async def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    connections = 0

    async def answer_once_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(ANSWER)  # keep-alive by HTTP/1.1's default, yet the server hangs up
        await writer.drain()
        writer.close()

    async with raw_server(answer_once_then_close) as url:
        async with client(base_url=url) as http:
            assert (await http.get("/first")).text == "ok"
            # whether or not the hang-up reached the client's loop yet, the GET goes on a new connection
            assert (await http.get("/second")).text == "ok"
    assert connections == 2


async def test_a_silent_server_times_out() -> None:
    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    async with raw_server(never_answer) as url:
        async with client(base_url=url, timeout=0.2) as http:
            with pytest.raises(httpx.ReadTimeout):
                await http.get("/")


async def test_a_refused_connection_is_a_connect_error() -> None:
    async with raw_server(lambda reader, writer: asyncio.sleep(0)) as url:
        pass  # the port is closed again
    async with client(base_url=url) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get("/")
