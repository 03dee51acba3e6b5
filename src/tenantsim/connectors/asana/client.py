"""Asana over the shared resilient HTTP layer: PAT auth, {"data": ...} envelopes, lazy pagination and the
mapping of Asana's status codes to the errors.py taxonomy. One AsanaClient per user token.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from tenantsim.connectors.http import CallObserver, HttpStats, ResilientClient
from tenantsim.connectors.kit.profile import retry_after_seconds
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

ASANA_BASE_URL = "https://app.asana.com/api/1.0"
PAID_LIMIT_PER_MINUTE = 1500  # developers.asana.com/docs/rate-limits; free domains get 150 and a 429
WRITE_CONCURRENCY = 15  # Asana's in-flight cap for writes (reads: 50); staying under it avoids 429s
READ_CONCURRENCY = 50
PAGE_SIZE = 100


def _error_message(response: httpx.Response) -> str:
    """Asana's own error text (it never echoes the token), trimmed."""
    try:
        errors = response.json().get("errors") or []
        text = str(errors[0].get("message", "")) if errors else ""
    except (ValueError, AttributeError, IndexError):
        text = ""
    return text[:300] or response.reason_phrase or "error"


def classify(response: httpx.Response) -> PlatformError | None:
    """Status -> taxonomy. 402 (paid feature) and 400/409 are skippable: the job goes on without it."""
    status = response.status_code
    if status < 400:
        return None
    message = f"Asana {status}: {_error_message(response)}"
    if status == 401:
        return AuthError(message, status, "not_authorized")
    if status == 403:
        return AuthError(message, status, "forbidden")
    if status == 404:
        return NotFoundOnPlatform(message, status, "not_found")
    if status == 402:
        return Skippable(message, status, "payment_required")
    if status in (400, 409, 422):
        return Skippable(message, status, "invalid_request")
    if status == 429:
        return RateLimited(message, AsanaProfile().retry_after(response) or 1.0, status, "rate_limited")
    if status >= 500:
        return Retriable(message, status, "server_error")
    return FatalError(message, status)


class AsanaProfile:
    """What the HTTP layer needs to know about Asana: one per-minute quota per token, no limit headers."""

    name = "asana"

    def __init__(self, limit_per_minute: int = PAID_LIMIT_PER_MINUTE) -> None:
        self.limit_per_minute = limit_per_minute

    def bucket_for(self, method: str, path: str) -> str:
        return "requests"  # Asana counts every call against one quota per token

    def default_limit(self, bucket: str) -> int:
        return self.limit_per_minute

    def concurrency(self) -> int:
        return WRITE_CONCURRENCY

    def read_concurrency(self) -> int:  # the HTTP layer caps GETs apart from writes when this exists
        return READ_CONCURRENCY

    def read_limits(self, response: httpx.Response) -> tuple[int, int, float] | None:
        return None  # Asana sends no X-RateLimit-* headers; only 429 + Retry-After

    def retry_after(self, response: httpx.Response) -> float | None:
        return retry_after_seconds(response)

    def classify(self, response: httpx.Response) -> PlatformError | None:
        return classify(response)


def token_id(token: str) -> str:
    """A stable, non-secret handle for a token (budget keys, stats)."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def tenant_for(base_url: str) -> str:
    return f"asana:{urlsplit(base_url).netloc}"


class AsanaClient:
    """One user's view of Asana. ``name`` is the label from user_tokens, never the token."""

    def __init__(
        self,
        token: str,
        *,
        name: str,
        budgets: BudgetRegistry,
        base_url: str = ASANA_BASE_URL,
        capacity: float = 1.0,
        transport: httpx.AsyncBaseTransport | None = None,
        stats: HttpStats | None = None,
        observer: CallObserver | None = None,
        timeout: float = 30.0,
        profile: AsanaProfile | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.token_id = token_id(token)
        self.http = ResilientClient(
            self.base_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            tenant=tenant_for(self.base_url),
            token_id=self.token_id,
            profile=profile or AsanaProfile(),
            budgets=budgets,
            capacity=capacity,
            transport=transport,
            timeout=timeout,
            stats=stats,
            observer=observer,
        )
        self.pending = 0  # calls asked of this token and not answered yet: how busy its person is

    # -- primitives -------------------------------------------------------------------------------
    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        self.pending += 1
        try:
            return await self.http.request(method, path, **kwargs)
        finally:
            self.pending -= 1

    async def get(self, path: str, **params: Any) -> Any:
        response = await self._request("GET", path, params=params or None)
        return response.json().get("data")

    async def post(self, path: str, data: dict[str, Any], *, once: bool = False, **params: Any) -> Any:
        """``once``: a create its caller settles through its intent when no answer comes (the HTTP
        layer's ``once``)."""
        response = await self._request("POST", path, params=params or None, json={"data": data},
                                       once=once)
        return response.json().get("data")

    async def put(self, path: str, data: dict[str, Any], **params: Any) -> Any:
        response = await self._request("PUT", path, params=params or None, json={"data": data})
        return response.json().get("data")

    async def delete(self, path: str) -> bool:
        """Idempotent: True when deleted now, False when it was already gone (404)."""
        try:
            await self._request("DELETE", path)
        except NotFoundOnPlatform:
            return False
        return True

    async def paginate(
        self, path: str, page_size: int = PAGE_SIZE, **params: Any
    ) -> AsyncIterator[dict[str, Any]]:
        """Lazily yields every record, one page (limit 1-100) at a time, following next_page.offset."""
        query: dict[str, Any] = {**params, "limit": max(1, min(100, page_size))}
        while True:
            response = await self._request("GET", path, params=query)
            body = response.json()
            for item in body.get("data") or []:
                yield item
            next_page = body.get("next_page")
            if not next_page or not next_page.get("offset"):
                return
            query = {**query, "offset": next_page["offset"]}

    async def collect(self, path: str, **params: Any) -> list[dict[str, Any]]:
        return [item async for item in self.paginate(path, **params)]

    # -- what the service uses ----------------------------------------------------------------------
    async def me(self) -> dict[str, Any]:
        data: dict[str, Any] = await self.get("/users/me", opt_fields="name,email,workspaces.name")
        return data

    async def workspaces(self) -> list[dict[str, Any]]:
        return await self.collect("/workspaces", opt_fields="name,is_organization")

    async def aclose(self) -> None:
        await self.http.aclose()
