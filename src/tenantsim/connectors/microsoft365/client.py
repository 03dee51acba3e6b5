"""Microsoft Graph v1.0 over the shared resilient HTTP layer: the client-credentials flow (a client secret,
or a certificate's signed client assertion), delegated tokens for the people who post in Teams, Graph's
``@odata.nextLink`` pages, Planner's ETags, and Graph's errors mapped to the errors.py taxonomy.

Throttling: Graph answers 429 with ``Retry-After`` (waited out exactly; the budget learns a smaller
quota). Identity calls also report ``x-ms-throttle-limit-percentage`` once more than 80 % of the
tenant's window is used, and ``x-ms-resource-unit`` (what the request cost): the budget adopts that
count, so it slows down before Graph has to refuse anything.
"""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import jwt

from tenantsim.connectors.http import CallObserver, HttpStats, ResilientClient
from tenantsim.connectors.kit.profile import TableLimits
from tenantsim.connectors.kit.tokens import TokenCache
from tenantsim.connectors.microsoft365.config import authority_for
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

# Calls per minute, per bucket (Graph's limits are per 10 s in resource units; these are a cautious
# reading for a small tenant: identity writes, Teams, Planner).
DOCUMENTED_LIMITS = {"directory": 3000, "teams": 1200, "planner": 1200, "token": 600, "default": 1200}
CONCURRENCY = 16
REFRESH_BEFORE = 300.0  # seconds before expiry a token is replaced
ASSERTION_LIFETIME = 600
SCOPE = "https://graph.microsoft.com/.default"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
APP = "app"  # the token id of the application's own calls
# A create (or a member added) refused because it is there: a resend of one that had in fact succeeded.
DUPLICATE = ("already exists", "references already exist", "another object with the same value",
             "conflicting object")


def error_fields(response: httpx.Response) -> tuple[str | None, str, bool]:
    """Graph's error code, its message, and whether it is an OAuth (token endpoint) error."""
    try:
        body = response.json()
    except ValueError:
        return None, response.reason_phrase or "error", False
    if not isinstance(body, dict):
        return None, response.reason_phrase or "error", False
    error = body.get("error")
    if isinstance(error, str):  # the token endpoint: {"error": "invalid_client", "error_description": ...}
        return error, str(body.get("error_description") or error)[:300], True
    if not isinstance(error, dict):
        return None, response.reason_phrase or "error", False
    return (str(error.get("code")) if error.get("code") else None,
            str(error.get("message") or response.reason_phrase or "error")[:300], False)


def is_duplicate(error: PlatformError) -> bool:
    """A create refused because the object exists (a retried create that had in fact succeeded)."""
    return error.status in (400, 409) and any(text in error.message.lower() for text in DUPLICATE)


def classify(response: httpx.Response) -> PlatformError | None:
    status = response.status_code
    if status < 400:
        return None
    code, summary, oauth = error_fields(response)
    message = f"Microsoft Graph {status} {code or ''}: {summary}".replace("  ", " ")
    if oauth or status == 401:
        return AuthError(message, status, code)
    if status == 429:
        return RateLimited(message, 1.0, status, code)
    if status == 403:  # a permission the app or the person lacks: the change is skipped, the job goes on
        return AuthError(message, status, code)
    if status == 404:
        return NotFoundOnPlatform(message, status, code)
    if status in (400, 409, 412, 422):  # 400 Request_BadRequest "already exists", 412 a stale ETag
        return Skippable(message, status, code)
    if status >= 500:
        return Retriable(message, status, code)
    return FatalError(message, status, code)


def bucket_of(path: str) -> str:
    if "/oauth2/" in path:
        return "token"
    if "/planner/" in path:
        return "planner"
    if "/teams/" in path or path.endswith("/team"):
        return "teams"
    return "directory"


