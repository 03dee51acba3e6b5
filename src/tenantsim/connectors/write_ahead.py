"""Write-ahead for platform calls: what a job recorded before a call that changes the platform is
durable before the call leaves.

A running job writes its ledger in batches (``store/job_journal.py``), yet its crash guarantees need
some records in the database before the call they describe: an intent before its create, a "removing"
mark before its delete. The job's task binds its journal's flush here; the HTTP layer awaits it before
every call that is not a read, so no platform code has to remember to.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar

_flush: ContextVar[Callable[[], Awaitable[None]] | None] = ContextVar("tenantsim_write_ahead", default=None)


def bind(flush: Callable[[], Awaitable[None]]) -> None:
    """Called in a job's task: its calls (and those of the tasks it starts) flush ``flush`` first."""
    _flush.set(flush)


async def before_change() -> None:
    """Before a call that changes the platform: the calling job's records are durable."""
    flush = _flush.get()
    if flush is not None:
        await flush()
