"""/admin/directory/v1/customer/{customerId}/orgunits: the org unit tree."""

from __future__ import annotations

from starlette.responses import Response

from tenantsim.sandbox.google import errors as err
from tenantsim.sandbox.google import orgunits as ou
from tenantsim.sandbox.google import render
from tenantsim.sandbox.google.call import Call, no_content, ok
from tenantsim.sandbox.google.model import etag


def _customer(call: Call) -> None:
    if not call.tenant.is_customer(call.params["customerId"]):
        raise err.bad_request()


async def insert_org_unit(call: Call) -> Response:
    _customer(call)
    return ok(render.org_unit(call.tenant, ou.insert_org_unit(call.tenant, await call.body())))


async def list_org_units(call: Call) -> Response:
    _customer(call)
    kind = call.enum("type", ("all", "children", "allIncludingParent"), "children") or "children"
    units = [render.org_unit(call.tenant, u) for u in ou.listed(call.tenant, call.query("orgUnitPath") or "/",
                                                               kind)]
    data: dict[str, object] = {"kind": "admin#directory#orgUnits", "etag": etag([u["etag"] for u in units])}
    if units:
        data["organizationUnits"] = units
    return ok(data)


async def get_org_unit(call: Call) -> Response:
    _customer(call)
    return ok(render.org_unit(call.tenant, ou.org_unit(call.tenant, call.params["orgUnitPath"])))


async def update_org_unit(call: Call) -> Response:
    _customer(call)
    unit = ou.org_unit(call.tenant, call.params["orgUnitPath"])
    ou.change_org_unit(call.tenant, unit, await call.body())
    return ok(render.org_unit(call.tenant, unit))


async def delete_org_unit(call: Call) -> Response:
    _customer(call)
    ou.delete_org_unit(call.tenant, ou.org_unit(call.tenant, call.params["orgUnitPath"]))
    return no_content()


_OUS = "/admin/directory/v1/customer/{customerId}/orgunits"
ROUTES = [
    ("POST", _OUS, insert_org_unit, "orgunit"),
    ("GET", _OUS, list_org_units, "orgunit"),
    # {+orgUnitPath}: the client sends a nested path with its slashes unescaped
    ("GET", _OUS + "/{+orgUnitPath}", get_org_unit, "orgunit"),
    ("PUT", _OUS + "/{+orgUnitPath}", update_org_unit, "orgunit"),
    ("PATCH", _OUS + "/{+orgUnitPath}", update_org_unit, "orgunit"),
    ("DELETE", _OUS + "/{+orgUnitPath}", delete_org_unit, "orgunit"),
]
