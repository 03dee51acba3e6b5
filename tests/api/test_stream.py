"""GET /api/jobs/<id>/stream over real loopback HTTP: Server-Sent Events and WebSocket.

What a watcher cares about: the recent backlog first and in order, every new entry exactly once as it
happens, status changes, heartbeats while nothing happens, resuming after a reconnect, and entries
written by another server (PostgreSQL) reaching a stream on this one.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tenantsim.api.routes.stream import close_streams
from tests.support import pg
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import asana_body, wait_for
from tests.support.fake_platform import FakeConnector, FakePlatform


def connectors(platform: FakePlatform | None = None) -> dict[str, Any]:
    shared = platform or FakePlatform()
    return {"asana": FakeConnector("asana", shared), "okta": FakeConnector("okta", shared)}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path, connectors=connectors()) as srv:
        yield srv


def start(srv: RunningServer, **overrides: Any) -> str:
    response = srv.client.post("/api/jobs/start", json=asana_body(**overrides))
    assert response.status_code == 200, response.text
    return str(response.json()["job_id"])


def activity_ids(srv: RunningServer, job_id: str, limit: int = 1000) -> list[int]:
    entries = srv.client.get(f"/api/jobs/{job_id}/activity_log", params={"limit": limit}).json()
    return [e["id"] for e in entries["activity_log"]]


class SseReader:
    """Reads an SSE response in a thread so a test can wait for messages with a timeout."""

    def __init__(self, base_url: str, path: str, headers: dict[str, str] | None = None) -> None:
        self.messages: list[dict[str, Any]] = []
        self.event_ids: list[str] = []
        self.status_code: int | None = None
        self.content_type = ""
        self._stop = threading.Event()
        self._client = httpx.Client(base_url=base_url, timeout=httpx.Timeout(10.0, read=None))
        self._headers = {"Accept": "text/event-stream", **(headers or {})}
        self._path = path
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._ready.wait(10), "stream did not answer"

    def _run(self) -> None:
        with contextlib.suppress(httpx.HTTPError), \
                self._client.stream("GET", self._path, headers=self._headers) as response:
            self.status_code = response.status_code
            self.content_type = response.headers.get("content-type", "")
            self._ready.set()
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith("id:"):
                    self.event_ids.append(line[3:].strip())
                elif line.startswith("data:"):
                    self.messages.append(json.loads(line[5:]))
        self._ready.set()

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in list(self.messages) if m["type"] == kind]

    def ended(self, timeout: float) -> bool:
        """True when the server ended the response within ``timeout`` seconds."""
        self._thread.join(timeout=timeout)
        return not self._thread.is_alive()

    def close(self) -> None:
        self._stop.set()
        self._client.close()
        self._thread.join(timeout=5)


@contextlib.contextmanager
def sse(srv: RunningServer, job_id: str, query: str = "", headers: dict[str, str] | None = None
        ) -> Iterator[SseReader]:
    reader = SseReader(srv.base_url, f"/api/jobs/{job_id}/stream{query}", headers)
    try:
        yield reader
    finally:
        reader.close()


def entry_ids(messages: list[dict[str, Any]]) -> list[int]:
    return [m["entry"]["id"] for m in messages if m["type"] == "activity"]


def test_sse_sends_job_then_backlog_in_order_then_live_entries_once(server: RunningServer) -> None:
    job_id = start(server)
    wait_for(lambda: len(activity_ids(server, job_id)) >= 8, message="some history")
    with sse(server, job_id, "?backlog=5") as stream:
        assert stream.status_code == 200
        assert stream.content_type.startswith("text/event-stream")
        wait_for(lambda: len(entry_ids(stream.messages)) >= 15, message="live entries")
        first = stream.messages[0]
        assert first["type"] == "job" and first["job"]["job_id"] == job_id
        ids = entry_ids(stream.messages)
        assert ids == sorted(ids) and len(ids) == len(set(ids)), "entries out of order or repeated"
        history_then = activity_ids(server, job_id)
        backlog = ids[:5]
        assert all(i in history_then for i in backlog)
        # Everything after the backlog is new, contiguous history: nothing skipped.
        stored = sorted(i for i in activity_ids(server, job_id) if backlog[0] <= i <= ids[-1])
        assert ids == stored
        assert [int(i) for i in stream.event_ids][:len(ids)] == ids  # SSE ids let EventSource resume


def test_sse_reports_status_changes_and_heartbeats_while_quiet(server: RunningServer) -> None:
    job_id = start(server)
    wait_for(lambda: len(activity_ids(server, job_id)) >= 3, message="activity")
    with sse(server, job_id, "?backlog=0&heartbeat=0.3") as stream:
        assert server.client.post(f"/api/jobs/{job_id}/pause").status_code == 200
        wait_for(lambda: any(m["status"] == "paused" for m in stream.of_type("status")), message="paused")
        beats_before = len(stream.of_type("heartbeat"))
        wait_for(lambda: len(stream.of_type("heartbeat")) >= beats_before + 2, message="heartbeats")
        assert server.client.post(f"/api/jobs/{job_id}/resume").status_code == 200
        wait_for(lambda: any(m["status"] == "running" for m in stream.of_type("status")), message="resumed")
        # A fresh job view follows a status change, so a dashboard never shows a stale status.
        wait_for(lambda: any(m["job"]["status"] == "running" for m in stream.of_type("job")[1:]),
                 message="job view after resume")


def test_build_progress_reaches_the_stream_while_only_the_ledger_changes(tmp_path: Path) -> None:
    """A platform build writes the ledger, not the job row: the watcher still sees progress move."""
    slow = FakeConnector("asana", seed_count=60, delay=0.05)  # about three seconds of building
    with running_server(tmp_path, connectors={"asana": slow}) as srv:
        job_id = start(srv)
        with sse(srv, job_id, "?backlog=0") as stream:
            wait_for(lambda: any(m["job"]["progress"]["phase"] == "activity" for m in stream.of_type("job")),
                     timeout=20, message="build finished")
            building = [m["job"]["progress"]["initial_done"] for m in stream.of_type("job")
                        if m["job"]["progress"]["phase"] != "activity"]
        assert len(set(building)) >= 2, f"progress did not move on the stream: {building}"
        assert building == sorted(building)


def test_sse_resumes_after_last_event_id(server: RunningServer) -> None:
    job_id = start(server)
    wait_for(lambda: len(activity_ids(server, job_id)) >= 10, message="history")
    middle = sorted(activity_ids(server, job_id))[4]
    with sse(server, job_id, headers={"Last-Event-ID": str(middle)}) as stream:
        wait_for(lambda: len(entry_ids(stream.messages)) >= 5, message="entries after the cursor")
        ids = entry_ids(stream.messages)
        assert ids[0] == middle + 1 or ids[0] > middle
        assert min(ids) > middle


def test_open_streams_end_when_the_server_is_told_to_exit(server: RunningServer) -> None:
    """Otherwise an SSE reader (tenantsim jobs logs --follow) holds Ctrl-C for the graceful timeout."""
    job_id = start(server)
    reader = SseReader(server.base_url, f"/api/jobs/{job_id}/stream?heartbeat=60")
    try:
        wait_for(lambda: reader.of_type("job"), message="stream open")
        close_streams(server.app)
        assert reader.ended(timeout=5), "the stream kept the connection open"
    finally:
        reader.close()


def test_sse_for_unknown_job_is_404_in_the_envelope(server: RunningServer) -> None:
    response = server.client.get("/api/jobs/job_nope/stream", headers={"Accept": "text/event-stream"})
    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "Job not found: job_nope"}


def ws_url(srv: RunningServer, job_id: str, query: str = "") -> str:
    return srv.base_url.replace("http://", "ws://") + f"/api/jobs/{job_id}/stream{query}"


def receive_until(ws: Any, predicate: Any, timeout: float = 15.0) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        seen.append(message)
        if predicate(message, seen):
            return seen
    raise AssertionError("timed out waiting on the WebSocket")


def test_websocket_streams_backlog_live_entries_and_status(server: RunningServer) -> None:
    job_id = start(server)
    wait_for(lambda: len(activity_ids(server, job_id)) >= 6, message="history")
    with connect(ws_url(server, job_id, "?backlog=3")) as ws:
        seen = receive_until(ws, lambda _m, s: len(entry_ids(s)) >= 10)
        assert seen[0]["type"] == "job" and seen[0]["job"]["job_id"] == job_id
        ids = entry_ids(seen)
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        assert server.client.post(f"/api/jobs/{job_id}/stop").status_code == 200
        receive_until(ws, lambda m, _s: m["type"] == "status" and m["status"] == "stopped")


def test_websocket_for_unknown_job_closes_with_4404(server: RunningServer) -> None:
    with connect(ws_url(server, "job_nope")) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404


def test_stream_needs_the_key_when_not_exempt(tmp_path: Path) -> None:
    key = "stream-test-key-0123456789"
    with running_server(tmp_path, connectors=connectors(), api_key=key, auth_exempt_stream=False) as srv:
        auth = {"Authorization": f"Bearer {key}"}
        job_id = srv.client.post("/api/jobs/start", json=asana_body(), headers=auth).json()["job_id"]
        denied = srv.client.get(f"/api/jobs/{job_id}/stream", headers={"Accept": "text/event-stream"})
        assert denied.status_code == 401
        with connect(ws_url(srv, job_id)) as ws, pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
        with connect(ws_url(srv, job_id, f"?api_key={key}&backlog=1")) as ws:
            assert json.loads(ws.recv(timeout=10))["type"] == "job"


@pytest.mark.postgres
def test_entries_written_by_another_server_reach_the_stream(tmp_path: Path) -> None:
    """Server A runs the job; a client of server B still sees every entry, live, from the database."""
    if not pg.available():
        pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432 (make test starts it)")
    key = Fernet.generate_key().decode()  # servers of one database share one secret key
    with pg.temp_database() as url, \
            running_server(tmp_path / "a", url, connectors=connectors(), server_id="server-a",
                           secret_key=key) as a, \
            running_server(tmp_path / "b", url, connectors=connectors(), server_id="server-b",
                           secret_key=key) as b:
        job_id = start(a)
        wait_for(lambda: len(activity_ids(a, job_id)) >= 3, message="activity on A")
        with sse(b, job_id, "?backlog=2&heartbeat=0.5") as stream:
            wait_for(lambda: len(entry_ids(stream.messages)) >= 8, timeout=20, message="entries via B")
            ids = entry_ids(stream.messages)
            assert ids == sorted(ids) and len(set(ids)) == len(ids)
            assert b.app.state.manager.workers.get(job_id) is None, "B should not run A's job"
            assert a.client.post(f"/api/jobs/{job_id}/pause").status_code == 200
            wait_for(lambda: any(m["status"] == "paused" for m in stream.of_type("status")), timeout=10,
                     message="status change seen through B")

