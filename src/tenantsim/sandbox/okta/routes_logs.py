"""``GET /api/v1/logs``: reading the System Log the way Okta's System Log API does (see ``syslog.py``)."""

from __future__ import annotations

import bisect
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.responses import Response

from tenantsim.sandbox.okta import errors as err
from tenantsim.sandbox.okta.call import Call, Handler, ok
from tenantsim.sandbox.okta.model import now
from tenantsim.sandbox.okta.query import compile_expression

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
_DEFAULT_WINDOW = timedelta(days=7)


def _timestamp(name: str, raw: str) -> float:
    try:
        moment = datetime.fromisoformat(raw.strip().replace(" ", "+"))
    except ValueError:
        raise err.OktaApiError(400, "E0000030", "Bad request. Invalid date. Dates must be of the form "
                               "yyyy-MM-dd'T'HH:mm:ss.SSSZZ, e.g. 2013-01-01T12:00:00.000-07:00.",
                               [f"{name}: Invalid date"]) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _cursor(entries: list[tuple[int, float, dict[str, Any]]], index: int) -> str:
    seq, at, _ = entries[index]
    return f"{int(at * 1000)}_{seq}"


def _after(raw: str) -> int:
    try:
        return int(raw.rsplit("_", 1)[-1])
    except ValueError:
        raise err.validation("after", "after: Invalid cursor") from None


def _keywords(q: str | None) -> list[str]:
    words = (q or "").lower().split()
    if len(words) > 10 or any(len(word) > 40 for word in words):
        raise err.validation("q", "q: At most 10 keywords of at most 40 characters each")
    return words


async def list_logs(call: Call) -> Response:
    log = call.org.log
    entries = log.entries
    order = (call.query("sortOrder") or "ASCENDING").upper()
    if order not in ("ASCENDING", "DESCENDING"):
        raise err.validation("sortOrder", "sortOrder: must be ASCENDING or DESCENDING")
    limit = call.limit(DEFAULT_LIMIT, MAX_LIMIT)
    until_raw, since_raw = call.query("until"), call.query("since")
    until = _timestamp("until", until_raw) if until_raw else None
    since = (_timestamp("since", since_raw) if since_raw
             else (until if until is not None else now()) - _DEFAULT_WINDOW.total_seconds())
    if until is not None and since > until:
        raise err.validation("since", "since: must not be after until")
    filt = call.query("filter")
    predicate = compile_expression(filt) if filt else None
    words = _keywords(call.query("q"))
    after_raw = call.query("after")
    polling = until is None and order == "ASCENDING"

    def matches(index: int) -> bool:
        seq, _, event = entries[index]
        if predicate is not None and not predicate(event):
            return False
        return not words or all(word in log.text(seq, event) for word in (words))

    chosen: list[int] = []
    more = False
    last_scanned = -1
    if order == "ASCENDING":
        start = bisect.bisect_left(entries, since, key=lambda e: e[1])
        if after_raw:
            start = max(start, bisect.bisect_right(entries, _after(after_raw), key=lambda e: e[0]))
        last_scanned = start - 1
        for index in range(start, len(entries)):
            if until is not None and entries[index][1] >= until:
                break
            if not matches(index):
                last_scanned = index
                continue
            if len(chosen) == limit:
                more = True
                break
            chosen.append(index)
            last_scanned = index
    else:
        stop = len(entries) if until is None else bisect.bisect_left(entries, until, key=lambda e: e[1])
        if after_raw:
            stop = min(stop, bisect.bisect_left(entries, _after(after_raw), key=lambda e: e[0]))
        for index in range(stop - 1, -1, -1):
            if entries[index][1] < since:
                break
            if not matches(index):
                continue
            if len(chosen) == limit:
                more = True
                break
            chosen.append(index)

    next_after: str | None = None
    if more and chosen:
        next_after = _cursor(entries, chosen[-1])
    elif polling:
        # Nothing more yet: the next poll resumes after everything scanned (or where this one began).
        if last_scanned >= 0:
            next_after = _cursor(entries, last_scanned)
        else:
            next_after = after_raw or "0_0"
    return ok([entries[index][2] for index in chosen], links=call.links("/api/v1/logs", limit, next_after))


ROUTES: list[tuple[str, str, Handler]] = [("GET", "/api/v1/logs", list_logs)]

