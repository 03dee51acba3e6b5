"""Google Workspace over the shared resilient HTTP layer: the service-account OAuth flow (a JWT signed with
the key, exchanged for an access token per impersonated user), the Directory and Calendar calls, Google's
page tokens, and Google's errors mapped to the errors.py taxonomy.

Quotas are per user of the project (Directory: 2,400 queries a minute by default; Calendar: 600 assumed),
so each impersonated user has its own budget, keyed ``google:<domain>`` / bucket / user. Google says it
is throttling with 429, or with 403 and a reason (``userRateLimitExceeded``, ``rateLimitExceeded``,
``quotaExceeded``): both are waited out and teach the budget the real limit. Calendar writes say
``sendUpdates=none``: no invitation ever reaches a person.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import jwt

from tenantsim.connectors.google_workspace.config import CALENDAR_URL, DIRECTORY_URL
from tenantsim.connectors.http import CallObserver, HttpStats, ResilientClient
from tenantsim.connectors.kit.profile import TableLimits, retry_after_seconds
from tenantsim.connectors.kit.tokens import TokenCache
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

SCOPES = (
    "https://www.googleapis.com/auth/admin.directory.user",
    "https://www.googleapis.com/auth/admin.directory.group",
    "https://www.googleapis.com/auth/admin.directory.group.member",
    "https://www.googleapis.com/auth/admin.directory.orgunit",
    "https://www.googleapis.com/auth/calendar",
)
DOCUMENTED_LIMITS = {"directory": 2400, "calendar": 600, "token": 600, "default": 600}
CONCURRENCY = 20
REFRESH_BEFORE = 300.0  # seconds before expiry a token is replaced
ASSERTION_LIFETIME = 3600
RATE_REASONS = frozenset({"userRateLimitExceeded", "rateLimitExceeded", "quotaExceeded"})
PAGE = 500
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _error_fields(response: httpx.Response) -> tuple[str | None, str, bool]:
    """Google's reason, its message, and whether it is an OAuth (token endpoint) error."""
    try:
        body = response.json()
    except ValueError:
        return None, response.reason_phrase or "error", False
    if not isinstance(body, dict):
        return None, response.reason_phrase or "error", False
    error = body.get("error")
    if isinstance(error, str):  # the token endpoint: {"error": "invalid_grant", "error_description": ...}
        return error, str(body.get("error_description") or error)[:300], True
    if not isinstance(error, dict):
        return None, response.reason_phrase or "error", False
    reasons = [e for e in error.get("errors") or [] if isinstance(e, dict)]
    reason = str(reasons[0].get("reason")) if reasons and reasons[0].get("reason") else error.get("status")
    return reason, str(error.get("message") or response.reason_phrase or "error")[:300], False


def is_throttled(response: httpx.Response) -> bool:
    """429, or a 403 whose reason is a rate limit or quota (Google's other way of saying slow down)."""
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    reason, _message, _oauth = _error_fields(response)
    return reason in RATE_REASONS


def classify(response: httpx.Response) -> PlatformError | None:
    status = response.status_code
    if status < 400:
        return None
    reason, summary, oauth = _error_fields(response)
    message = f"Google {status} {reason or ''}: {summary}".replace("  ", " ")
    if oauth or status == 401:  # the key, the delegation or the impersonated user was refused
        return AuthError(message, status, reason)
    if status == 429 or (status == 403 and reason in RATE_REASONS):
        return RateLimited(message, 1.0, status, reason)
    if status == 403:
        return AuthError(message, status, reason)
    if status in (404, 410):  # 410: a calendar event already deleted
        return NotFoundOnPlatform(message, status, reason)
    if status in (400, 409, 412, 422):  # 409: "Entity already exists" (reason duplicate)
        return Skippable(message, status, reason)
    if status >= 500:
        return Retriable(message, status, reason)
    return FatalError(message, status, reason)


