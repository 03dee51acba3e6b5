"""Request/response plumbing shared by the Asana routes: envelopes, errors, opt_fields, pagination."""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse

from tenantsim.sandbox.asana.render import Renderer
from tenantsim.sandbox.asana.store import Record, Store

ERRORS_HELP = ("For more information on API status codes and how to handle them, read the docs on errors: "
               "https://developers.asana.com/docs/errors")
PREMIUM_MESSAGE = ("The request was valid, but the queried object or object mutation specified in the "
                   "request is above your current premium level.")


class ApiError(Exception):
    """Raised by a route; answered as Asana's ``{"errors": [{"message", "help"}]}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str, headers: dict[str, str] | None = None,
                   phrase: str | None = None) -> JSONResponse:
    error: dict[str, str] = {"message": message, "help": ERRORS_HELP}
    if phrase:
        error["phrase"] = phrase
    return JSONResponse({"errors": [error]}, status_code=status, headers=headers)


def not_found(gid: str) -> ApiError:
    return ApiError(404, f"Unknown object: {gid}")


def missing(field: str) -> ApiError:
    return ApiError(400, f"{field}: Missing input")


def unknown_id(field: str, gid: Any) -> ApiError:
    return ApiError(400, f"{field}: Not a recognized ID: {gid}")


TAG = re.compile(r"<[^>]+>")


def plain_of(markup: str) -> str:
    """The plain text Asana derives from rich text (html_notes -> notes, html_text -> text)."""
    return html.unescape(TAG.sub("", markup))


def html_field(data: dict[str, Any], field: str) -> str:
    value = data.get(field)
    text = str(value or "").strip()
    if not text.startswith("<body>") or not text.endswith("</body>"):
        raise ApiError(400, f"{field}: XML is invalid: the root element must be <body>")
    return text


def parse_time(value: Any, field: str) -> float:
    try:
        stamp = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"{field}: Invalid date-time: {value}") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


def since_filter(request: Request) -> Any:
    """``completed_since`` (incomplete tasks, plus those completed at or after it; ``now``: incomplete
    only) and ``modified_since`` (tasks modified at or after it) as one predicate over tasks."""
    query = request.query_params
    completed = query.get("completed_since")
    modified = query.get("modified_since")
    completed_at = None if completed in (None, "now") else parse_time(completed, "completed_since")
    modified_at = None if modified is None else parse_time(modified, "modified_since")

    def keep(task: Record) -> bool:
        if completed is not None and task["completed"]:
            if completed_at is None or (task["completed_at"] or 0) < completed_at:
                return False
        return modified_at is None or task["modified_at"] >= modified_at
    return keep


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def viewer(request: Request) -> str:
    gid: str = request.state.asana_user
    return gid


def renderer(request: Request) -> Renderer:
    base = f"{request.url.scheme}://{request.url.netloc}{request.state.asana_root}"
    return Renderer(store_of(request), viewer(request), base)


def opt_fields(request: Request) -> list[str] | None:
    values = request.query_params.getlist("opt_fields")
    fields = [f.strip() for v in values for f in v.split(",") if f.strip()]
    return fields or None


MAX_UNPAGINATED = 1000  # an unpaginated list that would be longer is refused (use limit/offset)
TOO_LARGE = "The result is too large. You should use pagination (may require specifying a workspace)!"
FORM_BOOLEANS = {"completed", "public", "archived", "is_important", "enabled", "liked", "hearted",
                 "is_rendered_as_separator", "sort_ascending"}
FORM_LISTS = {"projects", "tags", "followers", "members", "enum_options", "memberships", "dependencies",
              "dependents"}


def _form_value(key: str, value: str) -> Any:
    if key in FORM_BOOLEANS and value in ("true", "false"):
        return value == "true"
    if value == "null":
        return None
    return value


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _listify(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
    return node


def form_data(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """``application/x-www-form-urlencoded`` fields as the JSON ``data`` they stand for:
    ``a=1``, ``projects=1,2`` (lists), ``memberships[0][project]=1``, ``custom_fields[gid]=v``."""
    data: dict[str, Any] = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        path = [head] + ([part.rstrip("]") for part in rest.split("[")] if rest else [])
        node = data
        for part in path[:-1]:
            node = node.setdefault(part, {})
        leaf = path[-1]
        if len(path) == 1 and head in FORM_LISTS:
            node[leaf] = [item for item in value.split(",") if item]
        else:
            node[leaf] = _form_value(leaf, value)
    result: dict[str, Any] = _listify(data)
    return result


async def body_data(request: Request) -> dict[str, Any]:
    """The ``data`` member of a JSON request body (Asana's request envelope), or the fields of a
    form-encoded body (which Asana takes without the envelope)."""
    raw = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        pairs = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
        if not pairs:
            raise missing("data")
        return form_data(pairs)
    if not raw:
        raise missing("data")
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise ApiError(400, "Could not parse request data, invalid JSON") from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("data"), dict):
        raise missing("data")
    data: dict[str, Any] = parsed["data"]
    return data


def lookup(request: Request, gid: str, resource_type: str) -> Record:
    record = store_of(request).get(gid, resource_type)
    if record is None:
        raise not_found(gid)
    return record


def body_ref(store: Store, data: dict[str, Any], field: str, resource_type: str,
             required: bool = False) -> Record | None:
    """A gid given in a request body; 400 when it names nothing of that type."""
    value = data.get(field)
    if value is None:
        if required:
            raise missing(field)
        return None
    if resource_type == "user" and value == "me":
        return None
    record = store.get(str(value), resource_type)
    if record is None:
        raise unknown_id(field, value)
    return record


def one(request: Request, record: Record, status: int = 200) -> JSONResponse:
    return JSONResponse({"data": renderer(request).full(record, opt_fields(request))}, status_code=status)


def empty() -> JSONResponse:
    return JSONResponse({"data": {}})


def _encode_offset(position: int, fingerprint: str) -> str:
    raw = json.dumps({"p": position, "q": fingerprint}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_offset(token: str, fingerprint: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        parsed = json.loads(base64.urlsafe_b64decode(padded.encode()))
        position = int(parsed["p"])
    except (ValueError, KeyError, TypeError):
        raise ApiError(400, "offset: Your pagination token is invalid.") from None
    if parsed.get("q") != fingerprint or position < 0:
        raise ApiError(400, "offset: Your pagination token is invalid.")
    return position


RenderFn = Callable[[Renderer, Record, list[str] | None], dict[str, Any]]


def page(request: Request, records: list[Record], render: RenderFn | None = None) -> JSONResponse:
    """A list response. With ``limit`` it is paginated (1-100) and carries ``next_page``; without, all."""
    draw = renderer(request)
    fields = opt_fields(request)
    emit = render or (lambda r, rec, f: r.compact(rec, f))
    raw_limit = request.query_params.get("limit")
    if raw_limit is None:
        if len(records) > MAX_UNPAGINATED:
            raise ApiError(400, TOO_LARGE)
        return JSONResponse({"data": [emit(draw, r, fields) for r in records]})
    try:
        limit = int(raw_limit)
    except ValueError:
        limit = 0
    if not 1 <= limit <= 100:
        raise ApiError(400, "limit: Must be between 1 and 100")
    # The base the client used: a mount prefix (root_path at our entry) stays in next_page.uri.
    api_base = f"{request.url.scheme}://{request.url.netloc}{request.state.asana_root}/api/1.0"
    route = request.url.path.removeprefix(f"{request.state.asana_root}/api/1.0")
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
    fingerprint = route + "?" + "&".join(f"{k}={v}" for k, v in sorted(params) if k != "limit")
    start = 0
    if "offset" in request.query_params:
        start = _decode_offset(request.query_params["offset"], fingerprint)
    chunk = records[start:start + limit]
    next_page: dict[str, str] | None = None
    if start + limit < len(records):
        token = _encode_offset(start + limit, fingerprint)
        query = urlencode([*params, ("offset", token)])
        path = f"{route}?{query}"
        next_page = {"offset": token, "path": path, "uri": api_base + path}
    return JSONResponse({"data": [emit(draw, r, fields) for r in chunk], "next_page": next_page})
