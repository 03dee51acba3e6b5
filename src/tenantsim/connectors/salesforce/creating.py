"""The first half of the work handlers: the helpers every handler uses, and the events that make
records — new deals, leads, cases (a case and its first comment in one Composite call), follow-up tasks,
case comments, logged calls and emails, meetings. ``work.py`` has the events that change records."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from tenantsim.connectors.base import JobContext
from tenantsim.connectors.salesforce.build import deal_amount, job_seed
from tenantsim.connectors.salesforce.client import SalesforceClient
from tenantsim.connectors.salesforce.customers import lead_fields
from tenantsim.connectors.salesforce.ledgered import Item, ensure_one
from tenantsim.connectors.salesforce.people import People
from tenantsim.connectors.salesforce.state import (
    CALL_SUBJECTS,
    CASE_ORIGINS,
    CASE_PRIORITIES,
    CASE_SUBJECTS,
    DEAL_KINDS,
    DEAL_NAMES,
    EMAIL_SUBJECTS,
    FOLLOW_UPS,
    LEAD_SOURCES,
    MEETING_SUBJECTS,
    OPEN_STAGES,
    PIPELINE_PER_ACCOUNT,
    SOBJECT,
    OrgUser,
    Record,
    open_cases,
    open_opportunities,
    records,
    weighted,
)
from tenantsim.content.base import ContentContext
from tenantsim.errors import OutcomeUnknown
from tenantsim.scenario.company import Company

LAST_EVENT = "salesforce_last_event"  # progress: the seq of the last event applied here


class Creating:
    """What the work handlers share: the job's context, client, users and company of the moment."""

    def __init__(self, ctx: JobContext, client: SalesforceClient, people: People, company: Company) -> None:
        self.ctx = ctx
        self.client = client
        self.people = people
        self.company = company

    # -- helpers ------------------------------------------------------------------------------------
    def _record(self, record: Record, attrs: dict[str, Any], seq: int) -> None:
        record.attrs.update(attrs)
        self.ctx.record_created(record.kind, record.key, record.id, attrs, **{LAST_EVENT: seq})

    def _log(self, event_type: str, sentence: str, kind: str, record_id: str, name: str) -> None:
        self.ctx.activity(
            event_type, sentence, [{"type": SOBJECT[kind].lower(), "id": record_id, "name": name}]
        )

    @staticmethod
    def _own_first(found: list[Record], user: OrgUser) -> list[Record]:
        return [r for r in found if r.attrs.get("owner") == user.id] or found

    def _is_support(self, user: OrgUser) -> bool:
        support = {u.id for u in self.people.support(self.company)}
        sales = {u.id for u in self.people.sales(self.company)}
        return user.id in support and user.id not in sales

    def _account_for(self, user: OrgUser, rng: random.Random) -> Record | None:
        """One of the person's accounts, one with no deal in progress if they have such."""
        accounts = self._own_first(records(self.ctx.ledger, "account"), user)
        busy = {d.parent_key for d in open_opportunities(self.ctx.ledger)}
        return rng.choice([a for a in accounts if a.key not in busy] or accounts) if accounts else None

    def _pipeline_full(self) -> bool:
        """The open pipeline holds as many deals as the book of business carries (new deals come as the
        old ones close, so it stays about the size the build made it)."""
        accounts = len(records(self.ctx.ledger, "account"))
        return len(open_opportunities(self.ctx.ledger)) >= PIPELINE_PER_ACCOUNT * accounts

    def _name(self, record: Record) -> str:
        return str(
            record.attrs.get("name") or record.attrs.get("subject") or record.attrs.get("email") or record.key
        )

    # -- create ------------------------------------------------------------------------------------
    async def create_task(self, seq: int, user: OrgUser, rng: random.Random, at: datetime) -> bool:
        for key in (f"opp:ev{seq}", f"case:ev{seq}", f"lead:ev{seq}"):
            entry = self.ctx.ledger.get(key.split(":")[0].replace("opp", "opportunity"), key)
            if entry is not None and entry.platform_id:
                return True  # made before a restart
        entry = self.ctx.ledger.get("task", f"task:ev{seq}")
        if entry is not None and entry.platform_id:
            return True
        if self._is_support(user):
            choice = weighted(rng, (("case", 0.5), ("follow_up", 0.5)))
        elif self._pipeline_full():  # every account has its deal in progress: work the leads instead
            choice = weighted(rng, (("follow_up", 0.6), ("lead", 0.4)))
        else:
            choice = weighted(rng, (("follow_up", 0.45), ("opportunity", 0.3), ("lead", 0.25)))
        if choice == "follow_up":
            return await self._follow_up(seq, user, rng, at)
        if choice == "lead":
            return await self._new_lead(seq, user, rng)
        account = self._account_for(user, rng)
        if account is None:
            return await self._new_lead(seq, user, rng)
        if choice == "case":
            return await self._new_case(seq, user, rng, account)
        return await self._new_opportunity(seq, user, rng, at, account)

    async def _follow_up(self, seq: int, user: OrgUser, rng: random.Random, at: datetime) -> bool:
        """A to-do the person sets themselves on one of their deals (or accounts): due within the week."""
        targets = self._own_first(open_opportunities(self.ctx.ledger), user) or self._own_first(
            records(self.ctx.ledger, "account"), user
        )
        if not targets:
            return False
        target = rng.choice(targets)
        subject = rng.choice(FOLLOW_UPS)
        due = (at + timedelta(days=rng.randint(1, 7))).date().isoformat()
        fields = {
            "Subject": subject,
            "WhatId": target.id,
            "OwnerId": user.id,
            "Status": "Not Started",
            "Priority": rng.choice(("Normal", "Normal", "High")),
            "ActivityDate": due,
        }
        made = await ensure_one(
            self.ctx,
            self.client,
            "task",
            Item(
                f"task:ev{seq}",
                fields,
                {"subject": subject, "owner": user.id, "status": "Not Started"},
                target.key,
            ),
        )
        if made:
            self.ctx.checkpoint(**{LAST_EVENT: seq})
            self._log(
                "task_created",
                f"{user.name} set a task on “{self._name(target)}”: {subject} (due {due}).",
                "task",
                made,
                subject,
            )
        return True

    async def _new_opportunity(
        self, seq: int, user: OrgUser, rng: random.Random, at: datetime, account: Record
    ) -> bool:
        kind = weighted(rng, DEAL_KINDS)
        close = at + timedelta(days=rng.randint(30, 120))
        account_name = self._name(account)
        name = f"{account_name} - {rng.choice(DEAL_NAMES[kind])} {close.year}"
        taken = {r.attrs.get("name") for r in records(self.ctx.ledger, "opportunity")}
        if name in taken:
            name = f"{name} ({seq})"
        stage = rng.choice(OPEN_STAGES[:2])
        fields = {
            "Name": name,
            "AccountId": account.id,
            "StageName": stage,
            "CloseDate": close.date().isoformat(),
            "Amount": deal_amount(rng, rng.randint(50, 3000)),
            "Type": kind,
            "OwnerId": user.id,
            "LeadSource": weighted(rng, LEAD_SOURCES),
        }
        key = f"opp:ev{seq}"
        made = await ensure_one(
            self.ctx,
            self.client,
            "opportunity",
            Item(
                key,
                fields,
                {"name": name, "stage": stage, "owner": user.id, "moved_at": at.isoformat()},
                account.key,
            ),
        )
        if made:
            self.ctx.checkpoint(**{LAST_EVENT: seq})
            self._log(
                "opportunity_created",
                f"{user.name} opened the opportunity “{name}” "
                f"(${fields['Amount']:,.0f}, {stage}, closing {fields['CloseDate']}).",
                "opportunity",
                made,
                name,
            )
        return True

    async def _new_lead(self, seq: int, user: OrgUser, rng: random.Random) -> bool:
        fields = {
            **lead_fields(self.company.industry, job_seed(self.ctx), 1000 + seq),
            "OwnerId": user.id,
            "Status": "Open - Not Contacted",
            "LeadSource": weighted(rng, LEAD_SOURCES),
        }
        made = await ensure_one(
            self.ctx,
            self.client,
            "lead",
            Item(
                f"lead:ev{seq}",
                fields,
                {
                    "email": fields["Email"],
                    "status": fields["Status"],
                    "owner": user.id,
                    "name": f"{fields['FirstName']} {fields['LastName']} ({fields['Company']})",
                },
            ),
        )
        if made:
            self.ctx.checkpoint(**{LAST_EVENT: seq})
            who = f"{fields['FirstName']} {fields['LastName']}"
            self._log(
                "lead_created",
                f"{user.name} took a new lead: {who}, {fields['Title']} at {fields['Company']}.",
                "lead",
                made,
                who,
            )
        return True

    async def _new_case(self, seq: int, user: OrgUser, rng: random.Random, account: Record) -> bool:
        """A case and its first comment in one Composite call (the comment names the case by reference)."""
        subject = f"{rng.choice(CASE_SUBJECTS)} - {self._name(account)}"
        priority = weighted(rng, CASE_PRIORITIES)
        fields = {
            "Subject": subject,
            "AccountId": account.id,
            "Status": "New",
            "Priority": priority,
            "Origin": weighted(rng, CASE_ORIGINS),
            "OwnerId": user.id,
        }
        contacts = [r for r in records(self.ctx.ledger, "contact") if r.parent_key == account.key]
        if contacts:
            fields["ContactId"] = rng.choice(contacts).id
        text = await self._comment_text(subject, seq)
        case_key, comment_key = f"case:ev{seq}", f"casecomment:ev{seq}"
        attrs = {"subject": subject, "status": "New", "owner": user.id, "priority": priority}
        ledger = self.ctx.ledger
        if ledger.get("case", case_key) is None and ledger.get("casecomment", comment_key) is None:
            ledger.intent(
                "case",
                case_key,
                parent_key=account.key,
                actor=self.client.name,
                attrs={**attrs, "requested_at": datetime.now(UTC).isoformat()},
            )
            ledger.intent(
                "casecomment",
                comment_key,
                parent_key=case_key,
                actor=self.client.name,
                attrs={"text": text[:200], "requested_at": datetime.now(UTC).isoformat()},
            )
            await self.ctx.checkpoint_now()
            try:
                answers: list[dict[str, Any]] | None = await self.client.composite(
                    [
                        {"method": "POST", "url": "/sobjects/Case", "referenceId": "newCase", "body": fields},
                        {
                            "method": "POST",
                            "url": "/sobjects/CaseComment",
                            "referenceId": "firstComment",
                            "body": {"ParentId": "@{newCase.id}", "CommentBody": text, "IsPublished": True},
                        },
                    ],
                    once=True,
                )
            except OutcomeUnknown:  # no answer: settled below, as after a crash
                answers = None
        else:
            answers = None
        if answers is not None:
            ids = {
                a.get("referenceId"): (a.get("body") or {}).get("id")
                for a in answers
                if int(a.get("httpStatusCode") or 0) < 300 and isinstance(a.get("body"), dict)
            }
            if not ids.get("newCase"):
                reason = str(
                    next(
                        (a.get("body") for a in answers if int(a.get("httpStatusCode") or 0) >= 300),
                        "refused",
                    )
                )[:300]
                ledger.failed("case", case_key, reason)
                ledger.failed("casecomment", comment_key, reason)
                self.ctx.activity("skipped", f"Salesforce refused a new case: {reason}", [])
                return True
            ledger.created("case", case_key, str(ids["newCase"]), attrs)
            if ids.get("firstComment"):
                ledger.created("casecomment", comment_key, str(ids["firstComment"]))
            case_id = str(ids["newCase"])
        else:  # a crash or a lost answer between the intents and the answer: settle each (adopt or make)
            made = await ensure_one(self.ctx, self.client, "case", Item(case_key, fields, attrs, account.key))
            if made is None:
                return True
            case_id = made
            await ensure_one(
                self.ctx,
                self.client,
                "casecomment",
                Item(
                    comment_key,
                    {"ParentId": made, "CommentBody": text, "IsPublished": True},
                    {"text": text[:200]},
                    case_key,
                ),
            )
        self.ctx.checkpoint(**{LAST_EVENT: seq})
        self._log(
            "case_created",
            f"{user.name} logged case “{subject}” ({priority} priority).",
            "case",
            case_id,
            subject,
        )
        return True

    async def _comment_text(self, subject: str, index: int) -> str:
        context = ContentContext(
            industry=self.company.industry,
            seed=job_seed(self.ctx),
            company_name=self.company.name,
            department="Customer Support",
            task=subject,
        )
        ideas = await self.ctx.content.comments(context, 1, start_index=index)
        return ideas[0].text if ideas else "Following up with the customer."

    # -- comment ---------------------------------------------------------------------------------------
    async def comment(self, seq: int, user: OrgUser, rng: random.Random, at: datetime) -> bool:
        cases = open_cases(self.ctx.ledger)
        if cases and (self._is_support(user) or rng.random() < 0.3):
            return await self._case_comment(seq, user, rng, cases)
        deals = open_opportunities(self.ctx.ledger) or records(self.ctx.ledger, "opportunity")
        if not deals:
            return await self._case_comment(seq, user, rng, cases) if cases else False
        deal = rng.choice(self._own_first(deals, user))
        if rng.random() < 0.25:
            return await self._meeting(seq, user, rng, at, deal)
        call = rng.random() < 0.5
        subject = rng.choice(CALL_SUBJECTS if call else EMAIL_SUBJECTS)
        fields = {
            "Subject": subject,
            "WhatId": deal.id,
            "OwnerId": user.id,
            "Status": "Completed",
            "Priority": "Normal",
            "TaskSubtype": "Call" if call else "Email",
            "ActivityDate": at.date().isoformat(),
        }
        made = await ensure_one(
            self.ctx,
            self.client,
            "task",
            Item(f"task:ev{seq}", fields, {"subject": subject, "owner": user.id}, deal.key),
        )
        if made:
            self.ctx.checkpoint(**{LAST_EVENT: seq})
            what = "a call" if call else "an email"
            self._log(
                "activity_logged",
                f"{user.name} logged {what} on “{self._name(deal)}”: {subject}.",
                "task",
                made,
                subject,
            )
        return True

    async def _case_comment(self, seq: int, user: OrgUser, rng: random.Random, cases: list[Record]) -> bool:
        case = rng.choice(self._own_first(cases, user))
        text = await self._comment_text(self._name(case), seq)
        made = await ensure_one(
            self.ctx,
            self.client,
            "casecomment",
            Item(
                f"casecomment:ev{seq}",
                {"ParentId": case.id, "CommentBody": text, "IsPublished": False},
                {"text": text[:200], "author": user.id},
                case.key,
            ),
        )
        if made:
            self.ctx.checkpoint(**{LAST_EVENT: seq})
            self._log(
                "case_commented",
                f"{user.name} commented on case “{self._name(case)}”: “{text}”",
                "casecomment",
                made,
                self._name(case),
            )
        return True

    async def _meeting(self, seq: int, user: OrgUser, rng: random.Random, at: datetime, deal: Record) -> bool:
        start = (at + timedelta(days=rng.randint(1, 6))).replace(
            hour=rng.choice((9, 10, 14, 15)), minute=0, second=0, microsecond=0
        )
        subject = rng.choice(MEETING_SUBJECTS)
        fields = {
            "Subject": subject,
            "WhatId": deal.id,
            "OwnerId": user.id,
            "StartDateTime": start.isoformat(),
            "DurationInMinutes": rng.choice((30, 45, 60)),
        }
        made = await ensure_one(
            self.ctx,
            self.client,
            "event",
            Item(f"event:ev{seq}", fields, {"subject": subject, "owner": user.id}, deal.key),
        )
        if made:
            self.ctx.checkpoint(**{LAST_EVENT: seq})
            self._log(
                "meeting_scheduled",
                f"{user.name} scheduled a {subject.lower()} for “{self._name(deal)}” "
                f"on {start.date().isoformat()}.",
                "event",
                made,
                subject,
            )
        return True
