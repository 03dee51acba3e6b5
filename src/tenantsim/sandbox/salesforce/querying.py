"""Running a parsed SOQL query against the org, and the server-side cursors behind nextRecordsUrl.

A query's whole result is rendered when it runs (Salesforce also fixes the result set then); the pages
after the first are served from a cursor ``<locator>-<offset>`` until the last one has been read.
"""

from __future__ import annotations

import re
import secrets
from collections import OrderedDict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tenantsim.sandbox.salesforce import errors as err
from tenantsim.sandbox.salesforce.org import Org, Record
from tenantsim.sandbox.salesforce.render import API, attributes
from tenantsim.sandbox.salesforce.soql import Condition, Literal, Path, Query
from tenantsim.sandbox.salesforce.values import parse_date, parse_datetime

DEFAULT_BATCH = 2000
MIN_BATCH = 200
MAX_CURSORS = 50  # Salesforce keeps a user's ten newest open cursors per API; the sandbox is generous


def _follow(org: Org, record: Record | None, path: Path) -> tuple[Record | None, Any]:
    """The record at the end of the path's relationships, and the field's value there."""
    current = record
    for hop in path.hops:
        if current is None:
            return None, None
        target = current.get(hop.name)
        current = org.find(target, deleted=True) if target else None
    if current is None:
        return None, None
    return current, current.get(path.field.name)


def _range(name: str, amount: int, today: date) -> tuple[date, date]:
    week = today - timedelta(days=(today.weekday() + 1) % 7)  # weeks start on Sunday in the default locale
    month = today.replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    previous_month = (month - timedelta(days=1)).replace(day=1)
    spans = {
        "TODAY": (today, today + timedelta(days=1)),
        "YESTERDAY": (today - timedelta(days=1), today),
        "TOMORROW": (today + timedelta(days=1), today + timedelta(days=2)),
        "THIS_WEEK": (week, week + timedelta(days=7)),
        "LAST_WEEK": (week - timedelta(days=7), week),
        "NEXT_WEEK": (week + timedelta(days=7), week + timedelta(days=14)),
        "THIS_MONTH": (month, next_month),
        "LAST_MONTH": (previous_month, month),
        "NEXT_MONTH": (next_month, (next_month + timedelta(days=32)).replace(day=1)),
        "THIS_YEAR": (date(today.year, 1, 1), date(today.year + 1, 1, 1)),
        "LAST_YEAR": (date(today.year - 1, 1, 1), date(today.year, 1, 1)),
        "LAST_90_DAYS": (today - timedelta(days=90), today + timedelta(days=1)),
        "NEXT_90_DAYS": (today + timedelta(days=1), today + timedelta(days=91)),
        "LAST_N_DAYS": (today - timedelta(days=amount), today + timedelta(days=1)),
        "NEXT_N_DAYS": (today + timedelta(days=1), today + timedelta(days=amount + 1)),
    }
    return spans[name]


