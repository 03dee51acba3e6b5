"""``POST /batch``: up to 10 actions, each a request to another endpoint (``relative_path``, ``method``,
``data``, ``options``), answered together as ``[{status_code, headers, body}]``. Each action is run
through the sandbox as its own request (``app.state.run_action``): it counts against the rate limit."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tenantsim.sandbox.asana.web import ERRORS_HELP, ApiError, body_data

MAX_ACTIONS = 10  # "The maximum number of actions allowed in a single batch request is 10"
METHODS = ("get", "post", "put", "delete", "patch", "head")


def _query(data: dict[str, Any], options: dict[str, Any]) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    for key, value in data.items():
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        params.append((key, str(value)))
    for key in ("limit", "offset"):
        if options.get(key) is not None:
            params.append((key, str(options[key])))
    fields = options.get("fields")
    if fields:
        params.append(("opt_fields", ",".join(fields) if isinstance(fields, list) else str(fields)))
    return params


def _action(index: int, action: Any) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    if not isinstance(action, dict):
        raise ApiError(400, f"actions[{index}]: Must be an object")
    path, method = action.get("relative_path"), action.get("method")
    if not path:
        raise ApiError(400, f"actions[{index}].relative_path: Missing input")
    if not method:
        raise ApiError(400, f"actions[{index}].method: Missing input")
    if str(method).lower() not in METHODS:
        raise ApiError(400, f"actions[{index}].method: Not a valid value: {method}")
    if not str(path).startswith("/") or "?" in str(path):
        raise ApiError(400, f"actions[{index}].relative_path: Must be a path starting with / and without a "
                            "query (put query parameters in data)")
    data, options = action.get("data") or {}, action.get("options") or {}
    if not isinstance(data, dict) or not isinstance(options, dict):
        raise ApiError(400, f"actions[{index}]: data and options must be objects")
    return str(path), str(method).upper(), data, options


async def create_batch(request: Request) -> JSONResponse:
    data = await body_data(request)
    actions = data.get("actions")
    if not isinstance(actions, list) or not actions:
        raise ApiError(400, "actions: Missing input")
    if len(actions) > MAX_ACTIONS:
        raise ApiError(400, f"actions: A batch request may contain at most {MAX_ACTIONS} actions")
    parsed = [_action(index, action) for index, action in enumerate(actions)]
    run = request.app.state.run_action
    results = []
    for path, method, fields, options in parsed:
        if path.rstrip("/") == "/batch":
            results.append({"status_code": 400, "headers": {}, "body": {"errors": [
                {"message": "Batch requests cannot be nested", "help": ERRORS_HELP}]}})
            continue
        writing = method in ("POST", "PUT", "PATCH")
        query = _query({} if writing else fields, options)
        content = json.dumps({"data": fields}).encode() if writing else b""
        status, headers, body = await run(request, method, path, query, content)
        created = body.get("data") if isinstance(body, dict) and status == 201 else None
        if isinstance(created, dict) and created.get("gid") and created.get("resource_type"):
            headers["location"] = f"/{created['resource_type']}s/{created['gid']}"
        results.append({"status_code": status, "headers": headers, "body": body})
    return JSONResponse({"data": results})


ROUTES = [Route("/batch", create_batch, methods=["POST"])]
