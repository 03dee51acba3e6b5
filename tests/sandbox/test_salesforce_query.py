"""SOQL on the Salesforce emulator through simple-salesforce: fields and relationships, filters, date
literals, ordering, COUNT(), paging through nextRecordsUrl, queryAll, and errors worded as Salesforce's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from tenantsim.sandbox.salesforce import SalesforceSandbox, create_app
from tests.sandbox.salesforce_support import CheckedSession, access_token, connect, first_error, rest, sobject
from tests.support.servers import serve_asgi

Served = tuple[SalesforceSandbox, Salesforce, CheckedSession, str]


@pytest.fixture
def served() -> Iterator[Served]:
    sandbox = create_app(seed=5)
    with serve_asgi(sandbox) as base:
        client, session = connect(sandbox, base)
        yield sandbox, client, session, base


def make_accounts(sf: Salesforce, count: int, prefix: str = "Bulk") -> list[str]:
    made: list[str] = []
    for start in range(0, count, 200):
        records = [
            {"attributes": {"type": "Account"}, "Name": f"{prefix} {n:04d}", "NumberOfEmployees": n}
            for n in range(start, min(count, start + 200))
        ]
        results = rest(sf, "composite/sobjects", method="POST", json={"allOrNone": True, "records": records})
        made += [r["id"] for r in results]
    return made


def test_fields_relationships_and_attributes(served: Served) -> None:
    _, sf, _, _ = served
    result = sf.query(
        "SELECT Id, Name, Account.Name, Account.Owner.Name, Owner.Name FROM Contact "
        "WHERE Account.Industry = 'healthcare' ORDER BY Name"
    )
    assert result["done"] is True and result["totalSize"] == len(result["records"]) > 0
    first = result["records"][0]
    assert list(first) == ["attributes", "Id", "Name", "Account", "Owner"]
    assert first["attributes"]["type"] == "Contact" and first["attributes"]["url"].endswith(first["Id"])
    assert first["Account"]["attributes"]["type"] == "Account"
    assert first["Account"]["Name"] == "Bluebird Health Partners" and "Name" in first["Account"]["Owner"]
    names = [r["Name"] for r in result["records"]]
    assert names == sorted(names, key=str.lower)
    # A contact with no account: the relationship is null.
    sobject(sf, "Contact").create({"LastName": "Loner"})
    loner = sf.query("SELECT Name, Account.Name FROM Contact WHERE LastName = 'Loner'")["records"][0]
    assert loner["Account"] is None


def test_where_operators(served: Served) -> None:
    _, sf, _, _ = served
    make_accounts(sf, 12, prefix="Filter")

    def count(where: str) -> int:
        return int(
            sf.query(f"SELECT COUNT() FROM Account WHERE Name LIKE 'Filter%' AND {where}")["totalSize"]
        )

    assert count("NumberOfEmployees = 3") == 1
    assert count("NumberOfEmployees != 3") == 11
    assert count("NumberOfEmployees < 4") == 4 and count("NumberOfEmployees >= 10") == 2
    assert count("NumberOfEmployees IN (1, 2, 99)") == 2
    assert count("NumberOfEmployees NOT IN (1, 2)") == 10
    assert count("(NumberOfEmployees = 1 OR NumberOfEmployees = 2)") == 2
    assert count("NOT NumberOfEmployees > 2") == 3
    assert count("Name LIKE '%0_1'") == 2  # 0001 and 0011
    assert count("Name = 'FILTER 0005'") == 1  # text compares case-insensitively
    assert count("Industry = null") == 12 and count("Industry != null") == 0
    assert sf.query("SELECT COUNT() FROM Opportunity WHERE IsClosed = false")["totalSize"] > 0


def test_date_literals_order_limit_and_offset(served: Served) -> None:
    sandbox, sf, _, _ = served
    sandbox.clock = lambda: datetime(2026, 3, 1, 12, tzinfo=UTC).timestamp()
    fresh = sobject(sf, "Account").create({"Name": "Made Today"})["id"]
    today = sf.query("SELECT Id FROM Account WHERE CreatedDate = TODAY")["records"]
    assert [r["Id"] for r in today] == [fresh]
    assert sf.query("SELECT COUNT() FROM Account WHERE CreatedDate = LAST_N_DAYS:7")["totalSize"] == 1
    assert sf.query("SELECT COUNT() FROM Account WHERE CreatedDate < LAST_N_DAYS:7")["totalSize"] == 8
    assert sf.query("SELECT COUNT() FROM Account WHERE CreatedDate > 2026-02-28T00:00:00Z")["totalSize"] == 1
    closing = sf.query(
        "SELECT Name, CloseDate FROM Opportunity WHERE CloseDate >= 2026-03-01 "
        "ORDER BY CloseDate DESC, Name LIMIT 3 OFFSET 1"
    )["records"]
    dates = [r["CloseDate"] for r in closing]
    assert (
        len(closing) == 3 and dates == sorted(dates, reverse=True) and all(d >= "2026-03-01" for d in dates)
    )


def test_paging_through_next_records_url(served: Served) -> None:
    _, sf, session, _ = served
    made = make_accounts(sf, 450)
    first = sf.query(
        "SELECT Id, Name FROM Account WHERE Name LIKE 'Bulk%' ORDER BY Name",
        headers={"Sforce-Query-Options": "batchSize=200"},
    )
    assert first["totalSize"] == 450 and first["done"] is False and len(first["records"]) == 200
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
    assert first["nextRecordsUrl"].endswith("-200")
    everything = sf.query_all(
        "SELECT Id FROM Account WHERE Name LIKE 'Bulk%'", headers={"Sforce-Query-Options": "batchSize=200"}
    )
    assert everything["totalSize"] == 450 and sorted(r["Id"] for r in everything["records"]) == sorted(made)
    pages = [e for e in session.exchanges if e.rest.startswith("/query/")]
    assert [len(e.response["records"]) for e in pages[-2:]] == [200, 50]
    # 2000 a page by default: one page holds them all.
    assert sf.query("SELECT Id FROM Account")["done"] is True
    # A cursor read to its end is closed.
    with pytest.raises(SalesforceMalformedRequest) as closed:
        sf.query_more(pages[-1].rest.replace("/query/", ""), identifier_is_url=False)
    assert first_error(closed.value)["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_query_all_sees_deleted_records(served: Served) -> None:
    _, sf, _, _ = served
    doomed = sobject(sf, "Lead").create({"LastName": "Gone", "Company": "Vanishing Inc"})["id"]
    sobject(sf, "Lead").delete(doomed)
    assert sf.query(f"SELECT Id FROM Lead WHERE Id = '{doomed}'")["totalSize"] == 0
    kept = sf.query_all(f"SELECT Id, IsDeleted FROM Lead WHERE Id = '{doomed[:15]}'", include_deleted=True)
    assert kept["records"][0]["IsDeleted"] is True


@pytest.mark.parametrize(
    ("soql", "code", "says"),
    [
        ("SELECT Id, Foo FROM Account", "INVALID_FIELD", "No such column 'Foo' on entity 'Account'"),
        ("SELECT Id FROM Acount", "INVALID_TYPE", "sObject type 'Acount' is not supported"),
        ("SELECT Id FROM Account WHERE", "MALFORMED_QUERY", "unexpected token: '<EOF>'"),
        (
            "SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'",
            "MALFORMED_QUERY",
            "unexpected token: 'OR'",
        ),
        (
            "SELECT Id FROM Opportunity WHERE CloseDate = '2026-01-01'",
            "MALFORMED_QUERY",
            "must be of type date and should not be enclosed in quotes",
        ),
        ("SELECT Id, Parent.Foo FROM Account", "INVALID_FIELD", "No such column 'Foo' on entity 'Account'"),
        ("SELECT Id, Boss.Name FROM Contact", "INVALID_FIELD", "Didn't understand relationship 'Boss'"),
        ("SELEKT Id FROM Account", "MALFORMED_QUERY", "unexpected token: 'SELEKT'"),
    ],
)
def test_query_errors_are_worded_and_located_like_salesforces(
    served: Served, soql: str, code: str, says: str
) -> None:
    _, sf, _, _ = served
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.query(soql)
    error = first_error(refused.value)
    assert error["errorCode"] == code and says in error["message"]
    if code != "MALFORMED_QUERY" or "EOF" not in says:
        assert "ERROR at Row:1:Column:" in error["message"] and error["message"].startswith("\n" + soql[:6])


def test_count_and_raw_http_shape(served: Served) -> None:
    sandbox, _, _, base = served
    headers = {"Authorization": f"Bearer {access_token(base, sandbox)}"}
    with httpx.Client(base_url=base, timeout=10) as http:
        counted = http.get(
            "/services/data/v59.0/query", params={"q": "SELECT COUNT() FROM Case"}, headers=headers
        )
        assert counted.json() == {"totalSize": 4, "done": True, "records": []}
        missing = http.get("/services/data/v59.0/query", headers=headers)
        assert missing.status_code == 400 and missing.json()[0]["errorCode"] == "MALFORMED_QUERY"
