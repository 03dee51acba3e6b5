"""The one resilient HTTP layer under every connector.

Paces each call against the shared budget before sending, caps calls in flight, retries transient
failures with jittered backoff, waits exactly as long as a 429 asks, and turns the final response into
the errors.py taxonomy through the platform's ``classify``. Error messages never include headers or
bodies that could carry a token.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
import ssl
from collections import defaultdict
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

import certifi
import httpx

from tenantsim.connectors import write_ahead
from tenantsim.connectors.outgoing import Sender, joined
from tenantsim.connectors.platform_client import PlatformClient
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.errors import FatalError, OutcomeUnknown, PlatformError, RateLimited, Retriable

# A 429 is not a failure of the call: allow many before giving up, each waits the exact reset.
MAX_THROTTLED_RETRIES = 20
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Failures after which the request may have reached the platform and been acted on (no answer came, or
# the connection broke while the answer was awaited). A create sent ``once`` is not resent after one: it
# may have made its object already. Connect and write failures, and the platform's own 5xx answers, are
# retried for every call.
MAYBE_RECEIVED = (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One certificate store for every client: httpx builds its own per client otherwise, which costs
    ~0.9 MiB and ~16 ms of CPU each (a thousand jobs would hold a GiB of identical CA bundles)."""
    return ssl.create_default_context(cafile=certifi.where())


def _retry_after_header(response: httpx.Response) -> float | None:
    """Retry-After in seconds (a 503 may carry one); HTTP-dates are not worth the parsing here."""
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class RetryPolicy:
    """How transient failures are retried: a value, not code in a loop."""

    max_attempts: int = 6
    base_delay: float = 0.25
    max_delay: float = 20.0
    jitter: float = 0.5  # +/- share of the delay drawn at random, so retries do not align
    max_throttled: int = MAX_THROTTLED_RETRIES  # 429s waited out before giving up
    timeout: float | None = None  # seconds per request; None: the client's own

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Delay before retry number ``attempt`` (1-based)."""
        raw = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        spread = (rng or random).uniform(-self.jitter, self.jitter)
        return max(0.0, raw * (1.0 + spread))


# A call someone waits for (a token check, a listing for the new-job form) sets a short policy for the
# clients created while it runs (``with call_policy(...)``); jobs keep the clients' own.
_CALL_POLICY: ContextVar[RetryPolicy | None] = ContextVar("tenantsim_call_policy", default=None)


@contextlib.contextmanager
def call_policy(policy: RetryPolicy) -> Iterator[None]:
    """Clients created inside the block (and given no policy of their own) use ``policy``."""
    token = _CALL_POLICY.set(policy)
    try:
        yield
    finally:
        _CALL_POLICY.reset(token)


class PlatformProfile(Protocol):
    """Platform-specific knowledge the HTTP layer needs (one per connector, in its client.py)."""

    name: str

    def bucket_for(self, method: str, path: str) -> str: ...

    def default_limit(self, bucket: str) -> int: ...

    def concurrency(self) -> int: ...

    def read_limits(self, response: httpx.Response) -> tuple[int, int, float] | None: ...

    def retry_after(self, response: httpx.Response) -> float | None: ...

    def classify(self, response: httpx.Response) -> PlatformError | None: ...


@dataclass
class BucketFigures:
    calls: int = 0
    throttled: int = 0
    retries: int = 0
    failures: int = 0
    waited_seconds: float = 0.0
    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"calls": self.calls, "throttled": self.throttled, "retries": self.retries,
                "failures": self.failures, "waited_seconds": round(self.waited_seconds, 3),
                "limit": self.limit, "remaining": self.remaining, "reset_at": self.reset_at}


@dataclass
class HttpStats:
    """Per tenant and bucket: what one job's calls did. Shown in GET /api/jobs/<id>."""

    buckets: dict[str, BucketFigures] = field(default_factory=lambda: defaultdict(BucketFigures))
    status_counts: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def figures(self, tenant: str, bucket: str) -> BucketFigures:
        return self.buckets[f"{tenant} {bucket}"]

    def as_dict(self) -> dict[str, Any]:
        total_calls = sum(b.calls for b in self.buckets.values())
        total_throttled = sum(b.throttled for b in self.buckets.values())
        return {
            "calls": total_calls,
            "throttled": total_throttled,
            "waited_seconds": round(sum(b.waited_seconds for b in self.buckets.values()), 3),
            "by_status": {str(k): v for k, v in sorted(self.status_counts.items())},
            "buckets": {name: figs.as_dict() for name, figs in sorted(self.buckets.items())},
        }