class GraphProfile(TableLimits):
    """What the HTTP layer needs to know about Microsoft Graph."""

    name = "Microsoft Graph"

    def __init__(self, limits: dict[str, int] | None = None, concurrency: int = CONCURRENCY,
                 window_seconds: float = 60.0, clock: Callable[[], float] = time.time) -> None:
        super().__init__(DOCUMENTED_LIMITS, limits, concurrency)
        self._window = window_seconds
        self._clock = clock

    def bucket_for(self, method: str, path: str) -> str:
        return bucket_of(path)

    def read_limits(self, response: httpx.Response) -> tuple[int, int, float] | None:
        """``x-ms-throttle-limit-percentage`` (0.8–1.8: the share of the window's quota used so far) as a
        window count in calls: the budget then spreads what is left over the rest of the window. The
        request's cost (``x-ms-resource-unit``) scales a call into resource units."""
        share = _number(response.headers.get("x-ms-throttle-limit-percentage"))
        if share is None:
            return None
        cost = max(1.0, _number(response.headers.get("x-ms-resource-unit")) or 1.0)
        limit = self.default_limit(bucket_of(response.request.url.path))
        used = min(limit, round(share * limit))
        # A request that costs several resource units spends the rest faster: fewer calls remain.
        remaining = max(0, int((limit - used) / cost))
        return limit, remaining, self._clock() + self._window

    def retry_after(self, response: httpx.Response) -> float | None:
        return _number(response.headers.get("Retry-After"))

    def classify(self, response: httpx.Response) -> PlatformError | None:
        return classify(response)