class GoogleProfile(TableLimits):
    """What the HTTP layer needs to know about Google."""

    name = "Google"

    def __init__(self, limits: dict[str, int] | None = None, concurrency: int = CONCURRENCY) -> None:
        super().__init__(DOCUMENTED_LIMITS, limits, concurrency)

    def bucket_for(self, method: str, path: str) -> str:
        if "/calendar/v3/" in path:
            return "calendar"
        if "/admin/directory/v1/" in path:
            return "directory"
        return "token"

    def read_limits(self, response: httpx.Response) -> tuple[int, int, float] | None:
        return None  # Google reports no window counts: rate mode, learned from throttling

    def retry_after(self, response: httpx.Response) -> float | None:
        return retry_after_seconds(response)

    def throttled(self, response: httpx.Response) -> bool:
        return is_throttled(response)

    def classify(self, response: httpx.Response) -> PlatformError | None:
        return classify(response)


@dataclass(frozen=True)
class ServiceAccount:
    client_email: str
    private_key: str
    token_uri: str
    private_key_id: str | None = None

    @classmethod
    def from_key(cls, key: dict[str, Any]) -> ServiceAccount:
        return cls(str(key["client_email"]), str(key["private_key"]), str(key["token_uri"]),
                   str(key["private_key_id"]) if key.get("private_key_id") else None)

    def assertion(self, subject: str, now: float) -> str:
        """The signed JWT (RS256) that asks for a token acting as ``subject``."""
        claims = {"iss": self.client_email, "sub": subject, "aud": self.token_uri, "scope": " ".join(SCOPES),
                  "iat": int(now), "exp": int(now) + ASSERTION_LIFETIME}
        headers = {"kid": self.private_key_id} if self.private_key_id else None
        try:
            return jwt.encode(claims, self.private_key, algorithm="RS256", headers=headers)
        except (ValueError, TypeError, jwt.PyJWTError):  # never say more: the message could quote the key
            raise AuthError("Google: the service account key's private_key is not a usable RSA key", 0,
                            "invalid_key") from None


@dataclass(frozen=True)
class Endpoints:
    directory: str  # .../admin/directory/v1
    calendar: str  # .../calendar/v3

    @classmethod
    def for_base(cls, api_base_url: str | None) -> Endpoints:
        """Google's own hosts for a Google base URL (or none); everything under a sandbox's base."""
        base = (api_base_url or DIRECTORY_URL).rstrip("/")
        if urlsplit(base).hostname in ("admin.googleapis.com", "www.googleapis.com"):
            return cls(f"{DIRECTORY_URL}/admin/directory/v1", f"{CALENDAR_URL}/calendar/v3")
        return cls(f"{base}/admin/directory/v1", f"{base}/calendar/v3")


def tenant_for(domain: str) -> str:
    return f"google:{domain.lower()}"


