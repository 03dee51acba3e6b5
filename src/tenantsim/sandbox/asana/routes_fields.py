"""Custom fields (enum, multi_enum, number, text, date, people) with enum options, and portfolios.
Both need a paid plan."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tenantsim.sandbox.asana.routes_projects import COLORS
from tenantsim.sandbox.asana.store import Record, Store
from tenantsim.sandbox.asana.web import (
    PREMIUM_MESSAGE,
    ApiError,
    body_data,
    body_ref,
    empty,
    lookup,
    missing,
    one,
    page,
    store_of,
    unknown_id,
    viewer,
)

SUBTYPES = ("enum", "multi_enum", "number", "text", "date", "people")
# What Asana answers (402) when a free workspace tries to create a custom field.
FREE_FIELDS_MESSAGE = "Custom Fields are not available for free users."
# Enum options use Asana's short palette ("blue", "hot-pink"), not the dark-/light- project colors.
OPTION_COLORS = {"none", "red", "orange", "yellow-orange", "yellow", "yellow-green", "green", "blue-green",
                 "aqua", "blue", "indigo", "purple", "magenta", "hot-pink", "pink", "cool-gray"}
MAX_OPTIONS = 500  # "An enum custom field must contain at least 1 enum option but no more than 500"
RESERVED_NAMES = {"due date", "assignee", "name", "notes", "projects", "tags", "completed"}


def _require_paid(request: Request, message: str = PREMIUM_MESSAGE) -> Store:
    store = store_of(request)
    if store.plan != "paid":
        raise ApiError(402, message)
    return store


def _option_color(data: dict[str, Any], default: str | None = "none") -> Any:
    color = data.get("color", default)
    if color is not None and color not in OPTION_COLORS:
        raise ApiError(400, f"color: Invalid color: {color}")
    return color


def _place_option(store: Store, field: Record, option: str, data: dict[str, Any], before: str,
                  after: str) -> None:
    """Move ``option`` before/after another option of ``field`` (at the end without either)."""
    if data.get(before) is not None and data.get(after) is not None:
        raise ApiError(400, f"You may only provide one of {before} or {after}")
    anchor_field = before if data.get(before) is not None else after
    anchor = data.get(anchor_field)
    order = [o for o in field["enum_options"] if o != option]
    if anchor is None:
        order.append(option)
    else:
        if str(anchor) not in order:
            raise ApiError(400, f"{anchor_field}: Not an enum option of this custom field: {anchor}")
        index = order.index(str(anchor)) + (0 if anchor_field == before else 1)
        order.insert(index, option)
    field["enum_options"] = order


def _enum_option(store: Store, field: Record, data: dict[str, Any]) -> Record:
    if not data.get("name"):
        raise missing("enum_options.name")
    color = _option_color(data)
    if any(store.records[o]["name"] == data["name"] for o in field["enum_options"] if o in store.records):
        raise ApiError(400, f"name: An enum option named {data['name']} already exists on this field")
    if len(field["enum_options"]) >= MAX_OPTIONS:
        raise ApiError(400, f"enum_options: A custom field can have at most {MAX_OPTIONS} options")
    for key in ("insert_before", "insert_after"):
        if data.get(key) is not None and str(data[key]) not in field["enum_options"]:
            raise ApiError(400, f"{key}: Not an enum option of this custom field: {data[key]}")
    option = store.add("enum_option", name=str(data["name"]), color=color,
                       enabled=bool(data.get("enabled", True)), custom_field=field["gid"])
    _place_option(store, field, option["gid"], data, "insert_before", "insert_after")
    return option


async def create_custom_field(request: Request) -> JSONResponse:
    store = _require_paid(request, FREE_FIELDS_MESSAGE)
    data = await body_data(request)
    workspace = body_ref(store, data, "workspace", "workspace", required=True)
    assert workspace is not None
    name = str(data.get("name") or "").strip()
    if not name:
        raise missing("name")
    subtype = data.get("resource_subtype") or data.get("type")
    if subtype is None:
        raise missing("resource_subtype")
    if subtype not in SUBTYPES:
        raise ApiError(400, f"resource_subtype: Unsupported custom field type in this sandbox: {subtype}")
    if name.lower() in RESERVED_NAMES:
        raise ApiError(400, f"name: {name} conflicts with a built-in task property")
    for existing in store.records.filed("custom_field", "workspace", workspace["gid"]):
        if existing["name"].lower() == name.lower():
            raise ApiError(400, f"name: A custom field named {name} already exists in this workspace")
    precision = int(data.get("precision", 0))
    if not 0 <= precision <= 6:
        raise ApiError(400, "precision: Must be between 0 and 6")
    field = store.add("custom_field", name=name, resource_subtype=subtype, workspace=workspace["gid"],
                      precision=precision, description=str(data.get("description", "")), enum_options=[],
                      created_by=viewer(request))
    if subtype in ("enum", "multi_enum"):
        try:
            for option in data.get("enum_options") or []:
                _enum_option(store, field, option)
        except ApiError:
            for gid in field["enum_options"]:
                store.records.pop(gid, None)
            store.delete_plain(field)
            raise
    return one(request, field, 201)


async def get_custom_field(request: Request) -> JSONResponse:
    return one(request, lookup(request, request.path_params["custom_field_gid"], "custom_field"))


async def update_custom_field(request: Request) -> JSONResponse:
    field = lookup(request, request.path_params["custom_field_gid"], "custom_field")
    data = await body_data(request)
    for key in ("name", "description"):
        if key in data:
            field[key] = str(data[key])
    return one(request, field)


async def delete_custom_field(request: Request) -> JSONResponse:
    store = _require_paid(request)
    field = lookup(request, request.path_params["custom_field_gid"], "custom_field")
    for gid in field["enum_options"]:
        store.records.pop(gid, None)
    store.delete_custom_field(field)
    return empty()


async def get_workspace_custom_fields(request: Request) -> JSONResponse:
    workspace = lookup(request, request.path_params["workspace_gid"], "workspace")
    return page(request, store_of(request).records.filed("custom_field", "workspace", workspace["gid"]))


async def create_enum_option(request: Request) -> JSONResponse:
    store = _require_paid(request)
    field = lookup(request, request.path_params["custom_field_gid"], "custom_field")
    if field["resource_subtype"] not in ("enum", "multi_enum"):
        raise ApiError(400, "Enum options can only be added to enum custom fields")
    return one(request, _enum_option(store, field, await body_data(request)), 201)


async def insert_enum_option(request: Request) -> JSONResponse:
    """Reorder: move ``enum_option`` before ``before_enum_option`` or after ``after_enum_option``."""
    store = _require_paid(request)
    field = lookup(request, request.path_params["custom_field_gid"], "custom_field")
    data = await body_data(request)
    if data.get("enum_option") is None:
        raise missing("enum_option")
    option = str(data["enum_option"])
    if option not in field["enum_options"]:
        raise unknown_id("enum_option", option)
    if data.get("before_enum_option") is None and data.get("after_enum_option") is None:
        raise ApiError(400, "You must provide one of before_enum_option or after_enum_option")
    _place_option(store, field, option, data, "before_enum_option", "after_enum_option")
    return one(request, store.records[option])


async def update_enum_option(request: Request) -> JSONResponse:
    store = _require_paid(request)
    option = lookup(request, request.path_params["enum_option_gid"], "enum_option")
    data = await body_data(request)
    if "name" in data:
        name = str(data["name"] or "").strip()
        if not name:
            raise ApiError(400, "name: Cannot be empty")
        field = store.records.get(option["custom_field"])
        siblings = field["enum_options"] if field else []
        others = [store.records[o] for o in siblings if o != option["gid"] and o in store.records]
        if any(other["name"] == name for other in others):
            raise ApiError(400, f"name: An enum option named {name} already exists on this field")
        option["name"] = name
    if "color" in data:
        option["color"] = _option_color(data)
    if "enabled" in data:
        enabled = bool(data["enabled"])
        field = store.records.get(option["custom_field"])
        others = [store.records[o] for o in (field["enum_options"] if field else [])
                  if o != option["gid"] and o in store.records]
        if not enabled and not any(o["enabled"] for o in others):
            raise ApiError(400, "enabled: An enum custom field must have at least one enabled option")
        option["enabled"] = enabled
    return one(request, option)


# -- portfolios -------------------------------------------------------------------------------------
def _portfolio(request: Request) -> Record:
    _require_paid(request)
    portfolio = lookup(request, request.path_params["portfolio_gid"], "portfolio")
    if not portfolio["public"] and viewer(request) not in portfolio["members"]:
        raise ApiError(403, "You do not have access to this portfolio")
    return portfolio


async def create_portfolio(request: Request) -> JSONResponse:
    store = _require_paid(request)
    data = await body_data(request)
    workspace = body_ref(store, data, "workspace", "workspace", required=True)
    assert workspace is not None
    if not data.get("name"):
        raise missing("name")
    color = data.get("color", "light-green")
    if color not in COLORS or color == "none":
        raise ApiError(400, f"color: Invalid color: {color}")
    actor = viewer(request)
    members = [actor]
    for gid in data.get("members") or []:
        if store.get(str(gid), "user") is None:
            raise unknown_id("members", gid)
        if str(gid) not in members:
            members.append(str(gid))
    portfolio = store.add("portfolio", name=str(data["name"]), workspace=workspace["gid"], owner=actor,
                          created_by=actor, members=members, color=color,
                          public=bool(data.get("public", False)), items=[])
    return one(request, portfolio, 201)


async def get_portfolios(request: Request) -> JSONResponse:
    store = _require_paid(request)
    workspace = request.query_params.get("workspace")
    if workspace is None:
        raise missing("workspace")
    if store.get(workspace, "workspace") is None:
        raise unknown_id("workspace", workspace)
    owner = request.query_params.get("owner", "me")
    owner = viewer(request) if owner == "me" else owner
    if owner != viewer(request):  # personal access tokens only see their own portfolios
        raise ApiError(403, "owner: You can only list portfolios you own")
    found = [p for p in store.records.filed("portfolio", "owner", owner) if p["workspace"] == workspace]
    return page(request, found)


async def get_portfolio(request: Request) -> JSONResponse:
    return one(request, _portfolio(request))


async def update_portfolio(request: Request) -> JSONResponse:
    portfolio = _portfolio(request)
    data = await body_data(request)
    for key in ("name", "color", "public"):
        if key in data:
            portfolio[key] = data[key]
    return one(request, portfolio)


async def delete_portfolio(request: Request) -> JSONResponse:
    portfolio = _portfolio(request)
    store_of(request).delete_plain(portfolio)
    return empty()


async def get_portfolio_items(request: Request) -> JSONResponse:
    portfolio = _portfolio(request)
    store = store_of(request)
    return page(request, [store.records[g] for g in portfolio["items"] if g in store.records])


async def add_portfolio_item(request: Request) -> JSONResponse:
    portfolio = _portfolio(request)
    store = store_of(request)
    data = await body_data(request)
    item = store.get(str(data.get("item")), "project") if data.get("item") else None
    if item is None:
        raise missing("item") if not data.get("item") else unknown_id("item", data["item"])
    if item["gid"] not in portfolio["items"]:
        portfolio["items"].insert(0, item["gid"])
    return empty()


async def remove_portfolio_item(request: Request) -> JSONResponse:
    portfolio = _portfolio(request)
    data = await body_data(request)
    if not data.get("item"):
        raise missing("item")
    portfolio["items"] = [g for g in portfolio["items"] if g != str(data["item"])]
    return empty()


ROUTES = [
    Route("/custom_fields", create_custom_field, methods=["POST"]),
    Route("/custom_fields/{custom_field_gid}", get_custom_field, methods=["GET"]),
    Route("/custom_fields/{custom_field_gid}", update_custom_field, methods=["PUT"]),
    Route("/custom_fields/{custom_field_gid}", delete_custom_field, methods=["DELETE"]),
    Route("/custom_fields/{custom_field_gid}/enum_options", create_enum_option, methods=["POST"]),
    Route("/custom_fields/{custom_field_gid}/enum_options/insert", insert_enum_option, methods=["POST"]),
    Route("/enum_options/{enum_option_gid}", update_enum_option, methods=["PUT"]),
    Route("/workspaces/{workspace_gid}/custom_fields", get_workspace_custom_fields, methods=["GET"]),
    Route("/portfolios", get_portfolios, methods=["GET"]),
    Route("/portfolios", create_portfolio, methods=["POST"]),
    Route("/portfolios/{portfolio_gid}", get_portfolio, methods=["GET"]),
    Route("/portfolios/{portfolio_gid}", update_portfolio, methods=["PUT"]),
    Route("/portfolios/{portfolio_gid}", delete_portfolio, methods=["DELETE"]),
    Route("/portfolios/{portfolio_gid}/items", get_portfolio_items, methods=["GET"]),
    Route("/portfolios/{portfolio_gid}/addItem", add_portfolio_item, methods=["POST"]),
    Route("/portfolios/{portfolio_gid}/removeItem", remove_portfolio_item, methods=["POST"]),
]
