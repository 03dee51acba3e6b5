"""What a Salesforce job knows while it runs, and the vocabulary of a sales and service org.

Ledger kinds, in cleanup order (children first): ``casecomment``, ``task``, ``event``, ``case``,
``opportunity``, ``contact``, ``lead``, ``account``. Keys are the job's own (``account:<n>``,
``opp:<n>`` / ``opp:ev<seq>``…); attrs keep what the job last made the record show (stage, status,
owner, priority), so a re-applied event converges and a test can compare the org with the ledger.

The org's people are its active standard users, read at ``prepare``; the job never creates users.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from tenantsim.content.names import login_part
from tenantsim.scenario.founding import KnownPerson
from tenantsim.store.ledger_types import Ledger, LedgerEntry

KINDS = ("account", "contact", "opportunity", "case", "casecomment", "lead", "task", "event")
CLEANUP_ORDER = ("casecomment", "task", "event", "case", "opportunity", "contact", "lead", "account")
SOBJECT = {
    "account": "Account",
    "contact": "Contact",
    "opportunity": "Opportunity",
    "case": "Case",
    "casecomment": "CaseComment",
    "lead": "Lead",
    "task": "Task",
    "event": "Event",
}

# Salesforce's default sales path (open stages in order) with each stage's probability.
OPEN_STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
)
WON, LOST = "Closed Won", "Closed Lost"
# Where a new org's open pipeline sits: mostly early, thinning towards negotiation.
STAGE_WEIGHTS = (0.22, 0.2, 0.16, 0.13, 0.1, 0.08, 0.07, 0.04)
# Deals in progress per account the org holds, on average: what the build opens, and what the reps keep
# up after it (a new deal opens as an old one closes, so the pipeline grows with the accounts only).
PIPELINE_PER_ACCOUNT = 1.0
CASE_OPEN = ("New", "Working", "Escalated")
CASE_CLOSED = "Closed"
CASE_PRIORITIES = (("High", 0.2), ("Medium", 0.55), ("Low", 0.25))
CASE_ORIGINS = (("Email", 0.45), ("Web", 0.3), ("Phone", 0.25))
LEAD_OPEN = ("Open - Not Contacted", "Working - Contacted")
LEAD_CONVERTED, LEAD_DEAD = "Closed - Converted", "Closed - Not Converted"
LEAD_SOURCES = (
    ("Web", 0.35),
    ("Partner Referral", 0.2),
    ("Phone Inquiry", 0.15),
    ("Purchased List", 0.1),
    ("Other", 0.2),
)
ACCOUNT_TYPES = (("Customer - Direct", 0.55), ("Prospect", 0.3), ("Customer - Channel", 0.15))
RATINGS = (("Hot", 0.2), ("Warm", 0.5), ("Cold", 0.3))
# Salesforce's Industry picklist for each of our industry packs (the company's own customers vary).
INDUSTRY = {
    "technology": "Technology",
    "healthcare": "Healthcare",
    "financial_services": "Finance",
    "retail": "Retail",
    "manufacturing": "Manufacturing",
    "education": "Education",
    "energy": "Energy",
    "government": "Other",
    "logistics": "Transportation",
    "media": "Media",
    "professional_services": "Consulting",
    "travel": "Hospitality",
}
CUSTOMER_INDUSTRIES = (
    "Technology",
    "Healthcare",
    "Finance",
    "Retail",
    "Manufacturing",
    "Education",
    "Energy",
    "Transportation",
    "Media",
    "Consulting",
    "Insurance",
    "Hospitality",
)
DEAL_KINDS = (
    ("New Customer", 0.45),
    ("Existing Customer - Upgrade", 0.4),
    ("Existing Customer - Replacement", 0.15),
)
DEAL_NAMES = {
    "New Customer": ("Platform", "Initial rollout", "Pilot", "Enterprise licence"),
    "Existing Customer - Upgrade": ("Expansion", "Seat expansion", "Premium support", "Add-on"),
    "Existing Customer - Replacement": ("Renewal", "Multi-year renewal", "Migration"),
}
CONTACT_TITLES = (
    "VP of Operations",
    "Director of IT",
    "Procurement Manager",
    "CFO",
    "Head of Finance",
    "IT Manager",
    "Operations Manager",
    "Chief Technology Officer",
    "Program Manager",
    "Purchasing Lead",
    "Office Manager",
    "Head of Customer Experience",
)
CASE_SUBJECTS = (
    "Cannot log in after password reset",
    "Invoice shows the wrong billing address",
    "Export to CSV times out",
    "Single sign-on fails for new users",
    "Report totals do not match",
    "Request to add seats to the subscription",
    "Error when uploading attachments",
    "Dashboard loads slowly in the morning",
    "Data import skipped some rows",
    "Question about renewal pricing",
    "Notifications not arriving by email",
    "User locked out after too many attempts",
    "Integration sync stopped overnight",
    "Need a copy of last quarter's invoices",
    "Mobile app crashes on start",
    "Permissions missing for a new team member",
    "API calls returning errors",
    "Duplicate records after the import",
    "Training request for new admins",
    "Scheduled report did not send",
)
CALL_SUBJECTS = ("Call", "Discovery call", "Follow-up call", "Pricing call", "Check-in call")
EMAIL_SUBJECTS = (
    "Email: proposal sent",
    "Email: follow-up",
    "Email: contract draft",
    "Email: pricing options",
    "Email: meeting recap",
)
FOLLOW_UPS = (
    "Send proposal",
    "Schedule a demo",
    "Follow up on pricing",
    "Prepare the QBR deck",
    "Confirm the decision makers",
    "Send the contract redline",
    "Book a technical call",
    "Share customer references",
    "Send the security questionnaire",
    "Check in on the pilot",
)
MEETING_SUBJECTS = (
    "Demo",
    "Discovery meeting",
    "Quarterly business review",
    "Technical deep-dive",
    "Contract review",
    "Onsite visit",
)


def weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower()) or "account"


@dataclass(frozen=True)
class OrgUser:
    """An active user of the org: one of the company's sales and support people."""

    id: str
    username: str
    first_name: str
    last_name: str
    email: str | None
    department: str = ""  # as the org shows it: what says whether they sell or support
    title: str = ""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def known(self) -> KnownPerson:
        """As a company person: the name split, the email's local part (else the username's) as login."""
        address = (self.email or self.username or "").lower()
        login, _, domain = address.partition("@")
        if not login:
            login = ".".join(login_part(w) for w in self.name.split()) or "user"
        return KnownPerson(self.first_name, self.last_name, login, domain or None)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> OrgUser:
        first = str(record.get("FirstName") or "").strip()
        last = str(record.get("LastName") or "").strip()
        if not first and not last:
            first, _, last = str(record.get("Name") or record.get("Username") or "").partition(" ")
        return cls(
            str(record["Id"]),
            str(record.get("Username") or ""),
            first,
            last,
            str(record["Email"]) if record.get("Email") else None,
            str(record.get("Department") or ""),
            str(record.get("Title") or ""),
        )


