"""Composite and sObject Collections on the Salesforce emulator: references between subrequests,
all-or-none rollback, per-record results, the 25 / 200 caps, and one API request per call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from tenantsim.sandbox.salesforce import SalesforceSandbox, create_app
from tests.sandbox.salesforce_support import CheckedSession, connect, first_error, rest, sobject
from tests.support.servers import serve_asgi

Served = tuple[SalesforceSandbox, Salesforce, CheckedSession]
V = "/services/data/v59.0"


@pytest.fixture
def served() -> Iterator[Served]:
    sandbox = create_app(seed=9)
    with serve_asgi(sandbox) as base:
        client, session = connect(sandbox, base)
        yield sandbox, client, session


def composite(
    sf: Salesforce, requests: list[dict[str, Any]], all_or_none: bool = False
) -> list[dict[str, Any]]:
    answer = rest(
        sf, "composite", method="POST", json={"allOrNone": all_or_none, "compositeRequest": requests}
    )
    return list(answer["compositeResponse"])


def test_composite_references_earlier_results(served: Served) -> None:
    sandbox, sf, _ = served
    before = sandbox.allocation.used
    results = composite(
        sf,
        [
            {
                "method": "POST",
                "url": f"{V}/sobjects/Account",
                "referenceId": "account",
                "body": {"Name": "Ref Co"},
            },
            {
                "method": "POST",
                "url": f"{V}/sobjects/Contact",
                "referenceId": "contact",
                "body": {"LastName": "Ref", "AccountId": "@{account.id}"},
            },
            {
                "method": "GET",
                "url": f"{V}/sobjects/Contact/@{{contact.id}}?fields=Name,AccountId",
                "referenceId": "read",
            },
            {
                "method": "GET",
                "url": f"{V}/query?q=SELECT+Id+FROM+Contact+WHERE+AccountId='@{{account.id}}'",
                "referenceId": "listed",
            },
            {
                "method": "PATCH",
                "url": f"{V}/sobjects/Account/@{{listed.records[0].Id}}",
                "referenceId": "nope",
                "body": {"Name": "Wrong type"},
            },
        ],
    )
    assert sandbox.allocation.used == before + 1  # a composite call is one API request
    assert [r["httpStatusCode"] for r in results] == [201, 201, 200, 200, 400]
    account, contact, read, listed, wrong = results
    assert read["body"]["AccountId"] == account["body"]["id"] and read["referenceId"] == "read"
    assert listed["body"]["records"][0]["Id"] == contact["body"]["id"]
    assert wrong["body"][0]["errorCode"] == "MALFORMED_ID"
    assert (
        sobject(sf, "Account").get(account["body"]["id"])["Name"] == "Ref Co"
    )  # not all-or-none: the rest stays


def test_composite_all_or_none_rolls_everything_back(served: Served) -> None:
    _, sf, _ = served
    accounts = sf.query("SELECT COUNT() FROM Account")["totalSize"]
    results = composite(
        sf,
        [
            {
                "method": "POST",
                "url": f"{V}/sobjects/Account",
                "referenceId": "account",
                "body": {"Name": "Doomed"},
            },
            {
                "method": "POST",
                "url": f"{V}/sobjects/Opportunity",
                "referenceId": "deal",
                "body": {"Name": "No stage", "AccountId": "@{account.id}", "CloseDate": "2026-06-30"},
            },
            {
                "method": "POST",
                "url": f"{V}/sobjects/Contact",
                "referenceId": "after",
                "body": {"LastName": "Never"},
            },
        ],
        all_or_none=True,
    )
    assert [r["httpStatusCode"] for r in results] == [400, 400, 400]
    assert results[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert results[1]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert results[2]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == accounts
    # A reference to a failed subrequest names what it could not find.
    loose = composite(
        sf,
        [
            {"method": "POST", "url": f"{V}/sobjects/Account", "referenceId": "bad", "body": {}},
            {
                "method": "POST",
                "url": f"{V}/sobjects/Contact",
                "referenceId": "orphan",
                "body": {"LastName": "Orphan", "AccountId": "@{bad.id}"},
            },
        ],
    )
    assert loose[1]["httpStatusCode"] == 400
    assert "Invalid reference specified. No value for bad.id found in bad" in loose[1]["body"][0]["message"]


def test_composite_caps_subrequests_at_25(served: Served) -> None:
    _, sf, _ = served
    many = [{"method": "GET", "url": f"{V}/limits", "referenceId": f"r{n}"} for n in range(26)]
    with pytest.raises(SalesforceMalformedRequest):
        composite(sf, many)
    assert len(composite(sf, many[:25])) == 25


def test_collections_create_update_read_and_delete(served: Served) -> None:
    sandbox, sf, _ = served
    before = sandbox.allocation.used
    created = rest(
        sf,
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Account"}, "Name": "Coll A"},
                {"attributes": {"type": "Contact"}, "LastName": "Coll B"},
                {"attributes": {"type": "Lead"}, "LastName": "No company"},
                {"attributes": {"type": "Widget__c"}, "Name": "No such object"},
            ],
        },
    )
    assert sandbox.allocation.used == before + 1
    assert [r["success"] for r in created] == [True, True, False, False]
    assert created[3]["errors"][0]["statusCode"] == "INVALID_TYPE"
    assert created[2]["errors"] == [
        {
            "statusCode": "REQUIRED_FIELD_MISSING",
            "message": "Required fields are missing: [Company]",
            "fields": ["Company"],
        }
    ]
    account, contact = created[0]["id"], created[1]["id"]
    updated = rest(
        sf,
        "composite/sobjects",
        method="PATCH",
        json={
            "allOrNone": True,
            "records": [
                {"attributes": {"type": "Account"}, "Id": account, "Industry": "Retail"},
                {"attributes": {"type": "Contact"}, "Id": contact, "AccountId": account},
            ],
        },
    )
    assert updated == [
        {"id": account, "success": True, "errors": []},
        {"id": contact, "success": True, "errors": []},
    ]
    read = rest(
        sf, "composite/sobjects/Contact", params={"ids": f"{contact},{account}", "fields": "Name,AccountId"}
    )
    assert read[0]["AccountId"] == account and read[1] is None
    deleted = rest(
        sf,
        "composite/sobjects",
        method="DELETE",
        params={"ids": f"{contact},{contact}", "allOrNone": "false"},
    )
    assert deleted[0] == {"id": contact, "success": True, "errors": []}
    assert deleted[1]["success"] is False and deleted[1]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"


def test_collections_all_or_none_rolls_back_and_caps_at_200(served: Served) -> None:
    _, sf, _ = served
    results = rest(
        sf,
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": True,
            "records": [
                {"attributes": {"type": "Account"}, "Name": "Rolled back"},
                {"attributes": {"type": "Account"}, "Website": "nameless.example.com"},
            ],
        },
    )
    assert results[0]["success"] is False
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert sf.query("SELECT COUNT() FROM Account WHERE Name = 'Rolled back'")["totalSize"] == 0
    too_many = [{"attributes": {"type": "Account"}, "Name": f"A{n}"} for n in range(201)]
    with pytest.raises(SalesforceMalformedRequest) as refused:
        rest(sf, "composite/sobjects", method="POST", json={"records": too_many})
    assert first_error(refused.value)["errorCode"] == "EXCEEDED_ID_LIMIT"
