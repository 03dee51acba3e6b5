"""The org's users as the company's sales and support people: who owns what, and who acts.

Users are the org's licences: read at ``prepare`` (active standard users), never created. Each is a company
person (matched by login, else by name); records are owned by them — deals and leads by the sales side,
cases by the support side, whoever of the org's users the company has on each.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from tenantsim.connectors.salesforce.client import SalesforceClient
from tenantsim.connectors.salesforce.state import OrgUser
from tenantsim.scenario.company import Company, Employee

SALES_WORDS = ("sales", "revenue", "business development", "account", "partnership", "marketing")
SUPPORT_WORDS = ("support", "success", "service", "operations", "customer")
USER_QUERY = (
    "SELECT Id, Username, FirstName, LastName, Name, Email, Department, Title, IsActive, UserType "
    "FROM User "
    "WHERE IsActive = true ORDER BY CreatedDate, Username"
)


async def read_users(client: SalesforceClient) -> list[OrgUser]:
    """The org's active users who can own records (standard licences: not portal or automated users)."""
    rows = await client.query(USER_QUERY)
    return [
        OrgUser.from_record(r)
        for r in rows
        if r.get("IsActive", True) and str(r.get("UserType") or "Standard") == "Standard"
    ]


class People:
    """The org's users and the company people they are."""

    def __init__(self, users: Sequence[OrgUser]) -> None:
        self.users = list(users)
        self.by_id = {u.id: u for u in self.users}
        self._of: dict[str, OrgUser] = {}  # person key -> user
        self._company: tuple[int, int] | None = None
        self._sides: dict[tuple[int, int, tuple[str, ...]], list[OrgUser]] = {}

    def match(self, company: Company) -> None:
        """Who in the company each user is: by login, else by name."""
        if self._company == (id(company), len(company.people)):
            return
        self._of = {}
        people = list(company.people.values())
        for user in self.users:
            known = user.known()
            person = next((p for p in people if p.login == known.login), None) or next(
                (p for p in people if p.name.casefold() == user.name.casefold()), None
            )
            if person is not None and person.key not in self._of:
                self._of[person.key] = user
        self._company = (id(company), len(company.people))

    def user_of(self, company: Company, key: str | None) -> OrgUser | None:
        self.match(company)
        return self._of.get(key or "")

    def person_of(self, company: Company, user_id: str) -> Employee | None:
        self.match(company)
        return next(
            (company.people[k] for k, u in self._of.items() if u.id == user_id and k in company.people), None
        )

    def working(self, company: Company) -> list[OrgUser]:
        """Users whose company person is active (on leave or gone: they own nothing new)."""
        self.match(company)
        active = [u for k, u in self._of.items() if k in company.people and company.people[k].active]
        return active or self.users

    def side(self, company: Company, words: Sequence[str]) -> list[OrgUser]:
        """The working users whose department or title says they are on this side; all of them if none.
        Worked out once per company event (people go on leave and come back)."""
        key = (id(company), company.event_seq, tuple(words))
        if key not in self._sides:
            self._sides = {k: v for k, v in self._sides.items() if k[:2] == key[:2]}
            self._sides[key] = self._side(company, words)
        return self._sides[key]

    def _side(self, company: Company, words: Sequence[str]) -> list[OrgUser]:
        found = []
        for user in self.working(company):
            person = self.person_of(company, user.id)  # what the org says first, then the company
            text = f"{user.department} {user.title}".lower()
            if not text.strip() and person is not None:
                text = f"{person.department} {person.title}".lower()
            if any(w in text for w in words):
                found.append(user)
        return found or self.working(company)

    def sales(self, company: Company) -> list[OrgUser]:
        return self.side(company, SALES_WORDS)

    def support(self, company: Company) -> list[OrgUser]:
        return self.side(company, SUPPORT_WORDS)

    def pick(self, rng: random.Random, among: Sequence[OrgUser], *, other_than: str | None = None) -> OrgUser:
        choices = [u for u in among if u.id != other_than] or list(among) or self.users
        return choices[rng.randrange(len(choices))]
