"""Calling Claude: one tool-use request per batch, retries that honour retry-after, token
accounting, and the decision to fall back (with one notice) when Anthropic keeps failing.

The API key lives only inside the SDK client: it is never logged, stored or put in a message.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime
from typing import Any

import anthropic

from tenantsim.content.anthropic_prompts import SYSTEM_PROMPT, TOOLS, clean_items
from tenantsim.content.base import NoticeCallback, UsageCallback
from tenantsim.errors import AuthError, FatalError, Retriable

log = logging.getLogger("tenantsim.content.anthropic")

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
MAX_TOKENS = {"people": 2048, "projects": 8192, "tasks": 8192, "comments": 8192}
REASONS = {401: "rejected the API key (HTTP 401)", 403: "refused the request (HTTP 403)",
           429: "kept rate-limiting us (HTTP 429)", 529: "stayed overloaded (HTTP 529)"}
Sleep = Callable[[float], Awaitable[None]]


def retry_after(response: Any) -> float | None:
    """Seconds the server asked us to wait (retry-after-ms, retry-after seconds or HTTP date)."""
    if response is None:
        return None
    headers = response.headers
    try:
        if "retry-after-ms" in headers:
            return max(0.0, float(headers["retry-after-ms"]) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class ModelCaller:
    """Tool-use calls to one model with our own retry loop (the SDK's retries are off)."""

    def __init__(self, api_key: str, model: str, *, base_url: str | None, on_usage: UsageCallback | None,
                 on_notice: NoticeCallback | None, max_attempts: int = 4, max_retry_wait: float = 60.0,
                 cooldown: float = 300.0, timeout: float = 120.0, sleep: Sleep = asyncio.sleep) -> None:
        self._client = anthropic.AsyncAnthropic(api_key=api_key, base_url=base_url, max_retries=0,
                                                timeout=timeout)
        self.model = model
        self._on_usage = on_usage
        self._on_notice = on_notice
        self._max_attempts = max(1, max_attempts)
        self._max_retry_wait = max_retry_wait
        self._cooldown = cooldown
        self._sleep = sleep
        self._degraded_until = 0.0
        self.calls = 0  # requests sent (answered or not), for benchmarks and tests

    def available(self) -> bool:
        return time.monotonic() >= self._degraded_until

    def _degrade(self, reason: str, permanent: bool = False) -> None:
        if not self.available():
            return
        self._degraded_until = math.inf if permanent else time.monotonic() + self._cooldown
        minutes = max(1, round(self._cooldown / 60))
        span = "for the rest of this job" if permanent else f"for the next {minutes} min"
        self._notice(f"Content: Anthropic {reason}; using offline content {span}.")

    def _notice(self, sentence: str) -> None:
        log.warning("%s", sentence)
        if self._on_notice is not None:
            self._on_notice(sentence)

    def _record_usage(self, usage: Any) -> None:
        if usage is None or self._on_usage is None:
            return
        cached = (getattr(usage, "cache_creation_input_tokens", 0) or 0) + (
            getattr(usage, "cache_read_input_tokens", 0) or 0)
        self._on_usage(int(usage.input_tokens or 0) + int(cached), int(usage.output_tokens or 0))

    def _backoff(self, attempt: int) -> float:
        return min(self._max_retry_wait, 2.0 ** (attempt - 1)) * (1 + random.random() * 0.25)

    def _request(self, kind: str, prompt: str) -> dict[str, Any]:
        tool = TOOLS[kind]
        return {
            "model": self.model,
            "max_tokens": MAX_TOKENS[kind],
            # Fixed instructions after the fixed tool: the cacheable prefix of every call.
            "system": [{"type": "text", "text": SYSTEM_PROMPT, "cache_control": {"type": "ephemeral"}}],
            "tools": [tool],
            "tool_choice": {"type": "tool", "name": tool["name"]},
            "messages": [{"role": "user", "content": prompt}],
        }

    async def call(self, kind: str, prompt: str) -> list[dict[str, Any]] | None:
        """One tool-use request, retried; None when it failed for good (the provider is then degraded)."""
        for attempt in range(1, self._max_attempts + 1):
            if not self.available():
                return None
            self.calls += 1
            try:
                response = await self._client.messages.create(**self._request(kind, prompt))
            except anthropic.APIStatusError as exc:
                status = exc.status_code
                if status not in RETRY_STATUSES:
                    reason = REASONS.get(status, f"failed (HTTP {status})")
                    self._degrade(reason, permanent=status in (401, 403))
                    return None
                wait = retry_after(exc.response)
                wait = self._backoff(attempt) if wait is None else wait
                if attempt == self._max_attempts or wait > self._max_retry_wait:
                    self._degrade(REASONS.get(status, f"kept failing (HTTP {status})"))
                    return None
                log.info("anthropic %s call: HTTP %s, retry %d/%d in %.2fs", kind, status, attempt,
                         self._max_attempts - 1, wait)
                await self._sleep(wait)
                continue
            except anthropic.APIConnectionError:
                if attempt == self._max_attempts:
                    self._degrade("could not be reached")
                    return None
                await self._sleep(self._backoff(attempt))
                continue
            self._record_usage(response.usage)
            block = next((b for b in response.content if getattr(b, "type", "") == "tool_use"), None)
            items = clean_items(kind, getattr(block, "input", None))
            if items:
                return items
            log.info("anthropic %s call: no usable items (stop_reason=%s)", kind, response.stop_reason)
        return []

    async def aclose(self) -> None:
        await self._client.close()


async def check_anthropic_key(api_key: str, *, model: str, base_url: str | None = None) -> None:
    """A cheap authenticated call (the model's metadata) to prove the key works before a job starts.

    Raises AuthError on 401/403, FatalError when the model does not exist, Retriable when Anthropic
    cannot be reached or answers 429/5xx. Messages carry status codes only, never the key.
    """
    client = anthropic.AsyncAnthropic(api_key=api_key, base_url=base_url, max_retries=1, timeout=20.0)
    try:
        await client.models.retrieve(model)
    except anthropic.APIStatusError as exc:
        status = exc.status_code
        if status in (401, 403):
            raise AuthError(f"Anthropic rejected the API key (HTTP {status})", status) from None
        if status == 404:
            raise FatalError(f"Anthropic model {model!r} was not found (HTTP 404)", status) from None
        raise Retriable(f"Anthropic could not check the key right now (HTTP {status})", status) from None
    except anthropic.APIConnectionError:
        raise Retriable("Anthropic could not be reached to check the key", 0) from None
    finally:
        await client.close()
