"""The transport platform calls go through (``connectors/transport.py``), over real loopback sockets:
kept-alive connections are reused and never more than the limit are open, bodies come whole however the
server frames them, a connection the server closed is replaced without the caller seeing it when that is
safe, and every failure is the httpx exception the HTTP layer's retries expect."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tenantsim.connectors.transport import PlatformTransport
from tests.support.tls import tls_files


@dataclass
class Seen:
    """What a raw server saw: connections opened, requests (head and body) in order."""

    connections: int = 0
    open_now: int = 0
    most_open: int = 0
    requests: list[tuple[bytes, bytes]] = field(default_factory=list)
    closed: asyncio.Event = field(default_factory=asyncio.Event)


Answer = Callable[[bytes, bytes, asyncio.StreamWriter], Awaitable[bool]]


def ok(body: bytes = b"ok", *extra: bytes) -> bytes:
    fields = b"".join(line + b"\r\n" for line in extra)
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), fields, body)


@contextlib.asynccontextmanager
async def raw_server(answer: Answer, *, tls: ssl.SSLContext | None = None) -> AsyncIterator[tuple[str, Seen]]:
    """A server that reads each request (Content-Length bodies) and lets ``answer`` write the response;
    ``answer`` returns False to close the connection after it."""
    seen = Seen()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        seen.open_now += 1
        seen.most_open = max(seen.most_open, seen.open_now)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    break
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                body = await reader.readexactly(length) if length else b""
                seen.requests.append((head, body))
                if not await answer(head, body, writer):
                    break
        finally:
            seen.open_now -= 1
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                await writer.wait_closed()
            seen.closed.set()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}", seen


async def keep_answering(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
    writer.write(ok(b"answer to " + head.split(b" ")[1]))
    return True


def client(**options: object) -> httpx.AsyncClient:
    transport = PlatformTransport(**options)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, timeout=5.0)


async def test_kept_alive_connections_are_reused() -> None:
    async with raw_server(keep_answering) as (url, seen), client() as http:
        for i in range(5):
            response = await http.post(f"{url}/n{i}", json={"i": i})
            assert response.status_code == 200 and response.text == f"answer to /n{i}"
    assert seen.connections == 1
    assert [body for _, body in seen.requests] == [b'{"i":%d}' % i for i in range(5)]


async def test_a_chunked_response_comes_whole_and_the_connection_stays() -> None:
    async def chunked(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Part: a\r\n\r\n")
        for part in (b"hello ", b"chunked ", b"world"):
            writer.write(b"%x\r\n%s\r\n" % (len(part), part))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        return True

    async with raw_server(chunked) as (url, seen), client() as http:
        first = await http.get(f"{url}/a")
        second = await http.get(f"{url}/b")
    assert first.text == second.text == "hello chunked world"
    assert first.headers["x-part"] == "a" and "content-length" not in first.headers
    assert seen.connections == 1


async def test_a_body_that_ends_with_the_connection() -> None:
    async def until_close(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it")
        return False

    async with raw_server(until_close) as (url, seen), client() as http:
        assert (await http.get(f"{url}/")).text == "all of it"
        assert (await http.get(f"{url}/")).text == "all of it"
    assert seen.connections == 2


async def test_a_response_that_says_connection_close_is_not_reused() -> None:
    async def close_but_stay(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(ok(b"once", b"Connection: close"))
        return True  # the server leaves it open; the client must not send on it again

    async with raw_server(close_but_stay) as (url, seen), client() as http:
        assert (await http.get(f"{url}/1")).text == "once"
        assert (await http.get(f"{url}/2")).text == "once"
    assert seen.connections == 2


async def answer_then_hang_up(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
    writer.write(ok())  # kept alive by HTTP/1.1's default, yet the server hangs up after it
    return False


async def test_a_get_on_a_connection_the_server_closed_goes_out_again_on_a_new_one() -> None:
    async with raw_server(answer_then_hang_up) as (url, seen), client() as http:
        assert (await http.get(f"{url}/first")).text == "ok"
        # whether or not the hang-up has reached the client yet
        assert (await http.get(f"{url}/second")).text == "ok"
    assert seen.connections == 2


async def test_a_post_is_not_sent_on_a_connection_known_to_be_closed() -> None:
    async with raw_server(answer_then_hang_up) as (url, seen), raw_server(keep_answering) as (other, _), \
            client() as http:
        assert (await http.post(f"{url}/first", json={})).text == "ok"
        await seen.closed.wait()  # the server's side is closed: the end of the connection is on its way
        await http.get(f"{other}/")  # the client's loop reads its sockets (and that end) at least once
        assert (await http.post(f"{url}/second", json={"n": 2})).text == "ok"
    assert seen.connections == 2
    assert seen.requests[-1][1] == b'{"n":2}'


async def test_a_connection_dropped_mid_response() -> None:
    async def half(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part")
        return False

    async def reset(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part")
        await writer.drain()
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
        return False

    async with raw_server(half) as (url, _), client() as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post(f"{url}/", json={})
    async with raw_server(reset) as (url, _), client() as http:
        with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
            await http.post(f"{url}/", json={})


async def test_a_response_that_is_not_http_is_a_protocol_error() -> None:
    async def garbage(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HELLO THERE\r\n\r\n")
        return True

    async with raw_server(garbage) as (url, _), client() as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get(f"{url}/")


async def test_no_body_for_head_204_and_304_and_an_interim_100_is_skipped() -> None:
    async def bodiless(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        path = head.split(b" ")[1]
        if path == b"/head":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n")
        elif path == b"/continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"after 100"))
        else:
            writer.write(b"HTTP/1.1 %s\r\n\r\n" % path[1:])
        return True

    async with raw_server(bodiless) as (url, seen), client() as http:
        head = await http.head(f"{url}/head")
        no_content = await http.get(f"{url}/204")
        not_modified = await http.get(f"{url}/304")
        after = await http.get(f"{url}/continue")
    assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", "1234")
    assert (no_content.status_code, no_content.content) == (204, b"")
    assert (not_modified.status_code, not_modified.content) == (304, b"")
    assert (after.status_code, after.text) == (200, "after 100")
    assert seen.connections == 2  # a HEAD's connection is not reused; the rest shared one


async def test_tls_with_a_self_signed_certificate_and_verify_on_or_off(tmp_path: Path) -> None:
    cert, key = tls_files(str(tmp_path))
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(cert, key)
    async with raw_server(keep_answering, tls=served) as (url, seen):
        async with client(verify=ssl.create_default_context(cafile=cert)) as http:
            assert (await http.get(f"{url}/trusted")).text == "answer to /trusted"
            assert (await http.get(f"{url}/again")).text == "answer to /again"
        async with client(verify=False) as http:
            assert (await http.get(f"{url}/unchecked")).text == "answer to /unchecked"
        async with client() as http:  # the public CA bundle: not trusted
            with pytest.raises(httpx.ConnectError):
                await http.get(f"{url}/untrusted")
    assert seen.connections == 2  # one kept alive for both trusted calls; the refused one never got in


async def test_a_silent_server_is_a_read_timeout() -> None:
    done = asyncio.Event()

    async def never(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        await done.wait()
        return False

    async with raw_server(never) as (url, _), client() as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get(f"{url}/", timeout=httpx.Timeout(5.0, read=0.2))
        done.set()


async def test_a_server_that_does_not_read_is_a_write_timeout() -> None:
    stalled = asyncio.Event()

    async def not_reading(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await stalled.wait()
        writer.close()

    server = await asyncio.start_server(not_reading, "127.0.0.1", 0, limit=1024)
    port = server.sockets[0].getsockname()[1]
    async with server, client() as http:
        with pytest.raises(httpx.WriteTimeout):
            await http.post(f"http://127.0.0.1:{port}/", content=b"x" * (64 * 2**20),
                            timeout=httpx.Timeout(5.0, write=0.2))
        stalled.set()


async def test_a_connect_that_is_never_accepted_is_a_connect_timeout() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    filler = []
    try:
        for _ in range(4):  # fill the accept queue: further handshakes are not answered
            sock = socket.socket()
            sock.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                sock.connect(("127.0.0.1", port))
            filler.append(sock)
        async with client() as http:
            with pytest.raises(httpx.ConnectTimeout):
                await http.get(f"http://127.0.0.1:{port}/", timeout=httpx.Timeout(5.0, connect=0.3))
    finally:
        for sock in filler:
            sock.close()
        listener.close()


async def test_a_refused_connection_is_a_connect_error() -> None:
    async with raw_server(keep_answering) as (url, _):
        pass  # the port is closed again
    async with client() as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"{url}/")


async def test_big_bodies_both_ways() -> None:
    big = bytes(range(256)) * (16 * 2**12)  # 16 MiB, well over any socket buffer

    async def echo_size(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(ok(body[::-1]))
        await writer.drain()
        return True

    async with raw_server(echo_size) as (url, seen), client() as http:
        response = await http.post(f"{url}/", content=big)
    assert response.content == big[::-1]
    assert seen.requests[0][1] == big


async def test_a_streamed_request_body_is_sent_chunked() -> None:
    async def parts() -> AsyncIterator[bytes]:
        for part in (b"one ", b"", b"two ", b"three"):
            yield part

    async def chunked_echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        assert b"transfer-encoding: chunked" in head.lower()
        received = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            received += (await reader.readexactly(size + 2))[:-2]
            if size == 0:
                break
        writer.write(ok(received))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(chunked_echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, client() as http:
        response = await http.post(f"http://127.0.0.1:{port}/", content=parts())
    assert response.text == "one two three"


async def test_calls_over_the_connection_limit_wait_for_a_connection() -> None:
    async with raw_server(keep_answering) as (url, seen), client(max_connections=3) as http:
        answers = await asyncio.gather(*(http.get(f"{url}/c{i}") for i in range(20)))
    assert sorted(a.text for a in answers) == sorted(f"answer to /c{i}" for i in range(20))
    assert seen.connections <= 3 and seen.most_open <= 3


async def test_waiting_for_a_connection_times_out() -> None:
    release = asyncio.Event()
    arrived = asyncio.Event()

    async def held(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        arrived.set()
        await release.wait()
        writer.write(ok())
        return True

    async with raw_server(held) as (url, seen), client(max_connections=1) as http:
        first = asyncio.create_task(http.get(f"{url}/held"))
        await arrived.wait()
        with pytest.raises(httpx.PoolTimeout):
            await http.get(f"{url}/waits", timeout=httpx.Timeout(5.0, pool=0.2))
        release.set()
        assert (await first).text == "ok"
        assert (await http.get(f"{url}/after")).text == "ok"  # the slot given up is free again
    assert seen.connections == 1


async def test_a_header_with_a_line_break_is_refused_before_sending() -> None:
    async with raw_server(keep_answering) as (url, seen), client() as http:
        with pytest.raises(httpx.LocalProtocolError):
            await http.get(f"{url}/", headers={"X-Smuggle": "a\r\nInjected: yes"})
    assert seen.requests == []


async def test_a_cancelled_call_leaves_no_connection_behind() -> None:
    arrived, done = asyncio.Event(), asyncio.Event()

    async def slow_once(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        if head.startswith(b"GET /slow"):
            arrived.set()
            await done.wait()
        writer.write(ok())
        return True

    async with raw_server(slow_once) as (url, seen), client(max_connections=1) as http:
        call = asyncio.create_task(http.get(f"{url}/slow"))
        await arrived.wait()
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert (await http.get(f"{url}/next")).text == "ok"  # on a new connection, in the freed slot
        done.set()
    assert seen.connections == 2


async def test_only_so_many_idle_connections_are_kept_and_none_past_their_expiry() -> None:
    arrived, together = 0, asyncio.Event()

    async def four_at_once(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        nonlocal arrived
        arrived += 1
        if arrived % 4 == 0:
            together.set()
        await together.wait()
        writer.write(ok())
        return True

    async with raw_server(four_at_once) as (url, seen), \
            client(max_connections=4, max_keepalive_connections=2) as http:
        for _ in range(2):
            together.clear()
            await asyncio.gather(*(http.get(f"{url}/") for _ in range(4)))
    assert seen.connections == 4 + 2  # the second round found two kept

    async with raw_server(keep_answering) as (url, seen), client(keepalive_expiry=0.0) as http:
        for _ in range(3):
            await http.get(f"{url}/")
    assert seen.connections == 3
