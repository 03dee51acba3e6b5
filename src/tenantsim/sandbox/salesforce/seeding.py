"""The org as it stands before any job: an admin, the integration user the connected app runs as, a sales
team and a support team with their managers, a former employee, and a handful of accounts with contacts,
opportunities along the stage path, cases, leads and activities. Deterministic from the seed."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from tenantsim.sandbox.kit.seeding import SeededClock
from tenantsim.sandbox.salesforce.org import Org
from tenantsim.sandbox.salesforce.schema import OBJECTS
from tenantsim.sandbox.salesforce.values import stamp

INTEGRATION = "integration"
_EPOCH = datetime(2025, 3, 3, 9, 0, tzinfo=UTC).timestamp()
# (local part, first, last, title, department, profile, manager's local part, active)
_USERS = (
    ("admin", "Sandbox", "Admin", "Salesforce Administrator", "IT", "System Administrator", None, True),
    (INTEGRATION, "Integration", "User", "Integration User", "IT", "System Administrator", None, True),
    ("maya.okafor", "Maya", "Okafor", "VP Sales", "Sales", "Custom: Sales Profile", None, True),
    ("liam.chen", "Liam", "Chen", "Account Executive", "Sales", "Custom: Sales Profile", "maya.okafor", True),
    (
        "sofia.rossi",
        "Sofia",
        "Rossi",
        "Account Executive",
        "Sales",
        "Custom: Sales Profile",
        "maya.okafor",
        True,
    ),
    (
        "noah.patel",
        "Noah",
        "Patel",
        "Sales Development Rep",
        "Sales",
        "Custom: Sales Profile",
        "maya.okafor",
        True,
    ),
    ("grace.kim", "Grace", "Kim", "Support Manager", "Support", "Custom: Support Profile", None, True),
    (
        "omar.haddad",
        "Omar",
        "Haddad",
        "Support Agent",
        "Support",
        "Custom: Support Profile",
        "grace.kim",
        True,
    ),
    (
        "elena.silva",
        "Elena",
        "Silva",
        "Support Agent",
        "Support",
        "Custom: Support Profile",
        "grace.kim",
        True,
    ),
    (
        "tom.fischer",
        "Tom",
        "Fischer",
        "Account Executive",
        "Sales",
        "Custom: Sales Profile",
        "maya.okafor",
        False,
    ),
)
_ACCOUNTS = (
    ("Northwind Logistics", "Transportation", "Customer - Direct", "Chicago", "IL", 1200, 310_000_000),
    ("Bluebird Health Partners", "Healthcare", "Customer - Direct", "Boston", "MA", 640, 95_000_000),
    ("Quarry Ridge Manufacturing", "Manufacturing", "Prospect", "Pittsburgh", "PA", 2300, 540_000_000),
    ("Helix Biotech", "Biotechnology", "Prospect", "San Diego", "CA", 180, 42_000_000),
    ("Lantern Media Group", "Media", "Customer - Channel", "New York", "NY", 410, 73_000_000),
    ("Summit Credit Union", "Banking", "Customer - Direct", "Denver", "CO", 520, 120_000_000),
    ("Crescent Retail Co", "Retail", "Prospect", "Atlanta", "GA", 3100, 880_000_000),
    ("Apex Energy Services", "Energy", "Channel Partner / Reseller", "Houston", "TX", 950, 260_000_000),
)
_FIRST = (
    "Ava",
    "Ben",
    "Chloe",
    "Diego",
    "Emma",
    "Felix",
    "Hana",
    "Isaac",
    "Julia",
    "Kofi",
    "Lena",
    "Marco",
    "Nina",
    "Owen",
    "Priya",
    "Ravi",
    "Sara",
    "Theo",
)
_LAST = (
    "Adams",
    "Brooks",
    "Castillo",
    "Dunn",
    "Ellis",
    "Foster",
    "Gupta",
    "Hughes",
    "Ito",
    "Jansen",
    "Klein",
    "Lopez",
    "Murphy",
    "Novak",
    "Ortiz",
    "Price",
    "Reyes",
    "Shah",
)
_TITLES = ("CFO", "VP Operations", "IT Director", "Procurement Manager", "Head of Engineering", "COO")
_STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
)
_DEALS = ("Platform", "Renewal", "Expansion", "Pilot")
_CASES = (
    ("Unable to export monthly report", "Web", "Medium", "Working"),
    ("SSO login fails for new hires", "Email", "High", "Escalated"),
    ("Invoice shows wrong billing address", "Phone", "Low", "Closed"),
    ("API sync delayed by several hours", "Email", "High", "New"),
)


def populate(org: Org, domain: str) -> str:
    """Fill ``org``; returns the integration user's id (the connected app's execution user)."""
    rng = random.Random(f"salesforce-seed-{org.seed}")
    clock = SeededClock(rng, _EPOCH, step=(900, 36_000))

    by_local: dict[str, str] = {}
    profiles = {name: org.new_id("00e") for name in sorted({u[5] for u in _USERS})}
    for local, first, last, title, department, profile, manager, active in _USERS:
        when = clock.tick()
        user_id = org.new_id("005")
        by_local[local] = user_id
        user: dict[str, Any] = {"attributes": {"type": "User"}}
        for spec in OBJECTS["User"].fields.values():
            user[spec.name] = False if spec.kind == "b" else None
        user.update(
            Id=user_id,
            Username=f"{local}@{domain}",
            FirstName=first,
            LastName=last,
            Name=f"{first} {last}",
            Email=f"{local}@{domain}",
            Alias=(first[0] + last)[:8].lower(),
            CommunityNickname=local.replace(".", ""),
            Title=title,
            Department=department,
            CompanyName="Sandbox Corp",
            IsActive=active,
            ProfileId=profiles[profile],
            ManagerId=by_local.get(manager) if manager else None,
            UserType="Standard",
            TimeZoneSidKey="America/New_York",
            LocaleSidKey="en_US",
            LanguageLocaleKey="en_US",
            EmailEncodingKey="UTF-8",
            ForecastEnabled=department == "Sales",
            ReceivesInfoEmails=True,
            CreatedDate=stamp(when),
            LastModifiedDate=stamp(when),
            SystemModstamp=stamp(when),
            CreatedById=by_local.get("admin", user_id),
            LastModifiedById=by_local.get("admin", user_id),
            LastLoginDate=stamp(when + 86_400) if active else None,
            _profile=profile,
        )
        org.records[user_id] = user
    admin = by_local["admin"]
    reps = [by_local[k] for k in ("liam.chen", "sofia.rossi", "maya.okafor")]
    agents = [by_local[k] for k in ("omar.haddad", "elena.silva")]
    contacts: list[tuple[str, str]] = []  # (contact id, account id)
    for index, (name, industry, kind, city, state, people, revenue) in enumerate(_ACCOUNTS):
        owner = reps[index % len(reps)]
        account = org.create(
            "Account",
            {
                "Name": name,
                "Industry": industry,
                "Type": kind,
                "BillingCity": city,
                "BillingState": state,
                "BillingCountry": "United States",
                "NumberOfEmployees": people,
                "AnnualRevenue": revenue,
                "Phone": f"+1 {rng.randint(201, 989)} 555 {rng.randint(1000, 9999)}",
                "Website": "www." + name.lower().split()[0] + ".example.com",
                "OwnerId": owner,
                "AccountSource": rng.choice(("Web", "Partner Referral", "Trade Show", "Phone Inquiry")),
            },
            admin,
            clock.tick(),
        )
        for _ in range(rng.randint(2, 3)):
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            contact = org.create(
                "Contact",
                {
                    "FirstName": first,
                    "LastName": last,
                    "AccountId": account["Id"],
                    "OwnerId": owner,
                    "Title": rng.choice(_TITLES),
                    "Email": f"{first}.{last}@{name.lower().split()[0]}.example.com".lower(),
                    "Phone": f"+1 {rng.randint(201, 989)} 555 {rng.randint(1000, 9999)}",
                    "MailingCity": city,
                    "MailingState": state,
                },
                admin,
                clock.tick(),
            )
            contacts.append((contact["Id"], account["Id"]))
        for _ in range(rng.randint(1, 2)):
            stage = rng.choice(_STAGES)
            close = datetime(2026, 1, 15, tzinfo=UTC) + timedelta(days=rng.randint(0, 170))
            opportunity = org.create(
                "Opportunity",
                {
                    "Name": f"{name.split()[0]} - {rng.choice(_DEALS)}",
                    "AccountId": account["Id"],
                    "StageName": stage,
                    "Amount": rng.randint(8, 240) * 1000,
                    "CloseDate": close.date().isoformat(),
                    "OwnerId": owner,
                    "Type": "New Customer" if kind == "Prospect" else "Existing Customer - Upgrade",
                    "NextStep": None if stage.startswith("Closed") else "Follow up on pricing",
                },
                owner,
                clock.tick(),
            )
            org.create(
                "Task",
                {
                    "Subject": "Call to discuss requirements",
                    "WhatId": opportunity["Id"],
                    "WhoId": contacts[-1][0],
                    "OwnerId": owner,
                    "Status": "Completed",
                    "ActivityDate": close.date().isoformat(),
                    "TaskSubtype": "Call",
                },
                owner,
                clock.tick(),
            )
    for index, (subject, origin, priority, status) in enumerate(_CASES):
        contact_id, _account_id = contacts[(index * 5) % len(contacts)]
        agent = agents[index % len(agents)]
        case = org.create(
            "Case",
            {
                "Subject": subject,
                "Origin": origin,
                "Priority": priority,
                "Status": status,
                "ContactId": contact_id,
                "OwnerId": agent,
                "Description": f"Customer reports: {subject.lower()}.",
            },
            agent,
            clock.tick(),
        )
        org.create(
            "CaseComment",
            {
                "ParentId": case["Id"],
                "IsPublished": True,
                "CommentBody": "Reproduced the issue; investigating with engineering.",
            },
            agent,
            clock.tick(),
        )
    for index in range(5):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        org.create(
            "Lead",
            {
                "FirstName": first,
                "LastName": last,
                "Company": f"{last} {rng.choice(('Labs', 'Group', 'Holdings', 'Studio'))}",
                "Email": f"{first}.{last}@example.org".lower(),
                "LeadSource": "Web",
                "Status": ("Open - Not Contacted", "Working - Contacted")[index % 2],
                "OwnerId": by_local["noah.patel"],
            },
            admin,
            clock.tick(),
        )
    start = datetime(2026, 2, 3, 15, 0, tzinfo=UTC)
    for index, (contact_id, account_id) in enumerate(contacts[:3]):
        org.create(
            "Event",
            {
                "Subject": "Quarterly business review",
                "WhoId": contact_id,
                "WhatId": account_id,
                "StartDateTime": (start + timedelta(days=7 * index)).isoformat(),
                "DurationInMinutes": 60,
                "OwnerId": reps[index % len(reps)],
            },
            admin,
            clock.tick(),
        )
    return by_local[INTEGRATION]
