"""One writer thread per database: running jobs' writes, committed off the event loop, many per transaction.

A job hands its writes here instead of writing on the event loop. The thread takes everything queued,
commits it in one transaction (group commit: a thousand jobs starting at once cost a few transactions,
not thousands) and resolves each submitter's future on its own loop. One thread, not a pool: writes
never queue for SQLite's lock behind each other, and they commit in the order they were submitted. A
batch that fails is retried one write per transaction, so one job's bad write never loses another's.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine

Work = Callable[[Connection], Any]
IDLE_SECONDS = 5.0  # an idle writer's thread ends; the next write starts another

_Queued = tuple[Work, asyncio.AbstractEventLoop, asyncio.Future[Any]]


class StoreWriter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._queue: list[_Queued] = []
        self._ready = threading.Condition()
        self._running = False

    def submit(self, work: Work) -> asyncio.Future[Any]:
        """Queue ``work`` (called with an open transaction's connection); the future has its result."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        with self._ready:
            self._queue.append((work, loop, future))
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="tenantsim-store-writer", daemon=True).start()
            self._ready.notify()
        return future

    def _run(self) -> None:
        while True:
            with self._ready:
                if not self._queue:
                    self._ready.wait(IDLE_SECONDS)
                if not self._queue:
                    self._running = False
                    return
                batch, self._queue = self._queue, []
            outcomes = self._commit([work for work, _, _ in batch])
            by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any, bool]]] = {}
            for (_, loop, future), (value, ok) in zip(batch, outcomes, strict=True):
                by_loop.setdefault(loop, []).append((future, value, ok))
            for loop, settled in by_loop.items():
                try:
                    loop.call_soon_threadsafe(_settle, settled)
                except RuntimeError:  # that loop has closed: nobody is waiting any more
                    pass

    def _commit(self, works: list[Work]) -> list[tuple[Any, bool]]:
        """(result, True) or (exception, False) for each work, in order."""
        try:
            with self.engine.begin() as conn:
                return [(work(conn), True) for work in works]
        except Exception as exc:
            if len(works) == 1:
                return [(exc, False)]
        outcomes: list[tuple[Any, bool]] = []
        for work in works:  # one write per transaction: the bad one fails alone
            try:
                with self.engine.begin() as conn:
                    outcomes.append((work(conn), True))
            except Exception as exc:
                outcomes.append((exc, False))
        return outcomes


def _settle(settled: list[tuple[asyncio.Future[Any], Any, bool]]) -> None:
    for future, value, ok in settled:
        if future.done():
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


_writers: weakref.WeakKeyDictionary[Engine, StoreWriter] = weakref.WeakKeyDictionary()
_writers_lock = threading.Lock()


def writer_for(engine: Engine) -> StoreWriter:
    """The database's one writer (made on first use)."""
    with _writers_lock:
        found = _writers.get(engine)
        if found is None:
            found = _writers[engine] = StoreWriter(engine)
        return found
