"""The resilient HTTP layer: a table of retry / 429 behaviour on httpx.MockTransport, and pacing against
the Okta emulator over loopback with a compressed window (judged by the emulator's own counts)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable

import httpx
import pytest

from tenantsim.connectors.http import HttpStats, ResilientClient, RetryPolicy
from tenantsim.connectors.okta.client import OktaProfile
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.errors import (
    AuthError,
    FatalError,
    NotFoundOnPlatform,
    OutcomeUnknown,
    PlatformError,
    RateLimited,
    Retriable,
    Skippable,
)
from tenantsim.sandbox.okta import DEFAULT_TOKEN, create_app
from tests.support.servers import serve_asgi

SECRET = "tok-very-secret-123"
FAST = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.01, jitter=0.5)


class TableProfile:
    """A platform with one bucket, Retry-After on 429 and a plain status taxonomy."""

    name = "table"

    def bucket_for(self, method: str, path: str) -> str:
        return "all"

    def default_limit(self, bucket: str) -> int:
        return 100_000

    def concurrency(self) -> int:
        return 4

    def read_limits(self, response: httpx.Response) -> tuple[int, int, float] | None:
        return None

    def retry_after(self, response: httpx.Response) -> float | None:
        value = response.headers.get("Retry-After")
        return float(value) if value is not None else None

    def classify(self, response: httpx.Response) -> PlatformError | None:
        status = response.status_code
        if status < 400:
            return None
        kinds: dict[int, type[PlatformError]] = {401: AuthError, 404: NotFoundOnPlatform, 400: Skippable}
        if status >= 500:
            return Retriable(f"server said {status}", status)
        return kinds.get(status, FatalError)(f"platform said {status}", status)


Step = httpx.Response | type[Exception]


def scripted(steps: list[Step], seen: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    """Answers the scripted steps in order, then 200 forever. An exception class is raised instead."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        step = steps[len(seen) - 1] if len(seen) <= len(steps) else httpx.Response(200, json={"ok": True})
        if isinstance(step, type):
            raise step("scripted failure", request=request)
        return step

    return handler


def table_client(script: list[Step], seen: list[httpx.Request], *, stats: HttpStats | None = None,
                 retry: RetryPolicy = FAST) -> ResilientClient:
    return ResilientClient("https://platform.example", headers={"Authorization": f"Bearer {SECRET}"},
                           tenant="t", token_id="k", profile=TableProfile(), budgets=BudgetRegistry(),
                           retry=retry, transport=httpx.MockTransport(scripted(script, seen)), stats=stats)


def r(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, json={"status": status})


CASES = [
    # (name, script, expected error or None, calls sent, retries, throttled)
    ("ok", [r(200)], None, 1, 0, 0),
    ("5xx retried then ok", [r(503), r(502), r(200)], None, 3, 2, 0),
    ("5xx until attempts run out", [r(500)] * 4, Retriable, 4, 3, 0),
    ("connection reset retried", [httpx.RemoteProtocolError, r(200)], None, 2, 1, 0),
    ("connect error retried", [httpx.ConnectError, httpx.ConnectError, r(200)], None, 3, 2, 0),
    ("timeouts until attempts run out", [httpx.ReadTimeout] * 4, Retriable, 4, 3, 0),
    ("429 waits then goes on", [r(429, **{"Retry-After": "0.05"}), r(200)], None, 2, 0, 1),
    ("429 does not use up 5xx attempts", [r(429, **{"Retry-After": "0"})] * 3 + [r(500)] * 3 + [r(200)],
     None, 7, 3, 3),
    ("401 is not retried", [r(401)], AuthError, 1, 0, 0),
    ("404 is not retried", [r(404)], NotFoundOnPlatform, 1, 0, 0),
    ("400 is skippable at once", [r(400)], Skippable, 1, 0, 0),
    ("418 is fatal", [r(418)], FatalError, 1, 0, 0),
]


