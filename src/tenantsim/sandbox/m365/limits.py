"""Graph's permissions per endpoint family and its throttling.

Permissions: each route names a family and an action; an application token needs one of the family's
application roles, a delegated token one of its delegated scopes (Graph's "least to most privileged" lists).

Throttling: the directory (users, groups, membership) is metered in resource units per app per tenant in a
10-second window whose budget depends on the tenant's size (under 50 users 3,500, up to 500 users 5,000,
above 8,000); a list costs 2 units, one object 1, ``$select`` takes one off and ``$expand`` adds one. Graph
sends ``x-ms-resource-unit`` with each such answer and ``x-ms-throttle-limit-percentage`` once an app has
used 80% of its budget. Teams meters messages per channel. Every window is compressible for benchmarks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from tenantsim.sandbox.m365.auth import Principal

WINDOW_SECONDS = 10.0
CHANNEL_MESSAGES = 50  # per channel per window (Teams allows a few posts a second to one channel)
WARN_AT = 0.8

_DIR_READ = {"Directory.Read.All", "Directory.ReadWrite.All"}
_DIR_WRITE = {"Directory.ReadWrite.All"}
# (family, action) -> (application roles, delegated scopes); any one of them is enough.
PERMISSIONS: dict[tuple[str, str], tuple[set[str], set[str]]] = {
    ("user", "read"): (
        {"User.Read.All", "User.ReadWrite.All", *_DIR_READ},
        {"User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All", *_DIR_READ},
    ),
    ("user", "write"): ({"User.ReadWrite.All", *_DIR_WRITE}, {"User.ReadWrite.All", *_DIR_WRITE}),
    ("me", "read"): (set(), {"User.Read", "User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All"}),
    ("group", "read"): (
        {
            "Group.Read.All",
            "Group.ReadWrite.All",
            "GroupMember.Read.All",
            "GroupMember.ReadWrite.All",
            *_DIR_READ,
        },
        {"Group.Read.All", "Group.ReadWrite.All", "GroupMember.Read.All", *_DIR_READ},
    ),
    ("group", "create"): (
        {"Group.Create", "Group.ReadWrite.All", *_DIR_WRITE},
        {"Group.Create", "Group.ReadWrite.All", *_DIR_WRITE},
    ),
    ("group", "write"): ({"Group.ReadWrite.All", *_DIR_WRITE}, {"Group.ReadWrite.All", *_DIR_WRITE}),
    ("member", "write"): (
        {"GroupMember.ReadWrite.All", "Group.ReadWrite.All", *_DIR_WRITE},
        {"GroupMember.ReadWrite.All", "Group.ReadWrite.All", *_DIR_WRITE},
    ),
    ("team", "read"): (
        {"Team.ReadBasic.All", "TeamSettings.Read.All", "Group.Read.All", "Group.ReadWrite.All", *_DIR_READ},
        {"Team.ReadBasic.All", "TeamSettings.Read.All", "Group.Read.All", "Group.ReadWrite.All", *_DIR_READ},
    ),
    ("team", "create"): (
        {"Team.Create", "Teamwork.Migrate.All", "Group.ReadWrite.All", *_DIR_WRITE},
        {"Team.Create", "Group.ReadWrite.All", *_DIR_WRITE},
    ),
    ("channel", "read"): (
        {
            "Channel.ReadBasic.All",
            "ChannelSettings.Read.All",
            "Group.Read.All",
            "Group.ReadWrite.All",
            *_DIR_READ,
        },
        {
            "Channel.ReadBasic.All",
            "ChannelSettings.Read.All",
            "Group.Read.All",
            "Group.ReadWrite.All",
            *_DIR_READ,
        },
    ),
    ("channel", "create"): (
        {"Channel.Create", "Teamwork.Migrate.All", "Group.ReadWrite.All", *_DIR_WRITE},
        {"Channel.Create", "Group.ReadWrite.All", *_DIR_WRITE},
    ),
    ("channel", "delete"): (
        {"Channel.Delete.All", "Group.ReadWrite.All", *_DIR_WRITE},
        {"Channel.Delete.All", "Group.ReadWrite.All", *_DIR_WRITE},
    ),
    ("message", "read"): ({"ChannelMessage.Read.All"}, {"ChannelMessage.Read.All"}),
    # Application posts exist only for imports (Teamwork.Migrate.All, channels in migration mode); the route
    # refuses them with Teams' own message, so the role list here is what lets them reach it.
    ("message", "write"): (
        {"Teamwork.Migrate.All", "ChannelMessage.Read.All", "Group.ReadWrite.All"},
        {"ChannelMessage.Send", "Group.ReadWrite.All"},
    ),
    ("planner", "read"): (
        {"Tasks.Read.All", "Tasks.ReadWrite.All"},
        {"Tasks.Read", "Tasks.ReadWrite", "Group.Read.All", "Group.ReadWrite.All"},
    ),
    ("planner", "write"): ({"Tasks.ReadWrite.All"}, {"Tasks.ReadWrite", "Group.ReadWrite.All"}),
}
IDENTITY_FAMILIES = {"user", "me", "group", "member"}


def allowed(family: str, action: str, principal: Principal) -> bool:
    app_roles, scopes = PERMISSIONS[(family, action)]
    needed = scopes if principal.delegated else app_roles
    return bool(needed & principal.permissions)


def tenant_budget(user_count: int) -> int:
    """Resource units per app per tenant per 10 seconds, by tenant size."""
    if user_count < 50:
        return 3500
    if user_count <= 500:
        return 5000
    return 8000


def cost(method: str, collection: bool, selected: bool, expanded: bool) -> int:
    units = 2 if method == "GET" and collection else 1
    if method == "GET" and selected:
        units -= 1
    if expanded:
        units += 1
    return max(1, units)


@dataclass
class Spend:
    allowed: bool
    used: int
    limit: int
    reset_at: float

    def retry_after(self, now: float) -> int:
        return max(1, math.ceil(self.reset_at - now))

    @property
    def share(self) -> float:
        return self.used / self.limit if self.limit > 0 else 0.0


class Budget:
    """Fixed windows of weighted units per key; a limit of 0 or less means unlimited."""

    def __init__(self, window_seconds: float, clock: Callable[[], float]) -> None:
        self.window_seconds = window_seconds
        self._clock = clock
        self._origin = clock()
        self._used: dict[str, tuple[int, int]] = {}

    def spend(self, key: str, units: int, limit: int) -> Spend:
        now = self._clock()
        index = int((now - self._origin) // self.window_seconds)
        reset_at = self._origin + (index + 1) * self.window_seconds
        window, used = self._used.get(key, (index, 0))
        if window != index:
            used = 0
        if limit > 0 and used + units > limit:
            self._used[key] = (index, used)
            return Spend(False, used, limit, reset_at)
        used += units
        self._used[key] = (index, used)
        return Spend(True, used, limit, reset_at)

    def reset(self) -> None:
        self._origin = self._clock()
        self._used.clear()
