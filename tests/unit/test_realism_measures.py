"""The realism measures' arithmetic and parsing, on hand-built tenants (httpx.MockTransport): rates per
100 staff per simulated month (deactivated users come from Okta's filtered listing, as its plain one
leaves them out), managers in other departments, and which "@Name" mentions name nobody in the workspace."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tenantsim.connectors.asana.realism import due_before_creation, strangers_in
from tenantsim.connectors.kit.measures import at_least, in_range, none_expected
from tenantsim.connectors.okta import realism as okta_realism
from tenantsim.connectors.okta.client import OktaClient
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.scenario.company import Company, Employee
from tenantsim.store.ledger_types import LedgerEntry

FOUNDED = "2030-01-01T00:00:00+00:00"
TWO_MONTHS_LATER = "2030-03-02T21:00:00+00:00"  # 60.875 days: two months of 365.25 / 12 days


def person(key: str, hired_at: str) -> Employee:
    return Employee(key=key, first_name=key, last_name="X", login=key, title="t", level=5, department="D",
                    office="HQ", employee_number=key, cost_center="c", manager=None, hired_at=hired_at)


def company(people: list[Employee]) -> Company:
    return Company(name="Acme", industry="technology", domain="acme.example.com", departments=[], offices={},
                   groups=[], people={p.key: p for p in people}, next_index=len(people), founded_at=FOUNDED,
                   sim_now=TWO_MONTHS_LATER)


def user(uid: str, status: str, department: str = "Sales", manager: str | None = None) -> dict[str, Any]:
    return {"id": uid, "status": status, "profile": {"department": department, "managerId": manager}}


def okta_with(users: list[dict[str, Any]], others: list[dict[str, Any]] | None = None) -> OktaClient:
    """An org whose plain listing leaves out deactivated users, as Okta's does."""
    everyone = {u["id"]: u for u in [*users, *(others or [])]}

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/v1/users":
            wanted = request.url.params.get("filter")
            listed = [u for u in everyone.values()
                      if (u["status"] == "DEPROVISIONED") == (wanted == 'status eq "DEPROVISIONED"')]
            return httpx.Response(200, json=listed)
        found = everyone.get(path.rsplit("/", 1)[-1])
        if found is None:
            return httpx.Response(404, json={"errorCode": "E0000007", "errorSummary": "Not found"})
        return httpx.Response(200, json=found)

    return OktaClient("t", org_url="https://acme.okta.com", name="admin", budgets=BudgetRegistry(),
                      transport=httpx.MockTransport(handler))


def entries(*ids: str) -> list[LedgerEntry]:
    return [LedgerEntry(kind="user", key=f"p{uid}", platform_id=uid, status="created") for uid in ids]


async def test_okta_rates_are_per_100_average_staff_per_simulated_month() -> None:
    # 20 people at founding; one hired since; two left (one of them the hire); one away; 19 employed now.
    users = [user(str(i), "ACTIVE", manager="0" if i else None) for i in range(18)]
    users += [user("18", "SUSPENDED", manager="0"), user("19", "DEPROVISIONED"), user("20", "DEPROVISIONED")]
    people = [person(f"p{i}", "2029-06-01T00:00:00+00:00") for i in range(20)]
    people.append(person("p20", "2030-02-01T00:00:00+00:00"))
    not_ours = user("99", "ACTIVE")  # someone else's user in the same org
    client = okta_with(users, [not_ours])
    try:
        found = {m["name"]: m for m in await okta_realism.measure(client, entries(*map(str, range(21))),
                                                                   company(people))}
    finally:
        await client.aclose()
    staff = (19 + 20) / 2  # now, and at founding (19 now - 1 hire + 2 departures)
    assert found[okta_realism.HIRES]["value"] == round(100 * 1 / staff / 2, 3)
    assert found[okta_realism.DEPARTURES]["value"] == round(100 * 2 / staff / 2, 3)
    assert found[okta_realism.ON_LEAVE] == {"name": okta_realism.ON_LEAVE, "value": round(100 / 19, 3),
                                            "band": "0.5–6", "ok": True}
    assert found[okta_realism.MANAGERS_ELSEWHERE]["value"] == 0


async def test_a_manager_in_another_department_counts_unless_it_is_the_chief_executive() -> None:
    users = [user("ceo", "ACTIVE", "Executive"), user("head", "ACTIVE", "Sales", manager="ceo"),
             user("rep", "ACTIVE", "Sales", manager="head"),
             user("dev", "ACTIVE", "Engineering", manager="head"),
             user("away", "SUSPENDED", "Engineering", manager="head"),
             user("ext", "ACTIVE", "Finance", manager="outside")]
    outside = user("outside", "ACTIVE", "Legal", manager="ceo")  # not the job's: read by id
    client = okta_with(users, [outside])
    try:
        count = await okta_realism.managers_elsewhere(client, {u["id"]: u for u in users})
    finally:
        await client.aclose()
    assert count == 2  # dev (under a Sales head) and ext (under Legal); not head (CEO), not away (not active)


MEMBERS = ["Ava Patel", "Liam Kim", "Zoë Haddad", "Mary Ann Lee"]
FIRSTS = {n.split()[0].casefold() for n in MEMBERS}


@pytest.mark.parametrize(("text", "strangers"), [
    ("@Ava can you check?", 0),
    ("Thanks @ava!", 0),
    ("Hey @Zoë - the deck is ready", 0),
    ("@Liam Kim please review", 0),
    ("@Mary Ann Lee signed off", 0),
    ("@Patel can you check?", 1),  # a surname alone names nobody for sure
    ("FYI @Juan: added the runbook link", 1),
    ("@Otávio fyi the flaky test", 1),
    ("@Juan and @Gary, thoughts?", 2),
    ("mail ava@acme.example.com or @Ava", 0),  # an address is not a mention
    ("price @ 5 dollars, @123", 0),
    ("no mentions here", 0),
])
def test_mentions_of_non_members(text: str, strangers: int) -> None:
    assert strangers_in(text, FIRSTS) == strangers


@pytest.mark.parametrize(("task", "early"), [
    ({"due_on": "2030-01-09", "created_at": "2030-01-10T08:00:00.000Z"}, True),
    ({"due_on": "2030-01-10", "created_at": "2030-01-10T23:00:00.000Z"}, False),
    ({"due_on": None, "created_at": "2030-01-10T08:00:00.000Z"}, False),
    ({"due_on": "2030-02-01", "created_at": "2030-01-10T08:00:00.000Z"}, False),
])
def test_due_before_creation(task: dict[str, Any], early: bool) -> None:
    assert due_before_creation(task) is early


def test_bands_read_as_people_write_them() -> None:
    assert in_range("r", 8.0004, 0.5, 8) == {"name": "r", "value": 8.0, "band": "0.5–8", "ok": True}
    assert in_range("r", 0.2, 0.5, 8)["ok"] is False
    assert at_least("d", 0.93333, 0.9) == {"name": "d", "value": 0.933, "band": "≥ 0.9", "ok": True}
    assert none_expected("n", 0) == {"name": "n", "value": 0, "band": "0", "ok": True}
    assert none_expected("n", 1)["ok"] is False
