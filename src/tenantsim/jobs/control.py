"""Pause / resume / stop / generate-now for one job's task, effective within a second."""

from __future__ import annotations

import asyncio
import contextlib
import time

from tenantsim.errors import JobStopping


class JobControl:
    def __init__(self, paused: bool = False) -> None:
        self._running = asyncio.Event()
        if not paused:
            self._running.set()
        self._wake = asyncio.Event()
        self.stop_reason: str | None = None  # "stop" | "shutdown" | "cleanup" | "delete" | "lease_lost"
        self.generate_now = 0
        # Self-fencing: past this monotonic time the lease may have lapsed and another server may own
        # the job, so the worker must not make another platform call. None: no lease (tests).
        self.lease_deadline: float | None = None
        # Pauses and resumes so far: a status read from the store before the latest one is stale.
        self.changes = 0

    def fence(self, deadline: float) -> None:
        """The lease was renewed: work may go on until ``deadline`` (time.monotonic())."""
        self.lease_deadline = deadline

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def pause(self) -> None:
        self._running.clear()
        self._wake.set()
        self.changes += 1

    def resume(self) -> None:
        self._running.set()
        self._wake.set()
        self.changes += 1

    def stop(self, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason
        self._running.set()
        self._wake.set()

    def poke(self) -> None:
        """Generate one event now."""
        self.generate_now += 1
        self._wake.set()

    async def checkpoint(self) -> None:
        """Between platform calls: raise when stopping, wait while paused."""
        while True:
            if self.lease_deadline is not None and time.monotonic() > self.lease_deadline:
                self.stop("lease_expired")
            if self.stop_reason is not None:
                raise JobStopping(self.stop_reason)
            if self._running.is_set():
                return
            await self._running.wait()

    async def sleep(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; wake early on stop / pause / generate-now. True when poked."""
        await self.checkpoint()
        if self.generate_now:
            self.generate_now -= 1
            return True
        self._wake.clear()
        # a timeout around the wait, not wait_for: no task per sleep (a thousand jobs sleep all the time)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, seconds)):
                await self._wake.wait()
        await self.checkpoint()
        if self.generate_now:
            self.generate_now -= 1
            return True
        return False