class GoogleClient:
    """The job's service account acting in one Workspace: as the admin for the Directory, as each
    organiser for their calendar. ``name`` labels the ledger's actor; never a secret."""

    def __init__(self, key: dict[str, Any], *, admin_email: str, domain: str, customer: str = "my_customer",
                 api_base_url: str | None = None, budgets: BudgetRegistry, capacity: float = 1.0,
                 transport: httpx.AsyncBaseTransport | None = None, stats: HttpStats | None = None,
                 observer: CallObserver | None = None, timeout: float = 30.0,
                 profile: GoogleProfile | None = None, clock: Callable[[], float] = time.time) -> None:
        self.account = ServiceAccount.from_key(key)
        self.admin_email = admin_email
        self.name = admin_email
        self.domain = domain
        self.customer = customer
        self.endpoints = Endpoints.for_base(api_base_url)
        self.tenant = tenant_for(domain)
        self._settings: dict[str, Any] = {"budgets": budgets, "capacity": capacity, "transport": transport,
                                          "stats": stats, "observer": observer, "timeout": timeout}
        self._profile = profile or GoogleProfile()
        self._http: dict[tuple[str, str], ResilientClient] = {}
        self._tokens = TokenCache(clock, REFRESH_BEFORE)
        self.token_requests = 0  # how many tokens were minted (tests)

    def _client(self, base: str, user: str) -> ResilientClient:
        """One HTTP client per (API, user): each user of the project has their own quota and budget."""
        found = self._http.get((base, user))
        if found is None:
            found = ResilientClient(base, headers={"Accept": "application/json"}, tenant=self.tenant,
                                    token_id=user, profile=self._profile, **self._settings)
            self._http[(base, user)] = found
        return found

    # -- OAuth ----------------------------------------------------------------------------------------
    async def access_token(self, subject: str) -> str:
        """A token acting as ``subject``, from the cache while it has five minutes left."""

        async def exchange(now: float) -> tuple[str, float]:
            token_uri = self.account.token_uri
            http = self._client(token_uri, "token")
            response = await http.request("POST", token_uri, bucket="token", data={
                "grant_type": GRANT, "assertion": self.account.assertion(subject, now)})
            body = response.json()
            token = body.get("access_token") if isinstance(body, dict) else None
            if not isinstance(token, str) or not token:
                raise AuthError("Google: the token endpoint answered without an access token", 0, "no_token")
            self.token_requests += 1
            return token, now + float(body.get("expires_in") or 3600)

        return await self._tokens.get(subject, exchange)  # one exchange per user at a time

    def forget_token(self, subject: str) -> None:
        self._tokens.forget(subject)

    async def call(self, api: str, method: str, path: str, *, as_user: str | None = None,
                   params: dict[str, Any] | None = None, json: Any = None, once: bool = False) -> Any:
        """One Directory (``api="directory"``) or Calendar call acting as ``as_user`` (the admin by
        default). A 401 means the token went stale early: a new one is fetched, once. ``once``: a create
        its intent settles when no answer comes (never resent blindly)."""
        subject = as_user or self.admin_email
        base = self.endpoints.directory if api == "directory" else self.endpoints.calendar
        http = self._client(base, subject)
        for attempt in (1, 2):
            token = await self.access_token(subject)
            try:
                response = await http.request(method, path, params=params, json=json,
                                              headers={"Authorization": f"Bearer {token}"}, once=once)
            except AuthError as exc:
                if exc.status == 401 and attempt == 1:
                    self.forget_token(subject)
                    continue
                raise
            if response.status_code == 204 or not response.content:
                return None
            return response.json()
        raise AssertionError("unreachable")

    async def pages(self, api: str, path: str, items: str, params: dict[str, Any] | None = None, *,
                    as_user: str | None = None) -> AsyncIterator[dict[str, Any]]:
        """Every item of a listing, page by page (Google's nextPageToken), fetched as the caller asks."""
        query = dict(params or {})
        while True:
            body = await self.call(api, "GET", path, params=query, as_user=as_user) or {}
            for item in body.get(items) or []:
                yield item
            token = body.get("nextPageToken")
            if not token:
                return
            query["pageToken"] = token

    def _scope(self) -> dict[str, str]:
        return {"domain": self.domain} if self.customer == "my_customer" and self.domain else \
            {"customer": self.customer}

    # -- users ----------------------------------------------------------------------------------------
    async def get_user(self, key: str) -> dict[str, Any]:
        return dict(await self.call("directory", "GET", f"/users/{quote(key, safe='@')}"))

    async def find_user(self, email: str) -> dict[str, Any] | None:
        try:
            return await self.get_user(email)
        except NotFoundOnPlatform:
            return None

    def users(self, query: str | None = None, *, show_deleted: bool = False) -> AsyncIterator[dict[str, Any]]:
        params: dict[str, Any] = {**self._scope(), "maxResults": PAGE, "projection": "full"}
        if query:
            params["query"] = query
        if show_deleted:
            params["showDeleted"] = "true"
        return self.pages("directory", "/users", "users", params)

    async def create_user(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self.call("directory", "POST", "/users", json=body, once=True))

    async def patch_user(self, key: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self.call("directory", "PATCH", f"/users/{quote(key, safe='@')}", json=body) or {})

    async def delete_user(self, key: str) -> None:
        await self.call("directory", "DELETE", f"/users/{quote(key, safe='@')}")

    # -- org units ------------------------------------------------------------------------------------
    def _orgunit_path(self, path: str) -> str:
        return f"/customer/{self.customer}/orgunits/{quote(path.lstrip('/'), safe='/')}"

    async def orgunits(self) -> list[dict[str, Any]]:
        body = await self.call("directory", "GET", f"/customer/{self.customer}/orgunits",
                               params={"type": "all"}) or {}
        return list(body.get("organizationUnits") or [])

    async def get_orgunit(self, path: str) -> dict[str, Any] | None:
        try:
            return dict(await self.call("directory", "GET", self._orgunit_path(path)))
        except NotFoundOnPlatform:
            return None

    async def create_orgunit(self, name: str, parent: str, description: str) -> dict[str, Any]:
        return dict(await self.call("directory", "POST", f"/customer/{self.customer}/orgunits",
                                    json={"name": name, "parentOrgUnitPath": parent,
                                          "description": description}, once=True))

    async def delete_orgunit(self, path: str) -> None:
        await self.call("directory", "DELETE", self._orgunit_path(path))

    # -- groups ---------------------------------------------------------------------------------------
    async def get_group(self, key: str) -> dict[str, Any] | None:
        try:
            return dict(await self.call("directory", "GET", f"/groups/{quote(key, safe='@')}"))
        except NotFoundOnPlatform:
            return None

    def groups(self) -> AsyncIterator[dict[str, Any]]:
        return self.pages("directory", "/groups", "groups", {**self._scope(), "maxResults": 200})

    async def create_group(self, email: str, name: str, description: str) -> dict[str, Any]:
        return dict(await self.call("directory", "POST", "/groups",
                                    json={"email": email, "name": name, "description": description},
                                    once=True))

    async def delete_group(self, key: str) -> None:
        await self.call("directory", "DELETE", f"/groups/{quote(key, safe='@')}")

    def members(self, group: str) -> AsyncIterator[dict[str, Any]]:
        return self.pages("directory", f"/groups/{quote(group, safe='@')}/members", "members",
                          {"maxResults": 200})

    async def add_member(self, group: str, email: str) -> dict[str, Any]:
        return dict(await self.call("directory", "POST", f"/groups/{quote(group, safe='@')}/members",
                                    json={"email": email, "role": "MEMBER"}))

    async def remove_member(self, group: str, member: str) -> None:
        await self.call("directory", "DELETE",
                        f"/groups/{quote(group, safe='@')}/members/{quote(member, safe='@')}")

    # -- calendar -------------------------------------------------------------------------------------
    async def create_event(self, organiser: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self.call("calendar", "POST", "/calendars/primary/events", as_user=organiser,
                                    params={"sendUpdates": "none"}, json=body, once=True))

    async def patch_event(self, organiser: str, event_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self.call("calendar", "PATCH", f"/calendars/primary/events/{quote(event_id)}",
                                    as_user=organiser, params={"sendUpdates": "none"}, json=body) or {})

    async def delete_event(self, organiser: str, event_id: str) -> None:
        await self.call("calendar", "DELETE", f"/calendars/primary/events/{quote(event_id)}",
                        as_user=organiser, params={"sendUpdates": "none"})

    async def get_event(self, organiser: str, event_id: str) -> dict[str, Any] | None:
        try:
            return dict(await self.call("calendar", "GET", f"/calendars/primary/events/{quote(event_id)}",
                                        as_user=organiser))
        except NotFoundOnPlatform:
            return None

    def events(self, organiser: str) -> AsyncIterator[dict[str, Any]]:
        return self.pages("calendar", "/calendars/primary/events", "items", {"maxResults": 250},
                          as_user=organiser)

    async def aclose(self) -> None:
        clients = list(self._http.values())
        self._http.clear()
        await asyncio.gather(*(c.aclose() for c in clients))
