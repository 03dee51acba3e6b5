"""Google's quotas for the Admin SDK and Calendar: queries per minute per user, and per project.

Over the per-user quota Google answers 403 ``userRateLimitExceeded``; over the project's (the whole
Workspace account's) it answers 429 ``rateLimitExceeded``. Both are counted in a fixed window that a
benchmark may compress, like the other emulators' limits.
"""

from __future__ import annotations

from collections.abc import Iterable

PER_USER = 2400  # the Cloud console's default for the Admin SDK API: queries per minute per user
PROJECT_FACTOR = 10  # the project-wide quota, as a multiple of the per-user one

_AUTH = "https://www.googleapis.com/auth/"
# For each family of endpoints: the scopes that allow reading, and those that allow writing.
SCOPES = {
    "user": ({"admin.directory.user", "admin.directory.user.readonly"}, {"admin.directory.user"}),
    "group": ({"admin.directory.group", "admin.directory.group.readonly"}, {"admin.directory.group"}),
    "member": ({"admin.directory.group", "admin.directory.group.readonly", "admin.directory.group.member",
                "admin.directory.group.member.readonly"},
               {"admin.directory.group", "admin.directory.group.member"}),
    "orgunit": ({"admin.directory.orgunit", "admin.directory.orgunit.readonly"}, {"admin.directory.orgunit"}),
    "calendar": ({"calendar", "calendar.readonly", "calendar.events", "calendar.events.readonly"},
                 {"calendar", "calendar.events"}),
}


def allowed(family: str, method: str, granted: Iterable[str]) -> bool:
    read, write = SCOPES[family]
    needed = read if method in ("GET", "HEAD") else write
    return any(scope.startswith(_AUTH) and scope[len(_AUTH):] in needed for scope in granted)


def project_limit(per_user: int, project: int) -> int:
    """``project`` when given, else ten users' worth of the per-user limit."""
    return project if project > 0 else per_user * PROJECT_FACTOR
