"""The company's book of business, made the way a sales and service team's CRM looks after a few years:
accounts (its customers, owned by its sales reps), their contacts, opportunities spread along the stage
path with amounts and close dates (and a history of won and lost deals), cases (mostly closed, some
open, with comments), open leads, and the calls and emails logged on open deals.

All of it goes in 200 records to a call (sObject Collections), kind by kind, parents first; every
record is an intent in the ledger before its call and an Id after (``ledgered.ensure_many``).
"""

from __future__ import annotations

import math
import random
from datetime import timedelta
from typing import Any

from tenantsim.connectors.base import JobContext
from tenantsim.connectors.salesforce.client import SalesforceClient
from tenantsim.connectors.salesforce.customers import (
    account_fields,
    account_names,
    contact_fields,
    lead_fields,
)
from tenantsim.connectors.salesforce.ledgered import Item, ensure_many
from tenantsim.connectors.salesforce.people import People
from tenantsim.connectors.salesforce.state import (
    ACCOUNT_TYPES,
    CALL_SUBJECTS,
    CASE_ORIGINS,
    CASE_PRIORITIES,
    CASE_SUBJECTS,
    DEAL_KINDS,
    DEAL_NAMES,
    EMAIL_SUBJECTS,
    LEAD_OPEN,
    LEAD_SOURCES,
    LOST,
    OPEN_STAGES,
    PIPELINE_PER_ACCOUNT,
    RATINGS,
    STAGE_WEIGHTS,
    WON,
    weighted,
)
from tenantsim.content.base import ContentContext
from tenantsim.scenario.company import Company

ACCOUNTS_BY_SIZE = {"startup": 25, "midsize": 120, "enterprise": 400}
CONTACTS_PER_ACCOUNT = (1, 4)
CLOSED_DEALS_PER_ACCOUNT = 1.2
CASE_SHARE = 0.45  # accounts with support history
OPEN_CASE_SHARE = 0.3
LEADS_PER_ACCOUNT = 0.5
HISTORIC_WIN_RATE = 0.3


def account_count(config: dict[str, Any]) -> int:
    if config.get("accounts"):
        return max(1, int(config["accounts"]))
    return ACCOUNTS_BY_SIZE.get(str(config.get("org_size") or "startup"), ACCOUNTS_BY_SIZE["startup"])


def deal_amount(rng: random.Random, employees: int) -> float:
    """A deal's size follows the customer's size (log-normal around ~$180 a head, $5k–$2M)."""
    median = max(5_000.0, min(2_000_000.0, employees * 180.0))
    return float(max(5_000, min(2_000_000, round(rng.lognormvariate(math.log(median), 0.6), -2))))