def _number(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class AppCredentials:
    """The app registration: a secret, or a certificate (private key + SHA-1 thumbprint)."""

    tenant_id: str
    client_id: str
    client_secret: str | None = None
    private_key: str | None = None
    thumbprint: str | None = None

    def form(self, token_url: str, now: float) -> dict[str, str]:
        """The token request's form fields for the client-credentials grant."""
        form = {"grant_type": "client_credentials", "client_id": self.client_id, "scope": SCOPE}
        if self.private_key and self.thumbprint:
            form["client_assertion_type"] = ASSERTION_TYPE
            form["client_assertion"] = self.assertion(token_url, now)
        elif self.client_secret:
            form["client_secret"] = self.client_secret
        else:
            raise AuthError("Microsoft 365: no client_secret or certificate to sign in with", 0,
                            "no_credential")
        return form

    def assertion(self, token_url: str, now: float) -> str:
        """The certificate's client assertion: a JWT (RS256) with the thumbprint as ``x5t``."""
        claims = {"aud": token_url, "iss": self.client_id, "sub": self.client_id, "jti": str(uuid.uuid4()),
                  "nbf": int(now), "iat": int(now), "exp": int(now) + ASSERTION_LIFETIME}
        x5t = base64.urlsafe_b64encode(bytes.fromhex(str(self.thumbprint))).decode().rstrip("=")
        try:
            return jwt.encode(claims, str(self.private_key), algorithm="RS256", headers={"x5t": x5t})
        except (ValueError, TypeError, jwt.PyJWTError):  # never say more: the message could quote the key
            raise AuthError("Microsoft 365: certificate_private_key is not a usable RSA key", 0,
                            "invalid_key") from None


def tenant_for(tenant_id: str) -> str:
    return f"m365:{tenant_id.lower()}"


def directory_object(base: str, object_id: str) -> dict[str, str]:
    return {"@odata.id": f"{base}/directoryObjects/{object_id}"}


class GraphClient:
    """The app acting in one tenant, and the people whose delegated tokens the job holds acting as
    themselves (``as_token``). ``name`` labels the ledger's actor; never a secret."""

    def __init__(self, credentials: AppCredentials, *, domain: str, api_base_url: str | None = None,
                 budgets: BudgetRegistry, capacity: float = 1.0,
                 transport: httpx.AsyncBaseTransport | None = None, stats: HttpStats | None = None,
                 observer: CallObserver | None = None, timeout: float = 30.0,
                 profile: GraphProfile | None = None, clock: Callable[[], float] = time.time) -> None:
        self.credentials = credentials
        self.name = f"app {credentials.client_id}"
        self.domain = domain
        base = (api_base_url or "https://graph.microsoft.com").rstrip("/")
        self.graph = f"{base}/v1.0"
        self.token_url = f"{authority_for(api_base_url)}/{quote(credentials.tenant_id)}/oauth2/v2.0/token"
        self.tenant = tenant_for(credentials.tenant_id)
        self._settings: dict[str, Any] = {"budgets": budgets, "capacity": capacity, "transport": transport,
                                          "stats": stats, "observer": observer, "timeout": timeout}
        self._profile = profile or GraphProfile(window_seconds=budgets.window_seconds, clock=clock)
        self._clock = clock
        self._http: dict[tuple[str, str], ResilientClient] = {}
        self._token = TokenCache(clock, REFRESH_BEFORE)
        self.token_requests = 0  # how many app tokens were minted (tests)

    def _client(self, base: str, token_id: str) -> ResilientClient:
        found = self._http.get((base, token_id))
        if found is None:
            found = ResilientClient(base, headers={"Accept": "application/json"}, tenant=self.tenant,
                                    token_id=token_id, profile=self._profile, **self._settings)
            self._http[(base, token_id)] = found
        return found

    # -- OAuth ----------------------------------------------------------------------------------------
    async def access_token(self) -> str:
        """The app's token, from the cache while it has five minutes left."""

        async def exchange(now: float) -> tuple[str, float]:
            http = self._client(self.token_url, "token")
            response = await http.request("POST", self.token_url, bucket="token",
                                          data=self.credentials.form(self.token_url, now))
            body = response.json()
            token = body.get("access_token") if isinstance(body, dict) else None
            if not isinstance(token, str) or not token:
                raise AuthError("Microsoft 365: the token endpoint answered without an access token", 0,
                                "no_token")
            self.token_requests += 1
            return token, now + float(body.get("expires_in") or 3600)

        return await self._token.get(APP, exchange)  # one exchange at a time

    def forget_token(self) -> None:
        self._token.forget(APP)

    async def raw(self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None,
                  as_token: str | None = None, token_id: str | None = None,
                  headers: dict[str, str] | None = None, once: bool = False) -> httpx.Response:
        """One Graph call, as the app (a 401 fetches a new app token, once) or with a person's delegated
        ``as_token`` (``token_id`` names it for the budget; a 401 there is that token's end). ``once``: a
        create its intent settles when no answer comes (never resent blindly)."""
        http = self._client(self.graph, (token_id or "delegated") if as_token else APP)
        for attempt in (1, 2):
            token = as_token or await self.access_token()
            try:
                return await http.request(method, path, params=params, json=json, once=once,
                                          headers={"Authorization": f"Bearer {token}", **(headers or {})})
            except AuthError as exc:
                if exc.status == 401 and attempt == 1 and as_token is None:
                    self.forget_token()
                    continue
                raise
        raise AssertionError("unreachable")

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.raw(method, path, **kwargs)
        if response.status_code in (202, 204) or not response.content:
            return None
        return response.json()

    async def pages(self, path: str, params: dict[str, Any] | None = None, *, as_token: str | None = None,
                    token_id: str | None = None) -> AsyncIterator[dict[str, Any]]:
        """Every item of a listing, following ``@odata.nextLink`` (only ever to the same host)."""
        url: str = path
        query: dict[str, Any] | None = dict(params or {})
        while True:
            body = await self.call("GET", url, params=query, as_token=as_token, token_id=token_id) or {}
            for item in body.get("value") or []:
                yield item
            link = body.get("@odata.nextLink")
            if not link:
                return
            url, query = str(link), None

    def ref(self, object_id: str) -> dict[str, str]:
        return directory_object(self.graph, object_id)

    # -- who --------------------------------------------------------------------------------------------
    async def check_app(self) -> None:
        """The app signs in and may read the directory (one user, only its id)."""
        await self.call("GET", "/users", params={"$top": 1, "$select": "id"})

    async def me(self, token: str, token_id: str) -> dict[str, Any]:
        return dict(await self.call("GET", "/me", as_token=token, token_id=token_id) or {})

    # -- users ------------------------------------------------------------------------------------------
    async def get_user(self, key: str, select: str | None = None) -> dict[str, Any]:
        params = {"$select": select} if select else None
        return dict(await self.call("GET", f"/users/{quote(key, safe='@')}", params=params))

    async def find_user(self, upn: str) -> dict[str, Any] | None:
        try:
            return await self.get_user(upn, "id,userPrincipalName,createdDateTime,accountEnabled")
        except NotFoundOnPlatform:
            return None

    def users(self, select: str | None = None) -> AsyncIterator[dict[str, Any]]:
        return self.pages("/users", {"$top": 999, **({"$select": select} if select else {})})

    async def create_user(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self.call("POST", "/users", json=body, once=True))

    async def patch_user(self, user_id: str, body: dict[str, Any]) -> None:
        await self.call("PATCH", f"/users/{quote(user_id, safe='@')}", json=body)

    async def delete_user(self, user_id: str) -> None:
        await self.call("DELETE", f"/users/{quote(user_id, safe='@')}")

    async def set_manager(self, user_id: str, manager_id: str) -> None:
        await self.call("PUT", f"/users/{quote(user_id)}/manager/$ref", json=self.ref(manager_id))

    async def remove_manager(self, user_id: str) -> None:
        await self.call("DELETE", f"/users/{quote(user_id)}/manager/$ref")

    async def get_manager(self, user_id: str) -> dict[str, Any] | None:
        try:
            return dict(await self.call("GET", f"/users/{quote(user_id)}/manager"))
        except NotFoundOnPlatform:
            return None

    # -- groups -----------------------------------------------------------------------------------------
    async def create_group(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self.call("POST", "/groups", json=body, once=True))

    async def find_group(self, mail_nickname: str) -> dict[str, Any] | None:
        nickname = mail_nickname.replace("'", "''")
        async for group in self.pages("/groups", {"$filter": f"mailNickname eq '{nickname}'"}):
            return dict(group)
        return None

    async def get_group(self, group_id: str) -> dict[str, Any] | None:
        try:
            return dict(await self.call("GET", f"/groups/{quote(group_id)}"))
        except NotFoundOnPlatform:
            return None

    async def delete_group(self, group_id: str) -> None:
        await self.call("DELETE", f"/groups/{quote(group_id)}")

    async def add_member(self, group_id: str, user_id: str) -> None:
        try:
            await self.call("POST", f"/groups/{quote(group_id)}/members/$ref", json=self.ref(user_id))
        except Skippable as exc:
            if not is_duplicate(exc):  # "One or more added object references already exist"
                raise

    async def remove_member(self, group_id: str, user_id: str) -> None:
        try:
            await self.call("DELETE", f"/groups/{quote(group_id)}/members/{quote(user_id)}/$ref")
        except NotFoundOnPlatform:
            pass  # not a member (any more)

    async def members(self, group_id: str) -> list[dict[str, Any]]:
        return [m async for m in self.pages(f"/groups/{quote(group_id)}/members",
                                            {"$select": "id,userPrincipalName"})]

    # -- Teams ------------------------------------------------------------------------------------------
    async def create_team(self, group_id: str) -> dict[str, Any]:
        """A team on a Microsoft 365 group (it comes with its General channel)."""
        return dict(await self.call("PUT", f"/groups/{quote(group_id)}/team", json={
            "memberSettings": {"allowCreateUpdateChannels": True},
            "messagingSettings": {"allowUserEditMessages": True, "allowUserDeleteMessages": True},
            "funSettings": {"allowGiphy": True, "giphyContentRating": "strict"}}) or {"id": group_id})

    async def get_team(self, team_id: str) -> dict[str, Any] | None:
        try:
            return dict(await self.call("GET", f"/teams/{quote(team_id)}"))
        except NotFoundOnPlatform:
            return None

    async def channels(self, team_id: str) -> list[dict[str, Any]]:
        return [c async for c in self.pages(f"/teams/{quote(team_id)}/channels")]

    async def create_channel(self, team_id: str, name: str, description: str) -> dict[str, Any]:
        return dict(await self.call("POST", f"/teams/{quote(team_id)}/channels", json={
            "displayName": name, "description": description, "membershipType": "standard"}, once=True))

    async def post_message(self, team_id: str, channel_id: str, text: str, *, token: str, token_id: str,
                           reply_to: str | None = None) -> dict[str, Any]:
        """A channel message (or a reply to one) written by the owner of the delegated ``token``."""
        path = f"/teams/{quote(team_id)}/channels/{quote(channel_id)}/messages"
        if reply_to:
            path += f"/{quote(reply_to)}/replies"
        return dict(await self.call("POST", path, json={"body": {"contentType": "text", "content": text}},
                                    as_token=token, token_id=token_id))

    async def messages(self, team_id: str, channel_id: str) -> list[dict[str, Any]]:
        return [m async for m in self.pages(f"/teams/{quote(team_id)}/channels/{quote(channel_id)}/messages")]

    # -- Planner ----------------------------------------------------------------------------------------
    async def create_plan(self, group_id: str, title: str) -> dict[str, Any]:
        return dict(await self.call("POST", "/planner/plans", json={
            "title": title, "owner": group_id,
            "container": {"url": f"https://graph.microsoft.com/v1.0/groups/{group_id}",
                          "containerId": group_id, "type": "group"}}, once=True))

    async def plans(self, group_id: str) -> list[dict[str, Any]]:
        return [p async for p in self.pages(f"/groups/{quote(group_id)}/planner/plans")]

    async def create_bucket(self, plan_id: str, name: str, order_hint: str) -> dict[str, Any]:
        return dict(await self.call("POST", "/planner/buckets",
                                    json={"name": name, "planId": plan_id, "orderHint": order_hint},
                                    once=True))

    async def buckets(self, plan_id: str) -> list[dict[str, Any]]:
        return [b async for b in self.pages(f"/planner/plans/{quote(plan_id)}/buckets")]

    async def create_task(self, body: dict[str, Any], *, token: str | None = None,
                          token_id: str | None = None) -> dict[str, Any]:
        return dict(await self.call("POST", "/planner/tasks", json=body, as_token=token, token_id=token_id,
                                    once=True))

    async def get_task(self, task_id: str) -> dict[str, Any] | None:
        try:
            return dict(await self.call("GET", f"/planner/tasks/{quote(task_id)}"))
        except NotFoundOnPlatform:
            return None

    async def plan_tasks(self, plan_id: str) -> list[dict[str, Any]]:
        return [t async for t in self.pages(f"/planner/plans/{quote(plan_id)}/tasks")]

    async def update_task(self, task_id: str, changes: dict[str, Any], *, etag: str | None = None,
                          token: str | None = None, token_id: str | None = None) -> str | None:
        """PATCH a task with its ETag; a stale ETag (412) is re-read and the change sent once more.
        Returns the task's new ETag when Graph says it (``Prefer: return=representation``)."""
        for attempt in (1, 2):
            if etag is None:
                current = await self.get_task(task_id)
                if current is None:
                    raise NotFoundOnPlatform(f"Planner task {task_id} not found", 404, "NotFound")
                etag = str(current.get("@odata.etag") or "")
            try:
                response = await self.raw("PATCH", f"/planner/tasks/{quote(task_id)}", json=changes,
                                          as_token=token, token_id=token_id,
                                          headers={"If-Match": etag, "Prefer": "return=representation"})
            except Skippable as exc:
                if exc.status == 412 and attempt == 1:
                    etag = None
                    continue
                raise
            if response.content:
                body = response.json()
                if isinstance(body, dict) and body.get("@odata.etag"):
                    return str(body["@odata.etag"])
            return None
        raise AssertionError("unreachable")

    async def delete_task(self, task_id: str) -> None:
        current = await self.get_task(task_id)
        if current is None:
            return
        await self.raw("DELETE", f"/planner/tasks/{quote(task_id)}",
                       headers={"If-Match": str(current.get("@odata.etag") or "")})

    async def aclose(self) -> None:
        clients = list(self._http.values())
        self._http.clear()
        await asyncio.gather(*(c.aclose() for c in clients))
