"""The seeded start state: an admin and a staff with departments, titles, offices and a reporting line;
security and Microsoft 365 groups; one team with channels and a conversation; one plan with tasks.

Everything here is drawn from one seeded generator and dated from a fixed epoch, so the same seed gives
the same tenant (ids included) on every run, which is what keeps pre-issued delegated tokens valid.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime

from tenantsim.sandbox.kit.seeding import SeededClock, SeededNames
from tenantsim.sandbox.m365 import render
from tenantsim.sandbox.m365.model import User
from tenantsim.sandbox.m365.tenant import Tenant

_FIRST = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Lucas",
    "Mia",
    "Ethan",
    "Sofia",
    "Mateo",
    "Priya",
    "Arjun",
    "Chloe",
    "Daniel",
    "Hannah",
    "Samuel",
    "Grace",
    "Omar",
    "Leah",
    "Kenji",
    "Nora",
    "Felix",
    "Zara",
    "Ivan",
]
_LAST = [
    "Johnson",
    "Garcia",
    "Chen",
    "Okafor",
    "Muller",
    "Rossi",
    "Kowalski",
    "Patel",
    "Nguyen",
    "Silva",
    "Andersen",
    "Haddad",
    "Tanaka",
    "Brennan",
    "Laurent",
    "Schmidt",
    "Costa",
    "Novak",
    "Reyes",
    "Ward",
]
_DEPARTMENTS = [
    (
        "Engineering",
        ["VP of Engineering", "Software Engineer", "Senior Software Engineer", "Site Reliability Engineer"],
    ),
    ("Sales", ["Head of Sales", "Account Executive", "Sales Development Representative"]),
    ("Marketing", ["Marketing Director", "Content Marketing Manager", "Product Marketing Manager"]),
    ("Finance", ["Finance Director", "Financial Analyst", "Accountant"]),
    ("People", ["Head of People", "HR Business Partner", "Recruiter"]),
]
_OFFICES = [
    ("Seattle", "US", "Seattle HQ"),
    ("New York", "US", "NYC Office"),
    ("London", "GB", "London Office"),
    ("Berlin", "DE", "Berlin Office"),
]
_EPOCH = datetime(2024, 2, 1, tzinfo=UTC).timestamp()
PASSWORD = "Sandbox-Seeded-Passw0rd!"  # stored as a hash only; nobody signs in with it


def populate(tenant: Tenant, *, users: int) -> list[User]:
    """Fill the tenant; returns the seeded users in order (the admin first): they get delegated tokens."""
    rng = random.Random(f"m365-seed-{tenant.seed}")
    clock = SeededClock(rng, _EPOCH)

    domain = tenant.domain
    admin = tenant.create_user(
        {
            "accountEnabled": True,
            "displayName": "Sandbox Admin",
            "givenName": "Sandbox",
            "surname": "Admin",
            "mailNickname": "admin",
            "userPrincipalName": f"admin@{domain}",
            "mail": f"admin@{domain}",
            "jobTitle": "IT Administrator",
            "department": "IT",
            "officeLocation": "Seattle HQ",
            "usageLocation": "US",
            "city": "Seattle",
            "country": "US",
            "employeeId": "E0001",
            "passwordProfile": {"password": PASSWORD},
        },
        clock.tick(),
        preexisting=True,
    )
    admin.is_admin = True
    seeded = [admin]
    leads: dict[str, User] = {}
    names = SeededNames(rng, _FIRST, _LAST, taken=["admin"])
    for index in range(users):
        first, last, local = names.draw(index)
        department, titles = _DEPARTMENTS[index % len(_DEPARTMENTS)]
        lead = department not in leads
        city, country, office = rng.choice(_OFFICES)
        person = tenant.create_user(
            {
                "accountEnabled": True,
                "displayName": f"{first} {last}",
                "givenName": first,
                "surname": last,
                "mailNickname": local,
                "userPrincipalName": f"{local}@{domain}",
                "mail": f"{local}@{domain}",
                "jobTitle": titles[0] if lead else rng.choice(titles[1:]),
                "department": department,
                "officeLocation": office,
                "usageLocation": country,
                "city": city,
                "country": country,
                "employeeId": f"E{1002 + index:04d}",
                "businessPhones": [f"+1 425 555 {rng.randint(1000, 9999)}"],
                "passwordProfile": {"password": PASSWORD},
            },
            clock.tick(),
            preexisting=True,
        )
        person.force_change_password = False
        person.manager_id = admin.id if lead else leads[department].id
        if lead:
            leads[department] = person
        seeded.append(person)
    _groups(tenant, seeded, leads, clock.tick)
    return seeded


def _groups(tenant: Tenant, people: list[User], leads: dict[str, User], stamp: Callable[[], float]) -> None:
    admin = people[0]
    everyone = tenant.create_group(
        {
            "displayName": "All Company",
            "mailNickname": "allcompany",
            "mailEnabled": True,
            "securityEnabled": False,
            "groupTypes": ["Unified"],
            "description": "Everyone at the company",
            "visibility": "Public",
        },
        stamp(),
        preexisting=True,
    )
    everyone.owners = [admin.id]
    everyone.members = [p.id for p in people]
    admins = tenant.create_group(
        {
            "displayName": "IT Admins",
            "mailNickname": "itadmins",
            "mailEnabled": False,
            "securityEnabled": True,
            "description": "Administrators of the tenant",
        },
        stamp(),
        preexisting=True,
    )
    admins.members = [admin.id]
    for department, lead in leads.items():
        group = tenant.create_group(
            {
                "displayName": department,
                "mailNickname": department.lower(),
                "mailEnabled": False,
                "securityEnabled": True,
                "description": f"The {department} department",
            },
            stamp(),
            preexisting=True,
        )
        group.owners = [lead.id]
        group.members = [p.id for p in people if p.department == department]
    team = tenant.create_team(everyone, stamp(), preexisting=True)
    general = tenant.channels[team.internal_id]
    announcements = tenant.create_channel(
        team, {"displayName": "Announcements", "description": "Company news"}, stamp(), preexisting=True
    )
    speakers = people[: min(4, len(people))]
    opener = tenant.post_message(
        announcements,
        {
            "body": {
                "contentType": "html",
                "content": "<p>Welcome to the new intranet team. Company news lands here first.</p>",
            },
            "subject": "Welcome",
        },
        render.sender(tenant, admin),
        stamp(),
        preexisting=True,
    )
    for person, text in zip(
        speakers[1:],
        [
            "Thanks! Great to have everything in one place.",
            "Is there a channel for office facilities questions?",
            "Looking forward to the all-hands on Friday.",
        ],
        strict=False,
    ):
        tenant.post_message(
            announcements,
            {"body": {"contentType": "text", "content": text}},
            render.sender(tenant, person),
            stamp(),
            opener,
            preexisting=True,
        )
    tenant.post_message(
        general,
        {"body": {"contentType": "text", "content": "Morning all - coffee is on."}},
        render.sender(tenant, speakers[-1]),
        stamp(),
        preexisting=True,
    )
    actor = render.identity_set(tenant, admin.id, "00000000-0000-0000-0000-000000000000")
    plan = tenant.create_plan(everyone, "Office move", actor, stamp(), preexisting=True)
    todo = tenant.create_bucket(plan, "To do", None, preexisting=True)
    doing = tenant.create_bucket(plan, "In progress", None, preexisting=True)
    at = stamp()
    for title, bucket, percent in [
        ("Book movers", doing, 50),
        ("Order new desks", todo, 0),
        ("Update the office address everywhere", todo, 0),
    ]:
        task = tenant.create_task(plan, {"title": title, "bucketId": bucket.id}, actor, at, preexisting=True)
        tenant.change_task(
            task,
            {"percentComplete": percent, "assignments": {people[-1].id: {"orderHint": " !"}}},
            actor,
            at,
            bump=False,
        )
