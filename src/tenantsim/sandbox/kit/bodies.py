"""A request's JSON body as the emulators' handlers take it: an object, or nothing for an empty body.

What the vendor answers for a body that is no JSON, or JSON but no object, is the caller's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request


async def json_object(request: Request, malformed: Callable[[], Exception],
                      not_an_object: Callable[[], Exception] | None = None) -> dict[str, Any]:
    """The body as a dict ({} when empty); raises ``malformed()`` for what is not JSON and
    ``not_an_object()`` (by default ``malformed()``) for JSON that is not an object."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise malformed() from None
    if not isinstance(data, dict):
        raise (not_an_object or malformed)()
    return data
