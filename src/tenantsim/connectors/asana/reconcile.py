"""Settle intents left without a platform id: the job stopped (a crash, kill -9, a lost connection)
between asking Asana to create something and recording its gid.

Each such object is looked up the way only this job could have made it: by name inside a parent the
job created (tasks in its projects, subtasks under its tasks, comments on its tasks by the acting
user), or by name in the workspace when Asana stamped it no earlier than the intent (projects, tags,
portfolios). Custom fields carry no creation time, so one is adopted only when the job had checked,
right before the intent, that no field of that name existed. Found: recorded as created, so cleanup
deletes it and nothing is created twice. Not found: recorded as failed, so the seed may try again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from tenantsim.connectors.asana.pool import AsanaClientPool, Member
from tenantsim.connectors.base import JobContext
from tenantsim.store.ledger_types import LedgerEntry

# Asana's clock and ours differ a little; an object stamped this much before the intent still counts.
CLOCK_SKEW = timedelta(seconds=30)
NOT_MADE = "interrupted before Asana made it; nothing was created"
# Parents first: a task's lookup needs its project's gid.
ORDER = ("custom_field", "tag", "project", "portfolio", "task", "subtask", "comment")

Finder = Callable[[LedgerEntry, Member], Awaitable[dict[str, Any] | None]]


def _parse(stamp: Any) -> datetime | None:
    if not isinstance(stamp, str) or not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def _made_after_intent(item: dict[str, Any], entry: LedgerEntry) -> bool:
    made = _parse(item.get("created_at"))
    if entry.recorded_at is None:
        return True  # a legacy intent without a time: the name and the parent decide
    return made is not None and made >= entry.recorded_at - CLOCK_SKEW


class AsanaReconciler:
    def __init__(self, ctx: JobContext, pool: AsanaClientPool, workspace_gid: str) -> None:
        self.ctx = ctx
        self.pool = pool
        self.workspace_gid = workspace_gid
        self._finders: dict[str, Finder] = {
            "custom_field": self._custom_field, "tag": self._tag, "project": self._project,
            "portfolio": self._portfolio, "task": self._task, "subtask": self._subtask,
            "comment": self._comment,
        }

    async def run(self) -> dict[str, int]:
        """Settle every open intent; returns how many were adopted and how many were never made."""
        settled = {"adopted": 0, "not_made": 0}
        ledger = self.ctx.ledger
        for kind in ORDER:
            open_intents = [e for e in ledger.entries(kind, ("intent",)) if not e.platform_id]
            for entry in open_intents:
                member = self.pool.by_label(entry.actor) or self.pool.members[0]
                found = await self.find(entry, member)
                if found is None:
                    ledger.failed(kind, entry.key, NOT_MADE)
                    settled["not_made"] += 1
                    continue
                ledger.created(kind, entry.key, str(found["gid"]), self._attrs(kind, found))
                settled["adopted"] += 1
        if settled["adopted"] or settled["not_made"]:
            self.ctx.activity(
                "ledger_reconciled",
                f"Picked up where the job stopped: {settled['adopted']} objects Asana had made were "
                f"recorded, {settled['not_made']} interrupted creations were never made.",
                [],
            )
        return settled

    async def find(self, entry: LedgerEntry, member: Member) -> dict[str, Any] | None:
        """The object this intent made, if Asana has it (a create that got no answer is settled so)."""
        return await self._finders[entry.kind](entry, member)

    # -- helpers ------------------------------------------------------------------------------------
    def _claimed(self, kind: str) -> set[str]:
        return {str(e.platform_id) for e in self.ctx.ledger.entries(kind) if e.platform_id}

    def _parent_gid(self, kind: str, key: str | None) -> str | None:
        parent = self.ctx.ledger.get(kind, key) if key else None
        return str(parent.platform_id) if parent is not None and parent.platform_id else None

    def _pick(self, kind: str, entry: LedgerEntry, items: list[dict[str, Any]],
              match: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
        claimed = self._claimed(kind)
        for item in items:
            if str(item.get("gid")) not in claimed and match(item) and _made_after_intent(item, entry):
                return item
        return None

    @staticmethod
    def _attrs(kind: str, found: dict[str, Any]) -> dict[str, Any] | None:
        if kind == "custom_field":
            return {"options": {o["name"]: str(o["gid"]) for o in found.get("enum_options") or []}}
        return None

    @staticmethod
    def _named(entry: LedgerEntry) -> Callable[[dict[str, Any]], bool]:
        name = entry.attrs.get("name")
        return lambda item: name is not None and item.get("name") == name

    # -- one finder per kind --------------------------------------------------------------------------
    async def _custom_field(self, entry: LedgerEntry, member: Member) -> dict[str, Any] | None:
        if not entry.attrs.get("absent_at_intent"):
            return None  # no proof the same-named field was not there before: never adopt it
        fields = await member.client.collect(
            f"/workspaces/{self.workspace_gid}/custom_fields",
            opt_fields="name,resource_subtype,created_by,enum_options.name")
        name = str(entry.attrs.get("name", "")).lower()
        for field in fields:
            creator = (field.get("created_by") or {}).get("gid")
            if str(field.get("name", "")).lower() == name and creator == member.user_id \
                    and str(field.get("gid")) not in self._claimed("custom_field"):
                return field
        return None

    async def _tag(self, entry: LedgerEntry, member: Member) -> dict[str, Any] | None:
        tags = await member.client.collect(f"/workspaces/{self.workspace_gid}/tags",
                                           opt_fields="name,created_at")
        return self._pick("tag", entry, tags, self._named(entry))

    async def _project(self, entry: LedgerEntry, member: Member) -> dict[str, Any] | None:
        projects = await member.client.collect("/projects", workspace=self.workspace_gid,
                                               opt_fields="name,created_at")
        return self._pick("project", entry, projects, self._named(entry))

    async def _portfolio(self, entry: LedgerEntry, member: Member) -> dict[str, Any] | None:
        portfolios = await member.client.collect("/portfolios", workspace=self.workspace_gid, owner="me",
                                                 opt_fields="name,created_at")
        return self._pick("portfolio", entry, portfolios, self._named(entry))

    async def _task(self, entry: LedgerEntry, member: Member) -> dict[str, Any] | None:
        project = self._parent_gid("project", entry.attrs.get("project_key") or entry.parent_key)
        if project is None:
            return None  # its project was never made, so neither was the task
        tasks = await member.client.collect(f"/projects/{project}/tasks", opt_fields="name,created_at")
        return self._pick("task", entry, tasks, self._named(entry))

    async def _subtask(self, entry: LedgerEntry, member: Member) -> dict[str, Any] | None:
        task = self._parent_gid("task", entry.parent_key)
        if task is None:
            return None
        subtasks = await member.client.collect(f"/tasks/{task}/subtasks", opt_fields="name,created_at")
        return self._pick("subtask", entry, subtasks, self._named(entry))

    async def _comment(self, entry: LedgerEntry, member: Member) -> dict[str, Any] | None:
        task = self._parent_gid("task", entry.parent_key)
        if task is None:
            return None
        stories = await member.client.collect(f"/tasks/{task}/stories",
                                              opt_fields="text,type,created_at,created_by")
        text = entry.attrs.get("text")

        def by_this_user(item: dict[str, Any]) -> bool:
            mine = (item.get("created_by") or {}).get("gid") == member.user_id
            return item.get("type") == "comment" and mine and (text is None or item.get("text") == text)

        return self._pick("comment", entry, stories, by_this_user)


async def reconcile(ctx: JobContext, pool: AsanaClientPool, workspace_gid: str) -> dict[str, int]:
    return await AsanaReconciler(ctx, pool, workspace_gid).run()
