"""The tenant as it stands before any job: an admin, org units, a few people with managers, groups and
some meetings. Deterministic from ``seed``; everything made here is marked pre-existing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from tenantsim.sandbox.google import calendar as cal
from tenantsim.sandbox.google import groups as g
from tenantsim.sandbox.google import orgunits as ou
from tenantsim.sandbox.google.tenant import Tenant
from tenantsim.sandbox.kit.seeding import SeededClock, SeededNames

_FIRST = ("Avery", "Blake", "Casey", "Dana", "Elliot", "Frankie", "Gray", "Harper", "Indigo", "Jordan",
          "Kendall", "Logan", "Morgan", "Noel", "Oakley", "Parker", "Quinn", "Riley", "Sawyer", "Taylor")
_LAST = ("Abbott", "Barros", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ibarra",
         "Jensen", "Kowalski", "Laurent", "Moreau", "Nakamura", "Okafor", "Patel", "Quintero", "Rossi",
         "Silva", "Tanaka")
# (org unit, department, titles): the first title is the department's lead.
_DEPARTMENTS = (("Engineering", "Engineering",
                 ("VP Engineering", "Software Engineer", "Senior Software Engineer")),
                ("Sales", "Sales", ("Head of Sales", "Account Executive", "Sales Development Rep")),
                ("Operations", "Operations", ("Head of Operations", "Operations Analyst")),
                ("People", "People", ("Head of People", "People Partner")),
                ("Finance", "Finance", ("CFO", "Financial Analyst")))
_OFFICES = (("New York", "America/New_York", "+1 212 555 01"), ("London", "Europe/London", "+44 20 7946 0"),
            ("Austin", "America/Chicago", "+1 512 555 01"))
_GROUPS = (("all-staff", "All Staff", "Everyone employed by the company"),
           ("it-admins", "IT Administrators", "People who administer the company's systems"),
           ("engineering", "Engineering", "The engineering department"),
           ("sales", "Sales", "The sales team"))
_EPOCH = datetime(2023, 3, 1, tzinfo=UTC).timestamp()  # pre-existing objects were made long ago
PASSWORD = "sandbox-seeded-password"  # stored only as a hash; nobody signs in to the sandbox


def populate(tenant: Tenant, *, users: int) -> None:
    rng = random.Random(f"google-seed-{tenant.seed}")
    clock = SeededClock(rng, _EPOCH)

    domain = tenant.domain
    admin = tenant.insert_user({"name": {"givenName": "Sandbox", "familyName": "Admin"},
                                "primaryEmail": f"admin@{domain}", "password": PASSWORD}, clock.tick(),
                               preexisting=True)
    admin.is_admin, admin.last_login, admin.aliases = True, clock.now, [f"it@{domain}"]
    tenant.emails[f"it@{domain}".lower()] = admin.id
    tenant.admin_email = admin.primary_email
    for name, _, _ in _DEPARTMENTS:
        ou.insert_org_unit(tenant, {"name": name, "parentOrgUnitPath": "/",
                                    "description": f"The {name} department"}, preexisting=True)
    ou.insert_org_unit(tenant, {"name": "Platform", "parentOrgUnitPath": "/Engineering",
                                "description": "Platform engineering"}, preexisting=True)
    team_groups = [g.insert_group(tenant, {"email": f"{local}@{domain}", "name": name, "description": about},
                                  preexisting=True) for local, name, about in _GROUPS]
    g.add_member(tenant, team_groups[1], {"email": admin.primary_email, "role": "OWNER"})
    leads: dict[str, str] = {}
    names = SeededNames(rng, _FIRST, _LAST, taken=["admin"])
    for index in range(users):
        first, last, local = names.draw(index)
        unit, department, titles = _DEPARTMENTS[index % len(_DEPARTMENTS)]
        lead = department not in leads
        title = titles[0] if lead else rng.choice(titles[1:])
        city, _zone, phone = rng.choice(_OFFICES)
        platform = unit == "Engineering" and not lead and rng.random() < 0.4
        path = "/Engineering/Platform" if platform else f"/{unit}"
        body = {"name": {"givenName": first, "familyName": last}, "primaryEmail": f"{local}@{domain}",
                "password": PASSWORD, "orgUnitPath": path,
                "organizations": [{"title": title, "department": department, "primary": True,
                                   "costCenter": f"CC-{100 + index % len(_DEPARTMENTS) * 10}"}],
                "locations": [{"type": "desk", "area": city, "buildingId": city.replace(" ", "-").upper()}],
                "phones": [{"type": "work", "value": f"{phone}{rng.randint(10, 99)}"}],
                "relations": [{"type": "manager", "value": leads.get(department, admin.primary_email)}]}
        person = tenant.insert_user(body, clock.tick(), preexisting=True)
        person.last_login = clock.now
        if lead:
            leads[department] = person.primary_email
        g.add_member(tenant, team_groups[0], {"email": person.primary_email})
        if department in ("Engineering", "Sales"):
            g.add_member(tenant, team_groups[2 if department == "Engineering" else 3],
                         {"email": person.primary_email, "role": "MANAGER" if lead else "MEMBER"})
    _meetings(tenant, admin.primary_email, rng)


def _meetings(tenant: Tenant, owner: str, rng: random.Random) -> None:
    start = datetime(2026, 1, 5, 9, 30)  # a Monday
    others = [u.primary_email for u in tenant.users.values() if u.primary_email != owner][:4]
    cal.insert(tenant, owner.lower(), {
        "summary": "IT weekly sync", "description": "Tickets, rollouts and access reviews",
        "start": {"dateTime": start.isoformat(), "timeZone": "America/New_York"},
        "end": {"dateTime": (start + timedelta(minutes=30)).isoformat(), "timeZone": "America/New_York"},
        "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO"],
        "attendees": [{"email": owner, "responseStatus": "accepted"}, *({"email": e} for e in others)],
    }, _EPOCH + 86_400 * 30, preexisting=True)
    review = datetime(2026, 2, 12, 14, 0) + timedelta(days=rng.randint(0, 10))
    zone = "America/New_York"
    cal.insert(tenant, owner.lower(), {
        "summary": "Quarterly access review", "location": "Conference room 2",
        "start": {"dateTime": review.isoformat() + "-05:00", "timeZone": zone},
        "end": {"dateTime": (review + timedelta(hours=1)).isoformat() + "-05:00", "timeZone": zone},
    }, _EPOCH + 86_400 * 31, preexisting=True)
