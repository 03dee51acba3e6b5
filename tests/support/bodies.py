"""Request bodies and waiting helpers shared by API and integration tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

OKTA_URL = "https://dev-123456.okta.com"


def asana_body(**overrides: Any) -> dict[str, Any]:
    body = {"industry": "technology", "workspace_gid": "123456789",
            "user_tokens": [{"name": "user1", "token": "good-asana-1"}],
            "content_provider": "offline", "time_scale": 200000.0, "activity_level": "high"}
    body.update(overrides)
    return body


def okta_body(**overrides: Any) -> dict[str, Any]:
    body = {"connection_type": "okta", "industry": "technology", "org_url": OKTA_URL, "org_size": "midsize",
            "initial_users": 50,
            "user_tokens": [{"name": "admin1", "token": "good-okta-1", "org_url": OKTA_URL}],
            "anthropic_api_key": None, "content_provider": "offline", "time_scale": 200000.0}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, message: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {message}")
