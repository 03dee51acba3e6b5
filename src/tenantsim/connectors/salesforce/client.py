"""Salesforce over the shared resilient HTTP layer: OAuth 2.0 (client credentials, or the JWT bearer flow
signed RS256 with the connected app's key), the REST API v59.0 (sObjects, SOQL with ``nextRecordsUrl``
paging, Composite and sObject Collections to batch), Salesforce's error lists mapped to the errors.py
taxonomy, and pacing to the org's daily API allocation.

Pacing. Salesforce counts API calls per org over a rolling 24 hours and says where the org stands in
every answer (``Sforce-Limit-Info: api-usage=N/M``). The job may use ``max_api_capacity`` percent of M a
day: its budget is the shared ratelimit ``Budget`` in rate mode over a day-long window — a steady
``share / day`` with a small burst, never more than the share in any 24 hours — so the share is spread
over the day instead of spent in the morning. M is learned from the header. The day is a day even when a
sandbox compresses the per-minute windows of the other platforms (its allocation stays a day too).

When the org has no calls left (``REQUEST_LIMIT_EXCEEDED``, TotalRequests) the client raises
``AllocationExhausted``: retrying cannot help until the rolling window frees calls, so the job stops.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import jwt

from tenantsim.connectors.http import CallObserver, HttpStats, ResilientClient
from tenantsim.connectors.kit.profile import retry_after_seconds
from tenantsim.connectors.kit.tokens import TokenCache
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.connectors.salesforce.config import API_VERSION, login_url
from tenantsim.errors import (
    AuthError,
    FatalError,
    NotFoundOnPlatform,
    PlatformError,
    QuotaExhausted,
    RateLimited,
    Retriable,
    Skippable,
)

DOCUMENTED_DAILY = 15_000  # a Developer Edition org's allocation, until the org's header says otherwise
DAY_SECONDS = 86_400.0  # Salesforce's rolling window for the daily allocation
CONCURRENCY = 10  # Salesforce allows 25 long-running calls per org; a job keeps well below
COLLECTION_SIZE = 200  # records per sObject Collections call
COMPOSITE_SIZE = 25  # subrequests per Composite call
ASSERTION_LIFETIME = 180  # seconds: Salesforce accepts a JWT bearer assertion up to 3 minutes old
TOKEN_LIFETIME = 3600.0  # Salesforce does not say; a session outlives this, and a 401 refreshes it anyway
DATA_PATH = f"/services/data/v{API_VERSION}"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")
NOT_FOUND_CODES = frozenset({"NOT_FOUND", "ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY"})
AUTH_CODES = frozenset({"INVALID_SESSION_ID", "INVALID_AUTH_HEADER"})


class AllocationExhausted(QuotaExhausted):
    """The org's daily API allocation is used up (REQUEST_LIMIT_EXCEEDED): nothing more can be done
    until the rolling 24 hours free some calls. The job stops rather than retrying."""


def _errors(response: httpx.Response) -> tuple[str | None, str, list[str], bool]:
    """Salesforce's error code, message and fields; and whether it is an OAuth (token endpoint) error.
    REST errors are ``[{"message", "errorCode", "fields"}]``."""
    try:
        body = response.json()
    except ValueError:
        return None, response.reason_phrase or "error", [], False
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return body["error"], str(body.get("error_description") or body["error"])[:300], [], True
    first = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else body
    if not isinstance(first, dict):
        return None, response.reason_phrase or "error", [], False
    code = first.get("errorCode") or first.get("statusCode")
    fields = [str(f) for f in first.get("fields") or []]
    return (
        (str(code) if code else None),
        str(first.get("message") or response.reason_phrase or "error")[:300],
        fields,
        False,
    )


def classify(response: httpx.Response) -> PlatformError | None:
    status = response.status_code
    if status < 400:
        return None
    code, summary, fields, oauth = _errors(response)
    where = f" ({', '.join(fields)})" if fields else ""
    message = f"Salesforce {status} {code or ''}: {summary}{where}".replace("  ", " ")
    if oauth:
        return AuthError(message, status if status == 401 else 401, code)
    if code == "REQUEST_LIMIT_EXCEEDED":
        if "concurrent" in summary.lower():  # too many long calls at once: wait, not stop
            return RateLimited(message, 5.0, status, code)
        return AllocationExhausted(
            f"Salesforce: the org's daily API allocation is used up ({summary})", status, code
        )
    if status == 401 or code in AUTH_CODES:
        return AuthError(message, 401, code)
    if status == 404 or code in NOT_FOUND_CODES:
        return NotFoundOnPlatform(message, status, code)
    if status == 403:
        return AuthError(message, status, code)
    if status in (400, 409, 412, 415, 422):  # REQUIRED_FIELD_MISSING, INVALID_FIELD, DUPLICATE_VALUE…
        return Skippable(message, status, code)
    if status >= 500:
        return Retriable(message, status, code)
    return FatalError(message, status, code)


def item_error(result: dict[str, Any]) -> str:
    """The first error of one sObject Collections result (``{"id", "success", "errors"}``)."""
    errors = [e for e in result.get("errors") or [] if isinstance(e, dict)]
    if not errors:
        return "failed"
    first = errors[0]
    fields = first.get("fields") or []
    where = f" ({', '.join(map(str, fields))})" if fields else ""
    return f"{first.get('statusCode') or first.get('errorCode') or 'error'}: {first.get('message')}{where}"


@dataclass
class Usage:
    """Where the org stands in its rolling 24 hours, from the last Sforce-Limit-Info."""

    used: int | None = None
    allocation: int | None = None


class SalesforceProfile:
    """What the HTTP layer needs to know about Salesforce. ``read_limits`` also keeps the org's usage and
    teaches the daily budget the org's real allocation."""

    name = "Salesforce"

    def __init__(
        self,
        on_usage: Callable[[int, int], None] | None = None,
        concurrency: int = CONCURRENCY,
        daily: int = DOCUMENTED_DAILY,
    ) -> None:
        self.usage = Usage()
        self._on_usage = on_usage
        self._concurrency = concurrency
        self._daily = daily

    def bucket_for(self, method: str, path: str) -> str:
        return "api" if "/services/data/" in path else "token"

    def default_limit(self, bucket: str) -> int:
        return self._daily if bucket == "api" else 300

    def concurrency(self) -> int:
        return self._concurrency

    def read_limits(self, response: httpx.Response) -> tuple[int, int, float] | None:
        match = _USAGE.search(response.headers.get("Sforce-Limit-Info") or "")
        if match is not None:
            used, allocation = int(match.group(1)), int(match.group(2))
            changed = allocation != self.usage.allocation
            self.usage = Usage(used, allocation)
            if changed and self._on_usage is not None:
                self._on_usage(used, allocation)
        return None  # a rolling day has no window edges: the budget paces in rate mode

    def retry_after(self, response: httpx.Response) -> float | None:
        return retry_after_seconds(response)

    def classify(self, response: httpx.Response) -> PlatformError | None:
        return classify(response)