class Plan:
    """Every record of the initial build, with its ledger key and parent, drawn from the job's seed."""

    def __init__(self, ctx: JobContext, company: Company, people: People) -> None:
        self.ctx = ctx
        self.company = company
        self.people = people
        self.seed = job_seed(ctx)
        self.count = account_count(ctx.config)
        self.today = company.clock()

    def accounts(self) -> list[Item]:
        names = account_names(self.company.industry, self.seed, self.count, exclude=self.company.name)
        sales = self.people.sales(self.company)
        items: list[Item] = []
        for index, name in enumerate(names):
            rng = self.ctx.rng("salesforce", "account", index)
            owner = self.people.pick(rng, sales)
            fields = {
                **account_fields(name, self.company.industry, self.seed, index),
                "OwnerId": owner.id,
                "Type": weighted(rng, ACCOUNT_TYPES),
                "Rating": weighted(rng, RATINGS),
            }
            items.append(Item(f"account:{index}", fields, {"name": name, "owner": owner.id}))
        return items

    def contacts(self, accounts: dict[str, str], plan: list[Item]) -> list[Item]:
        items: list[Item] = []
        for index, account in enumerate(plan):
            if account.key not in accounts:
                continue
            rng = self.ctx.rng("salesforce", "contacts", index)
            for number in range(rng.randint(*CONTACTS_PER_ACCOUNT)):
                fields = {
                    **contact_fields(str(account.fields["Name"]), self.seed, index, number),
                    "AccountId": accounts[account.key],
                    "OwnerId": account.fields["OwnerId"],
                }
                items.append(
                    Item(f"contact:{index}:{number}", fields, {"email": fields["Email"]}, account.key)
                )
        return items

    def opportunities(self, accounts: dict[str, str], plan: list[Item]) -> list[Item]:
        items: list[Item] = []
        for index, account in enumerate(plan):
            if account.key not in accounts:
                continue
            rng = self.ctx.rng("salesforce", "deals", index)
            employees = int(str(account.fields.get("NumberOfEmployees") or 100))
            open_deals = _poisson(rng, PIPELINE_PER_ACCOUNT)
            closed_deals = _poisson(rng, CLOSED_DEALS_PER_ACCOUNT)
            for number in range(open_deals + closed_deals):
                is_open = number < open_deals
                kind = weighted(rng, DEAL_KINDS)
                label = rng.choice(DEAL_NAMES[kind])
                attrs: dict[str, Any] = {}
                if is_open:
                    stage = rng.choices(OPEN_STAGES, weights=STAGE_WEIGHTS)[0]
                    close = self.today + timedelta(days=rng.randint(14, 120))
                    # In its stage for a few days already: the pipeline does not all move at once.
                    attrs["moved_at"] = (self.today - timedelta(days=rng.uniform(0, 10))).isoformat()
                else:
                    stage = WON if rng.random() < HISTORIC_WIN_RATE else LOST
                    close = self.today - timedelta(days=rng.randint(5, 300))
                name = f"{account.fields['Name']} - {label} {close.year}"
                if any(i.fields["Name"] == name for i in items):
                    name = f"{name} ({number + 1})"
                fields = {
                    "Name": name,
                    "AccountId": accounts[account.key],
                    "StageName": stage,
                    "Amount": deal_amount(rng, employees),
                    "CloseDate": close.date().isoformat(),
                    "Type": kind,
                    "OwnerId": account.fields["OwnerId"],
                    "LeadSource": weighted(rng, LEAD_SOURCES),
                }
                items.append(
                    Item(
                        f"opp:{index}:{number}",
                        fields,
                        {"name": name, "stage": stage, "owner": fields["OwnerId"], **attrs},
                        account.key,
                    )
                )
        return items

    def cases(self, accounts: dict[str, str], contacts: dict[str, str], plan: list[Item]) -> list[Item]:
        support = self.people.support(self.company)
        items: list[Item] = []
        for index, account in enumerate(plan):
            rng = self.ctx.rng("salesforce", "cases", index)
            if account.key not in accounts or rng.random() >= CASE_SHARE:
                continue
            people = [k for k in contacts if k.startswith(f"contact:{index}:")]
            for number in range(rng.randint(1, 3)):
                subject = f"{rng.choice(CASE_SUBJECTS)} - {account.fields['Name']}"
                is_open = rng.random() < OPEN_CASE_SHARE
                status = rng.choice(("New", "Working", "Working", "Escalated")) if is_open else "Closed"
                owner = self.people.pick(rng, support)
                fields: dict[str, Any] = {
                    "Subject": subject if number == 0 else f"{subject} (#{number + 1})",
                    "AccountId": accounts[account.key],
                    "Status": status,
                    "OwnerId": owner.id,
                    "Priority": weighted(rng, CASE_PRIORITIES),
                    "Origin": weighted(rng, CASE_ORIGINS),
                    "Description": f"Reported by the customer by {rng.choice(('email', 'phone'))}.",
                }
                if people:
                    fields["ContactId"] = contacts[rng.choice(people)]
                items.append(
                    Item(
                        f"case:{index}:{number}",
                        fields,
                        {
                            "subject": fields["Subject"],
                            "status": status,
                            "owner": owner.id,
                            "priority": fields["Priority"],
                        },
                        account.key,
                    )
                )
        return items

    def leads(self) -> list[Item]:
        sales = self.people.sales(self.company)
        items: list[Item] = []
        for number in range(max(1, round(self.count * LEADS_PER_ACCOUNT))):
            rng = self.ctx.rng("salesforce", "lead", number)
            owner = self.people.pick(rng, sales)
            fields = {
                **lead_fields(self.company.industry, self.seed, number),
                "OwnerId": owner.id,
                "Status": rng.choice(LEAD_OPEN),
                "LeadSource": weighted(rng, LEAD_SOURCES),
            }
            items.append(
                Item(
                    f"lead:{number}",
                    fields,
                    {
                        "email": fields["Email"],
                        "status": fields["Status"],
                        "owner": owner.id,
                        "name": f"{fields['FirstName']} {fields['LastName']} ({fields['Company']})",
                    },
                )
            )
        return items

    def activities(self, opportunities: dict[str, str], deals: list[Item]) -> list[Item]:
        """A call or email logged on each open deal by its owner, in the last two weeks."""
        items: list[Item] = []
        for deal in deals:
            if deal.key not in opportunities or deal.fields["StageName"] not in OPEN_STAGES:
                continue
            rng = self.ctx.rng("salesforce", "activity", deal.key)
            call = rng.random() < 0.5
            when = self.today - timedelta(days=rng.randint(1, 14))
            fields = {
                "Subject": rng.choice(CALL_SUBJECTS if call else EMAIL_SUBJECTS),
                "WhatId": opportunities[deal.key],
                "OwnerId": deal.fields["OwnerId"],
                "Status": "Completed",
                "Priority": "Normal",
                "TaskSubtype": "Call" if call else "Email",
                "ActivityDate": when.date().isoformat(),
            }
            items.append(
                Item(
                    f"task:{deal.key}",
                    fields,
                    {"subject": fields["Subject"], "owner": deal.fields["OwnerId"]},
                    deal.key,
                )
            )
        return items


