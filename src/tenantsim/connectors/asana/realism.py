"""How real an Asana job's workspace looks, read back through the Asana API.

The job's tasks are the ledger's task rows; what they are now (dates, completion, their comment threads)
is what Asana answers. Each project is listed with its creator's token and only the job's tasks are
kept (a task the listings miss is asked for by id; gone: not counted); each task's stories are read
with its creator's token, and the workspace's members with the first token.

Measures: the share of distinct comment texts, the share of threads that repeat a text, "@Name" mentions
of someone who is not a workspace member (by first name or full name), tasks due before they were
created, and the share of tasks completed.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from tenantsim.connectors.asana.pool import AsanaClientPool, Member
from tenantsim.connectors.kit.concurrency import bounded
from tenantsim.connectors.kit.measures import at_least, in_range, none_expected, share
from tenantsim.errors import NotFoundOnPlatform
from tenantsim.store.ledger_types import LedgerEntry

DISTINCT = "distinct comment ratio"
REPEATS = "threads with a repeated comment (share)"
STRANGERS = "mentions of non-members"
DUE_EARLY = "due dates before creation"
COMPLETED = "completed share"
TASK_FIELDS = "created_at,due_on,completed"
STORY_FIELDS = "type,resource_subtype,text"
# "@" not inside a word or an email address, then a name's first word.
MENTION = re.compile(r"(?<![\w@.])@([^\W\d_][\w'’-]*)")


def normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def is_comment(story: dict[str, Any]) -> bool:
    return story.get("type") == "comment" or story.get("resource_subtype") == "comment_added"


def strangers_in(text: str, first_names: set[str]) -> int:
    """Mentions in ``text`` that name nobody in the workspace: "@Ava" and "@Ava Patel" are a member's
    when a member's first name is Ava (a full name starts with one); "@Juan" is nobody's here."""
    return sum(1 for match in MENTION.finditer(text) if match.group(1).casefold() not in first_names)


def due_before_creation(task: dict[str, Any]) -> bool:
    """``due_on`` (a date) earlier than the day ``created_at`` (UTC) falls on."""
    due, created = task.get("due_on"), task.get("created_at")
    return bool(due and created and str(due) < str(created)[:10])


async def read_tasks(pool: AsanaClientPool, entries: list[LedgerEntry]) -> dict[str, dict[str, Any]]:
    """Asana's record of every ledger task it still holds, by gid (the project listings, then by id)."""
    wanted = {str(e.platform_id): e for e in entries if e.kind == "task" and e.status == "created"
              and e.platform_id}
    projects = [e for e in entries if e.kind == "project" and e.status == "created" and e.platform_id]
    found: dict[str, dict[str, Any]] = {}
    for project in projects:
        client = pool.acting_as(project.actor).client
        try:
            async for task in client.paginate("/tasks", project=project.platform_id, opt_fields=TASK_FIELDS):
                if str(task.get("gid")) in wanted:
                    found[str(task["gid"])] = task
        except NotFoundOnPlatform:
            continue

    async def one(gid: str) -> None:
        try:
            found[gid] = await pool.acting_as(wanted[gid].actor).client.get(f"/tasks/{gid}",
                                                                           opt_fields=TASK_FIELDS)
        except NotFoundOnPlatform:
            pass

    await bounded(sorted(set(wanted) - set(found)), one)
    return found


async def read_threads(pool: AsanaClientPool, tasks: dict[str, dict[str, Any]],
                       actors: dict[str, str | None]) -> list[list[str]]:
    """The comment texts of each task that has any, oldest first."""
    threads: list[list[str]] = []

    async def one(gid: str) -> None:
        member: Member = pool.acting_as(actors.get(gid))
        try:
            stories = await member.client.collect(f"/tasks/{gid}/stories", opt_fields=STORY_FIELDS)
        except NotFoundOnPlatform:
            return
        texts = [str(s.get("text") or "") for s in stories if is_comment(s)]
        if texts:
            threads.append(texts)

    await bounded(sorted(tasks), one)
    return threads


async def measure(pool: AsanaClientPool, workspace_gid: str,
                  entries: list[LedgerEntry]) -> list[dict[str, Any]]:
    tasks = await read_tasks(pool, entries)
    actors = {str(e.platform_id): e.actor for e in entries if e.kind == "task" and e.platform_id}
    threads = await read_threads(pool, tasks, actors)
    members = await pool.members[0].client.collect(f"/workspaces/{workspace_gid}/users", opt_fields="name")
    first_names = {str(m["name"]).split()[0].casefold() for m in members if str(m.get("name") or "").strip()}

    comments = [normal(text) for thread in threads for text in thread]
    repeated = sum(1 for thread in threads if max(Counter(normal(t) for t in thread).values()) > 1)
    strangers = sum(strangers_in(text, first_names) for thread in threads for text in thread)
    due_early = sum(1 for t in tasks.values() if due_before_creation(t))
    done = sum(1 for t in tasks.values() if t.get("completed"))
    return [
        at_least(DISTINCT, share(len(set(comments)), len(comments)) if comments else 1.0, 0.9),
        none_expected(REPEATS, share(repeated, len(threads))),
        none_expected(STRANGERS, strangers),
        none_expected(DUE_EARLY, due_early),
        in_range(COMPLETED, share(done, len(tasks)), 0.2, 0.8),
    ]