@dataclass
class Record:
    """One record the job made: its ledger row, read as the job last set it."""

    kind: str
    key: str
    id: str
    attrs: dict[str, Any] = field(default_factory=dict)
    parent_key: str | None = None

    @classmethod
    def of(cls, entry: LedgerEntry) -> Record:
        return cls(entry.kind, entry.key, str(entry.platform_id), dict(entry.attrs), entry.parent_key)


def records(ledger: Ledger, kind: str) -> list[Record]:
    return [Record.of(e) for e in ledger.entries(kind, statuses=["created"]) if e.platform_id]


def open_opportunities(ledger: Ledger) -> list[Record]:
    return [r for r in records(ledger, "opportunity") if r.attrs.get("stage") in OPEN_STAGES]


def open_cases(ledger: Ledger) -> list[Record]:
    return [r for r in records(ledger, "case") if r.attrs.get("status") in CASE_OPEN]


def open_leads(ledger: Ledger) -> list[Record]:
    return [r for r in records(ledger, "lead") if r.attrs.get("status") in LEAD_OPEN]


def win_chance(stage: str) -> float:
    """How likely a deal at ``stage`` is to close won: a late deal mostly wins, an early one mostly not.
    Over a pipeline that closes from every stage this lands near the 20–35 % B2B win rates."""
    index = OPEN_STAGES.index(stage) if stage in OPEN_STAGES else 0
    return 0.05 + 0.5 * index / (len(OPEN_STAGES) - 1)
