"""SOQL over REST: ``query?q=`` and ``queryAll?q=`` (which also sees deleted records), and the next pages
of a result at ``query/<locator>-<offset>``, in pages of 2000 or the ``Sforce-Query-Options`` batch size."""

from __future__ import annotations

from tenantsim.sandbox.salesforce import errors as err
from tenantsim.sandbox.salesforce.call import Call, Result, ok
from tenantsim.sandbox.salesforce.querying import batch_size, run
from tenantsim.sandbox.salesforce.soql import parse


def _query(call: Call, endpoint: str) -> Result:
    text = call.query.get("q")
    if text is None:
        raise err.ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
    query = parse(text)
    total, rows = run(call.org, query, call.at, deleted=endpoint == "queryAll")
    size = batch_size(call.headers.get("sforce-query-options"))
    return ok(call.cursors.page(total, rows, size, endpoint))


def query(call: Call) -> Result:
    return _query(call, "query")


def query_all(call: Call) -> Result:
    return _query(call, "queryAll")


def more(call: Call) -> Result:
    return ok(call.cursors.more(call.params["locator"]))


ROUTES = [
    ("GET", "/query", query),
    ("GET", "/queryAll", query_all),
    ("GET", "/query/{locator}", more),
    ("GET", "/queryAll/{locator}", more),
]
