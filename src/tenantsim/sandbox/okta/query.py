"""Okta's filter/search expressions (SCIM-like) and cursor pagination with Link headers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from tenantsim.sandbox.okta import errors as err

T = TypeVar("T")
Predicate = Callable[[dict[str, Any]], bool]

_TOKEN = re.compile(r'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|([A-Za-z_$][A-Za-z0-9_.:$]*)|(-?\d+(?:\.\d+)?))')
_OPS = {"eq", "ne", "gt", "ge", "lt", "le", "sw", "co", "ew", "pr"}


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, Any]] = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None or match.end() == pos:
                raise err.invalid_search()
            pos = match.end()
            lpar, rpar, string, word, number = match.groups()
            if lpar:
                self.tokens.append(("(", None))
            elif rpar:
                self.tokens.append((")", None))
            elif string is not None:
                self.tokens.append(("value", string.replace('\\"', '"')))
            elif number is not None:
                self.tokens.append(("value", float(number) if "." in number else int(number)))
            elif word is not None:
                self.tokens.append(("word", word))
        self.pos = 0
        self.comparisons: list[tuple[str, str]] = []

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        token = self.peek()
        if token is None:
            raise err.invalid_search()
        self.pos += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "word" and str(token[1]).lower() == word:
            self.pos += 1
            return True
        return False

    def parse(self) -> Predicate:
        predicate = self.or_expr()
        if self.peek() is not None:
            raise err.invalid_search()
        return predicate

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.keyword("or"):
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda doc: any(p(doc) for p in parts))

    def and_expr(self) -> Predicate:
        parts = [self.unary()]
        while self.keyword("and"):
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda doc: all(p(doc) for p in parts))

    def unary(self) -> Predicate:
        if self.keyword("not"):
            inner = self.unary()
            return lambda doc: not inner(doc)
        token = self.take()
        if token[0] == "(":
            inner = self.or_expr()
            if self.take()[0] != ")":
                raise err.invalid_search()
            return inner
        if token[0] != "word":
            raise err.invalid_search()
        attr = str(token[1])
        op_token = self.take()
        op = str(op_token[1]).lower()
        if op_token[0] != "word" or op not in _OPS:
            raise err.invalid_search()
        self.comparisons.append((attr, op))
        if op == "pr":
            return lambda doc: any(v not in (None, "") for v in lookup_all(doc, attr))
        kind, value = self.take()
        if kind == "word" and str(value).lower() in ("true", "false", "null"):
            value = {"true": True, "false": False, "null": None}[str(value).lower()]
        elif kind != "value":
            raise err.invalid_search()
        return _comparison(attr, op, value)


def lookup(doc: dict[str, Any], attr: str) -> Any:
    current: Any = doc
    for part in attr.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def lookup_all(doc: dict[str, Any], attr: str) -> list[Any]:
    """Every value at ``attr``, looking into arrays on the way (``target.id`` of each target)."""
    current: list[Any] = [doc]
    for part in attr.split("."):
        found: list[Any] = []
        for node in current:
            for item in node if isinstance(node, list) else [node]:
                if isinstance(item, dict):
                    found.append(item.get(part))
        current = found
    values: list[Any] = []
    for value in current:
        values.extend(value if isinstance(value, list) else [value])
    return values or [None]


def _norm(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _comparison(attr: str, op: str, value: Any) -> Predicate:
    wanted = _norm(value)

    def check(doc: dict[str, Any]) -> bool:
        haves = lookup_all(doc, attr)
        if op == "ne":
            return all(_one(_norm(have)) for have in haves)
        return any(_one(_norm(have)) for have in haves)

    def _one(have: Any) -> bool:
        if op == "eq":
            return bool(have == wanted)
        if op == "ne":
            return bool(have != wanted)
        if have is None or wanted is None:
            return False
        if op in ("sw", "co", "ew"):
            text, needle = str(have), str(wanted)
            return {"sw": text.startswith, "ew": text.endswith, "co": text.__contains__}[op](needle)
        try:
            return bool({"gt": have > wanted, "ge": have >= wanted, "lt": have < wanted,
                         "le": have <= wanted}[op])
        except TypeError:
            return False

    return check


def compile_expression(text: str, allowed: dict[str, set[str]] | None = None) -> Predicate:
    """``allowed`` maps attribute -> operators permitted (Okta's ``filter`` is narrower than ``search``)."""
    parser = _Parser(text)
    predicate = parser.parse()
    if allowed is not None:
        for attr, op in parser.comparisons:
            if attr not in allowed or op not in allowed[attr]:
                raise err.invalid_search()
    return predicate


def page(items: Sequence[T], seq: Callable[[T], int], after: str | None, limit: int,
         seq_of: dict[str, int]) -> tuple[list[T], T | None]:
    """Items after the cursor object, at most ``limit``; the last item when another page follows."""
    start = 0
    if after:
        cursor = seq_of.get(after)
        if cursor is None:
            raise err.validation("after", "after: Invalid cursor")
        start = next((i for i, item in enumerate(items) if seq(item) > cursor), len(items))
    chosen = list(items[start:start + limit])
    more = start + limit < len(items)
    return chosen, (chosen[-1] if more and chosen else None)


def link_headers(base: str, path: str, params: Iterable[tuple[str, str]], limit: int,
                 next_after: str | None) -> list[str]:
    """Okta sends one Link header per relation; the client follows ``next`` as an opaque URL."""
    kept = [(k, v) for k, v in params if k not in ("after", "limit")]
    self_query = urlencode([*kept, ("limit", str(limit))])
    headers = [f'<{base}{path}?{self_query}>; rel="self"']
    if next_after is not None:
        next_query = urlencode([*kept, ("after", next_after), ("limit", str(limit))])
        headers.append(f'<{base}{path}?{next_query}>; rel="next"')
    return headers
