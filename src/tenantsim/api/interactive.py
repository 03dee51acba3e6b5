"""Platform calls someone is waiting for: token checks, ``/api/workspaces``, ``/api/okta/*``.

A job's calls are patient (retries with backoff, every 429 waited out); a person at the new-job form
is not. These calls get one attempt with a short timeout, no waiting on a 429 (the answer is a 429
with Retry-After), and a hard deadline, and a tenant that cannot be reached is said plainly:
"could not reach https://dev-123.okta.com: connection refused".
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx

from tenantsim.connectors.http import RetryPolicy, call_policy
from tenantsim.errors import PlatformError, RateLimited, Retriable

T = TypeVar("T")

DEADLINE_SECONDS = 3.0  # the whole call, whatever happens inside it
LISTING_DEADLINE_SECONDS = 10.0  # a listing may page (up to 1000 items, 200 a page)
# One attempt per request, a little under the deadline, so a refused or silent host is said as such.
INTERACTIVE = RetryPolicy(max_attempts=1, max_throttled=0, timeout=2.5)

_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")
_PLAIN = {
    "name or service not known": "no such host",
    "temporary failure in name resolution": "the host name could not be resolved",
    "nodename nor servname provided, or not known": "no such host",
}


def _reason(cause: BaseException | None, timeout: float) -> str:
    """What went wrong on the wire, in a few plain words."""
    if isinstance(cause, httpx.TimeoutException):
        return f"no answer within {timeout:g} s"
    if isinstance(cause, httpx.ConnectError):
        if _refused(cause):  # the socket's own answer, whatever words the async backend wrapped it in
            return "connection refused"
        text = _ERRNO.sub("", str(cause)).strip().rstrip(".")
        text = _PLAIN.get(text.lower(), text)
        return (text[:1].lower() + text[1:]) if text else "the connection failed"
    if isinstance(cause, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "the connection was dropped"
    return "the connection failed"


def _refused(exc: BaseException | None, depth: int = 0) -> bool:
    """A ConnectionRefusedError anywhere behind ``exc`` (causes, contexts, grouped errors)."""
    if exc is None or depth > 8:
        return False
    if isinstance(exc, ConnectionRefusedError):
        return True
    inner = list(getattr(exc, "exceptions", ()) or ())
    return any(_refused(e, depth + 1) for e in (exc.__cause__, exc.__context__, *inner))


def _network_cause(exc: BaseException) -> BaseException | None:
    """The httpx error behind a Retriable the HTTP layer raised (it raises ``from None``, which keeps
    the original as ``__context__``)."""
    seen = exc.__context__
    while seen is not None and not isinstance(seen, httpx.HTTPError):
        seen = seen.__context__
    return seen


async def interactive(call: Callable[[], Awaitable[T]], target: str,
                      deadline: float = DEADLINE_SECONDS) -> T:
    """Run ``call`` (which creates its platform clients) under the interactive policy and deadline.

    A tenant that cannot be reached is a 502 "could not reach <target>: <why>"; a platform that
    answers, however badly, is reported as it answered."""
    with call_policy(INTERACTIVE):
        try:
            async with asyncio.timeout(deadline):
                return await call()
        except TimeoutError:
            raise Retriable(f"could not reach {target}: no answer within {deadline:g} s") from None
        except RateLimited:
            raise
        except PlatformError as exc:
            if exc.status or not isinstance(exc, Retriable):
                raise  # the platform answered (401, 404, 5xx ...) or refused the request itself
            cause = _network_cause(exc)
            reason = _reason(cause, INTERACTIVE.timeout or deadline)
            raise Retriable(f"could not reach {target}: {reason}") from None
