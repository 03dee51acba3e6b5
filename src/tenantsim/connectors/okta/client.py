"""Okta over the shared resilient HTTP layer: SSWS auth, Okta's rate-limit buckets and headers, lazy
Link-header pagination, and Okta's status codes mapped to the errors.py taxonomy.

Every call that could make Okta send mail says sendEmail=false: no message ever reaches a person.
"""

from __future__ import annotations

import email.utils
import functools
import re
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from tenantsim.connectors.http import CallObserver, HttpStats, ResilientClient
from tenantsim.connectors.kit.profile import TableLimits
from tenantsim.connectors.okta.oauth import DEFAULT_SCOPES, ServiceAppAuth
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.errors import (
    AuthError,
    FatalError,
    NotFoundOnPlatform,
    PlatformError,
    RateLimited,
    Retriable,
    Skippable,
)

# Okta's documented per-minute limits (Management API, Enterprise org). Buckets are org-wide.
DOCUMENTED_LIMITS = {"users": 600, "user_get": 1000, "user_write": 600, "groups": 600, "group_by_id": 600,
                     "authn": 600,
                     "apps": 100, "app_by_id": 600, "default": 600}
CONCURRENCY = 75
MAX_USER_PAGE = 200
_ONE = r"/[^/]+"
_USER = re.compile(r"/api/v1/users" + _ONE)
_GROUP = re.compile(r"/api/v1/groups" + _ONE)
_APP = re.compile(r"/api/v1/apps" + _ONE)


def _okta_path(path: str) -> str:
    """The path from /api/v1 on (an org URL may carry a prefix, e.g. a mounted sandbox)."""
    index = path.find("/api/v1")
    return (path[index:] if index >= 0 else path).rstrip("/") or "/"


def bucket_for(method: str, path: str) -> str:
    path, method = _okta_path(path), method.upper()
    if path == "/api/v1/authn" or path.startswith("/api/v1/authn/"):
        return "authn"  # sign-ins have their own bucket
    if path == "/api/v1/users":
        return "users"
    if _USER.fullmatch(path):
        return "user_get" if method == "GET" else "user_write"
    if _GROUP.fullmatch(path) and not path.endswith("/rules"):
        return "group_by_id"
    if path == "/api/v1/groups" or path.startswith("/api/v1/groups/"):
        return "groups"
    if _APP.fullmatch(path):
        return "app_by_id"
    if path == "/api/v1/apps" or path.startswith("/api/v1/apps/"):
        return "apps"
    return "default"


def _error_fields(response: httpx.Response) -> tuple[str | None, str]:
    """Okta's errorCode and a summary (with causes). Okta never echoes the token in these."""
    try:
        body = response.json()
    except ValueError:
        return None, response.reason_phrase or "error"
    if not isinstance(body, dict):
        return None, response.reason_phrase or "error"
    causes = [str(c.get("errorSummary", "")) for c in body.get("errorCauses") or [] if isinstance(c, dict)]
    summary = str(body.get("errorSummary") or response.reason_phrase or "error")
    if causes:
        summary = f"{summary} ({'; '.join(causes)})"
    return body.get("errorCode"), summary[:300]


# How far Okta's Date runs ahead of our clock, per host: the largest of its last answers' readings. A Date
# is whole seconds and can be stale (a server that was busy for a moment stamps an answer late), so one
# reading may say the clocks differ when they do not; the largest of many is the true offset, less a second.
_DATE_READINGS = 32
_date_offsets: dict[str, deque[float]] = {}


def _server_now(response: httpx.Response) -> float:
    """Okta's clock, for reading X-Rate-Limit-Reset: the local clock, unless recent Date headers all put
    Okta's more than two seconds away from it (a skewed local clock)."""
    local = time.time()
    date = response.headers.get("Date")
    server = _date_seconds(date) if date else None
    if server is None:
        return local
    readings = _date_offsets.setdefault(_host(response), deque(maxlen=_DATE_READINGS))
    readings.append(server - local)
    offset = max(readings)
    return local + offset if abs(offset) > 2.0 else local


