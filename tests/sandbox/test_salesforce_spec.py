"""Spec conformance: every operation of the vendor's OpenAPI document (sObjects core, v59.0) is answered
by the emulator with a status the document lists and a body that validates against it, and the emulator's
objects carry exactly the fields the document defines."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tenantsim.sandbox.salesforce import SalesforceSandbox, create_app
from tenantsim.sandbox.salesforce.schema import OBJECTS
from tests.sandbox.salesforce_support import access_token, check_exchange, require_spec
from tests.support.servers import serve_asgi

V = "/services/data/v59.0"
MINIMAL: dict[str, dict[str, Any]] = {
    "Account": {"Name": "Spec Account"},
    "Contact": {"LastName": "Spec"},
    "Opportunity": {"Name": "Spec deal", "StageName": "Qualification", "CloseDate": "2026-06-30"},
    "Case": {"Subject": "Spec case", "Origin": "Web"},
    "Lead": {"LastName": "Spec", "Company": "Spec Co"},
    "Task": {"Subject": "Spec task"},
    "Event": {"Subject": "Spec event", "StartDateTime": "2026-04-01T10:00:00Z", "DurationInMinutes": 30},
    "User": {"LastName": "Spec", "Username": "spec@sandbox-corp.example.com"},
}
CHANGE: dict[str, dict[str, Any]] = {
    "Account": {"Industry": "Retail"},
    "Contact": {"Title": "CTO"},
    "Opportunity": {"StageName": "Closed Won"},
    "Case": {"Status": "Working"},
    "Lead": {"Status": "Working - Contacted"},
    "Task": {"Status": "Completed"},
    "Event": {"Location": "Room 4"},
    "User": {"Title": "Boss"},
}


@pytest.fixture
def served() -> Iterator[tuple[SalesforceSandbox, httpx.Client]]:
    require_spec()
    sandbox = create_app(seed=13)
    with serve_asgi(sandbox) as base, httpx.Client(base_url=base, timeout=10) as http:
        http.headers["Authorization"] = f"Bearer {access_token(base, sandbox)}"
        yield sandbox, http


def exchange(http: httpx.Client, method: str, rest: str, body: Any = None) -> httpx.Response:
    response = http.request(method, V + rest, json=body)
    received = response.json() if response.content else None
    check_exchange(method, rest.split("?")[0], response.status_code, body, received)
    return response


def test_every_operation_of_the_document_is_answered_as_it_says(
    served: tuple[SalesforceSandbox, httpx.Client],
) -> None:
    sandbox, http = served
    paths = require_spec()["paths"]
    answered: list[tuple[str, str, int]] = []
    assert exchange(http, "GET", "/sobjects").status_code == 200
    for name in ("Account", "Contact", "Opportunity", "Case", "Lead", "Task", "Event", "User"):
        assert exchange(http, "GET", f"/sobjects/{name}").status_code == 200
        created = exchange(http, "POST", f"/sobjects/{name}", MINIMAL[name])
        answered.append(("POST", name, created.status_code))
        record_id = created.json()["id"] if created.status_code == 201 else sandbox.integration_user
        assert exchange(http, "GET", f"/sobjects/{name}/{record_id}").status_code == 200
        assert exchange(http, "GET", f"/sobjects/{name}/{record_id}?fields=Id,CreatedDate").status_code == 200
        answered.append(
            (
                "PATCH",
                name,
                exchange(http, "PATCH", f"/sobjects/{name}/{record_id}", CHANGE[name]).status_code,
            )
        )
        if "delete" in paths[f"/sobjects/{name}/{{id}}"]:
            answered.append(
                ("DELETE", name, exchange(http, "DELETE", f"/sobjects/{name}/{record_id}").status_code)
            )
            assert exchange(http, "GET", f"/sobjects/{name}/{record_id}").status_code == 404
    expected = {(m, n, 201 if m == "POST" else 204) for m, n, _ in answered if n != "User"}
    assert {a for a in answered if a[1] != "User"} == expected
    # The org's users are its licences: the document's POST and PATCH are refused in Salesforce's words.
    assert [a[2] for a in answered if a[1] == "User"] == [400, 403]


def test_objects_carry_the_fields_the_document_defines() -> None:
    schemas = require_spec()["components"]["schemas"]
    for name in ("Account", "Contact", "Opportunity", "Case", "Lead", "Task", "Event"):
        documented = set(schemas[f"{name}SObject"]["properties"]) - {"attributes"}
        assert set(OBJECTS[name].fields) == documented, name
    users = set(schemas["UserSObject"]["properties"])
    assert set(OBJECTS["User"].fields) <= users  # the many per-user preference flags are left out
    assert OBJECTS["CaseComment"].prefix == "00a"  # not in the document; its fields follow the reference


def test_errors_validate_against_the_documents_error_shapes(
    served: tuple[SalesforceSandbox, httpx.Client],
) -> None:
    _, http = served
    refused = [
        exchange(http, "POST", "/sobjects/Account", {"Industry": "Media"}),
        exchange(http, "POST", "/sobjects/Account", {"Name": "X", "Nope__c": 1}),
        exchange(http, "GET", "/sobjects/Account/001000000000000"),
        exchange(http, "PATCH", "/sobjects/Contact/not-an-id", {"LastName": "X"}),
        exchange(http, "DELETE", "/sobjects/Lead/00QHs0000000001"),
    ]
    assert [r.status_code for r in refused] == [400, 400, 404, 404, 404]
