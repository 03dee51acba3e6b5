"""Batching: Composite (up to 25 subrequests in one call, later ones referring to earlier results with
``@{referenceId.field}``, optionally all or none) and sObject Collections (up to 200 records created,
updated or deleted in one call, or read by id). Either counts as one API request."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tenantsim.sandbox.salesforce import errors as err
from tenantsim.sandbox.salesforce import render
from tenantsim.sandbox.salesforce.call import Call, Result, ok
from tenantsim.sandbox.salesforce.org import Org
from tenantsim.sandbox.salesforce.schema import find_object

MAX_SUBREQUESTS = 25
MAX_RECORDS = 200
_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])+)\}")
_ROLLED_BACK = {
    "errorCode": "PROCESSING_HALTED",
    "message": "The transaction was rolled back since another operation in the same transaction failed.",
}
_RECORD_ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was "
    "using AllOrNone header",
    "fields": [],
}


class _Savepoint:
    """The org as it was, to roll back to: records are replaced field by field, never nested-mutated."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.records = {k: dict(v) for k, v in org.records.items()}
        self.counters = (org.sequence, org.case_number)

    def rollback(self) -> None:
        self.org.records = self.records
        self.org.sequence, self.org.case_number = self.counters


# -- Composite --------------------------------------------------------------------------------------------
def _resolve(value: Any, results: dict[str, Any]) -> Any:
    """Replace ``@{ref.path}`` in strings (anywhere in the body or URL) with the earlier result's value."""
    if isinstance(value, dict):
        return {k: _resolve(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, results) for v in value]
    if not isinstance(value, str) or "@{" not in value:
        return value

    def lookup(match: re.Match[str]) -> str:
        ref, path = match.group(1), match.group(2)
        if ref not in results:
            raise _Unresolved(f"{ref}{path}", ref)
        current = results[ref]
        for step in re.findall(r"\.([A-Za-z0-9_]+)|\[(\d+)\]", path):
            name, index = step
            try:
                current = current[int(index)] if index else current[name]
            except (KeyError, IndexError, TypeError):
                raise _Unresolved(f"{ref}{path}", ref) from None
        return str(current)

    return _REFERENCE.sub(lookup, value)


class _Unresolved(Exception):
    def __init__(self, expression: str, ref: str) -> None:
        super().__init__(expression)
        self.expression = expression
        self.ref = ref


def composite(call: Call) -> Result:
    body = call.body if isinstance(call.body, dict) else {}
    requests = body.get("compositeRequest")
    if not isinstance(requests, list) or not requests:
        raise err.ApiError(400, "JSON_PARSER_ERROR", "compositeRequest is required")
    if len(requests) > MAX_SUBREQUESTS:
        raise err.ApiError(
            400,
            "LIMIT_EXCEEDED",
            f"Limit Exceeded. The number of subrequests in a composite "
            f"request can't exceed {MAX_SUBREQUESTS}.",
        )
    all_or_none = bool(body.get("allOrNone"))
    assert call.dispatch is not None
    savepoint = _Savepoint(call.org) if all_or_none else None
    results: dict[str, Any] = {}
    answers: list[dict[str, Any]] = []
    failed = False
    for sub in requests:
        ref = str(sub.get("referenceId") or "") if isinstance(sub, dict) else ""
        if failed and all_or_none:
            answers.append(
                {"body": [_ROLLED_BACK], "httpHeaders": {}, "httpStatusCode": 400, "referenceId": ref}
            )
            continue
        try:
            if not isinstance(sub, dict) or not ref or not sub.get("method") or not sub.get("url"):
                raise err.ApiError(400, "INVALID_FIELD", "Each subrequest needs method, url and referenceId")
            url = _resolve(str(sub["url"]), results)
            payload = _resolve(sub.get("body"), results)
            result = call.dispatch(call, str(sub["method"]).upper(), url, payload)
        except _Unresolved as missing:
            result = Result(
                400,
                [
                    {
                        "errorCode": "PROCESSING_HALTED",
                        "message": f"Invalid reference specified. No value for {missing.expression} "
                        f"found in {missing.ref}. Provided referenceId ('{missing.ref}') "
                        "must refer to a successful subrequest that occurred earlier.",
                    }
                ],
            )
        except err.ApiError as exc:
            result = Result(exc.status, exc.body())
        if result.status < 400:
            results[ref] = result.body
        else:
            failed = True
        answers.append(
            {
                "body": result.body,
                "httpHeaders": result.headers,
                "httpStatusCode": result.status,
                "referenceId": ref,
            }
        )
    if failed and savepoint is not None:
        savepoint.rollback()
        answers = [
            a
            if a["httpStatusCode"] >= 400
            else {**a, "body": [_ROLLED_BACK], "httpHeaders": {}, "httpStatusCode": 400}
            for a in answers
        ]
    return ok({"compositeResponse": answers})