class _Evaluator:
    def __init__(self, org: Org, now: float) -> None:
        self.org = org
        self.today = datetime.fromtimestamp(now, UTC).date()

    def matches(self, record: Record, cond: Condition) -> bool:
        if cond.op == "and":
            return all(self.matches(record, part) for part in cond.parts)
        if cond.op == "or":
            return any(self.matches(record, part) for part in cond.parts)
        if cond.op == "not":
            return not self.matches(record, cond.parts[0])
        assert cond.path is not None
        _, value = _follow(self.org, record, cond.path)
        kind = cond.path.field.kind
        if cond.op in ("in", "nin"):
            hit = any(self.compare(kind, value, "=", lit) for lit in cond.values)
            return hit if cond.op == "in" else not hit and value is not None
        if cond.op == "like":
            if value is None:
                return False
            pattern = re.escape(str(cond.values[0].value).lower()).replace("%", ".*").replace("_", ".")
            return re.fullmatch(pattern, str(value).lower(), re.DOTALL) is not None
        return self.compare(kind, value, cond.compare, cond.values[0])

    def compare(self, kind: str, value: Any, op: str, lit: Literal) -> bool:
        if lit.kind == "null":
            return (value is None) == (op == "=")
        if value is None:
            return op == "!="
        if lit.kind == "range":
            start, end = _range(str(lit.value), int(lit.end or 0), self.today)
            held = self._as_date(kind, value)
            if held is None:
                return False
            starts, ends = (start, end) if kind == "d" else (_midnight(start), _midnight(end))
            return {
                "=": starts <= held < ends,
                "!=": not starts <= held < ends,
                "<": held < starts,
                "<=": held < ends,
                ">": held >= ends,
                ">=": held >= starts,
            }[op]
        left: Any
        right: Any
        if kind in ("n", "i"):
            left, right = float(value), float(lit.value)
        elif kind == "b":
            left, right = bool(value), bool(lit.value)
        elif kind in ("d", "t"):
            left, right = self._as_date(kind, value), lit.value
            if left is None:
                return False
        else:
            left, right = str(value).lower(), str(lit.value).lower()  # SOQL compares text case-insensitively
        return {
            "=": left == right,
            "!=": left != right,
            "<": left < right,
            "<=": left <= right,
            ">": left > right,
            ">=": left >= right,
        }[op]

    @staticmethod
    def _as_date(kind: str, value: Any) -> Any:
        return parse_date(str(value)) if kind == "d" else parse_datetime(str(value))


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _sort_key(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def run(org: Org, query: Query, now: float, *, deleted: bool = False) -> tuple[int, list[dict[str, Any]]]:
    evaluator = _Evaluator(org, now)
    kind = query.sobject.name
    rows = [
        r
        for r in org.records.values()
        if r["attributes"]["type"] == kind and (deleted or not r.get("IsDeleted"))
    ]
    if query.where is not None:
        rows = [r for r in rows if evaluator.matches(r, query.where)]
    for path, descending, nulls_last in reversed(query.order):
        present = [r for r in rows if _follow(org, r, path)[1] is not None]
        absent = [r for r in rows if _follow(org, r, path)[1] is None]
        present.sort(key=lambda r: _sort_key(_follow(org, r, path)[1]), reverse=descending)
        rows = present + absent if nulls_last else absent + present
    rows = rows[query.offset :]
    if query.limit is not None:
        rows = rows[: query.limit]
    if query.count:
        return len(rows), []
    return len(rows), [_render(org, query, row) for row in rows]


def _render(org: Org, query: Query, row: Record) -> dict[str, Any]:
    out: dict[str, Any] = {"attributes": attributes(row["attributes"]["type"], row["Id"])}
    for path in query.fields:
        holder = out
        current: Record | None = row
        for index, hop in enumerate(path.hops):
            name = path.names[index]
            target = current.get(hop.name) if current is not None else None
            current = org.find(target, deleted=True) if target else None
            if current is None:
                holder.setdefault(name, None)
                break
            nested = holder.get(name)
            if nested is None:
                nested = holder[name] = {
                    "attributes": attributes(current["attributes"]["type"], current["Id"])
                }
            holder = nested
        else:
            holder[path.field.name] = current.get(path.field.name) if current is not None else None
    return out


class Cursors:
    """Open query cursors by locator; the oldest is dropped when too many are open."""

    def __init__(self) -> None:
        self._open: OrderedDict[str, tuple[int, list[dict[str, Any]], str, int]] = OrderedDict()

    def clear(self) -> None:
        self._open.clear()

    def page(self, total: int, rows: list[dict[str, Any]], size: int, endpoint: str) -> dict[str, Any]:
        if len(rows) <= size:
            return {"totalSize": total, "done": True, "records": rows}
        locator = "01g" + secrets.token_hex(6).upper()[:12] + "AAA"
        self._open[locator] = (total, rows, endpoint, size)
        while len(self._open) > MAX_CURSORS:
            self._open.popitem(last=False)
        return {
            "totalSize": total,
            "done": False,
            "nextRecordsUrl": f"{API}/{endpoint}/{locator}-{size}",
            "records": rows[:size],
        }

    def more(self, raw: str) -> dict[str, Any]:
        """The page at ``<locator>-<offset>``, as large as the query's first one."""
        locator, _, start_text = raw.partition("-")
        held = self._open.get(locator)
        if held is None or not start_text.isdigit():
            raise err.ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        total, rows, endpoint, size = held
        start = int(start_text)
        chunk = rows[start : start + size]
        if start + size >= len(rows):
            del self._open[locator]  # a cursor read to its end is closed
            return {"totalSize": total, "done": True, "records": chunk}
        return {
            "totalSize": total,
            "done": False,
            "nextRecordsUrl": f"{API}/{endpoint}/{locator}-{start + size}",
            "records": chunk,
        }


def batch_size(header: str | None) -> int:
    """``Sforce-Query-Options: batchSize=500``: 200 to 2000, as Salesforce allows."""
    if not header:
        return DEFAULT_BATCH
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key.strip() == "batchSize" and value.strip().isdigit():
            return max(MIN_BATCH, min(DEFAULT_BATCH, int(value.strip())))
    return DEFAULT_BATCH
