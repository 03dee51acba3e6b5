"""A few meetings that make calendars look used: every manager's weekly team meeting with their direct
reports, and a weekly half-hour 1:1 with each of them. Made in the organiser's calendar, acting as the
organiser (domain-wide delegation), in their office's time zone during working hours; every write says
``sendUpdates=none``, so no invitation is mailed.

The meetings follow the company: after each people event the wanted set (by ``slot``: ``team:<manager>``,
``1on1:<manager>><report>``) is compared with the ledger's, and only differences are made. An organiser
on leave keeps their meetings as they are until they return; a departing organiser's meetings are
cancelled while their account still works, before it is suspended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tenantsim.connectors.google_workspace.client import GoogleClient
from tenantsim.connectors.google_workspace.state import Workspace
from tenantsim.errors import AuthError, NotFoundOnPlatform
from tenantsim.scenario.company import ACTIVE, DEPARTED, Company, Employee
from tenantsim.store.ledger_types import LedgerEntry

KEY_PROPERTY = "tenantsimKey"  # a private extended property: seen by the API only, never in a calendar
DAYS = ("MO", "TU", "WE", "TH", "FR")
REMOVING = "removing"


@dataclass(frozen=True)
class Meeting:
    slot: str
    organiser: str  # person key
    summary: str
    attendees: tuple[str, ...]  # emails
    weekday: int  # 0 Monday
    start: time
    minutes: int


def wanted(ws: Workspace, company: Company) -> dict[str, dict[str, Meeting]]:
    """Organiser key -> slot -> meeting, for every active manager with reports."""
    result: dict[str, dict[str, Meeting]] = {}
    for manager in company.active_people():
        reports = sorted(company.reports_of(manager.key), key=lambda p: p.key)
        if not reports:
            continue
        team = company.group(manager.team) if manager.team else None
        label = team.name if team is not None and len(reports) > 2 else f"{manager.first_name}'s team"
        meetings = {f"team:{manager.key}": Meeting(
            f"team:{manager.key}", manager.key, f"{label} weekly",
            tuple(sorted(str(ws.address(r)) for r in reports)), 0, time(10, 0), 30)}
        for index, report in enumerate(reports[:16]):  # 1:1s Tuesday to Thursday afternoons
            slot = f"1on1:{manager.key}>{report.key}"
            start = datetime.combine(date.min, time(13, 0)) + timedelta(minutes=30 * (index // 3))
            meetings[slot] = Meeting(slot, manager.key, f"{manager.first_name} / {report.first_name} 1:1",
                                     (str(ws.address(report)),), 1 + index % 3, start.time(), 30)
        result[manager.key] = meetings
    return result


def _first(company: Company, organiser: Employee, meeting: Meeting) -> tuple[datetime, str]:
    """The first occurrence: the meeting's weekday in the week after the company's clock, local time."""
    zone = company.office_of(organiser).time_zone
    today = company.clock().astimezone(ZoneInfo(zone)).date()
    day = today + timedelta(days=7 - today.weekday() + meeting.weekday)
    return datetime.combine(day, meeting.start), zone


def event_body(company: Company, organiser: Employee, meeting: Meeting) -> dict[str, Any]:
    start, zone = _first(company, organiser, meeting)
    end = start + timedelta(minutes=meeting.minutes)
    return {
        "summary": meeting.summary,
        "start": {"dateTime": start.isoformat(timespec="seconds"), "timeZone": zone},
        "end": {"dateTime": end.isoformat(timespec="seconds"), "timeZone": zone},
        "recurrence": [f"RRULE:FREQ=WEEKLY;BYDAY={DAYS[meeting.weekday]}"],
        "attendees": [{"email": email} for email in meeting.attendees],
        "reminders": {"useDefault": True},
        "extendedProperties": {"private": {KEY_PROPERTY: meeting.slot}},
    }


def held(ws: Workspace) -> dict[str, dict[str, LedgerEntry]]:
    """Organiser key -> slot -> the ledger's meeting, for every meeting the job holds."""
    result: dict[str, dict[str, LedgerEntry]] = {}
    for entry in ws.ctx.ledger.entries("event", statuses=["created"]):
        result.setdefault(str(entry.attrs.get("organiser")), {})[str(entry.attrs.get("slot"))] = entry
    return result


async def remove(ws: Workspace, entry: LedgerEntry) -> bool:
    """Cancel one meeting (marked first, so a crash mid-call is settled on restart); True if it was."""
    ledger = ws.ctx.ledger
    ledger.update_attrs("event", entry.key, {REMOVING: True})
    await ws.ctx.checkpoint_now()
    try:
        await ws.client.delete_event(str(entry.attrs.get("organiser_email")), str(entry.platform_id))
    except NotFoundOnPlatform:
        ledger.deleted("event", entry.key)
        return False
    ledger.deleted("event", entry.key)
    return True


async def converge_calendars(ws: Workspace, *, removals_only: bool = False) -> None:
    """Make the job's meetings agree with the company. ``removals_only``: just cancel what no longer
    holds (run before people change, while a departing organiser can still act)."""
    company, want, have = ws.company, wanted(ws, ws.company), held(ws)
    for organiser_key in sorted(set(want) | set(have)):
        organiser = company.people.get(organiser_key)
        if organiser is None or organiser.status not in (ACTIVE, DEPARTED):
            continue  # on leave: their meetings wait for them
        mine, theirs = want.get(organiser_key, {}), have.get(organiser_key, {})
        for slot, entry in theirs.items():
            if slot not in mine:
                try:
                    await remove(ws, entry)
                except AuthError:  # the organiser's account cannot act: it goes with the account
                    continue
        if removals_only or organiser.status != ACTIVE or ws.user_id(organiser_key) is None:
            continue
        for slot, meeting in mine.items():
            series = theirs.get(slot)
            if series is None:
                await ensure_meeting(ws, organiser, meeting)
            elif tuple(series.attrs.get("attendees") or ()) != meeting.attendees:
                await ws.ctx.checkpoint_now()
                await ws.client.patch_event(str(series.attrs.get("organiser_email")), str(series.platform_id),
                                            {"attendees": [{"email": e} for e in meeting.attendees],
                                             "summary": meeting.summary})
                ws.ctx.ledger.update_attrs("event", series.key, {"attendees": list(meeting.attendees)})


async def ensure_meeting(ws: Workspace, organiser: Employee, meeting: Meeting) -> None:
    company = ws.company
    email = str(ws.address(organiser))
    key = f"{meeting.slot}@{company.event_seq}"  # a slot may come back later: each series has its own key

    async def find(client: GoogleClient) -> dict[str, Any] | None:
        async for event in client.events(email):
            private = (event.get("extendedProperties") or {}).get("private") or {}
            if private.get(KEY_PROPERTY) == meeting.slot and event.get("status") != "cancelled":
                return event
        return None

    async def create(client: GoogleClient) -> dict[str, Any]:
        return await client.create_event(email, event_body(company, organiser, meeting))

    attrs = {"slot": meeting.slot, "organiser": organiser.key, "organiser_email": email,
             "attendees": list(meeting.attendees), "summary": meeting.summary}
    await ws.intents().ensure("event", key, parent_key=organiser.key, find=find, create=create, attrs=attrs)


def meeting_count(ws: Workspace, company: Company) -> int:
    return sum(len(m) for m in wanted(ws, company).values())
