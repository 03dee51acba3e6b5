"""What a job has taken into use and how far it has asked, so one model call can write for everything
the job is about to need, not only for what was asked for.

Behind a pre-generating wrapper (``prefetch``) a provider's answers are buffered ahead of need, so
they are not in use yet: the wrapper reports what it hands out (``served``). Without one, what a
provider returns is in use. Kept per provider, that is per job. Lookups return recent activity only
(a long job's finished work is not written for again, and a call's planning stays cheap).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
Thread = tuple[str, str, str]  # (department, project, task)
RECENT = 60  # the newest tasks and threads looked at
ACTIVE_PROJECTS = 6  # a job works on a few projects at a time; older ones are wrapping up or done


def _touch(order: dict[K, V], key: K, value: V, keep: int = 0) -> None:
    """Move ``key`` to the newest end, keeping the newest ``keep`` keys when ``keep`` is given."""
    order.pop(key, None)
    order[key] = value
    if keep:
        _forget_oldest(order, keep)


def _forget_oldest(order: dict[K, V], keep: int) -> None:
    for key in list(order)[:-keep]:
        del order[key]


class Demand:
    def __init__(self) -> None:
        self._projects: dict[str, dict[tuple[str, str], None]] = {}  # industry -> projects, last active last
        self._tasks: dict[str, dict[Thread, int]] = {}  # industry -> task -> which take, newest last
        self._takes = 0
        self._asked: dict[tuple[str, str, str], int] = {}  # (industry, kind, pool key) -> items asked for
        self._talk: dict[str, dict[Thread, int]] = {}  # industry -> thread -> comments handed out

    def use_projects(self, industry: str, department: str, names: Iterable[str]) -> None:
        found = self._projects.setdefault(industry, {})
        for name in names:
            _touch(found, (department, name), None)

    def active_projects(self, industry: str) -> list[tuple[str, str]]:
        """(department, project) most recently started or given tasks, latest first."""
        return list(reversed(self._projects.get(industry, {})))[:ACTIVE_PROJECTS]

    def use_tasks(self, industry: str, department: str, project: str, names: Iterable[str]) -> None:
        found = self._tasks.setdefault(industry, {})
        self._takes += 1
        for name in names:
            _touch(found, (department, project, name), self._takes, keep=RECENT)
        _touch(self._projects.setdefault(industry, {}), (department, project), None)

    def recent_tasks(self, industry: str) -> list[Thread]:
        """The job's newest tasks, newest first (the ones most likely still open and talked about); tasks
        taken together in the order they were given."""
        found = self._tasks.get(industry, {})
        return sorted(found, key=lambda task: -found[task])

    def ask(self, industry: str, kind: str, key: str, upto: int) -> None:
        """Someone asked for items ``..upto`` of a pool key (ahead of need or not)."""
        here = (industry, kind, key)
        self._asked[here] = max(self._asked.get(here, 0), upto)

    def asked(self, industry: str, kind: str, key: str) -> int:
        return self._asked.get((industry, kind, key), 0)

    def use_comments(self, industry: str, thread: Thread, upto: int) -> None:
        talk = self._talk.setdefault(industry, {})
        used = max(talk.pop(thread, 0), upto)
        talk[thread] = used
        _forget_oldest(talk, keep=RECENT)

    def recent_talk(self, industry: str) -> dict[Thread, int]:
        """Threads talked on lately, latest first, with how many of their comments were handed out."""
        return dict(reversed(self._talk.get(industry, {}).items()))

