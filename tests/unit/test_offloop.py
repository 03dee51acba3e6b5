"""The jobs' own off-loop work runs on threads of its own: a crowd of starting jobs never holds up the
API's work, and no more of it runs at once than the jobs' pool allows."""

from __future__ import annotations

import asyncio
import contextvars
import threading

from tenantsim.offloop import JOB_THREADS, job_work

who: contextvars.ContextVar[str] = contextvars.ContextVar("who", default="nobody")


def test_job_work_runs_on_the_jobs_threads_with_the_callers_context() -> None:
    async def main() -> tuple[str, str, int]:
        who.set("job_1")
        return await job_work(lambda a, b=0: (threading.current_thread().name, who.get(), a + b), 2, b=3)

    thread, seen, total = asyncio.run(main())
    assert thread.startswith("tenantsim-jobs") and seen == "job_1" and total == 5


def test_a_crowd_of_job_work_never_holds_up_the_apis_threads() -> None:
    held = threading.Event()
    running = 0
    most = 0
    lock = threading.Lock()

    def slow_job_step() -> None:  # a job's database work that cannot finish yet
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        held.wait(30)
        with lock:
            running -= 1

    async def main() -> str:
        crowd = [asyncio.ensure_future(job_work(slow_job_step)) for _ in range(50)]
        try:
            # a user's request, meanwhile: answered while every job thread is taken
            return await asyncio.wait_for(asyncio.to_thread(lambda: "answered"), 10)
        finally:
            held.set()
            await asyncio.gather(*crowd)

    assert asyncio.run(main()) == "answered"
    assert most == JOB_THREADS  # the crowd ran a few at a time, never fifty threads against the loop
