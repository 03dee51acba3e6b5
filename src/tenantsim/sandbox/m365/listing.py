"""Directory collections: ``$filter``, ``$search``, ``$orderby``, ``$count``, ``$top`` and ``@odata.nextLink``
paging with ``$skiptoken``, the same for users, groups, members and direct reports."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from starlette.responses import PlainTextResponse, Response

from tenantsim.sandbox.m365 import errors as err
from tenantsim.sandbox.m365 import query as q
from tenantsim.sandbox.m365.call import Call, ok

MAX_TOP = 999
_SAFE = "$,'()"  # Graph leaves these unencoded in its nextLinks
DEFAULT_TOP = 100


@dataclass(frozen=True)
class Kind:
    name: str  # "user", "group"
    resource: str  # "User", "Group": how filter errors name it
    filterable: set[str]
    known: set[str]  # every property $select may name
    basic_order: set[str]  # $orderby without ConsistencyLevel: eventual
    advanced_order: set[str]
    searchable: set[str]


def _search(text: str, kind: Kind) -> Callable[[dict[str, Any]], bool]:
    """``$search="displayName:ann"``: tokens match word prefixes; several clauses are ANDed."""
    try:
        clauses = [c for c in shlex.split(text) if c.upper() not in ("AND",)]
    except ValueError:
        raise err.bad_request("Syntax error: invalid $search expression.") from None
    checks = []
    for clause in clauses:
        prop, colon, needle = clause.partition(":")
        if not colon or prop not in kind.searchable:
            raise err.bad_request(
                f"Unsupported property '{prop[:40]}' in $search, or the clause is not 'property:value'."
            )
        checks.append((prop, needle.lower()))

    def match(record: dict[str, Any]) -> bool:
        for prop, needle in checks:
            value = str(record.get(prop) or "").lower()
            words = value.replace("@", " ").replace(".", " ").split()
            if not (value.startswith(needle) or any(w.startswith(needle) for w in words)):
                return False
        return True

    return match


def collection(
    call: Call,
    kind: Kind,
    items: list[Any],
    fields: Callable[[Any], dict[str, Any]],
    render: Callable[[Any, list[str] | None], dict[str, Any]],
    context: str,
    extra: Callable[[Any, dict[str, Any]], None] | None = None,
) -> Response:
    advanced = call.eventual
    count = (call.query("$count") or "").lower()
    if count not in ("", "true", "false"):
        raise err.bad_request(f"Invalid value '{count[:10]}' for $count.")
    if count == "true" and not advanced:
        raise err.bad_request("$count is not currently supported.")
    select = q.parse_select(call.query("$select"), kind.known, kind.name)
    size = q.top(call.query("$top"), DEFAULT_TOP, MAX_TOP)
    records = [(item, fields(item)) for item in items]
    text = call.query("$filter")
    if text:
        keep = q.parse_filter(text, kind.filterable, kind.resource, advanced)
        records = [(i, r) for i, r in records if keep(r)]
    search = call.query("$search")
    if search:
        if not advanced:
            raise err.bad_request(
                "Request with $search query parameter only works through MSGraph with a special "
                "request header: 'ConsistencyLevel: eventual'"
            )
        keep = _search(search.strip('"'), kind)
        records = [(i, r) for i, r in records if keep(r)]
    order = q.parse_orderby(
        call.query("$orderby"), kind.basic_order | (kind.advanced_order if advanced else set())
    )
    if order is not None and text and not advanced:
        raise err.unsupported_query("Sorting not supported for current query.")
    prop, descending = order if order is not None else ("id", False)

    def key(record: dict[str, Any]) -> list[Any]:
        return [*q.sort_key(record.get(prop)), str(record["id"])]

    records.sort(key=lambda pair: key(pair[1]), reverse=descending)
    total = len(records)
    token = call.query("$skiptoken")
    if token:
        after = q.decode_token(token)
        records = [(i, r) for i, r in records if (key(r) < after if descending else key(r) > after)]
    page, more = records[:size], len(records) > size
    values = []
    for item, _ in page:
        rendered = render(item, select)
        if extra is not None:
            extra(item, rendered)
        values.append(rendered)
    body: dict[str, Any] = {"@odata.context": call.context(context)}
    if count == "true":
        body["@odata.count"] = total
    if more:
        params = [
            (k, v) for k, v in call.request.query_params.multi_items() if k not in ("$skiptoken", "skiptoken")
        ]
        params.append(("$skiptoken", q.encode_token(key(page[-1][1]))))
        path = call.request.url.path[len(_root(call)) :]
        body["@odata.nextLink"] = f"{call.base}{path}?{urlencode(params, safe=_SAFE, quote_via=quote)}"
    body["value"] = values
    return ok(body)


def _root(call: Call) -> str:
    return str(call.request.scope.get("root_path") or "").rstrip("/")


def count_only(call: Call, kind: Kind, items: list[Any], fields: Callable[[Any], dict[str, Any]]) -> Response:
    """``/users/$count``: a bare number, text/plain, for advanced queries only."""
    if not call.eventual:
        raise err.bad_request(
            "Count is not currently supported without the ConsistencyLevel: eventual header."
        )
    records = [fields(item) for item in items]
    text = call.query("$filter")
    if text:
        keep = q.parse_filter(text, kind.filterable, kind.resource, True)
        records = [r for r in records if keep(r)]
    return PlainTextResponse(str(len(records)))
