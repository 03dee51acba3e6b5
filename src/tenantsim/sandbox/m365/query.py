"""OData query options as the directory serves them: ``$filter`` (eq, ne, startswith, endswith, in, any,
and/or/not), ``$select``, ``$orderby`` and ``$skiptoken`` paging.

Records are plain dicts of Graph property names (what ``render`` builds), so one parser serves users and
groups. Comparisons of strings are case-insensitive, as the directory's are. Operators that Graph only
allows in advanced queries (``ConsistencyLevel: eventual`` with ``$count=true``) are refused without them.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from tenantsim.sandbox.m365 import errors as err

Record = dict[str, Any]
Predicate = Callable[[Record], bool]
_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<punct>[(),:])|(?P<word>[A-Za-z0-9_./@+\-]+))")
_ADVANCED_OPS = {"ne", "not", "endswith"}


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise err.bad_request(
                f"Invalid filter clause: syntax error at position {position} in '{text[:80]}'."
            )
        position = match.end()
        if match["str"] is not None:
            out.append(("str", match["str"][1:-1].replace("''", "'")))
        elif match["punct"] is not None:
            out.append(("punct", match["punct"]))
        else:
            out.append(("word", match["word"]))
    return out


def _literal(kind: str, text: str) -> Any:
    if kind == "str":
        return text
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    raise err.bad_request(f"Invalid filter clause: '{text[:40]}' is not a value.")


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()
    return bool(left == right)


class _Parser:
    def __init__(self, text: str, fields: set[str], resource: str, advanced: bool) -> None:
        self.items = _tokens(text)
        self.at = 0
        self.fields = {name.lower(): name for name in fields}
        self.resource = resource
        self.advanced = advanced
        self.text = text

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def take(self) -> tuple[str, str]:
        item = self.peek()
        if item is None:
            raise err.bad_request("Invalid filter clause: unexpected end of the expression.")
        self.at += 1
        return item

    def expect(self, punct: str) -> None:
        kind, text = self.take()
        if (kind, text) != ("punct", punct):
            raise err.bad_request(f"Invalid filter clause: '{punct}' expected.")

    def word(self, value: str) -> bool:
        item = self.peek()
        return item is not None and item[0] == "word" and item[1].lower() == value

    def field(self, name: str) -> str:
        real = self.fields.get(name.lower())
        if real is None:
            raise err.unsupported_query(
                f"Unsupported or invalid query filter clause specified for property "
                f"'{name}' of resource '{self.resource}'."
            )
        return real

    def need_advanced(self, op: str) -> None:
        if op in _ADVANCED_OPS and not self.advanced:
            raise err.unsupported_query(
                f"Unsupported filter operator '{op}'. Use ConsistencyLevel: eventual "
                "and $count=true for advanced queries."
            )

    def parse(self) -> Predicate:
        predicate = self.or_expr()
        if self.peek() is not None:
            raise err.bad_request(f"Invalid filter clause: unexpected '{self.peek()[1]}'.")  # type: ignore[index]
        return predicate

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.word("or"):
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def and_expr(self) -> Predicate:
        parts = [self.unary()]
        while self.word("and"):
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def unary(self) -> Predicate:
        if self.word("not"):
            self.take()
            self.need_advanced("not")
            inner = self.unary()
            return lambda r: not inner(r)
        item = self.peek()
        if item == ("punct", "("):
            self.take()
            inner = self.or_expr()
            self.expect(")")
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        kind, name = self.take()
        if kind != "word":
            raise err.bad_request("Invalid filter clause: a property name was expected.")
        if name.lower() in ("startswith", "endswith"):
            return self.function(name.lower())
        if "/" in name:
            return self.any_of(name)
        prop = self.field(name)
        kind, op = self.take()
        op = op.lower()
        if op == "in":
            self.expect("(")
            values = [_literal(*self.take())]
            while self.peek() == ("punct", ","):
                self.take()
                values.append(_literal(*self.take()))
            self.expect(")")
            return lambda r: any(_same(r.get(prop), v) for v in values)
        if op not in ("eq", "ne"):
            raise err.bad_request(f"Invalid filter clause: operator '{op[:20]}' is not supported.")
        self.need_advanced(op)
        value = _literal(*self.take())
        if op == "eq":
            return lambda r: _same(r.get(prop), value)
        return lambda r: not _same(r.get(prop), value)

    def function(self, name: str) -> Predicate:
        self.need_advanced(name)
        self.expect("(")
        _, text = self.take()
        prop = self.field(text)
        self.expect(",")
        value = _literal(*self.take())
        self.expect(")")
        if not isinstance(value, str):
            raise err.bad_request(f"Invalid filter clause: {name} takes a string.")
        needle = value.lower()
        if name == "startswith":
            return lambda r: isinstance(r.get(prop), str) and str(r[prop]).lower().startswith(needle)
        return lambda r: isinstance(r.get(prop), str) and str(r[prop]).lower().endswith(needle)

    def any_of(self, name: str) -> Predicate:
        collection, _, lambda_op = name.partition("/")
        if lambda_op.lower() != "any":
            raise err.bad_request(f"Invalid filter clause: '{name[:40]}'.")
        prop = self.field(collection)
        self.expect("(")
        _, variable = self.take()
        self.expect(":")
        _, ref = self.take()
        _, op = self.take()
        if ref != variable or op.lower() != "eq":
            raise err.bad_request("Invalid filter clause: any() takes 'x: x eq value'.")
        value = _literal(*self.take())
        self.expect(")")
        return lambda r: any(_same(item, value) for item in (r.get(prop) or []))


def parse_filter(text: str, fields: set[str], resource: str, advanced: bool) -> Predicate:
    return _Parser(text, fields, resource, advanced).parse()


def parse_select(text: str | None, known: set[str], kind: str) -> list[str] | None:
    if not text:
        return None
    names = [part.strip() for part in text.split(",") if part.strip()]
    lookup = {name.lower(): name for name in known}
    out = []
    for name in names:
        if name.lower() not in lookup:
            raise err.unknown_property(name, kind)
        out.append(lookup[name.lower()])
    return out


def parse_orderby(text: str | None, allowed: set[str]) -> tuple[str, bool] | None:
    """One property, optionally ``desc``: the directory sorts on one property only."""
    if not text:
        return None
    parts = text.strip().split()
    if (
        len(parts) not in (1, 2)
        or "," in text
        or (len(parts) == 2 and parts[1].lower() not in ("asc", "desc"))
    ):
        raise err.unsupported_query("Sorting not supported for current query.")
    lookup = {name.lower(): name for name in allowed}
    if parts[0].lower() not in lookup:
        raise err.unsupported_query("Sorting not supported for current query.")
    return lookup[parts[0].lower()], len(parts) == 2 and parts[1].lower() == "desc"


def sort_key(value: Any) -> tuple[int, Any]:
    """None sorts last; strings case-insensitively."""
    if value is None:
        return (1, "")
    if isinstance(value, str):
        return (0, value.lower())
    return (0, value)


def top(value: str | None, default: int, maximum: int) -> int:
    if value is None or value == "":
        return default
    try:
        size = int(value)
    except ValueError:
        raise err.bad_request(
            f"Invalid page size specified: '{value[:20]}'. Must be between 1 and {maximum} inclusive."
        ) from None
    if size < 1 or size > maximum:
        raise err.bad_request(
            f"Invalid page size specified: '{size}'. Must be between 1 and {maximum} inclusive."
        )
    return size


def encode_token(position: Sequence[Any]) -> str:
    """A skiptoken holds the sort position of the last item served, so paging survives inserts and deletes."""
    raw = json.dumps(list(position), separators=(",", ":")).encode()
    return "RFNwdAIAAQAAA" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> list[Any]:
    if not token.startswith("RFNwdAIAAQAAA"):
        raise err.bad_request("Invalid paging token.")
    body = token[len("RFNwdAIAAQAAA") :]
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        raise err.bad_request("Invalid paging token.") from None
    if not isinstance(data, list):
        raise err.bad_request("Invalid paging token.")
    return data