def tenant_for(instance_url: str) -> str:
    parts = urlsplit(instance_url)
    return f"salesforce:{(parts.netloc or instance_url).lower()}{parts.path.rstrip('/')}"


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str | None = None
    username: str | None = None
    private_key: str | None = None

    def grant(self, audience: str, now: float) -> dict[str, str]:
        """The token request's form: the JWT bearer flow when there is a key, else client credentials."""
        if self.private_key:
            claims = {
                "iss": self.client_id,
                "sub": self.username,
                "aud": audience,
                "exp": int(now) + ASSERTION_LIFETIME,
            }
            try:
                assertion = jwt.encode(claims, self.private_key, algorithm="RS256")
            except (ValueError, TypeError, jwt.PyJWTError):  # never say more: the message could quote the key
                raise AuthError(
                    "Salesforce: the private_key is not a usable RSA key", 0, "invalid_key"
                ) from None
            return {"grant_type": JWT_GRANT, "assertion": assertion}
        return {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret or "",
        }


class SalesforceClient:
    """The job's connected app in one org. ``name`` labels the ledger's actor; never a secret."""

    def __init__(
        self,
        instance_url: str,
        credentials: Credentials,
        *,
        budgets: BudgetRegistry,
        capacity: float = 1.0,
        transport: httpx.AsyncBaseTransport | None = None,
        stats: HttpStats | None = None,
        observer: CallObserver | None = None,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.time,
        day_seconds: float = DAY_SECONDS,
    ) -> None:
        self.instance_url = instance_url.rstrip("/")
        self.credentials = credentials
        self.name = credentials.username or "connected app"
        self.tenant = tenant_for(self.instance_url)
        self.budgets = budgets
        self.capacity = capacity
        self.day_seconds = day_seconds
        # The daily budget exists before the HTTP layer asks for it, so it has the day-long window.
        budgets.budget(self.tenant, "api", "org", DOCUMENTED_DAILY, window_seconds=self.day_seconds)
        self.profile = SalesforceProfile(on_usage=self._learn_allocation)
        self.base = f"{self.instance_url}{DATA_PATH}"
        self._http = ResilientClient(
            self.instance_url,
            headers={"Accept": "application/json"},
            tenant=self.tenant,
            token_id="org",
            profile=self.profile,
            budgets=budgets,
            capacity=capacity,
            transport=transport,
            stats=stats,
            observer=observer,
            timeout=timeout,
        )
        self._token = TokenCache(clock)
        self.token_requests = 0  # how many tokens were fetched (tests)
        self.user_id: str | None = None  # the user the app acts as, from the token's identity URL

    def _learn_allocation(self, used: int, allocation: int) -> None:
        self.budgets.set_limit(self.tenant, allocation)

    @property
    def usage(self) -> Usage:
        return self.profile.usage

    def daily_share(self) -> int:
        """Calls the job may make in any 24 hours: its share of the org's allocation."""
        allocation = self.usage.allocation or DOCUMENTED_DAILY
        return max(1, int(allocation * self.capacity))

    # -- OAuth ----------------------------------------------------------------------------------------
    async def access_token(self) -> str:
        async def fetch(now: float) -> tuple[str, float]:
            form = self.credentials.grant(login_url(self.instance_url), now)
            response = await self._http.request("POST", "/services/oauth2/token", data=form, bucket="token")
            body = response.json()
            access = body.get("access_token") if isinstance(body, dict) else None
            if not isinstance(access, str) or not access:
                raise AuthError(
                    "Salesforce: the token endpoint answered without an access token", 0, "no_token"
                )
            self.token_requests += 1
            identity = str(body.get("id") or "")  # .../id/<org id>/<user id>: who the app acts as
            self.user_id = identity.rstrip("/").rsplit("/", 1)[-1] if "/id/" in identity else None
            return access, now + TOKEN_LIFETIME

        return await self._token.get("app", fetch)  # one exchange at a time

    def forget_token(self) -> None:
        self._token.forget("app")

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        once: bool = False,
    ) -> Any:
        """One REST call (``path`` under /services/data/vXX.X, or a full ``nextRecordsUrl``). A 401
        (INVALID_SESSION_ID: the session expired or was revoked) fetches a new token, once. ``once``: a
        create its intent settles when no answer comes (never resent blindly)."""
        prefix = urlsplit(self.instance_url).path  # an emulator mounted under a path
        if prefix and path.startswith(f"{prefix}/services/"):
            path = path[len(prefix) :]
        url = path if path.startswith("/services/") else f"{self.base}{path}"
        for attempt in (1, 2):
            token = await self.access_token()
            try:
                response = await self._http.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    headers={"Authorization": f"Bearer {token}"},
                    once=once,
                )
            except AuthError as exc:
                if exc.status == 401 and attempt == 1:
                    self.forget_token()
                    continue
                raise
            if response.status_code == 204 or not response.content:
                return None
            return response.json()
        raise AssertionError("unreachable")

    # -- records --------------------------------------------------------------------------------------
    async def query(self, soql: str) -> list[dict[str, Any]]:
        """Every record a SOQL query returns, following ``nextRecordsUrl``."""
        body = await self.call("GET", "/query", params={"q": soql}) or {}
        records = list(body.get("records") or [])
        while not body.get("done", True) and body.get("nextRecordsUrl"):
            body = await self.call("GET", str(body["nextRecordsUrl"])) or {}
            records.extend(body.get("records") or [])
        return records

    async def create(self, sobject: str, fields: dict[str, Any], *, once: bool = False) -> str:
        made = await self.call("POST", f"/sobjects/{sobject}", json=fields, once=once)
        return str(made["id"])

    async def update(self, sobject: str, record_id: str, fields: dict[str, Any]) -> None:
        await self.call("PATCH", f"/sobjects/{sobject}/{quote(record_id)}", json=fields)

    async def delete(self, sobject: str, record_id: str) -> None:
        await self.call("DELETE", f"/sobjects/{sobject}/{quote(record_id)}")

    async def get(self, sobject: str, record_id: str, fields: Sequence[str] = ()) -> dict[str, Any]:
        params = {"fields": ",".join(fields)} if fields else None
        return dict(await self.call("GET", f"/sobjects/{sobject}/{quote(record_id)}", params=params))

    async def create_many(
        self, sobject: str, records: Sequence[dict[str, Any]], *, once: bool = False
    ) -> list[dict[str, Any]]:
        """sObject Collections, 200 at a time, each record on its own (allOrNone false): one result per
        record, in order (``{"id", "success", "errors"}``). ``once``: a call whose answer is lost raises
        OutcomeUnknown (send at most 200 then, so the caller knows which records to settle)."""
        results: list[dict[str, Any]] = []
        for start in range(0, len(records), COLLECTION_SIZE):
            chunk = [{"attributes": {"type": sobject}, **r} for r in records[start : start + COLLECTION_SIZE]]
            answer = await self.call(
                "POST", "/composite/sobjects", json={"allOrNone": False, "records": chunk}, once=once
            )
            results.extend(answer or [])
        return results

    async def update_many(self, sobject: str, records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        for start in range(0, len(records), COLLECTION_SIZE):
            chunk = [{"attributes": {"type": sobject}, **r} for r in records[start : start + COLLECTION_SIZE]]
            answer = await self.call(
                "PATCH", "/composite/sobjects", json={"allOrNone": False, "records": chunk}
            )
            results.extend(answer or [])
        return results

    async def delete_many(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        for start in range(0, len(ids), COLLECTION_SIZE):
            chunk = ",".join(ids[start : start + COLLECTION_SIZE])
            answer = await self.call(
                "DELETE", "/composite/sobjects", params={"ids": chunk, "allOrNone": "false"}
            )
            results.extend(answer or [])
        return results

    async def composite(
        self, subrequests: Sequence[dict[str, Any]], *, all_or_none: bool = True, once: bool = False
    ) -> list[dict[str, Any]]:
        """Up to 25 dependent subrequests in one call (``{"method", "url", "referenceId", "body"}``, a later
        one may name an earlier one's id as ``@{ref.id}``); their answers, in order."""
        if len(subrequests) > COMPOSITE_SIZE:
            raise ValueError(f"a Composite request holds at most {COMPOSITE_SIZE} subrequests")
        requests = [
            {**r, "url": r["url"] if r["url"].startswith("/services/") else f"{DATA_PATH}{r['url']}"}
            for r in subrequests
        ]
        body = (
            await self.call(
                "POST",
                "/composite",
                json={"allOrNone": all_or_none, "compositeRequest": requests},
                once=once,
            )
            or {}
        )
        return list(body.get("compositeResponse") or [])

    async def limits(self) -> dict[str, Any]:
        return dict(await self.call("GET", "/limits") or {})

    async def aclose(self) -> None:
        await self._http.aclose()