@pytest.mark.parametrize(("name", "script", "error", "sent", "retries", "throttled"), CASES,
                         ids=[c[0] for c in CASES])
async def test_retry_and_429_table(name: str, script: list[Step], error: type[Exception] | None, sent: int,
                                   retries: int, throttled: int) -> None:
    seen: list[httpx.Request] = []
    stats = HttpStats()
    client = table_client(script, seen, stats=stats)
    try:
        if error is None:
            response = await client.request("GET", "/things")
            assert response.status_code == 200
        else:
            with pytest.raises(error) as caught:
                await client.request("GET", "/things")
            assert SECRET not in str(caught.value)
    finally:
        await client.aclose()
    figures = stats.figures("t", "all")
    assert (len(seen), figures.retries, figures.throttled) == (sent, retries, throttled)
    assert figures.calls == sent


CREATE_CASES = [
    # (name, script, sent once, expected error or None, calls sent)
    ("a timed-out create is not sent again", [httpx.ReadTimeout], True, OutcomeUnknown, 1),
    ("a create cut off mid-answer is not sent again", [httpx.RemoteProtocolError], True, OutcomeUnknown, 1),
    ("a create whose answer broke off is not sent again", [httpx.ReadError], True, OutcomeUnknown, 1),
    ("a create that never connected is sent again", [httpx.ConnectError, r(200)], True, None, 2),
    ("a create the platform answered 503 is sent again", [r(503), r(200)], True, None, 2),
    ("any other POST is sent again after a timeout", [httpx.ReadTimeout, r(200)], False, None, 2),
]


@pytest.mark.parametrize(("name", "script", "once", "error", "sent"), CREATE_CASES,
                         ids=[c[0] for c in CREATE_CASES])
async def test_a_create_that_may_have_arrived_is_not_sent_twice(
        name: str, script: list[Step], once: bool, error: type[Exception] | None, sent: int) -> None:
    seen: list[httpx.Request] = []
    client = table_client(script, seen)
    try:
        if error is None:
            assert (await client.request("POST", "/things", json={}, once=once)).status_code == 200
        else:
            with pytest.raises(error):
                await client.request("POST", "/things", json={}, once=once)
    finally:
        await client.aclose()
    assert len(seen) == sent


@pytest.mark.parametrize(("path", "params"), [
    ("/api/v1/users", {"activate": True, "limit": 2, "q": "Ann Lee", "filter": 'profile.login eq "a+b@x"'}),
    ("api/v1/users/00u1/factors", {"activate": "false"}),
    ("/api/v1/groups", {}),
    ("/api/v1/groups", None),
    ("https://platform.example/api/v1/users?after=00u9&limit=200", None),
    ("https://platform.example/api/v1/users?after=00u9", {"limit": 200}),
])
async def test_the_url_sent_is_httpx_own_for_the_path_and_params(path: str, params: dict[str, object] | None,
                                                                  ) -> None:
    seen: list[httpx.Request] = []
    client = table_client([], seen)
    await client.request("GET", path, params=params)
    await client.aclose()
    absolute = path if path.startswith("https://") else f"https://platform.example/{path.lstrip('/')}"
    assert seen[0].url == httpx.Request("GET", absolute, params=params).url


async def test_a_link_to_another_host_is_refused() -> None:
    seen: list[httpx.Request] = []
    client = table_client([], seen)
    for link in ("https://evil.example/api/v1/users?after=x", "http://platform.example/api/v1/users",
                 "https://platform.example:8443/api/v1/users"):
        with pytest.raises(FatalError, match="another host"):
            await client.request("GET", link)
    await client.aclose()
    assert seen == []


async def test_a_429_waits_what_the_platform_asks_before_the_next_call() -> None:
    seen: list[httpx.Request] = []
    stats = HttpStats()
    client = table_client([r(429, **{"Retry-After": "0.3"})], seen, stats=stats)
    await client.request("GET", "/things")
    await client.aclose()
    assert stats.figures("t", "all").waited_seconds == pytest.approx(0.3, abs=0.05)


