"""What list calls share: users.list ``query`` search, page tokens, and the ``fields`` partial response."""

from __future__ import annotations

import base64
import json
import re
import shlex
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from tenantsim.sandbox.google import errors as err
from tenantsim.sandbox.google.model import User
from tenantsim.sandbox.google.tenant import Tenant

T = TypeVar("T")

# -- users.list query (the "Search for users" grammar: field:value, field=value, value* prefix) ---------
_TERM = re.compile(r"^(?P<field>[A-Za-z.]+)(?P<op>[:=])(?P<value>.*)$")


def _text_match(candidate: str, value: str, op: str) -> bool:
    candidate, value = candidate.lower(), value.lower()
    if value.endswith("*"):
        prefix = value[:-1]
        return candidate.startswith(prefix) or any(word.startswith(prefix) for word in candidate.split())
    if op == "=":
        return candidate == value
    return candidate == value or value in candidate.split() or f" {value} " in f" {candidate} "


def _bool(value: str) -> bool:
    if value.lower() not in ("true", "false"):
        raise err.invalid("Invalid Input")
    return value.lower() == "true"


def user_filter(tenant: Tenant, query: str) -> Callable[[User], bool]:
    """A predicate for a users.list ``query``; terms are ANDed, unknown fields are refused."""
    try:
        words = shlex.split(query)
    except ValueError:
        raise err.invalid("Invalid Input") from None
    checks: list[Callable[[User], bool]] = []
    for word in words:
        match = _TERM.match(word)
        if match is None:
            checks.append(_bare(word))
            continue
        name, op, value = match["field"], match["op"], match["value"]
        checks.append(_check(tenant, name, op, value))
    return lambda user: all(check(user) for check in checks)


def _bare(word: str) -> Callable[[User], bool]:
    """A bare word matches names and addresses."""
    return lambda u: any(_text_match(c, word, ":") for c in (u.full_name, u.primary_email, *u.aliases))


def _check(tenant: Tenant, name: str, op: str, value: str) -> Callable[[User], bool]:
    key = name.lower()
    if key == "email":
        return lambda u: any(_text_match(addr, value, op) for addr in (u.primary_email, *u.aliases))
    if key == "givenname":
        return lambda u: _text_match(u.given_name, value, op)
    if key == "familyname":
        return lambda u: _text_match(u.family_name, value, op)
    if key == "name":
        return lambda u: _text_match(u.full_name, value, op)
    if key == "orgunitpath":
        # Google matches the whole chain below the unit: orgUnitPath=/ is everyone.
        path = "/" + value.strip("/")
        return lambda u: path == "/" or u.org_unit_path.lower() == path.lower() \
            or u.org_unit_path.lower().startswith(path.lower() + "/")
    if key == "issuspended":
        wanted = _bool(value)
        return lambda u: u.suspended == wanted
    if key == "isadmin":
        wanted = _bool(value)
        return lambda u: u.is_admin == wanted
    if key in ("directmanager", "manager"):
        return _manager_check(tenant, value, direct=key == "directmanager")
    if key in ("orgtitle", "orgdepartment", "orgcostcenter"):
        attr = {"orgtitle": "title", "orgdepartment": "department", "orgcostcenter": "costCenter"}[key]
        return lambda u: any(_text_match(str(o.get(attr) or ""), value, op)
                             for o in u.organizations or [] if isinstance(o, dict))
    if key == "externalid":
        return lambda u: any(_text_match(str(x.get("value") or ""), value, op)
                             for x in u.external_ids or [] if isinstance(x, dict))
    raise err.invalid("Invalid Input")


def _manager_check(tenant: Tenant, value: str, *, direct: bool) -> Callable[[User], bool]:
    boss = tenant.find_user(value.strip("'\""))
    if boss is None:
        return lambda u: False
    emails = {boss.primary_email.lower(), *(a.lower() for a in boss.aliases)}

    def under(user: User) -> bool:
        seen: set[str] = set()
        current: User | None = user
        while current is not None and current.id not in seen:
            seen.add(current.id)
            manager = (current.manager_email() or "").lower()
            if manager in emails:
                return True
            if direct or not manager:
                return False
            current = tenant.find_user(manager)
        return False

    return under


# -- page tokens: opaque to clients, a position in a fixed ordering to us ------------------------------
def encode_token(position: Sequence[Any]) -> str:
    raw = json.dumps(list(position), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> list[Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        raise err.invalid("Invalid Input: pageToken") from None
    if not isinstance(value, list):
        raise err.invalid("Invalid Input: pageToken")
    return value


def page(items: list[T], key: Callable[[T], list[Any]], token: str | None, size: int,
         descending: bool = False) -> tuple[list[T], str | None]:
    """Keyset paging: ``items`` sorted by ``key``; the token is the last key served, so objects created
    or deleted between pages neither repeat nor push others out of the listing."""
    ordered = sorted(items, key=key, reverse=descending)
    if token:
        after = decode_token(token)
        ordered = [i for i in ordered if (key(i) < after if descending else key(i) > after)]
    chunk = ordered[:size]
    following = encode_token(key(chunk[-1])) if len(ordered) > size else None
    return chunk, following


def max_results(raw: str | None, default: int, maximum: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise err.invalid(f"Invalid value '{raw}'. Values must match the following regular expression: "
                          "'[0-9]+'") from None
    if value < 1:
        raise err.invalid("Invalid Input: maxResults")
    return min(value, maximum)


# -- fields: the partial-response selector ("users(id,name/fullName),nextPageToken") -------------------
Selector = dict[str, Any]  # field -> sub-selector ({} = the whole value)


def parse_fields(text: str) -> Selector:
    position = 0

    def parse_list(closing: str | None) -> Selector:
        nonlocal position
        result: Selector = {}
        while True:
            name_start = position
            while position < len(text) and text[position] not in ",()/":
                position += 1
            name = text[name_start:position].strip()
            if not name:
                raise err.invalid("Invalid field selection")
            node = result.setdefault(name, {})
            if position < len(text) and text[position] == "/":
                position += 1
                chain = parse_path()
                _merge(node, chain)
            elif position < len(text) and text[position] == "(":
                position += 1
                _merge(node, parse_list(")"))
                if position >= len(text) or text[position] != ")":
                    raise err.invalid("Invalid field selection")
                position += 1
            if position >= len(text):
                if closing is not None:
                    raise err.invalid("Invalid field selection")
                return result
            if text[position] == ",":
                position += 1
                continue
            if text[position] == closing:
                return result
            raise err.invalid("Invalid field selection")

    def parse_path() -> Selector:
        nonlocal position
        name_start = position
        while position < len(text) and text[position] not in ",()/":
            position += 1
        name = text[name_start:position].strip()
        if not name:
            raise err.invalid("Invalid field selection")
        node: Selector = {}
        if position < len(text) and text[position] == "/":
            position += 1
            node = parse_path()
        elif position < len(text) and text[position] == "(":
            position += 1
            node = parse_list(")")
            position += 1
        return {name: node}

    return parse_list(None)


def _merge(into: Selector, more: Selector) -> None:
    for key, value in more.items():
        _merge(into.setdefault(key, {}), value)


def select(data: Any, selector: Selector) -> Any:
    """Keep only the selected fields; a selector applies to each element of a list."""
    if not selector or "*" in selector:
        return data
    if isinstance(data, list):
        return [select(item, selector) for item in data]
    if not isinstance(data, dict):
        return data
    out: dict[str, Any] = {}
    for name, sub in selector.items():
        if name in data:
            out[name] = select(data[name], sub)
    return out
