"""Calendar v3 events on the Google Workspace emulator, through the official client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from tenantsim.sandbox.google import create_app
from tests.sandbox.google_support import CheckedHttp, Session, all_pages
from tests.support.servers import serve_asgi

ZONE = "America/New_York"


@pytest.fixture
def session() -> Iterator[Session]:
    sandbox = create_app(users=6)
    with serve_asgi(sandbox) as base:
        yield Session(sandbox, base, CheckedHttp(base))


def error_of(exc: HttpError) -> dict[str, Any]:
    return dict(json.loads(exc.content)["error"])


def meeting(summary: str, day: int, hour: int = 10, minutes: int = 30, **extra: Any) -> dict[str, Any]:
    return {"summary": summary,
            "start": {"dateTime": f"2026-03-{day:02d}T{hour:02d}:00:00", "timeZone": ZONE},
            "end": {"dateTime": f"2026-03-{day:02d}T{hour:02d}:{minutes:02d}:00", "timeZone": ZONE}, **extra}


def test_insert_get_patch_delete_an_event(session: Session) -> None:
    organiser = next(u for u in session.sandbox.tenant.users.values() if not u.is_admin)
    events = session.calendar(subject=organiser.primary_email).events()
    body = meeting("Design review", 3, description="Walk through the new onboarding flow",
                   location="Room 4",
                   attendees=[{"email": session.admin}, {"email": organiser.primary_email}])
    made = events.insert(calendarId="primary", body=body).execute()
    assert made["kind"] == "calendar#event" and made["status"] == "confirmed"
    assert made["organizer"] == {"email": organiser.primary_email, "self": True}
    assert made["creator"] == {"email": organiser.primary_email, "self": True}
    assert made["start"] == {"dateTime": "2026-03-03T10:00:00", "timeZone": ZONE}
    assert made["iCalUID"] == f"{made['id']}@google.com" and made["sequence"] == 0
    by_email = {a["email"]: a for a in made["attendees"]}
    assert by_email[session.admin]["responseStatus"] == "needsAction"
    assert by_email[organiser.primary_email] == {"email": organiser.primary_email, "organizer": True,
                                                 "responseStatus": "needsAction", "self": True}

    fetched = events.get(calendarId=organiser.primary_email, eventId=made["id"]).execute()
    assert fetched["id"] == made["id"]
    moved = events.patch(calendarId="primary", eventId=made["id"],
                         body={"start": {"dateTime": "2026-03-03T11:00:00", "timeZone": ZONE},
                               "end": {"dateTime": "2026-03-03T11:30:00", "timeZone": ZONE}}).execute()
    assert moved["sequence"] == 1 and moved["summary"] == "Design review" and moved["etag"] != made["etag"]
    assert events.delete(calendarId="primary", eventId=made["id"]).execute() == ""
    assert events.get(calendarId="primary", eventId=made["id"]).execute()["status"] == "cancelled"
    with pytest.raises(HttpError) as again:
        events.delete(calendarId="primary", eventId=made["id"]).execute()
    assert error_of(again.value) == {
        "code": 410, "message": "Resource has been deleted", "status": "NOT_FOUND",
        "errors": [{"message": "Resource has been deleted", "domain": "global", "reason": "deleted"}]}
    with pytest.raises(HttpError) as missing:
        events.get(calendarId="primary", eventId="nosuchevent123").execute()
    assert error_of(missing.value)["errors"][0] == {"message": "Not Found", "domain": "global",
                                                    "reason": "notFound"}


def test_list_windows_single_events_order_paging_and_search(session: Session) -> None:
    events = session.calendar().events()
    for day in (9, 10, 11, 12, 13):
        events.insert(calendarId="primary", body=meeting(f"Standup {day}", day, hour=9, minutes=15)).execute()
    events.insert(calendarId="primary", body=meeting("Budget planning", 11, hour=14, minutes=45)).execute()
    weekly = events.insert(calendarId="primary", body=meeting(
        "Team sync", 2, hour=16, recurrence=["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6"])).execute()
    assert weekly["recurrence"] == ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6"]
    window = {"timeMin": "2026-03-09T00:00:00-04:00", "timeMax": "2026-03-14T00:00:00-04:00"}

    starts: list[str] = []
    summaries: list[str] = []
    request = events.list(calendarId="primary", singleEvents=True, orderBy="startTime", maxResults=2,
                          **window)
    for page in all_pages(request, events.list_next):
        assert len(page["items"]) <= 2
        starts += [e["start"]["dateTime"] for e in page["items"]]
        summaries += [e["summary"] for e in page["items"]]
    # the seeded weekly IT sync (Mondays 9:30) is on the admin's calendar too
    assert summaries == ["Standup 9", "IT weekly sync", "Team sync", "Standup 10", "Standup 11",
                         "Budget planning", "Standup 12", "Standup 13"]
    assert starts == sorted(starts)
    sync = events.list(calendarId="primary", singleEvents=True, q="team sync", **window).execute()["items"]
    assert len(sync) == 1 and sync[0]["recurringEventId"] == weekly["id"]
    assert sync[0]["id"] == f"{weekly['id']}_20260309T200000Z"  # 16:00 New York, after the DST change
    assert sync[0]["start"] == {"dateTime": "2026-03-09T16:00:00-04:00", "timeZone": ZONE}
    assert sync[0]["originalStartTime"] == sync[0]["start"]

    series = events.list(calendarId="primary", q="team sync", **window).execute()["items"]
    assert [e["id"] for e in series] == [weekly["id"]]  # not expanded: the series once
    budget = events.list(calendarId="primary", q="budget").execute()["items"]
    assert [e["summary"] for e in budget] == ["Budget planning"]

    with pytest.raises(HttpError) as unordered:
        events.list(calendarId="primary", orderBy="startTime").execute()
    assert error_of(unordered.value)["message"] == \
        "The requested ordering is not available for the particular query."


def test_updated_min_returns_changes_including_deletions(session: Session) -> None:
    events = session.calendar().events()
    first = events.insert(calendarId="primary", body=meeting("One", 16)).execute()
    second = events.insert(calendarId="primary", body=meeting("Two", 17)).execute()
    events.delete(calendarId="primary", eventId=first["id"]).execute()
    since = second["updated"]
    changed = events.list(calendarId="primary", updatedMin=since).execute()["items"]
    assert {(e["id"], e["status"]) for e in changed} >= {(first["id"], "cancelled"),
                                                         (second["id"], "confirmed")}
    assert first["id"] not in {e["id"] for e in events.list(calendarId="primary").execute()["items"]}


def test_calendar_refusals(session: Session) -> None:
    events = session.calendar().events()
    backwards = meeting("Backwards", 20)
    backwards["end"] = {"dateTime": "2026-03-20T09:00:00", "timeZone": ZONE}
    with pytest.raises(HttpError) as empty:
        events.insert(calendarId="primary", body=backwards).execute()
    assert error_of(empty.value)["errors"][0]["reason"] == "timeRangeEmpty"
    no_end = meeting("No end", 20)
    del no_end["end"]
    with pytest.raises(HttpError) as missing:
        events.insert(calendarId="primary", body=no_end).execute()
    assert error_of(missing.value)["message"] == "Missing end time."
    someone = next(u for u in session.sandbox.tenant.users.values() if not u.is_admin)
    with pytest.raises(HttpError) as theirs:  # not shared with the admin: Google says not found
        events.list(calendarId=someone.primary_email).execute()
    assert theirs.value.resp.status == 404
    with pytest.raises(HttpError) as no_scope:
        session.calendar(scopes=["https://www.googleapis.com/auth/admin.directory.user"]).events() \
            .list(calendarId="primary").execute()
    assert error_of(no_scope.value)["errors"][0]["reason"] == "insufficientPermissions"


def test_the_seeded_admin_calendar_has_a_recurring_meeting(session: Session) -> None:
    events = session.calendar().events()
    january = events.list(calendarId="primary", singleEvents=True, orderBy="startTime",
                          timeMin="2026-01-01T00:00:00Z", timeMax="2026-02-01T00:00:00Z").execute()["items"]
    assert [e["start"]["dateTime"][:10] for e in january] == ["2026-01-05", "2026-01-12", "2026-01-19",
                                                              "2026-01-26"]
    assert all(e["summary"] == "IT weekly sync" for e in january)


def test_incremental_sync_with_next_sync_token(session: Session) -> None:
    events = session.calendar().events()
    full = list(all_pages(events.list(calendarId="primary", maxResults=1), events.list_next))
    assert all("nextSyncToken" not in page for page in full[:-1]) and "nextSyncToken" in full[-1]
    sync = full[-1]["nextSyncToken"]
    assert events.list(calendarId="primary", syncToken=sync).execute()["items"] == []
    added = events.insert(calendarId="primary", body=meeting("After the sync", 25)).execute()
    changes = events.list(calendarId="primary", syncToken=sync).execute()
    assert [e["id"] for e in changes["items"]] == [added["id"]]
    events.delete(calendarId="primary", eventId=added["id"]).execute()
    again = events.list(calendarId="primary", syncToken=changes["nextSyncToken"]).execute()["items"]
    assert [(e["id"], e["status"]) for e in again] == [(added["id"], "cancelled")]
    with pytest.raises(HttpError) as stale:
        events.list(calendarId="primary", syncToken="CPnot-a-token").execute()
    assert stale.value.resp.status == 410
    assert error_of(stale.value)["errors"][0]["reason"] == "fullSyncRequired"


def test_one_occurrence_of_a_series_can_be_read_and_cancelled(session: Session) -> None:
    events = session.calendar().events()
    series = events.insert(calendarId="primary", body=meeting(
        "Office hours", 3, hour=15, recurrence=["RRULE:FREQ=DAILY;COUNT=3"])).execute()
    window = {"timeMin": "2026-03-03T00:00:00Z", "timeMax": "2026-03-06T00:00:00Z", "q": "office"}
    listed = events.list(calendarId="primary", singleEvents=True, **window).execute()["items"]
    assert len(listed) == 3
    second = listed[1]
    fetched = events.get(calendarId="primary", eventId=second["id"]).execute()
    assert fetched["recurringEventId"] == series["id"] and fetched["start"] == second["start"]
    assert events.delete(calendarId="primary", eventId=second["id"]).execute() == ""
    left = events.list(calendarId="primary", singleEvents=True, **window).execute()["items"]
    assert [e["id"] for e in left] == [listed[0]["id"], listed[2]["id"]]