async def test_endless_429s_give_up_with_rate_limited() -> None:
    seen: list[httpx.Request] = []
    client = table_client([r(429, **{"Retry-After": "0"})] * 50, seen)
    with pytest.raises(RateLimited):
        await client.request("GET", "/things")
    await client.aclose()
    assert len(seen) == 21


async def test_a_503_retry_after_is_honoured() -> None:
    seen: list[httpx.Request] = []
    stats = HttpStats()
    patient = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=1.0)
    client = table_client([r(503, **{"Retry-After": "0.2"})], seen, stats=stats, retry=patient)
    await client.request("GET", "/things")
    await client.aclose()
    assert stats.figures("t", "all").waited_seconds >= 0.2


async def test_concurrency_is_capped_per_tenant_and_token() -> None:
    in_flight = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return httpx.Response(200, json={})

    budgets = BudgetRegistry()
    clients = [ResilientClient("https://platform.example", headers={}, tenant="t", token_id="k",
                               profile=TableProfile(), budgets=budgets,
                               transport=httpx.MockTransport(handler))
               for _ in range(3)]  # three jobs, one tenant and token: one cap of 4
    await asyncio.gather(*(c.request("GET", f"/x/{i}") for i in range(10) for c in clients))
    for client in clients:
        await client.aclose()
    assert peak == 4


async def test_okta_pacing_uses_nearly_all_of_each_window_without_429s() -> None:
    """Loopback against the emulator: 2 s windows, 40 user-bucket calls each; four busy workers."""
    limit, window = 40, 2.0
    sandbox = create_app(users=3, rate_limit=limit, window_seconds=window)
    per_window: dict[str, int] = defaultdict(lambda: limit)  # reset header -> least remaining seen
    with serve_asgi(sandbox) as base:
        budgets = BudgetRegistry(window_seconds=window)
        client = ResilientClient(base, headers={"Authorization": f"SSWS {DEFAULT_TOKEN}"},
                                 tenant="okta:test", token_id="org", profile=OktaProfile(), budgets=budgets)

        async def worker() -> None:
            for _ in range(75):  # eight windows' worth: whatever the phase, at least three whole inner ones
                response = await client.request("GET", "/api/v1/users", params={"limit": 1})
                reset = response.headers["X-Rate-Limit-Reset"]
                per_window[reset] = min(per_window[reset], int(response.headers["X-Rate-Limit-Remaining"]))

        await asyncio.gather(*(worker() for _ in range(4)))
        await client.aclose()
    served = sandbox.stats.bucket("users")
    assert served.requests == 300
    assert served.throttled <= 1  # the emulator's own count of 429s
    used = [limit - per_window[k] for k in sorted(per_window)][2:-1]  # after learning, before the tail
    assert len(used) >= 3
    assert min(used) >= 0.9 * limit, used


async def test_reads_and_writes_get_separate_caps_when_the_platform_has_them() -> None:
    in_flight: dict[str, int] = defaultdict(int)
    peak: dict[str, int] = defaultdict(int)

    async def handler(request: httpx.Request) -> httpx.Response:
        in_flight[request.method] += 1
        peak[request.method] = max(peak[request.method], in_flight[request.method])
        await asyncio.sleep(0.01)
        in_flight[request.method] -= 1
        return httpx.Response(200, json={})

    class SplitProfile(TableProfile):
        def concurrency(self) -> int:
            return 2  # writes

        def read_concurrency(self) -> int:
            return 5

    client = ResilientClient("https://platform.example", headers={}, tenant="t", token_id="k",
                             profile=SplitProfile(), budgets=BudgetRegistry(),
                             transport=httpx.MockTransport(handler))
    calls = [client.request(method, f"/x/{i}") for i in range(12) for method in ("GET", "POST")]
    await asyncio.gather(*calls)
    await client.aclose()
    assert peak == {"GET": 5, "POST": 2}
