"""SOQL, the part a job and a client use: SELECT fields (with parent relationships such as Account.Name)
or COUNT(), FROM one object, WHERE with = != <> < <= > >= IN / NOT IN / LIKE, AND / OR / NOT and
parentheses, date literals (TODAY, LAST_N_DAYS:n, ...), ORDER BY, LIMIT and OFFSET.

Names are checked against the org's objects while parsing, and errors are worded and located as
Salesforce words them (the query, a caret, "ERROR at Row:1:Column:n"), with its error codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tenantsim.sandbox.salesforce import errors as err
from tenantsim.sandbox.salesforce import ids
from tenantsim.sandbox.salesforce.schema import Field, SObject, find_object
from tenantsim.sandbox.salesforce.values import parse_datetime

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>!=|<>|<=|>=|=|<|>|\(|\)|,|:)
""",
    re.VERBOSE,
)
_KEYWORDS = {
    "select",
    "from",
    "where",
    "and",
    "or",
    "not",
    "in",
    "like",
    "order",
    "by",
    "asc",
    "desc",
    "nulls",
    "first",
    "last",
    "limit",
    "offset",
    "null",
    "true",
    "false",
    "count",
    "includes",
    "excludes",
    "group",
    "having",
    "with",
    "for",
}
_RANGES = {
    "TODAY",
    "YESTERDAY",
    "TOMORROW",
    "THIS_WEEK",
    "LAST_WEEK",
    "NEXT_WEEK",
    "THIS_MONTH",
    "LAST_MONTH",
    "NEXT_MONTH",
    "THIS_YEAR",
    "LAST_YEAR",
    "LAST_90_DAYS",
    "NEXT_90_DAYS",
}
_N_RANGES = {"LAST_N_DAYS", "NEXT_N_DAYS"}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int


@dataclass(frozen=True)
class Path:
    """A selected or filtered field: relationships followed from the queried object, then the field."""

    hops: tuple[Field, ...]  # reference fields (AccountId for Account.Name)
    field: Field
    names: tuple[str, ...]  # the relationship names and the field name, canonical case

    @property
    def key(self) -> str:
        return ".".join(self.names)


@dataclass(frozen=True)
class Literal:
    kind: str  # str num bool null date datetime range
    value: Any = None
    end: Any = None  # for a range: the exclusive end
    text: str = ""


@dataclass
class Condition:
    op: str  # and or not cmp in nin like
    parts: list[Condition] = field(default_factory=list)
    path: Path | None = None
    compare: str = ""
    values: list[Literal] = field(default_factory=list)


@dataclass
class Query:
    sobject: SObject
    fields: list[Path]
    count: bool
    where: Condition | None
    order: list[tuple[Path, bool, bool]]  # path, descending, nulls last
    limit: int | None
    offset: int


