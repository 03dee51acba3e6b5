"""Okta's per-minute rate-limit buckets (Management API, Enterprise org column of Okta's table).

Okta counts each bucket separately: listing/creating users is one bucket, reading one user another,
writing one user a third, and calls under /api/v1/apps/{id}/... share the small "apps" bucket, which is
why admins grant apps to groups rather than user by user.
"""

from __future__ import annotations

import re

DOCUMENTED = {
    "users": 600,  # GET or POST /api/v1/users
    "user_get": 1000,  # GET /api/v1/users/{idOrLogin}
    "user_write": 600,  # POST, PUT or DELETE /api/v1/users/{id}
    "groups": 600,  # /api/v1/groups and /api/v1/groups/{id}/* (not /api/v1/groups/{id} itself)
    "group_by_id": 600,  # /api/v1/groups/{id}
    "apps": 100,  # /api/v1/apps and /api/v1/apps/{id}/*
    "app_by_id": 600,  # /api/v1/apps/{id}
    "authn": 600,  # /api/v1/authn and its steps: sign-ins have their own bucket
    "default": 600,  # most other /api/v1 calls (lifecycle, factors, a user's groups...)
}
CONCURRENCY = 75  # Enterprise org concurrent-request limit

_ONE = r"/[^/]+"


def bucket_for(method: str, path: str) -> str:
    path = path.rstrip("/") or "/"
    method = method.upper()
    if path == "/api/v1/authn" or path.startswith("/api/v1/authn/"):
        return "authn"
    if path == "/api/v1/users":
        return "users"
    if re.fullmatch(r"/api/v1/users" + _ONE, path):
        return "user_get" if method == "GET" else "user_write"
    if re.fullmatch(r"/api/v1/groups" + _ONE, path) and not path.endswith("/rules"):
        return "group_by_id"
    if path == "/api/v1/groups" or path.startswith("/api/v1/groups/"):
        return "groups"
    if re.fullmatch(r"/api/v1/apps" + _ONE, path):
        return "app_by_id"
    if path == "/api/v1/apps" or path.startswith("/api/v1/apps/"):
        return "apps"
    return "default"


def limits_for(rate_limit: int) -> dict[str, int]:
    """0 = Okta's documented limits; N = N for the users bucket, the others in Okta's ratios."""
    if rate_limit <= 0:
        return dict(DOCUMENTED)
    base = DOCUMENTED["users"]
    return {name: max(1, round(rate_limit * value / base)) for name, value in DOCUMENTED.items()}
