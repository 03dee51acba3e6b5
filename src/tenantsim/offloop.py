"""Where the jobs' own database and CPU work runs off the event loop: a small pool of threads of its own.

``asyncio.to_thread`` hands work to the loop's default pool, first come, first served. With a thousand
jobs starting, each job's reads and writes (its run opened, its records loaded, its company founded)
queued there ahead of the API's: starting one more job took over two minutes, and every busy thread of
that pool took the interpreter lock from the event loop in turn, so every job's timers fired late. The
jobs' own work goes to ``JOB_THREADS`` threads instead; the API's requests and the lease heartbeat keep
the default pool (and the journal its writer thread), so none of them waits behind a crowd of starting jobs.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

JOB_THREADS = 2  # a SQLite database takes one writer at a time; a second keeps reads moving meanwhile

P = ParamSpec("P")
R = TypeVar("R")

_pool: ThreadPoolExecutor | None = None
_made = threading.Lock()


def _jobs_pool() -> ThreadPoolExecutor:
    global _pool
    with _made:
        if _pool is None:
            _pool = ThreadPoolExecutor(JOB_THREADS, thread_name_prefix="tenantsim-jobs")
        return _pool


async def job_work(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """``asyncio.to_thread`` for a job's own work: on the jobs' threads, with the caller's context."""
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_jobs_pool(), call)