def _host(response: httpx.Response) -> str:
    try:
        return response.request.url.host
    except RuntimeError:  # a response built without its request
        return ""


@functools.lru_cache(maxsize=8)
def _date_seconds(date: str) -> float | None:
    """An HTTP date as epoch seconds (None: not a date). Cached: every answer within a second carries
    the same Date, and parsing it cost more than the rest of reading the limits."""
    try:
        return email.utils.parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        return None


def retry_after(response: httpx.Response) -> float | None:
    """Seconds until X-Rate-Limit-Reset: the wait a 429 asks for, never longer."""
    reset = response.headers.get("X-Rate-Limit-Reset")
    if reset is None:
        return None
    try:
        return max(0.0, float(reset) - _server_now(response))
    except ValueError:
        return None


def classify(response: httpx.Response) -> PlatformError | None:
    status = response.status_code
    if status < 400:
        return None
    code, summary = _error_fields(response)
    message = f"Okta {status} {code or ''}: {summary}".replace("  ", " ")
    if status == 401:
        return AuthError(message, status, code)
    if status == 403:
        # E0000006: the token's admin lacks permission. Other 403s are status rules for one user.
        if code in (None, "E0000006"):
            return AuthError(message, status, code)
        return Skippable(message, status, code)
    if status == 404:
        return NotFoundOnPlatform(message, status, code)
    if status == 429:
        return RateLimited(message, retry_after(response) or 1.0, status, code)
    if status in (400, 409, 422):
        return Skippable(message, status, code)
    if status >= 500:
        return Retriable(message, status, code)
    return FatalError(message, status, code)


class OktaProfile(TableLimits):
    """What the HTTP layer needs to know about Okta."""

    name = "okta"

    def __init__(self, limits: dict[str, int] | None = None, concurrency: int = CONCURRENCY) -> None:
        super().__init__(DOCUMENTED_LIMITS, limits, concurrency)

    def bucket_for(self, method: str, path: str) -> str:
        return bucket_for(method, path)

    def read_limits(self, response: httpx.Response) -> tuple[int, int, float] | None:
        try:
            limit = int(response.headers["X-Rate-Limit-Limit"])
            remaining = int(response.headers["X-Rate-Limit-Remaining"])
            reset = float(response.headers["X-Rate-Limit-Reset"])
        except (KeyError, ValueError):
            return None
        if limit <= 0:  # Okta's concurrency signal (limit 0, remaining 0), not a window count
            return None
        # Reset is on Okta's clock; carry it to ours so pacing lines up with the real window edge.
        return limit, remaining, time.time() + max(0.0, reset - _server_now(response))

    def retry_after(self, response: httpx.Response) -> float | None:
        return retry_after(response)

    def classify(self, response: httpx.Response) -> PlatformError | None:
        return classify(response)


def tenant_for(org_url: str) -> str:
    parts = urlsplit(org_url)
    return f"okta:{parts.netloc.lower()}{parts.path.rstrip('/')}"


