"""/calendar/v3/calendars/{calendarId}/events: a user's primary calendar."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from tenantsim.sandbox.google import calendar as cal
from tenantsim.sandbox.google import query as q
from tenantsim.sandbox.google.call import Call, no_content, ok
from tenantsim.sandbox.google.model import iso


def _calendar(call: Call) -> str:
    return cal.calendar_of(call.tenant, call.params["calendarId"], call.subject)


async def insert_event(call: Call) -> Response:
    calendar = _calendar(call)
    created = cal.insert(call.tenant, calendar, await call.body(), call.at)
    return ok(cal.render(created, call.subject or ""))


async def get_event(call: Call) -> Response:
    calendar = _calendar(call)
    eid = call.params["eventId"]
    if eid not in call.tenant.events[calendar]:
        occurrence = cal.instance(call.tenant, calendar, eid, call.subject or "")
        if occurrence is not None:
            return ok(occurrence[1])
    return ok(cal.render(cal.event(call.tenant, calendar, eid), call.subject or ""))


async def list_events(call: Call) -> Response:
    calendar = _calendar(call)
    params = {name: call.query(name) for name in ("singleEvents", "orderBy", "timeMin", "timeMax",
                                                   "updatedMin", "showDeleted", "q", "syncToken")}
    found = cal.listing(call.tenant, calendar, call.subject or "", params)
    size = q.max_results(call.query("maxResults"), 250, 2500)
    items: list[tuple[Any, dict[str, Any]]] = found
    chunk, following = q.page(items, lambda pair: pair[0], call.query("pageToken"), size)
    events = call.tenant.events[calendar].values()
    newest = max((e.updated for e in events), default=call.at)
    data: dict[str, Any] = {"kind": "calendar#events", "etag": f'"{int(newest * 1_000_000)}"',
                            "summary": calendar, "description": "", "updated": iso(newest),
                            "timeZone": "UTC", "accessRole": "owner", "defaultReminders": [],
                            "items": [item for _, item in chunk]}
    if following:
        data["nextPageToken"] = following
    else:  # the last page of a listing tells the client where to sync from next time
        data["nextSyncToken"] = cal.sync_token(call.tenant, calendar, call.at)
    return ok(data)


async def patch_event(call: Call) -> Response:
    calendar = _calendar(call)
    held = cal.event(call.tenant, calendar, call.params["eventId"])
    cal.patch(held, await call.body(), call.at)
    return ok(cal.render(held, call.subject or ""))


async def delete_event(call: Call) -> Response:
    calendar = _calendar(call)
    eid = call.params["eventId"]
    if eid not in call.tenant.events[calendar]:
        occurrence = cal.instance(call.tenant, calendar, eid, call.subject or "")
        if occurrence is not None:
            cal.cancel_instance(occurrence[0], eid, call.at)
            return no_content()
    cal.delete(cal.event(call.tenant, calendar, eid), call.at)
    return no_content()


_EVENTS = "/calendar/v3/calendars/{calendarId}/events"
ROUTES = [
    ("POST", _EVENTS, insert_event, "calendar"),
    ("GET", _EVENTS, list_events, "calendar"),
    ("GET", _EVENTS + "/{eventId}", get_event, "calendar"),
    ("PATCH", _EVENTS + "/{eventId}", patch_event, "calendar"),
    ("PUT", _EVENTS + "/{eventId}", patch_event, "calendar"),
    ("DELETE", _EVENTS + "/{eventId}", delete_event, "calendar"),
]