def _sendable(value: str) -> bool:
    return all(" " <= ch <= "~" for ch in value)


class ResilientClient:
    """An httpx.AsyncClient that paces, retries and classifies. One per (tenant, token)."""

    def __init__(self, base_url: str, *, headers: dict[str, str], tenant: str, token_id: str,
                 profile: PlatformProfile, budgets: BudgetRegistry, capacity: float = 1.0,
                 retry: RetryPolicy | None = None, transport: httpx.AsyncBaseTransport | None = None,
                 timeout: float = 30.0, stats: HttpStats | None = None,
                 observer: CallObserver | None = None, auth: httpx.Auth | None = None) -> None:
        if not all(_sendable(value) for value in headers.values()):
            # A token with non-ASCII or control characters cannot be any platform's, and cannot be
            # sent in a header at all: refuse it here rather than fail inside httpx.
            raise FatalError(f"{profile.name}: the token contains characters no token has", 400,
                             "invalid_token")
        self.base_url = base_url.rstrip("/")
        self._base = httpx.URL(self.base_url)
        self._origin = (self._base.scheme, self._base.host, self._base.port)
        self.tenant = tenant
        self.token_id = token_id
        self.profile = profile
        self.budgets = budgets
        self.capacity = capacity
        self.retry = retry or _CALL_POLICY.get() or RetryPolicy()
        timeout = self.retry.timeout or timeout
        self.stats = stats or HttpStats()
        self.observer = observer
        self._rng = random.Random()
        self._gate = budgets.gate(tenant, token_id, profile.concurrency())
        # A platform that caps reads apart from writes (Asana: 50 / 15 per token) says so.
        read_cap = getattr(profile, "read_concurrency", None)
        self._read_gate = budgets.gate(tenant, f"{token_id}:read", read_cap()) if callable(read_cap) else None
        # ``auth``: credentials that change over time (an OAuth access token renewed before it expires).
        in_flight = profile.concurrency() + (read_cap() if callable(read_cap) else 0)
        # a connection for each call that may be in flight, all kept alive between calls
        self._client = PlatformClient(
            headers=headers, transport=transport, timeout=timeout, follow_redirects=False,
            verify=tls_context(), auth=auth,
            limits=httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight))
        self._sender = Sender(self._client)

    def _target(self, path_or_url: str, params: dict[str, Any] | None) -> httpx.URL:
        """The call's URL, parsed once: given a string, httpx parses it again at each step (the
        client's base, the request, the query), which costs more than some calls' own work. Params
        given replace the URL's query, as httpx does."""
        link = path_or_url.startswith(("http://", "https://"))
        if not link and "?" not in path_or_url and "#" not in path_or_url:
            return joined(self._base, path_or_url, params)  # no parsing again of what the base holds
        url = path_or_url if link else f"{self.base_url}/{path_or_url.lstrip('/')}"
        target = httpx.URL(url) if params is None else httpx.URL(url, params=params)
        if link and (target.scheme, target.host, target.port) != self._origin:
            # A platform's own links (pagination) may be followed, never to another origin: the
            # request carries the token, and the org URL was checked against SSRF, not the link.
            raise FatalError(f"{self.profile.name}: refused a link to another host", 0, "foreign_link")
        return target

    def _gate_for(self, method: str) -> asyncio.Semaphore:
        if self._read_gate is not None and method.upper() in SAFE_METHODS:
            return self._read_gate
        return self._gate

    async def request(self, method: str, path_or_url: str, *, params: dict[str, Any] | None = None,
                      json: Any = None, data: dict[str, Any] | None = None,
                      headers: dict[str, str] | None = None, bucket: str | None = None,
                      once: bool = False) -> httpx.Response:
        """``headers`` (a bearer token that is refreshed) and ``data`` (a form body) are per request.
        ``once``: a create whose caller settles it through its intent when no answer comes (looks the
        object up, adopts it or makes it again), so it is never sent twice blindly (OutcomeUnknown)."""
        url = self._target(path_or_url, params)
        path = url.path
        bucket = bucket or self.profile.bucket_for(method, path)
        budget = self.budgets.budget(self.tenant, bucket, self.token_id, self.profile.default_limit(bucket))
        figures = self.stats.figures(self.tenant, bucket)
        gate = self._gate_for(method)
        if method.upper() not in SAFE_METHODS:
            await write_ahead.before_change()  # the job's intent (or mark) is durable before the call
        attempt = 0
        throttled = 0
        while True:
            slot = await budget.acquire(self.capacity)
            figures.waited_seconds += slot.waited
            figures.calls += 1
            try:
                async with gate:
                    response = await self._sender.send(method, url, json=json, data=data, headers=headers)
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                attempt += 1
                self._notify(method, bucket, 0)
                if once and isinstance(exc, MAYBE_RECEIVED):
                    figures.failures += 1
                    raise OutcomeUnknown(f"{self.profile.name} {method} {path}: {type(exc).__name__}; not "
                                         "sent again, it may have been made") from None
                if attempt >= self.retry.max_attempts:
                    figures.failures += 1
                    raise Retriable(f"{self.profile.name} {method} {path}: {type(exc).__name__} after "
                                    f"{attempt} attempts") from None
                figures.retries += 1
                await self._backoff(attempt, None, figures)
                continue
            received = budget.now()
            self.stats.status_counts[response.status_code] += 1
            self._notify(method, bucket, response.status_code)
            limits = self.profile.read_limits(response)
            if limits is not None:
                budget.observe(*limits, ticket=slot.ticket, received_at=received)
                figures.limit, figures.remaining, figures.reset_at = limits
            if response.status_code == 429 or self._throttled(response):
                wait = self.profile.retry_after(response)
                wait = 1.0 if wait is None else wait
                figures.throttled += 1
                # A 429 with a window count means the window is spent; without one, a concurrency cap.
                budget.throttled(wait, exhausted=limits is not None)
                throttled += 1
                if throttled > self.retry.max_throttled:
                    figures.failures += 1
                    raise RateLimited(f"{self.profile.name} {method} {path}: still rate limited", wait)
                continue  # the budget makes the next acquire wait exactly until the reset
            if response.status_code >= 500:
                attempt += 1
                if attempt < self.retry.max_attempts:
                    figures.retries += 1
                    await self._backoff(attempt, _retry_after_header(response), figures)
                    continue
            if 300 <= response.status_code < 400:  # redirects are not followed (follow_redirects=False)
                figures.failures += 1
                raise FatalError(f"{self.profile.name} {method} {path}: answered {response.status_code} "
                                 "(a redirect); redirects are not followed", response.status_code, "redirect")
            error = self.profile.classify(response)
            if error is not None:
                figures.failures += 1
                raise error
            return response

    def _throttled(self, response: httpx.Response) -> bool:
        """A platform that signals throttling with another status (Google: some 403s) says so."""
        check = getattr(self.profile, "throttled", None)
        return bool(callable(check) and check(response))

    async def _backoff(self, attempt: int, asked: float | None, figures: BucketFigures) -> None:
        """Jittered exponential backoff; a Retry-After on a 5xx is honoured when it asks for longer."""
        delay = self.retry.delay(attempt, self._rng)
        if asked is not None:
            delay = max(delay, min(asked, self.retry.max_delay))
        figures.waited_seconds += delay
        await asyncio.sleep(delay)

    def _notify(self, method: str, bucket: str, status: int) -> None:
        if self.observer is not None:
            self.observer(self.profile.name, self.tenant, bucket, method, status)

    async def aclose(self) -> None:
        await self._client.aclose()


class CallObserver(Protocol):
    """Told about every platform call (metrics). Must be cheap and never raise."""

    def __call__(self, platform: str, tenant: str, bucket: str, method: str, status: int) -> None: ...