class OktaClient:
    """One admin token's view of an Okta org. ``name`` is the label from user_tokens, never the token.

    Authenticates with an SSWS API token, or (``service_app``) as an OAuth 2.0 service app whose access
    token is fetched and renewed as it goes (``oauth.py``); then ``token`` is None."""

    def __init__(self, token: str | None, *, org_url: str, name: str, budgets: BudgetRegistry,
                 capacity: float = 1.0, transport: httpx.AsyncBaseTransport | None = None,
                 stats: HttpStats | None = None, observer: CallObserver | None = None, timeout: float = 30.0,
                 profile: OktaProfile | None = None, service_app: ServiceAppAuth | None = None) -> None:
        self.name = name
        self.org_url = org_url.rstrip("/")
        self.service_app = service_app
        self.transport = transport  # for a person's browser during a sign-in (``signin.py``)
        self.timeout = timeout
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if service_app is None:
            headers["Authorization"] = f"SSWS {token}"
        # Okta's limits and concurrency cap are per org, so every token of an org shares one budget.
        self.http = ResilientClient(
            self.org_url, headers=headers,
            tenant=tenant_for(self.org_url), token_id="org", profile=profile or OktaProfile(),
            budgets=budgets, capacity=capacity, transport=transport, timeout=timeout, stats=stats,
            observer=observer, auth=service_app)

    @classmethod
    def from_entry(cls, entry: dict[str, Any], *, org_url: str, budgets: BudgetRegistry,
                   transport: httpx.AsyncBaseTransport | None = None, timeout: float = 30.0,
                   **options: Any) -> OktaClient:
        """The client for one ``user_tokens`` entry: an SSWS ``token``, or a service app's ``client_id``
        and ``private_key`` (with optional ``scopes`` and ``key_id``)."""
        url = str(entry.get("org_url") or org_url).rstrip("/")
        name = str(entry.get("name") or entry.get("client_id") or "api")
        if entry.get("token"):
            return cls(str(entry["token"]), org_url=url, name=name, budgets=budgets, transport=transport,
                       timeout=timeout, **options)
        auth = ServiceAppAuth(url, str(entry["client_id"]), entry["private_key"],
                              scopes=entry.get("scopes") or DEFAULT_SCOPES, key_id=entry.get("key_id"),
                              transport=transport, timeout=timeout)
        return cls(None, org_url=url, name=name, budgets=budgets, transport=transport, timeout=timeout,
                   service_app=auth, **options)

    async def call(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                   json: Any = None, headers: dict[str, str] | None = None, once: bool = False) -> Any:
        response = await self.http.request(method, path, params=params, json=json, headers=headers,
                                           once=once)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def paginate(self, path: str,
                       params: dict[str, Any] | None = None) -> AsyncIterator[dict[str, Any]]:
        """Items of every page, fetched only as the caller asks for more (Link rel="next")."""
        response = await self.http.request("GET", path, params=params)
        while True:
            for item in response.json():
                yield item
            next_url = response.links.get("next", {}).get("url")
            if not next_url:
                return
            response = await self.http.request("GET", next_url)

    # -- users -----------------------------------------------------------------------------------------
    async def me(self) -> dict[str, Any]:
        return dict(await self.call("GET", "/api/v1/users/me"))

    async def whoami(self) -> tuple[str, str, str | None]:
        """(id, display name, email) of who this client acts as: the token's admin, or the service app
        itself (a service app's token has no user behind it, so the check is a one-user read)."""
        if self.service_app is None:
            me = await self.me()
            profile = me.get("profile") or {}
            name = f"{profile.get('firstName') or ''} {profile.get('lastName') or ''}".strip()
            return str(me["id"]), name or str(profile.get("login") or me["id"]), profile.get("email")
        await self.call("GET", "/api/v1/users", params={"limit": 1})
        return self.service_app.client_id, f"service app {self.service_app.client_id}", None

    async def get_user(self, ident: str) -> dict[str, Any]:
        return dict(await self.call("GET", f"/api/v1/users/{ident}"))

    def users(self, *, page_size: int = MAX_USER_PAGE, search: str | None = None,
              filter: str | None = None) -> AsyncIterator[dict[str, Any]]:
        params: dict[str, Any] = {"limit": min(max(1, page_size), MAX_USER_PAGE)}
        if search:
            params["search"] = search
        if filter:
            params["filter"] = filter
        return self.paginate("/api/v1/users", params)

    async def find_user_by_login(self, login: str) -> dict[str, Any] | None:
        escaped = login.replace('"', '\\"')
        async for user in self.users(page_size=2, filter=f'profile.login eq "{escaped}"'):
            return user
        return None

    async def create_user(self, profile: dict[str, Any], *, password: str | None = None,
                          group_ids: list[str] | None = None, activate: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {"profile": profile}
        if password is not None:
            body["credentials"] = {"password": {"value": password}}
        if group_ids:
            body["groupIds"] = group_ids
        return dict(await self.call("POST", "/api/v1/users", params={"activate": str(activate).lower()},
                                    json=body, once=True))

    async def update_profile(self, user_id: str, profile: dict[str, Any]) -> dict[str, Any]:
        """Partial update (POST): only the given attributes change."""
        return dict(await self.call("POST", f"/api/v1/users/{user_id}", json={"profile": profile}))

    async def set_password(self, user_id: str, password: str) -> dict[str, Any]:
        return dict(await self.call("POST", f"/api/v1/users/{user_id}",
                                    json={"credentials": {"password": {"value": password}}}))

    async def lifecycle(self, user_id: str, operation: str, **params: Any) -> Any:
        return await self.call("POST", f"/api/v1/users/{user_id}/lifecycle/{operation}",
                               params=params or None)

    async def deactivate(self, user_id: str) -> None:
        await self.lifecycle(user_id, "deactivate", sendEmail="false")

    async def suspend(self, user_id: str) -> None:
        await self.lifecycle(user_id, "suspend")

    async def unsuspend(self, user_id: str) -> None:
        await self.lifecycle(user_id, "unsuspend")

    async def reset_password(self, user_id: str) -> None:
        # sendEmail=false: Okta returns a one-time link to us instead of mailing the user
        await self.lifecycle(user_id, "reset_password", sendEmail="false")

    async def delete_user(self, user_id: str) -> None:
        """One DELETE: deactivates an active user, deletes a deactivated one (Okta's two steps)."""
        await self.call("DELETE", f"/api/v1/users/{user_id}", params={"sendEmail": "false"})

    async def enroll_factor(self, user_id: str, factor: dict[str, Any], *,
                            activate: bool = False) -> dict[str, Any]:
        return dict(await self.call("POST", f"/api/v1/users/{user_id}/factors",
                                    params={"activate": str(activate).lower()}, json=factor))

    async def factors(self, user_id: str) -> list[dict[str, Any]]:
        return list(await self.call("GET", f"/api/v1/users/{user_id}/factors"))

    # -- groups --------------------------------------------------------------------------------------
    def groups(self, *, page_size: int = 200, search: str | None = None,
               q: str | None = None) -> AsyncIterator[dict[str, Any]]:
        params: dict[str, Any] = {"limit": page_size}
        if search:
            params["search"] = search
        if q:
            params["q"] = q
        return self.paginate("/api/v1/groups", params)

    async def find_group_by_name(self, name: str) -> dict[str, Any] | None:
        escaped = name.replace('"', '\\"')
        async for group in self.groups(page_size=20, search=f'profile.name eq "{escaped}"'):
            if str(group.get("profile", {}).get("name", "")).lower() == name.lower():
                return group
        return None

    async def create_group(self, name: str, description: str) -> dict[str, Any]:
        return dict(await self.call("POST", "/api/v1/groups",
                                    json={"profile": {"name": name, "description": description}}, once=True))

    async def delete_group(self, group_id: str) -> None:
        await self.call("DELETE", f"/api/v1/groups/{group_id}")

    async def add_member(self, group_id: str, user_id: str) -> None:
        await self.call("PUT", f"/api/v1/groups/{group_id}/users/{user_id}")

    async def remove_member(self, group_id: str, user_id: str) -> None:
        await self.call("DELETE", f"/api/v1/groups/{group_id}/users/{user_id}")

    def group_members(self, group_id: str, page_size: int = 200) -> AsyncIterator[dict[str, Any]]:
        return self.paginate(f"/api/v1/groups/{group_id}/users", {"limit": page_size})

    # -- apps ----------------------------------------------------------------------------------------
    def apps(self, page_size: int = 200) -> AsyncIterator[dict[str, Any]]:
        return self.paginate("/api/v1/apps", {"limit": min(page_size, 200)})

    async def assign_user_to_app(self, app_id: str, user_id: str) -> dict[str, Any]:
        return dict(await self.call("POST", f"/api/v1/apps/{app_id}/users",
                                    json={"id": user_id, "scope": "USER"}))

    async def unassign_user_from_app(self, app_id: str, user_id: str) -> None:
        await self.call("DELETE", f"/api/v1/apps/{app_id}/users/{user_id}", params={"sendEmail": "false"})

    async def assign_group_to_app(self, app_id: str, group_id: str) -> dict[str, Any]:
        return dict(await self.call("PUT", f"/api/v1/apps/{app_id}/groups/{group_id}", json={}))

    async def unassign_group_from_app(self, app_id: str, group_id: str) -> None:
        await self.call("DELETE", f"/api/v1/apps/{app_id}/groups/{group_id}")

    def app_users(self, app_id: str, page_size: int = 200) -> AsyncIterator[dict[str, Any]]:
        return self.paginate(f"/api/v1/apps/{app_id}/users", {"limit": page_size})

    # -- profile schema, policies, factor activation ---------------------------------------------------
    async def user_schema(self) -> dict[str, Any]:
        return dict(await self.call("GET", "/api/v1/meta/schemas/user/default"))

    async def custom_properties(self) -> dict[str, Any]:
        """The custom properties of the default user schema, by name."""
        schema = await self.user_schema()
        return dict(((schema.get("definitions") or {}).get("custom") or {}).get("properties") or {})

    async def update_custom_properties(self, properties: dict[str, Any]) -> dict[str, Any]:
        """Add or replace custom properties (a ``None`` definition removes that property)."""
        body = {"definitions": {"custom": {"id": "#custom", "type": "object", "properties": properties}}}
        return dict(await self.call("POST", "/api/v1/meta/schemas/user/default", json=body))

    async def policies(self, policy_type: str) -> list[dict[str, Any]]:
        return list(await self.call("GET", "/api/v1/policies", params={"type": policy_type}))

    async def create_policy(self, policy: dict[str, Any], *, activate: bool = True) -> dict[str, Any]:
        return dict(await self.call("POST", "/api/v1/policies", params={"activate": str(activate).lower()},
                                    json=policy, once=True))

    async def delete_policy(self, policy_id: str) -> None:
        await self.call("DELETE", f"/api/v1/policies/{policy_id}")

    async def policy_rules(self, policy_id: str) -> list[dict[str, Any]]:
        return list(await self.call("GET", f"/api/v1/policies/{policy_id}/rules"))

    async def create_policy_rule(self, policy_id: str, rule: dict[str, Any]) -> dict[str, Any]:
        return dict(await self.call("POST", f"/api/v1/policies/{policy_id}/rules", json=rule,
                                    once=True))

    async def delete_policy_rule(self, policy_id: str, rule_id: str) -> None:
        await self.call("DELETE", f"/api/v1/policies/{policy_id}/rules/{rule_id}")

    # -- sign-in (Authentication API, as a trusted app forwarding the person's address and browser) ----------
    async def authn(self, username: str, password: str, forwarded: dict[str, str]) -> dict[str, Any]:
        return dict(await self.call("POST", "/api/v1/authn", headers=forwarded,
                                    json={"username": username, "password": password,
                                          "options": {"warnBeforePasswordExpired": False,
                                                      "multiOptionalFactorEnroll": False}}))

    async def authn_verify(self, factor_id: str, state_token: str, pass_code: str,
                           forwarded: dict[str, str]) -> dict[str, Any]:
        return dict(await self.call("POST", f"/api/v1/authn/factors/{factor_id}/verify", headers=forwarded,
                                    json={"stateToken": state_token, "passCode": pass_code}))

    async def app_links(self, user_id: str) -> list[dict[str, Any]]:
        return list(await self.call("GET", f"/api/v1/users/{user_id}/appLinks"))

    async def unlock(self, user_id: str) -> None:
        await self.lifecycle(user_id, "unlock")

    async def activate_factor(self, user_id: str, factor_id: str, pass_code: str) -> dict[str, Any]:
        return dict(await self.call("POST", f"/api/v1/users/{user_id}/factors/{factor_id}/lifecycle/activate",
                                    json={"passCode": pass_code}))

    async def aclose(self) -> None:
        await self.http.aclose()