def _located(text: str, pos: int, message: str) -> str:
    row = text.count("\n", 0, pos) + 1
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    column = pos - line_start + 1
    return f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n{message}"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[Token] = []
        pos = 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None:
                raise self.error(pos, f"unexpected token: '{text[pos]}'")
            kind = match.lastgroup or ""
            if kind != "ws":
                self.tokens.append(Token(kind, match.group(), pos))
            pos = match.end()
        self.tokens.append(Token("eof", "<EOF>", len(text)))
        self.at = 0

    def error(self, pos: int, message: str, code: str = "MALFORMED_QUERY") -> err.ApiError:
        return err.query(code, _located(self.text, pos, message))

    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at = min(self.at + 1, len(self.tokens) - 1)
        return token

    def is_word(self, *words: str) -> bool:
        token = self.peek()
        return token.kind == "name" and token.text.lower() in words

    def expect_word(self, word: str) -> Token:
        token = self.take()
        if token.kind != "name" or token.text.lower() != word:
            raise self.unexpected(token)
        return token

    def expect_op(self, op: str) -> Token:
        token = self.take()
        if token.kind != "op" or token.text != op:
            raise self.unexpected(token)
        return token

    def unexpected(self, token: Token) -> err.ApiError:
        return self.error(token.pos, f"unexpected token: '{token.text}'")

    # -- the statement --------------------------------------------------------------------------------
    def query(self) -> Query:
        self.expect_word("select")
        count = False
        raw_fields: list[Token] = []
        if self.is_word("count") and self.tokens[self.at + 1].text == "(":
            self.take()
            self.expect_op("(")
            self.expect_op(")")
            count = True
        else:
            while True:
                token = self.take()
                if token.kind != "name" or token.text.lower() in ("from",):
                    raise self.unexpected(token)
                raw_fields.append(token)
                if self.peek().text != ",":
                    break
                self.take()
        self.expect_word("from")
        name = self.take()
        if name.kind != "name":
            raise self.unexpected(name)
        sobject = find_object(name.text)
        if sobject is None or "." in name.text:
            raise self.error(
                name.pos,
                f"sObject type '{name.text}' is not supported. If you are attempting to "
                "use a custom object, be sure to append the '__c' after the entity name. Please "
                "reference your WSDL or the describe call for the appropriate names.",
                "INVALID_TYPE",
            )
        fields: list[Path] = []
        seen: set[str] = set()
        for token in raw_fields:
            path = self.path(sobject, token)
            if path.key.lower() in seen:
                raise self.error(token.pos, f"duplicate field selected: {path.key}", "DUPLICATE_FIELD")
            seen.add(path.key.lower())
            fields.append(path)
        where = None
        if self.is_word("where"):
            self.take()
            where = self.condition(sobject)
        order: list[tuple[Path, bool, bool]] = []
        if self.is_word("order"):
            self.take()
            self.expect_word("by")
            while True:
                token = self.take()
                if token.kind != "name":
                    raise self.unexpected(token)
                path = self.path(sobject, token)
                descending = False
                if self.is_word("asc", "desc"):
                    descending = self.take().text.lower() == "desc"
                nulls_last = descending
                if self.is_word("nulls"):
                    self.take()
                    which = self.take()
                    if which.text.lower() not in ("first", "last"):
                        raise self.unexpected(which)
                    nulls_last = which.text.lower() == "last"
                order.append((path, descending, nulls_last))
                if self.peek().text != ",":
                    break
                self.take()
        limit = offset = None
        if self.is_word("limit"):
            self.take()
            limit = self.integer()
        if self.is_word("offset"):
            self.take()
            offset = self.integer()
            if offset > 2000:
                raise err.query("NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000")
        end = self.take()
        if end.kind != "eof":
            raise self.unexpected(end)
        return Query(sobject, fields, count, where, order, limit, offset or 0)

    def integer(self) -> int:
        token = self.take()
        if token.kind != "number" or not token.text.isdigit():
            raise self.unexpected(token)
        return int(token.text)

    def path(self, sobject: SObject, token: Token) -> Path:
        parts = token.text.split(".")
        current = sobject
        hops: list[Field] = []
        names: list[str] = []
        for index, part in enumerate(parts[:-1]):
            if index == 0 and part.lower() == sobject.name.lower() and len(parts) == 2:
                continue  # Account.Name on Account: the object's own name may lead
            hop = current.relationship(part)
            if hop is None or hop.relationship is None:
                raise self.error(
                    token.pos,
                    f"Didn't understand relationship '{part}' in field path. If you are "
                    "attempting to use a custom relationship, be sure to append the '__r' after "
                    "the custom relationship name. Please reference your WSDL or the describe call "
                    "for the appropriate names.",
                    "INVALID_FIELD",
                )
            hops.append(hop)
            names.append(hop.relationship)
            target = find_object(hop.references[0])
            assert target is not None
            current = target
        spec = current.find(parts[-1])
        if spec is None or (hops and len(hops[-1].references) > 1 and spec.name not in ("Id", "Name")):
            raise self.error(
                token.pos,
                f"No such column '{parts[-1]}' on entity '{current.name}'. If you are "
                "attempting to use a custom field, be sure to append the '__c' after the custom "
                "field name. Please reference your WSDL or the describe call for the appropriate "
                "names.",
                "INVALID_FIELD",
            )
        names.append(spec.name)
        return Path(tuple(hops), spec, tuple(names))

    # -- WHERE ------------------------------------------------------------------------------------------
    def condition(self, sobject: SObject) -> Condition:
        first = self.unary(sobject)
        joined: str | None = None
        parts = [first]
        while self.is_word("and", "or"):
            token = self.take()
            word = token.text.lower()
            if joined is not None and word != joined:  # SOQL wants parentheses when AND and OR mix
                raise self.unexpected(token)
            joined = word
            parts.append(self.unary(sobject))
        return first if joined is None else Condition(joined, parts)

    def unary(self, sobject: SObject) -> Condition:
        if self.is_word("not"):
            self.take()
            return Condition("not", [self.unary(sobject)])
        if self.peek().text == "(":
            self.take()
            inner = self.condition(sobject)
            self.expect_op(")")
            return inner
        token = self.take()
        if token.kind != "name" or token.text.lower() in _KEYWORDS:
            raise self.unexpected(token)
        path = self.path(sobject, token)
        if self.is_word("not") and self.tokens[self.at + 1].text.lower() == "in":
            self.take()
            self.take()
            return Condition("nin", path=path, values=self.value_list(path))
        if self.is_word("in"):
            self.take()
            return Condition("in", path=path, values=self.value_list(path))
        if self.is_word("like"):
            self.take()
            value = self.literal(path)
            if value.kind != "str":
                raise self.error(self.tokens[self.at - 1].pos, "invalid operator on a non-string field")
            return Condition("like", path=path, values=[value])
        op = self.take()
        if op.kind != "op" or op.text not in ("=", "!=", "<>", "<", "<=", ">", ">="):
            raise self.unexpected(op)
        compare = "!=" if op.text == "<>" else op.text
        value = self.literal(path)
        if value.kind == "null" and compare not in ("=", "!="):
            raise self.error(op.pos, "invalid operator on null")
        return Condition("cmp", path=path, compare=compare, values=[value])

    def value_list(self, path: Path) -> list[Literal]:
        self.expect_op("(")
        values = [self.literal(path)]
        while self.peek().text == ",":
            self.take()
            values.append(self.literal(path))
        self.expect_op(")")
        return values

    def literal(self, path: Path) -> Literal:
        token = self.take()
        kind = path.field.kind
        name = path.field.name
        if token.kind == "string":
            text = re.sub(r"\\(.)", r"\1", token.text[1:-1])
            if kind in ("d", "t", "n", "i", "b"):
                wanted = {"d": "date", "t": "dateTime", "n": "double", "i": "int", "b": "boolean"}[kind]
                raise self.error(
                    token.pos,
                    f"value of filter criterion for field '{name}' must be of type "
                    f"{wanted} and should not be enclosed in quotes",
                )
            if path.field.references or name == "Id":
                normal = ids.normalise(text)
                if normal is None and text:
                    raise err.query(
                        "INVALID_QUERY_FILTER_OPERATOR",
                        _located(self.text, token.pos, f"invalid ID field: {text[:40]}"),
                    )
                text = normal or text
            return Literal("str", text, text=token.text)
        lowered = token.text.lower()
        if token.kind == "name" and lowered == "null":
            return Literal("null", text=token.text)
        if token.kind == "name" and lowered in ("true", "false"):
            if kind != "b":
                raise self.error(
                    token.pos,
                    f"value of filter criterion for field '{name}' must be of type "
                    f"{_wanted(kind)} and should be enclosed in quotes",
                )
            return Literal("bool", lowered == "true", text=token.text)
        if token.kind == "number":
            if kind not in ("n", "i"):
                raise self.error(
                    token.pos,
                    f"value of filter criterion for field '{name}' must be of type "
                    f"{_wanted(kind)} and should be enclosed in quotes",
                )
            return Literal("num", float(token.text), text=token.text)
        if token.kind in ("date", "datetime"):
            if kind == "d" and token.kind == "date":
                return Literal("date", date.fromisoformat(token.text), text=token.text)
            if kind == "t" and token.kind == "datetime":
                return Literal("datetime", parse_datetime(token.text), text=token.text)
            raise self.error(
                token.pos,
                f"value of filter criterion for field '{name}' must be of type "
                f"{_wanted(kind)} and should not be enclosed in quotes",
            )
        if token.kind == "name" and (token.text.upper() in _RANGES or token.text.upper() in _N_RANGES):
            if kind not in ("d", "t"):
                raise self.error(
                    token.pos,
                    f"value of filter criterion for field '{name}' must be of type "
                    f"{_wanted(kind)} and should be enclosed in quotes",
                )
            amount = 0
            if token.text.upper() in _N_RANGES:
                self.expect_op(":")
                amount = self.integer()
            return Literal("range", token.text.upper(), amount, text=token.text)
        raise self.unexpected(token)


def _wanted(kind: str) -> str:
    return {"d": "date", "t": "dateTime", "n": "double", "i": "int", "b": "boolean"}.get(kind, "string")


def parse(text: str) -> Query:
    if not text or not text.strip():
        raise err.query("MALFORMED_QUERY", "unexpected token: '<EOF>'")
    return _Parser(text).query()
