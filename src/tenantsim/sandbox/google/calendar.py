"""Calendar v3 events on the users' primary calendars: insert, get, patch, delete, list and render."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from tenantsim.sandbox.google import errors as err
from tenantsim.sandbox.google import recurrence as rec
from tenantsim.sandbox.google.model import Event, event_id, iso
from tenantsim.sandbox.google.tenant import Tenant

WRITABLE = ("summary", "description", "location", "start", "end", "recurrence", "attendees", "reminders",
            "colorId", "transparency", "visibility", "extendedProperties", "guestsCanModify",
            "guestsCanInviteOthers", "guestsCanSeeOtherGuests", "source", "anyoneCanAddSelf")
_CLIENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")
_FAR = datetime(2100, 1, 1, tzinfo=UTC)


def calendar_of(tenant: Tenant, calendar_id: str, subject: str | None) -> str:
    """The calendar a request names: "primary" or the caller's own address. Other people's calendars
    are not shared with the caller, and Google answers those as not found."""
    wanted = (subject or "") if calendar_id == "primary" else calendar_id
    if not subject or wanted.lower() != subject.lower() or wanted.lower() not in tenant.events:
        raise err.calendar_not_found()
    return wanted.lower()


def _attendees(value: Any, organizer: str) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise err.invalid("Invalid attendee.")
    out = []
    for raw in value:
        if not isinstance(raw, dict) or not raw.get("email"):
            raise err.required("Missing attendee email.")
        attendee = {k: raw[k] for k in ("email", "displayName", "optional", "responseStatus", "comment",
                                        "additionalGuests", "resource") if k in raw}
        attendee.setdefault("responseStatus", "needsAction")
        if str(raw["email"]).lower() == organizer.lower():
            attendee["organizer"] = True
        out.append(attendee)
    return out


def _validated(data: dict[str, Any]) -> None:
    start = rec.moment_of(data.get("start"), "start")
    end = rec.moment_of(data.get("end"), "end")
    if end < start:
        raise err.GoogleApiError(400, "The specified time range is empty.", "timeRangeEmpty")
    rec.check(data.get("recurrence"), data["start"])


def insert(tenant: Tenant, calendar: str, body: dict[str, Any], at: float, *,
           preexisting: bool = False) -> Event:
    data = {key: body[key] for key in WRITABLE if key in body and body[key] is not None}
    if "end" not in data:
        raise err.required("Missing end time.")
    _validated(data)
    data["attendees"] = _attendees(data.get("attendees"), calendar)
    if data["attendees"] is None:
        del data["attendees"]
    eid = str(body.get("id") or "")
    if eid:
        if not _CLIENT_ID.match(eid):
            raise err.invalid("Invalid resource id value.")
        if eid in tenant.events[calendar]:
            raise err.duplicate("The requested identifier already exists.")
    else:
        eid = event_id(tenant.rng)
    event = Event(id=eid, calendar=calendar, data=data, created=at, updated=at, creator=calendar,
                  organizer=calendar, status=str(body.get("status") or "confirmed"), preexisting=preexisting)
    tenant.events[calendar][eid] = event
    return event


def event(tenant: Tenant, calendar: str, eid: str) -> Event:
    found = tenant.events[calendar].get(eid)
    if found is None:
        raise err.calendar_not_found()
    return found


def patch(event_: Event, body: dict[str, Any], at: float) -> None:
    data = dict(event_.data)
    for key in WRITABLE:
        if key in body:
            if body[key] is None:
                data.pop(key, None)
            else:
                data[key] = body[key]
    _validated(data)
    if "attendees" in body:
        attendees = _attendees(body.get("attendees"), event_.organizer)
        if attendees is None:
            data.pop("attendees", None)
        else:
            data["attendees"] = attendees
    if any(key in body for key in ("start", "end", "recurrence", "location")):
        event_.sequence += 1  # attendees' invitations are re-sent when the when or where changes
    if body.get("status") in ("confirmed", "tentative", "cancelled"):
        event_.status = str(body["status"])
    event_.data = data
    event_.updated = at


def instance(tenant: Tenant, calendar: str, eid: str, subject: str) -> tuple[Event, dict[str, Any]] | None:
    """One occurrence of a series by its instance id (``<series id>_<UTC start>``), as Google serves it."""
    series_id, _, stamp = eid.rpartition("_")
    series = tenant.events[calendar].get(series_id)
    if series is None or not series.data.get("recurrence"):
        return None
    try:
        moment = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    for begin, data in _instances(series, subject, moment + timedelta(seconds=1)):
        if begin == moment:
            return series, data
    return None


def cancel_instance(series: Event, instance_id: str, at: float) -> None:
    """Deleting one occurrence excludes it from the series (an EXDATE), as Google records it."""
    stamp = instance_id.rpartition("_")[2]
    series.data["recurrence"] = [*series.data["recurrence"], f"EXDATE:{stamp}"]
    series.updated = at


def delete(event_: Event, at: float) -> None:
    if event_.status == "cancelled":
        raise err.deleted()
    event_.status = "cancelled"
    event_.updated = at


# -- render and list -----------------------------------------------------------------------------------
def _html_link(event_: Event, eid: str) -> str:
    token = base64.urlsafe_b64encode(f"{eid} {event_.calendar}".encode()).decode().rstrip("=")
    return f"https://www.google.com/calendar/event?eid={token}"


def render(event_: Event, subject: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "calendar#event",
        "etag": f'"{int(event_.updated * 1_000_000)}"',
        "id": event_.id,
        "status": event_.status,
        "htmlLink": _html_link(event_, event_.id),
        "created": iso(event_.created),
        "updated": iso(event_.updated),
    }
    data.update({k: v for k, v in event_.data.items() if k not in ("attendees", "reminders")})
    for role, email in (("creator", event_.creator), ("organizer", event_.organizer)):
        data[role] = {"email": email, **({"self": True} if email == subject.lower() else {})}
    if event_.data.get("attendees"):
        data["attendees"] = [{**a, **({"self": True} if str(a["email"]).lower() == subject.lower() else {})}
                             for a in event_.data["attendees"]]
    data["iCalUID"] = f"{event_.id}@google.com"
    data["sequence"] = event_.sequence
    data["reminders"] = event_.data.get("reminders") or {"useDefault": True}
    data["eventType"] = "default"
    return data


def _instances(event_: Event, subject: str, limit_end: datetime) -> list[tuple[datetime, dict[str, Any]]]:
    """The single events of a series (singleEvents=true), each with its own id and originalStartTime."""
    start = rec.moment_of(event_.data["start"], "start")
    end = rec.moment_of(event_.data["end"], "end")
    tz = rec.zone(event_.data["start"].get("timeZone"))
    master = render(event_, subject)
    out = []
    for moment in rec.occurrences(start, event_.data["recurrence"], tz, limit_end):
        stamp = moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        eid = f"{event_.id}_{stamp}"
        item = {k: v for k, v in master.items() if k != "recurrence"}
        shift = moment - start
        item.update(id=eid, htmlLink=_html_link(event_, eid), recurringEventId=event_.id,
                    iCalUID=master["iCalUID"],
                    start=_shifted(event_.data["start"], start + shift, tz),
                    end=_shifted(event_.data["end"], end + shift, tz),
                    originalStartTime=_shifted(event_.data["start"], moment, tz))
        out.append((moment, item))
    return out


def _shifted(when: dict[str, Any], moment: datetime, tz: Any) -> dict[str, Any]:
    if when.get("date"):
        return {"date": moment.astimezone(tz).date().isoformat()}
    local = moment.astimezone(tz)
    return {"dateTime": local.isoformat(), **({"timeZone": when["timeZone"]} if when.get("timeZone") else {})}


def listing(tenant: Tenant, calendar: str, subject: str,
            params: dict[str, str | None]) -> list[tuple[Any, dict[str, Any]]]:
    """The events matching a list request, each with its sort key, before paging."""
    single = (params.get("singleEvents") or "").lower() == "true"
    order = params.get("orderBy")
    if order not in (None, "", "startTime", "updated"):
        raise err.invalid(f"Invalid value for: {order} is not a valid value")
    if order == "startTime" and not single:
        raise err.bad_request("The requested ordering is not available for the particular query.")
    raw_min, raw_max, raw_updated = params.get("timeMin"), params.get("timeMax"), params.get("updatedMin")
    time_min = rec.parse_rfc3339(raw_min) if raw_min else None
    time_max = rec.parse_rfc3339(raw_max) if raw_max else None
    updated_min = rec.parse_rfc3339(raw_updated).timestamp() if raw_updated else None
    changed_after = None
    if params.get("syncToken"):
        if any(params.get(name) for name in ("timeMin", "timeMax", "updatedMin", "q", "orderBy")):
            raise err.invalid("Sync token cannot be used with other filters.")
        changed_after = sync_position(str(params["syncToken"]))
    show_deleted = (params.get("showDeleted") or "").lower() == "true" or updated_min is not None \
        or changed_after is not None
    words = (params.get("q") or "").lower().split()
    horizon = time_max or max(_FAR, datetime.now(UTC) + timedelta(days=3650))
    found: list[tuple[Any, dict[str, Any]]] = []
    for item in tenant.events[calendar].values():
        if item.status == "cancelled" and not show_deleted:
            continue
        if updated_min is not None and item.updated < updated_min:
            continue
        if changed_after is not None and item.updated <= changed_after:
            continue
        if words and not all(word in _text(item) for word in words):
            continue
        start = rec.moment_of(item.data["start"], "start")
        end = rec.moment_of(item.data["end"], "end")
        length = end - start
        spans = ([(m, m + length, d) for m, d in _instances(item, subject, horizon)]
                 if item.data.get("recurrence") else [(start, end, render(item, subject))])
        if item.data.get("recurrence") and not single:
            # The series is listed once when any of its occurrences falls in the window.
            hits = [s for s in spans if _overlaps(s[0], s[1], time_min, time_max)]
            if hits:
                found.append((_key(order, start, item), render(item, subject)))
            continue
        for begin, finish, data in spans:
            if _overlaps(begin, finish, time_min, time_max):
                found.append((_key(order, begin, item, data["id"]), data))
    return found


def sync_token(tenant: Tenant, calendar: str, at: float) -> str:
    """Where an incremental sync picks up: after the newest change the client has now seen."""
    newest = max((e.updated for e in tenant.events[calendar].values()), default=at)
    return "CP" + base64.urlsafe_b64encode(f"sync:{newest!r}".encode()).decode().rstrip("=")


def sync_position(token: str) -> float:
    try:
        raw = base64.urlsafe_b64decode(token[2:] + "=" * (-len(token[2:]) % 4)).decode()
        if not token.startswith("CP") or not raw.startswith("sync:"):
            raise ValueError(token)
        return float(raw[5:])
    except (ValueError, UnicodeDecodeError):
        # Google's answer to a token it no longer (or never) knew: start over with a full sync.
        raise err.GoogleApiError(410, "Sync token is no longer valid, a full sync is required.",
                                 "fullSyncRequired") from None


def _overlaps(begin: datetime, finish: datetime, time_min: datetime | None,
              time_max: datetime | None) -> bool:
    return (time_min is None or finish > time_min) and (time_max is None or begin < time_max)


def _key(order: str | None, begin: datetime, item: Event, eid: str | None = None) -> list[Any]:
    if order == "startTime":
        return [begin.timestamp(), eid or item.id]
    return [item.updated if order == "updated" else item.created, eid or item.id]


def _text(item: Event) -> str:
    data = item.data
    parts = [str(data.get(k) or "") for k in ("summary", "description", "location")]
    parts += [f"{a.get('email', '')} {a.get('displayName', '')}" for a in data.get("attendees") or []]
    return " ".join([*parts, item.organizer]).lower()