def job_seed(ctx: JobContext) -> int:
    """A number drawn from the job's seed: what the content helpers are seeded with."""
    return ctx.rng("salesforce", "seed").randrange(1 << 30)


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


async def case_comments(
    ctx: JobContext, company: Company, cases: dict[str, str], plan: list[Item]
) -> list[Item]:
    """One or two comments on each open case: the support rep's notes, written for that case."""
    items: list[Item] = []
    for case in plan:
        if case.key not in cases or case.fields["Status"] == "Closed":
            continue
        rng = ctx.rng("salesforce", "comments", case.key)
        context = ContentContext(
            industry=company.industry,
            seed=job_seed(ctx),
            company_name=company.name,
            department="Customer Support",
            task=str(case.fields["Subject"]),
        )
        for number, idea in enumerate(await ctx.content.comments(context, rng.randint(1, 2))):
            items.append(
                Item(
                    f"casecomment:{case.key}:{number}",
                    {"ParentId": cases[case.key], "CommentBody": idea.text, "IsPublished": False},
                    {"text": idea.text[:200]},
                    case.key,
                )
            )
    return items


async def build_org(
    ctx: JobContext, client: SalesforceClient, company: Company, people: People
) -> dict[str, int]:
    """The initial book of business; counts of what exists afterwards, by kind, and the problems."""
    plan = Plan(ctx, company, people)
    problems: list[str] = []

    async def made(kind: str, items: list[Item]) -> dict[str, str]:
        ids, refused = await ensure_many(ctx, client, kind, items)
        problems.extend(refused)
        ctx.checkpoint(seed_done=len(ctx.ledger.entries(statuses=["created"])))
        return ids

    account_plan = plan.accounts()
    accounts = await made("account", account_plan)
    contacts = await made("contact", plan.contacts(accounts, account_plan))
    deal_plan = plan.opportunities(accounts, account_plan)
    opportunities = await made("opportunity", deal_plan)
    case_plan = plan.cases(accounts, contacts, account_plan)
    cases = await made("case", case_plan)
    comments = await made("casecomment", await case_comments(ctx, company, cases, case_plan))
    leads = await made("lead", plan.leads())
    tasks = await made("task", plan.activities(opportunities, deal_plan))
    for problem in problems[:5]:
        ctx.activity("notice", f"Salesforce refused a record: {problem}", [])
    return {
        "accounts": len(accounts),
        "contacts": len(contacts),
        "opportunities": len(opportunities),
        "cases": len(cases),
        "casecomments": len(comments),
        "leads": len(leads),
        "tasks": len(tasks),
    }


def build_total(config: dict[str, Any]) -> int:
    """About how many records the build makes (progress and ETA)."""
    accounts = account_count(config)
    per_account = (
        2.5 + PIPELINE_PER_ACCOUNT * 2 + CLOSED_DEALS_PER_ACCOUNT + CASE_SHARE * 2.5 + LEADS_PER_ACCOUNT
    )
    return int(accounts * per_account) + 1