# -- sObject Collections ----------------------------------------------------------------------------------
def _records(call: Call) -> tuple[list[Any], bool]:
    body = call.body if isinstance(call.body, dict) else {}
    records = body.get("records")
    if not isinstance(records, list):
        raise err.ApiError(400, "JSON_PARSER_ERROR", "records is required")
    if len(records) > MAX_RECORDS:
        raise err.ApiError(
            400,
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        )
    return records, bool(body.get("allOrNone"))


def _each(call: Call, items: list[Any], all_or_none: bool, write: Any) -> Result:
    savepoint = _Savepoint(call.org) if all_or_none else None
    out: list[dict[str, Any]] = []
    for item in items:
        try:
            record_id = write(item)
            out.append({"id": record_id, "success": True, "errors": []})
        except err.ApiError as exc:
            out.append({"success": False, "errors": [exc.save_error()]})
    if savepoint is not None and any(not r["success"] for r in out):
        savepoint.rollback()
        out = [r if not r["success"] else {"success": False, "errors": [_RECORD_ROLLED_BACK]} for r in out]
    return ok(out)


def _type_of(item: Any) -> str:
    attributes = item.get("attributes") if isinstance(item, dict) else None
    kind = attributes.get("type") if isinstance(attributes, dict) else None
    if not kind:
        raise err.ApiError(400, "INVALID_TYPE", "Must specify a type in attributes")
    if find_object(str(kind)) is None:
        raise err.invalid_type(str(kind))
    return str(kind)


def create_many(call: Call) -> Result:
    records, all_or_none = _records(call)

    def write(item: Any) -> str:
        if isinstance(item, dict) and item.get("Id"):
            raise err.ApiError(400, "INVALID_FIELD", "cannot specify Id in an insert call", ["Id"])
        kind = _type_of(item)
        found = find_object(kind)
        if found is not None and found.name == "User":
            raise err.license_limit()
        return str(call.org.create(kind, item, call.user_id, call.at)["Id"])

    return _each(call, records, all_or_none, write)


def update_many(call: Call) -> Result:
    records, all_or_none = _records(call)

    def write(item: Any) -> str:
        kind = _type_of(item)
        fields = {k: v for k, v in item.items() if k != "Id"}
        if not item.get("Id"):
            raise err.ApiError(400, "MISSING_ARGUMENT", "Id not specified in an update call", [])
        return str(call.org.update(kind, str(item["Id"]), fields, call.user_id, call.at)["Id"])

    return _each(call, records, all_or_none, write)


def delete_many(call: Call) -> Result:
    raw = [part for part in (call.query.get("ids") or "").split(",") if part]
    if not raw:
        raise err.ApiError(400, "MALFORMED_ID", "ids parameter is required")
    if len(raw) > MAX_RECORDS:
        raise err.ApiError(
            400,
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        )
    all_or_none = (call.query.get("allOrNone") or "").lower() == "true"

    def write(raw_id: str) -> str:
        sobject = call.org.sobject_of(raw_id)
        if sobject is None:
            raise err.ApiError(400, "MALFORMED_ID", f"malformed id {raw_id[:40]}", [])
        call.org.delete(sobject.name, raw_id, call.at)
        return raw_id

    result = _each(call, raw, all_or_none, write)
    for entry, raw_id in zip(result.body, raw, strict=True):  # a failed delete still names its id
        entry.setdefault("id", raw_id)
    return result


def read_many(call: Call) -> Result:
    sobject = find_object(call.params["type"])
    if sobject is None:
        raise err.not_found()
    fields = render.field_list(sobject, call.query.get("fields"))
    if not fields:
        raise err.ApiError(400, "MALFORMED_QUERY", "fields parameter is required")
    out: list[Any] = []
    for raw_id in [p for p in (call.query.get("ids") or "").split(",") if p]:
        try:
            out.append(render.record(sobject, call.org.fetch(sobject, raw_id), fields))
        except err.ApiError:
            out.append(None)
    return ok(out)


ROUTES = [
    ("POST", "/composite", composite),
    ("POST", "/composite/sobjects", create_many),
    ("PATCH", "/composite/sobjects", update_many),
    ("DELETE", "/composite/sobjects", delete_many),
    ("GET", "/composite/sobjects/{type}", read_many),
]


def split_url(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path, dict(parse_qsl(parts.query, keep_blank_values=True))
