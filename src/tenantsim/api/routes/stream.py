"""GET /api/jobs/<id>/stream: a job's activity entries and status changes as they happen.

WebSocket on upgrade, Server-Sent Events otherwise (``Accept: text/event-stream``; plain GETs get SSE
too, so curl works). Every message is one JSON object with a ``type``:

* ``job``       — the job view (counts, progress, rate limits) at start and whenever it changed;
* ``activity``  — ``{"entry": {...}}``, the recent backlog first (oldest first), then live entries;
* ``status``    — ``{"status": ..., "timestamp": ...}`` on every lifecycle change;
* ``heartbeat`` — every ``heartbeat`` seconds, so proxies and clients know the line is alive.

Live entries come from this server's event bus; a database poll every second also finds entries
written by another server (activity ids only grow), and fills any gap a slow reader left in the bus.
SSE events carry the activity id as ``id:``, so a reconnecting EventSource resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine, and_, func, select

from tenantsim.api import views
from tenantsim.jobs.manager import JobManager
from tenantsim.store import activity_repo, jobs_repo
from tenantsim.store.tables import activity, ledger
from tenantsim.store.types import utcnow

router = APIRouter(prefix="/api/jobs", tags=["stream"])

POLL_SECONDS = 1.0
JOB_REFRESH_SECONDS = 1.0  # at most one job view per second per client
LOOKBACK_IDS = 50  # re-read a little behind the cursor: ids can commit out of order on PostgreSQL
MAX_BACKLOG = 500
POLL_BATCH = 500


def read_after(engine: Engine, job_id: str, after: int, limit: int) -> list[dict[str, Any]]:
    query = (select(activity).where(and_(activity.c.job_id == job_id, activity.c.id > after))
             .order_by(activity.c.id).limit(limit))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [{"id": r.id, "timestamp": r.ts.isoformat(), "event_type": r.event_type, "message": r.message,
             "objects": r.objects or []} for r in rows]


def ledger_stamp(engine: Engine, job_id: str) -> tuple[Any, int]:
    """Changes whenever the job creates or deletes something: the build and cleanup write the ledger
    without touching the job row, and their progress must still reach the watcher."""
    query = select(func.max(ledger.c.updated_at), func.count()).where(ledger.c.job_id == job_id)
    with engine.connect() as conn:
        latest, count = conn.execute(query).one()
    return latest, int(count)


def streams_closing(app: Any) -> asyncio.Event:
    """Set when the server is told to exit: every open stream ends within a poll interval."""
    event: asyncio.Event | None = getattr(app.state, "streams_closing", None)
    if event is None:
        event = asyncio.Event()
        app.state.streams_closing = event
    return event


def close_streams(app: Any) -> None:
    """For the server's exit handler: an open SSE response would otherwise hold a graceful shutdown
    until its timeout (WebSockets are closed by the server itself). Streams only poll ``is_set``, so
    setting the flag from a signal handler is safe."""
    streams_closing(app).set()


class JobFeed:
    """One client's view of one job: backlog, then live messages, deduplicated by activity id."""

    def __init__(self, app: Any, job_id: str, backlog: int, after: int | None, heartbeat: float) -> None:
        self.app = app
        self.manager: JobManager = app.state.manager
        self.job_id = job_id
        self.backlog = max(0, min(backlog, MAX_BACKLOG))
        self.after = after
        self.heartbeat = heartbeat
        self.cursor = 0  # highest activity id read from the database
        self.floor = 0  # ids at or below this are done with (sent, or older than the backlog asked)
        self.sent: set[int] = set()  # ids above the floor already sent
        self.status: str | None = None
        self.job_stamp: Any = None
        self.queue: asyncio.Queue[dict[str, Any]] | None = None

    async def _stamp(self, row: dict[str, Any]) -> Any:
        return row.get("updated_at"), await asyncio.to_thread(ledger_stamp, self.manager.engine, self.job_id)

    async def _job_message(self, row: dict[str, Any]) -> dict[str, Any]:
        live = self.manager.live_http_stats(self.job_id)  # in-memory: read on the loop
        view = await asyncio.to_thread(views.detail, row, self.manager.engine, live)
        self.status = row["status"]
        self.job_stamp = await self._stamp(row)
        return {"type": "job", "job": view}

    def _activity(self, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for entry in sorted(entries, key=lambda e: e.get("id") or 0):
            entry_id = entry.get("id")
            if entry_id is not None:
                if entry_id in self.sent or entry_id <= self.floor:
                    continue
                self.sent.add(entry_id)
            out.append({"type": "activity", "entry": entry})
        return out

    def _advance(self, entries: list[dict[str, Any]]) -> None:
        ids = [e["id"] for e in entries if e.get("id") is not None]
        if ids:
            self.cursor = max(self.cursor, *ids)
        if len(self.sent) > 4 * LOOKBACK_IDS:
            self.floor = max(self.floor, self.cursor - LOOKBACK_IDS)
            self.sent = {i for i in self.sent if i > self.floor}

    async def _read(self, after: int | None, limit: int) -> list[dict[str, Any]]:
        """The newest ``limit`` entries (after ``after`` when given)."""
        return await asyncio.to_thread(activity_repo.page, self.manager.engine, self.job_id, limit=limit,
                                       after=after)

    async def _read_forward(self, after: int, limit: int) -> list[dict[str, Any]]:
        """The oldest ``limit`` entries after ``after``: a poll never skips a burst."""
        return await asyncio.to_thread(read_after, self.manager.engine, self.job_id, after, limit)

    async def messages(self) -> AsyncIterator[dict[str, Any]]:
        bus = self.manager.bus
        self.queue = bus.subscribe(self.job_id)  # before the backlog read, so nothing falls between
        closing = streams_closing(self.app)
        try:
            row = await asyncio.to_thread(jobs_repo.get_job, self.manager.engine, self.job_id)
            if row is None:
                return
            yield await self._job_message(row)
            if self.after is not None:  # a reconnect: everything after what the client has, oldest first
                first = await self._read_forward(self.after, MAX_BACKLOG)
                self.cursor = self.after
            else:
                first = await self._read(None, max(1, self.backlog))
                if not self.backlog:  # no backlog wanted: only what happens from now on
                    self._advance(first)
                    first = []
            self._advance(first)
            for message in self._activity(first):
                yield message
            self.floor = self.cursor  # older entries than the backlog are not wanted
            loop = asyncio.get_running_loop()
            next_poll = loop.time() + POLL_SECONDS
            next_beat = loop.time() + self.heartbeat
            last_job = loop.time()
            while not closing.is_set():
                timeout = max(0.0, min(next_poll, next_beat) - loop.time())
                live: dict[str, Any] | None
                try:
                    live = await asyncio.wait_for(self.queue.get(), timeout)
                except TimeoutError:
                    live = None
                if live is not None:
                    for out in self._live(live):
                        yield out
                now = loop.time()
                if now >= next_poll:
                    next_poll = now + POLL_SECONDS
                    async for out in self._poll(now - last_job >= JOB_REFRESH_SECONDS):
                        if out["type"] == "job":
                            last_job = now
                        yield out
                if now >= next_beat:
                    next_beat = now + self.heartbeat
                    yield {"type": "heartbeat", "timestamp": utcnow().isoformat()}
        finally:
            bus.unsubscribe(self.job_id, self.queue)

    def _live(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        if message.get("type") == "activity":
            return self._activity([dict(message.get("entry") or {})])
        if message.get("type") == "status":
            self.status = message.get("status")
            self.job_stamp = None  # the next poll sends a fresh job view
            return [message]
        return [message]

    async def _poll(self, job_due: bool) -> AsyncIterator[dict[str, Any]]:
        fresh = await self._read_forward(max(0, self.cursor - LOOKBACK_IDS), POLL_BATCH)
        for message in self._activity(fresh):
            yield message
        self._advance(fresh)
        row = await asyncio.to_thread(jobs_repo.get_job, self.manager.engine, self.job_id)
        if row is None:
            return
        if row["status"] != self.status:  # changed through another server
            yield {"type": "status", "status": row["status"], "timestamp": utcnow().isoformat()}
            self.job_stamp = None
        if self.job_stamp is None or (job_due and await self._stamp(row) != self.job_stamp):
            yield await self._job_message(row)


def _sse(message: dict[str, Any]) -> str:
    lines = []
    if message.get("type") == "activity" and (message.get("entry") or {}).get("id") is not None:
        lines.append(f"id: {message['entry']['id']}")
    lines.append("data: " + json.dumps(message, separators=(",", ":"), default=str))
    return "\n".join(lines) + "\n\n"


def _count(app: Any, transport: str, delta: int) -> None:
    metrics = getattr(app.state, "metrics", None)
    if metrics is not None:
        metrics.stream_clients.labels(transport).inc(delta)


@router.get("/{job_id}/stream")
async def stream_sse(request: Request, job_id: str, backlog: int = Query(default=50, ge=0, le=MAX_BACKLOG),
                     after: int | None = Query(default=None, ge=0),
                     heartbeat: float = Query(default=15.0, ge=0.2, le=300)) -> StreamingResponse:
    manager: JobManager = request.app.state.manager
    await asyncio.to_thread(manager.get, job_id)  # 404 in the envelope for an unknown job
    last_event = request.headers.get("last-event-id", "")
    if after is None and last_event.isdigit():
        after = int(last_event)
    feed = JobFeed(request.app, job_id, backlog, after, heartbeat)

    async def body() -> AsyncIterator[str]:
        _count(request.app, "sse", 1)
        try:
            yield "retry: 2000\n\n"
            async for message in feed.messages():
                yield _sse(message)
        finally:
            _count(request.app, "sse", -1)

    return StreamingResponse(body(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.websocket("/{job_id}/stream")
async def stream_ws(websocket: WebSocket, job_id: str, backlog: int = 50, after: int | None = None,
                    heartbeat: float = 15.0) -> None:
    manager: JobManager = websocket.app.state.manager
    row = await asyncio.to_thread(jobs_repo.get_job, manager.engine, job_id)
    await websocket.accept()  # accept first: a browser only sees close codes after the handshake
    if row is None:
        await websocket.close(code=4404, reason=f"Job not found: {job_id}")
        return
    feed = JobFeed(websocket.app, job_id, backlog, after, min(300.0, max(0.2, heartbeat)))
    _count(websocket.app, "websocket", 1)

    async def pump() -> None:
        async for message in feed.messages():
            await websocket.send_text(json.dumps(message, separators=(",", ":"), default=str))

    async def drain() -> None:
        """The client says nothing we need; reading tells us when it goes away."""
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                await websocket.receive_text()

    tasks = [asyncio.create_task(pump()), asyncio.create_task(drain())]
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for task in done:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                task.result()
    finally:
        _count(websocket.app, "websocket", -1)
        if websocket.client_state.name == "CONNECTED":
            with contextlib.suppress(Exception):
                await websocket.close()
