"""sObject REST: describeGlobal, an object's basic info and describe, and create, read (with ``fields=``),
update and delete of one record."""

from __future__ import annotations

from tenantsim.sandbox.salesforce import errors as err
from tenantsim.sandbox.salesforce import render
from tenantsim.sandbox.salesforce.call import Call, Result, no_content, ok
from tenantsim.sandbox.salesforce.schema import SObject, find_object


def _sobject(call: Call) -> SObject:
    sobject = find_object(call.params["type"])
    if sobject is None:
        raise err.not_found()
    return sobject


def resources(call: Call) -> Result:
    """GET /services/data/v59.0: the resources this version offers (those the sandbox serves)."""
    names = ("sobjects", "query", "queryAll", "composite", "limits")
    return ok({name: f"{render.API}/{name}" for name in names})


def describe_global(call: Call) -> Result:
    return ok(render.describe_global())


def basic_info(call: Call) -> Result:
    sobject = _sobject(call)
    recent = sorted(call.org.live(sobject.name), key=lambda r: str(r.get("LastModifiedDate")), reverse=True)[
        :3
    ]
    items = [
        {
            "attributes": render.attributes(sobject.name, r["Id"]),
            "Id": r["Id"],
            **({"Name": r.get("Name")} if "Name" in sobject.fields else {}),
        }
        for r in recent
    ]
    return ok(render.basic_info(sobject, items))


def describe(call: Call) -> Result:
    return ok(render.describe(_sobject(call)))


def create(call: Call) -> Result:
    sobject = _sobject(call)
    if sobject.name == "User":
        raise err.license_limit()  # the org's licences are all taken: users are listed, not made
    record = call.org.create(sobject.name, call.body, call.user_id, call.at)
    return Result(
        201,
        {"id": record["Id"], "success": True, "errors": []},
        {"Location": render.record_url(sobject.name, record["Id"])},
    )


def read(call: Call) -> Result:
    sobject = _sobject(call)
    record = call.org.fetch(sobject, call.params["id"])
    return ok(render.record(sobject, record, render.field_list(sobject, call.query.get("fields"))))


def update(call: Call) -> Result:
    sobject = _sobject(call)
    call.org.update(sobject.name, call.params["id"], call.body, call.user_id, call.at)
    return no_content()


def delete(call: Call) -> Result:
    sobject = _sobject(call)
    if sobject.name == "User":
        raise err.method_not_allowed("DELETE", "HEAD,GET,PATCH")
    call.org.delete(sobject.name, call.params["id"], call.at)
    return no_content()


def limits(call: Call) -> Result:
    return ok(call.limits)


ROUTES = [
    ("GET", "/", resources),
    ("GET", "/sobjects", describe_global),
    ("GET", "/sobjects/{type}", basic_info),
    ("POST", "/sobjects/{type}", create),
    ("GET", "/sobjects/{type}/describe", describe),
    ("GET", "/sobjects/{type}/{id}", read),
    ("PATCH", "/sobjects/{type}/{id}", update),
    ("DELETE", "/sobjects/{type}/{id}", delete),
    ("GET", "/limits", limits),
]
