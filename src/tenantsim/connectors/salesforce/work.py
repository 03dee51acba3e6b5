"""The company's day-to-day work as a sales and service team does it in Salesforce.

Each of the director's work events, acted by the event's person (one of the org's users):

* ``create_task``: a rep opens an opportunity, takes a lead or sets a follow-up task; a support agent
  logs a case (with its first comment, in one Composite call) — these are in ``creating.py``;
* ``move_task``: a deal moves along the stage path; a case goes from New to Working, or is escalated;
* ``complete_task``: a deal closes, won or lost as its stage makes likely; a case is closed; a lead is
  converted (the emulator's documented simplification: a PATCH of Status to 'Closed - Converted'; a real
  org converts with the SOAP ``convertLead`` call) or disqualified;
* ``comment``: a case comment, or a call, email (Task) or meeting (Event) logged by the person;
* ``reassign_task``: a record handed to another of the company's users (a new OwnerId);
* ``update_priority``: a case's priority changes.

Owners are always the org's users who are company people. What each event set is recorded in the ledger
with the event's seq (``record_created``), so an event re-applied after a crash is skipped.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from tenantsim.connectors.salesforce.creating import Creating
from tenantsim.connectors.salesforce.state import (
    CASE_CLOSED,
    CASE_PRIORITIES,
    LEAD_CONVERTED,
    LEAD_DEAD,
    LOST,
    OPEN_STAGES,
    SOBJECT,
    WON,
    OrgUser,
    Record,
    open_cases,
    open_leads,
    open_opportunities,
    records,
    weighted,
    win_chance,
)

CONVERT_SHARE = 0.25  # of leads that close: converted (B2B lead conversion is 10–30 %), the rest disqualified
PUSH_SHARE = 0.15  # stage moves that also push the close date out
STAGE_REST = timedelta(days=4)  # a deal spends at least this long in a stage before it moves on
DROP_SHARE = 0.08  # stage moves where the buyer walks away instead (no budget, a competitor): lost
CLOSING_STAGE = OPEN_STAGES.index("Proposal/Price Quote")  # a deal is decided from here on...
GONE_DARK = timedelta(days=21)  # ...or, earlier, once nobody has moved it for three weeks: lost
CASE_REST = timedelta(days=2)  # a case is picked up, then worked at least this long before it closes

Handler = Callable[["Work", int, OrgUser, random.Random, datetime], Awaitable[bool]]


class Work(Creating):
    """Every work handler; this module's own move, close, hand over and re-prioritise records."""

    # -- move ----------------------------------------------------------------------------------------
    async def move_task(self, seq: int, user: OrgUser, rng: random.Random, at: datetime) -> bool:
        order = (
            (self._move_case, self._move_deal)
            if self._is_support(user)
            else (self._move_deal, self._move_case)
        )
        for move in order:
            if await move(seq, user, rng, at):
                return True
        return False

    async def _move_deal(self, seq: int, user: OrgUser, rng: random.Random, at: datetime) -> bool:
        deals = [d for d in open_opportunities(self.ctx.ledger) if _rested(d, at, STAGE_REST)]
        if not deals:
            return False
        deal = rng.choice(self._own_first(deals, user))
        stage = str(deal.attrs.get("stage"))
        index = OPEN_STAGES.index(stage)
        if index == len(OPEN_STAGES) - 1:  # negotiation done: the deal closes
            return await self._close_deal(seq, user, rng, at, deal)
        if rng.random() < DROP_SHARE:
            return await self._close_deal(seq, user, rng, at, deal, won=False)
        target = OPEN_STAGES[index + 1]
        body: dict[str, Any] = {"StageName": target}
        if rng.random() < PUSH_SHARE:
            body["CloseDate"] = (at + timedelta(days=rng.randint(21, 60))).date().isoformat()
        await self.client.update("Opportunity", deal.id, body)
        self._record(deal, {"stage": target, "moves": int(deal.attrs.get("moves") or 0) + 1,
                            "moved_at": at.isoformat()}, seq)
        pushed = f"; close date pushed to {body['CloseDate']}" if "CloseDate" in body else ""
        self._log(
            "opportunity_moved",
            f"{user.name} moved “{self._name(deal)}” from {stage} to {target}{pushed}.",
            "opportunity",
            deal.id,
            self._name(deal),
        )
        return True

    async def _move_case(self, seq: int, user: OrgUser, rng: random.Random, at: datetime) -> bool:
        cases = open_cases(self.ctx.ledger)
        if not cases:
            return False
        case = rng.choice(self._own_first(cases, user))
        status = str(case.attrs.get("status"))
        target = {
            "New": "Working",
            "Working": "Escalated" if rng.random() < 0.25 else "Working",
            "Escalated": "Working",
        }.get(status, "Working")
        if target == status:  # still being worked: the next step is to close it, once worked a while
            return _rested(case, at, CASE_REST) and await self._close_case(seq, user, case)
        await self.client.update("Case", case.id, {"Status": target})
        self._record(case, {"status": target, "moved_at": at.isoformat()}, seq)
        verb = "escalated" if target == "Escalated" else "is working on"
        self._log(
            "case_updated",
            f"{user.name} {verb} case “{self._name(case)}”.",
            "case",
            case.id,
            self._name(case),
        )
        return True

    # -- complete --------------------------------------------------------------------------------------
    async def complete_task(self, seq: int, user: OrgUser, rng: random.Random, at: datetime) -> bool:
        deals = [d for d in open_opportunities(self.ctx.ledger) if _decided(d, at)]
        cases = [
            c
            for c in open_cases(self.ctx.ledger)
            if c.attrs.get("status") != "New" and _rested(c, at, CASE_REST)
        ]
        leads = open_leads(self.ctx.ledger)
        todo = [
            t
            for t in records(self.ctx.ledger, "task")
            if t.attrs.get("status") == "Not Started" and t.attrs.get("owner") == user.id
        ]
        if todo and rng.random() < 0.3:
            return await self._complete_follow_up(seq, user, rng.choice(todo))
        draw = rng.random()
        if cases and (self._is_support(user) or draw < 0.35 or not (deals or leads)):
            return await self._close_case(seq, user, rng.choice(self._own_first(cases, user)))
        if leads and (draw > 0.85 or not deals):
            lead = rng.choice(self._own_first(leads, user))
            return await self._close_lead(seq, user, rng, at, lead)
        if deals:  # the furthest along of a few: deals close from the end of the path
            mine = self._own_first(deals, user)
            sample = rng.sample(mine, min(3, len(mine)))
            deal = max(sample, key=lambda d: OPEN_STAGES.index(str(d.attrs.get("stage"))))
            return await self._close_deal(seq, user, rng, at, deal)
        if todo:
            return await self._complete_follow_up(seq, user, rng.choice(todo))
        return False

    async def _complete_follow_up(self, seq: int, user: OrgUser, task: Record) -> bool:
        await self.client.update("Task", task.id, {"Status": "Completed"})
        self._record(task, {"status": "Completed"}, seq)
        self._log(
            "task_completed",
            f"{user.name} completed the task “{self._name(task)}”.",
            "task",
            task.id,
            self._name(task),
        )
        return True

    async def _close_deal(
        self,
        seq: int,
        user: OrgUser,
        rng: random.Random,
        at: datetime,
        deal: Record,
        won: bool | None = None,
    ) -> bool:
        """Closes the deal, won as its stage makes likely unless ``won`` says how it ended."""
        stage = str(deal.attrs.get("stage"))
        if won is None:
            won = rng.random() < win_chance(stage) and not _rested(deal, at, GONE_DARK)
        outcome = WON if won else LOST
        await self.client.update(
            "Opportunity", deal.id, {"StageName": outcome, "CloseDate": at.date().isoformat()}
        )
        self._record(deal, {"stage": outcome, "closed_from": stage}, seq)
        verb = "won" if outcome == WON else "lost"
        self._log(
            "opportunity_closed",
            f"{user.name} {verb} “{self._name(deal)}” (from {stage}).",
            "opportunity",
            deal.id,
            self._name(deal),
        )
        return True

    async def _close_case(self, seq: int, user: OrgUser, case: Record) -> bool:
        await self.client.update("Case", case.id, {"Status": CASE_CLOSED})
        self._record(case, {"status": CASE_CLOSED}, seq)
        self._log(
            "case_closed", f"{user.name} closed case “{self._name(case)}”.", "case", case.id, self._name(case)
        )
        return True

    async def _close_lead(
        self, seq: int, user: OrgUser, rng: random.Random, at: datetime, lead: Record
    ) -> bool:
        converted = rng.random() < CONVERT_SHARE
        status = LEAD_CONVERTED if converted else LEAD_DEAD
        await self.client.update("Lead", lead.id, {"Status": status})
        attrs: dict[str, Any] = {"status": status}
        if converted:  # what the conversion made is the job's too: recorded, so cleanup removes it
            found = await self.client.get(
                "Lead",
                lead.id,
                ("ConvertedAccountId", "ConvertedContactId", "ConvertedOpportunityId", "Company"),
            )
            for kind, field in (
                ("account", "ConvertedAccountId"),
                ("contact", "ConvertedContactId"),
                ("opportunity", "ConvertedOpportunityId"),
            ):
                if found.get(field):
                    key = f"{kind}:from:{lead.key}"
                    extra = (
                        {
                            "name": f"{found.get('Company')}-",
                            "stage": OPEN_STAGES[0],
                            "owner": lead.attrs.get("owner"),
                            "moved_at": at.isoformat(),
                        }
                        if kind == "opportunity"
                        else {"name": found.get("Company"), "owner": lead.attrs.get("owner")}
                    )
                    self.ctx.ledger.intent(
                        kind, key, parent_key=lead.key, actor=self.client.name, attrs=extra
                    )
                    self.ctx.ledger.created(kind, key, str(found[field]), extra)
        self._record(lead, attrs, seq)
        verb = "converted" if converted else "disqualified"
        self._log(
            "lead_closed",
            f"{user.name} {verb} the lead {self._name(lead)}.",
            "lead",
            lead.id,
            self._name(lead),
        )
        return True

    # -- reassign and priority ---------------------------------------------------------------------------
    async def reassign_task(self, seq: int, user: OrgUser, rng: random.Random, at: datetime) -> bool:
        pools = [
            ("opportunity", open_opportunities(self.ctx.ledger), self.people.sales(self.company)),
            ("case", open_cases(self.ctx.ledger), self.people.support(self.company)),
            ("lead", open_leads(self.ctx.ledger), self.people.sales(self.company)),
        ]
        rng.shuffle(pools)
        for kind, found, side in pools:
            if not found:
                continue
            record = rng.choice(self._own_first(found, user))
            current = str(record.attrs.get("owner") or "")
            others = [u for u in side if u.id != current] or [
                u for u in self.people.working(self.company) if u.id != current
            ]
            if not others:
                continue
            new = others[rng.randrange(len(others))]
            await self.client.update(SOBJECT[kind], record.id, {"OwnerId": new.id})
            self._record(record, {"owner": new.id}, seq)
            self._log(
                "owner_changed",
                f"{user.name} handed {SOBJECT[kind].lower()} “{self._name(record)}” over to {new.name}.",
                kind,
                record.id,
                self._name(record),
            )
            return True
        return False

    async def update_priority(self, seq: int, user: OrgUser, rng: random.Random, at: datetime) -> bool:
        cases = open_cases(self.ctx.ledger)
        if not cases:
            return False
        case = rng.choice(self._own_first(cases, user))
        current = case.attrs.get("priority")
        level = weighted(rng, tuple(p for p in CASE_PRIORITIES if p[0] != current) or CASE_PRIORITIES)
        await self.client.update("Case", case.id, {"Priority": level})
        self._record(case, {"priority": level}, seq)
        self._log(
            "priority_changed",
            f"{user.name} set the priority of case “{self._name(case)}” to {level}.",
            "case",
            case.id,
            self._name(case),
        )
        return True


HANDLERS: dict[str, Handler] = {
    "create_task": Work.create_task,
    "move_task": Work.move_task,
    "complete_task": Work.complete_task,
    "comment": Work.comment,
    "reassign_task": Work.reassign_task,
    "update_priority": Work.update_priority,
}


def _decided(deal: Record, at: datetime) -> bool:
    """The buyer has decided: the deal sits at a proposal or later and has rested there, or it has gone
    dark. A real pipeline closes from its end; an early deal is not closed days after it opened."""
    late = OPEN_STAGES.index(str(deal.attrs.get("stage"))) >= CLOSING_STAGE
    return (late and _rested(deal, at, STAGE_REST)) or _rested(deal, at, GONE_DARK)


def _rested(record: Record, at: datetime, rest: timedelta) -> bool:
    """The deal or case has been where it is for ``rest`` (deals move a stage every few weeks, cases are
    worked for days): the next step may come."""
    moved = record.attrs.get("moved_at")
    return not moved or datetime.fromisoformat(str(moved)) <= at - rest
