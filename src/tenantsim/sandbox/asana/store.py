"""The emulated Asana domain: one organization with teams, one plain workspace, users with tokens, and
everything they create. Records are plain dicts keyed by gid in a ``RecordTable`` (``record_table.py``),
which files them by type and by what they link to, so that lists are read without scanning the
workspace; ``render.py`` turns records into responses.

Deterministic from ``seed``: the same seed gives the same gids, names and tokens.
"""

from __future__ import annotations

import bisect
import random
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from tenantsim.sandbox.asana.record_links import IN_PROJECT, IN_SECTION
from tenantsim.sandbox.asana.record_table import Record, RecordTable

FIRST_NAMES = ("Ava", "Liam", "Maya", "Noah", "Zoe", "Ethan", "Priya", "Lucas", "Chloe", "Omar", "Hana",
               "Diego", "Ingrid", "Kofi", "Lena", "Mateo", "Nora", "Ravi", "Sofia", "Tariq", "Una",
               "Viktor", "Wen", "Yara", "Jonas")
LAST_NAMES = ("Chen", "Okafor", "Schmidt", "Patel", "Rossi", "Nakamura", "Haddad", "Silva", "Novak",
              "Larsen", "Kim", "Dubois", "Mensah", "Ortiz", "Fischer", "Ahmed", "Costa", "Berg", "Ivanova",
              "Walsh", "Moreau", "Tanaka", "Singh", "Lopez", "Meyer")
TEAM_NAMES = ("Engineering", "Marketing", "Operations")
ORG_DOMAIN = "sandbox-corp.example.com"  # the same company domain as the Okta and Google sandboxes
# Membership records, by the type of what the member belongs to.
MEMBERSHIP_TYPES = {"project": "project_membership", "team": "team_membership",
                    "portfolio": "portfolio_membership"}
# Records that live and die with the object named by their ``parent``.
# The event log and its sync tokens are bounded, as Asana's are ("the sync token is too old" comes back
# as 412): a sandbox that runs for weeks keeps the newest events and tokens, not all of them.
EVENT_LOG_LIMIT = 100_000
SYNC_TOKEN_LIMIT = 20_000
OWNED_BY_PARENT = ("project_membership", "team_membership", "portfolio_membership", "status_update",
                   "attachment")


def iso(ts: float) -> str:
    """Asana timestamps: UTC, millisecond precision, trailing Z."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts * 1000) % 1000:03d}Z"


class Store:
    """Every object of the sandbox tenant. ``trash`` keeps deleted tasks (gone from GET, like Asana)."""

    def __init__(self, users: int, plan: str, seed: int) -> None:
        self.plan = plan
        self.seed = seed
        self._rng = random.Random(seed)
        self._next_gid = 1_200_000_000_000_000 + self._rng.randrange(10**12)
        self.records = RecordTable()
        self.trash: dict[str, Record] = {}
        self.tokens: dict[str, str] = {}  # token -> user gid
        self.user_order: list[str] = []
        self.organization = self.add("workspace", name="Sandbox Corp", is_organization=True,
                                      email_domains=[ORG_DOMAIN])
        self.workspace = self.add("workspace", name="Personal Projects", is_organization=False,
                                   email_domains=[])
        self.teams = [self.add("team", name=name, organization=self.organization["gid"],
                                description=f"The {name} team.") for name in TEAM_NAMES]
        for index in range(max(1, users)):
            self._add_user(index)
        # Team membership: everyone in one team (round robin); the first user (an admin) in all of them.
        for number, team in enumerate(self.teams):
            team["members"] = [gid for index, gid in enumerate(self.user_order)
                               if index == 0 or index % len(self.teams) == number]
        self.init_sync()
        self.preexisting: set[str] = set()
        self._seed_existing_work()
        self.preexisting = set(self.records)

    # -- identity ---------------------------------------------------------------------------------
    def new_gid(self) -> str:
        self._next_gid += self._rng.randrange(1, 97)
        return str(self._next_gid)

    def add(self, resource_type: str, **fields: Any) -> Record:
        now = time.time()
        record: Record = {"gid": self.new_gid(), "resource_type": resource_type, "created_at": now,
                          "modified_at": now, **fields}
        self.records[record["gid"]] = record
        return record

    def _add_user(self, index: int) -> None:
        first = FIRST_NAMES[index % len(FIRST_NAMES)]
        last = LAST_NAMES[(index * 7 + 3) % len(LAST_NAMES)]
        suffix = "" if index < len(FIRST_NAMES) else str(index // len(FIRST_NAMES))
        user = self.add("user", name=f"{first} {last}",
                         email=f"{first.lower()}.{last.lower()}{suffix}@{ORG_DOMAIN}",
                         workspaces=[self.organization["gid"], self.workspace["gid"]])
        # Real PATs look like "2/<user id>/<token id>:<32 hex>".
        token = f"2/{user['gid']}/{self._rng.randrange(10**15, 10**16)}:{self._rng.getrandbits(128):032x}"
        user["token"] = token
        self.tokens[token] = user["gid"]
        self.user_order.append(user["gid"])

    # -- events (the /events streams and webhooks read this log; not persisted: tokens expire) -----
    def init_sync(self) -> None:
        self.dirty = False  # a read created records (lazy memberships, task lists): save them too
        self.events: list[dict[str, Any]] = []
        self.event_seq = 0
        self.events_floor = 0  # the log holds every event after this seq (older ones were trimmed)
        self.sync_tokens: dict[str, tuple[str, int]] = {}  # token -> (resource gid, last seq seen)

    def new_sync_token(self, resource: str, position: int | None = None) -> str:
        token = secrets.token_hex(16)
        self.sync_tokens[token] = (resource, self.event_seq if position is None else position)
        if len(self.sync_tokens) > SYNC_TOKEN_LIMIT:  # the oldest quarter expires (dicts keep order)
            for old in list(self.sync_tokens)[: SYNC_TOKEN_LIMIT // 4]:
                del self.sync_tokens[old]
        return token

    def sync_position(self, token: str | None, resource: str) -> int | None:
        """Where a sync token left ``resource``'s stream; None if unknown, for another resource, or older
        than the log (the caller answers 412 with a fresh token)."""
        known = self.sync_tokens.get(token) if token else None
        if known is None or known[0] != resource or known[1] < self.events_floor:
            return None
        return known[1]

    def events_after(self, seq: int) -> list[dict[str, Any]]:
        """The logged events after ``seq``, in order (the log is ordered by seq)."""
        return self.events[bisect.bisect_right(self.events, seq, key=lambda e: e["seq"]):]

    def scopes_of(self, record: Record) -> set[str]:
        """The gids an event on ``record`` bubbles up to: itself, its task, its projects and sections,
        and (for a subtask) its parent task's scopes."""
        seen: set[str] = {record["gid"]}
        kind = record["resource_type"]
        if kind == "story":
            task = self.records.get(record["task"]) or self.trash.get(record["task"])
            return seen | (self.scopes_of(task) if task else set())
        if kind == "task":
            for membership in record["memberships"]:
                seen.add(membership["project"])
                if membership["section"]:
                    seen.add(membership["section"])
            parent = self.records.get(record["parent"] or "")
            if parent is not None:
                seen |= self.scopes_of(parent)
            seen.add(record["workspace"])
        elif kind == "section":
            seen.add(record["project"])
        elif kind == "project":
            seen.add(record["workspace"])
        elif kind in OWNED_BY_PARENT:  # an attachment or status update: up through what it belongs to
            owner = self.records.get(record["parent"])
            if owner is not None and owner["resource_type"] in ("task", "project", "portfolio"):
                seen |= self.scopes_of(owner)
        return seen

    def emit(self, action: str, record: Record, user: str | None, parent: str | None = None,
             field: str | None = None, new_value: str | None = None) -> None:
        """Log an event on ``record`` (``changed`` events name the ``field``)."""
        self.event_seq += 1
        event: dict[str, Any] = {"seq": self.event_seq, "created_at": time.time(), "user": user,
                                 "resource": record["gid"], "type": record["resource_type"],
                                 "action": action, "parent": parent,
                                 "scopes": sorted(self.scopes_of(record) | ({parent} if parent else set()))}
        if action == "changed" and field is not None:
            event["change"] = {"field": field, "action": "changed", "new_value": new_value}
        self.events.append(event)
        if len(self.events) > EVENT_LOG_LIMIT:  # a quarter at a time: trimming stays rare
            del self.events[: EVENT_LOG_LIMIT // 4]
            self.events_floor = self.events[0]["seq"] - 1

    def events_since(self, resource: str, seq: int, limit: int) -> tuple[list[dict[str, Any]], int, bool]:
        """Events on (or bubbling up to) ``resource`` after ``seq``: (events, new position, has_more)."""
        found = [e for e in self.events_after(seq) if resource in e["scopes"]]
        if len(found) > limit:
            return found[:limit], found[limit - 1]["seq"], True
        return found, self.event_seq, False

    def user_by_ref(self, value: Any, viewer: str | None = None) -> Record | None:
        """A user named by gid, by email (case-insensitive), or ``me``."""
        text = str(value)
        if text == "me" and viewer is not None:
            text = viewer
        if "@" in text:
            wanted = text.lower()
            return next((u for u in self.users() if u["email"].lower() == wanted), None)
        return self.get(text, "user")

    def team_members(self, team: Record) -> list[str]:
        members = team.get("members")
        return list(self.user_order) if members is None else list(members)

    # -- memberships, user task lists, dependencies -----------------------------------------------
    def members_of(self, parent: Record) -> list[str]:
        if parent["resource_type"] == "team":
            return self.team_members(parent)
        return list(parent["members"])

    def memberships(self, parent: Record) -> list[Record]:
        """The membership records of a project, team or portfolio, one per member, in member order.
        The parent's ``members`` list is the truth; records are made (or dropped) to match it."""
        kind = MEMBERSHIP_TYPES[parent["resource_type"]]
        members = self.members_of(parent)
        existing = {r["member"]: r for r in self.records.filed(kind, "parent", parent["gid"])}
        for member, record in existing.items():
            if member not in members:
                del self.records[record["gid"]]
                self.dirty = True
        out = []
        for member in members:
            found = existing.get(member)
            if found is not None:
                out.append(found)
                continue
            owner = parent.get("owner") == member or (
                kind == "team_membership" and bool(self.user_order) and member == self.user_order[0])
            out.append(self.add(kind, parent=parent["gid"], member=member,
                                access_level="admin" if owner else "editor"))
            self.dirty = True
        return out

    def add_member(self, parent: Record, user: str, access_level: str | None = None) -> Record:
        if parent["resource_type"] == "team":
            parent["members"] = self.team_members(parent)
        if user not in parent["members"]:
            parent["members"].append(user)
        record = next(r for r in self.memberships(parent) if r["member"] == user)
        if access_level is not None:
            record["access_level"] = access_level
        return record

    def remove_member(self, parent: Record, user: str) -> None:
        if parent["resource_type"] == "team":
            parent["members"] = self.team_members(parent)
        parent["members"] = [m for m in parent["members"] if m != user]
        self.memberships(parent)

    def user_task_list(self, user: str, workspace: str) -> Record:
        """A user's My Tasks in a workspace: made on first use, then the same gid for good."""
        for record in self.records.filed("user_task_list", "owner", user):
            if record["workspace"] == workspace:
                return record
        self.dirty = True
        return self.add("user_task_list", name="My Tasks", owner=user, workspace=workspace)

    def dependents(self, task_gid: str) -> list[Record]:
        return self.records.filed("task", "dependencies", task_gid)

    def drop_children(self, parent_gid: str) -> None:
        """Remove the memberships, status updates and attachments that belong to a deleted object."""
        for kind in OWNED_BY_PARENT:
            for record in self.records.filed(kind, "parent", parent_gid):
                del self.records[record["gid"]]

    def reorder(self, record: Record, *, before: str | None = None, after: str | None = None) -> None:
        """Move ``record`` just before or after another record (lists follow the records' list order)."""
        if before is not None:
            self.records.move(record, before=before)
        else:
            self.records.move(record, after=after)

    def move_task(self, task: Record, *, before: str | None = None, after: str | None = None,
                  top_of: str | None = None) -> None:
        """Reorder tasks: before or after another task, at the top of a section (before the first other
        task in it), or (nothing named, or an empty section) last."""
        if before is None and after is None and top_of is not None:
            before = next((t["gid"] for t in self.records.filed("task", IN_SECTION, top_of)
                           if t["gid"] != task["gid"]), None)
        self.records.move(task, before=before, after=after)

    # -- pre-existing work that no cleanup may touch ----------------------------------------------
    def _seed_existing_work(self) -> None:
        owner = self.user_order[0]
        org = self.organization["gid"]
        roadmap = self.create_project(owner, workspace=org, team=self.teams[0]["gid"],
                                      name="Platform Roadmap",
                                      notes="Long-running roadmap owned by the platform group.")
        sections = [self.create_section(roadmap["gid"], name) for name in ("Backlog", "In progress", "Done")]
        for number, name in enumerate(("Upgrade database cluster", "Rotate TLS certificates",
                                       "Write on-call runbook")):
            task = self.create_task(owner, workspace=org, projects=[roadmap["gid"]], name=name,
                                    notes="Carried over from last quarter.",
                                    assignee=self.user_order[number % len(self.user_order)])
            self.move_to_section(task, sections[number])
            if number == 0:
                self.create_task(owner, workspace=org, parent=task["gid"], name="Schedule maintenance window")
                self.add_story(task, owner, "Kicking this off next sprint.")
        personal = self.create_project(owner, workspace=self.workspace["gid"], team=None, name="Reading list",
                                       notes="")
        self.create_task(owner, workspace=self.workspace["gid"], projects=[personal["gid"]],
                         name="Finish the SRE book")
        self.add("tag", name="legacy", color="dark-blue", notes="", workspace=org, followers=[])
        if self.plan == "paid":  # a free workspace has no custom fields at all
            self.add("custom_field", name="Legacy Score", resource_subtype="number", workspace=org,
                      precision=0, description="", enum_options=[], created_by=owner)
            self.add("portfolio", name="Company Bets", workspace=org, owner=owner, created_by=owner,
                      members=[owner], color="light-green", public=False, items=[roadmap["gid"]])

    # -- lookups ----------------------------------------------------------------------------------
    def made_since_start(self) -> list[dict[str, Any]]:
        """Live objects created after start-up: projects, tasks, tags, custom fields, portfolios and
        comments. A comment on a deleted task and the sections of a deleted project are gone with them."""
        kinds = ("project", "task", "tag", "custom_field", "portfolio", "story")
        found = []
        for record in self.records.in_order():
            kind = record["resource_type"]
            if record["gid"] in self.preexisting or kind not in kinds:
                continue
            if kind == "story" and (record["type"] != "comment" or record["task"] not in self.records):
                continue
            found.append({"gid": record["gid"], "resource_type": "comment" if kind == "story" else kind,
                          "name": record.get("name") or record.get("text"),
                          "parent": record.get("parent") or record.get("task"),
                          "created_by": record.get("created_by") or record.get("owner")})
        return found


    def get(self, gid: str, resource_type: str | None = None) -> Record | None:
        record = self.records.get(gid)
        if record is None or (resource_type is not None and record["resource_type"] != resource_type):
            return None
        return record

    def of_type(self, resource_type: str) -> Iterator[Record]:
        return iter(self.records.filed(resource_type))

    def user_for_token(self, token: str) -> Record | None:
        gid = self.tokens.get(token)
        return self.records.get(gid) if gid else None

    def users(self) -> list[Record]:
        return [self.records[gid] for gid in self.user_order]

    def workspaces(self) -> list[Record]:
        return [self.organization, self.workspace]

    def touch(self, record: Record) -> None:
        record["modified_at"] = time.time()

    # -- writes (validated by the routes; these keep the graph consistent) -------------------------
    def create_project(self, actor: str, *, workspace: str, team: str | None, name: str, notes: str = "",
                       default_section: bool = False, **extra: Any) -> Record:
        """``default_section``: add the "Untitled section" Asana gives every new project."""
        project = self.add("project", name=name, notes=notes, workspace=workspace, team=team, owner=actor,
                         members=[actor], followers=[actor], archived=False, color=extra.get("color"),
                         default_view=extra.get("default_view", "list"), due_on=extra.get("due_on"),
                         start_on=extra.get("start_on"), public=bool(extra.get("public", True)),
                         completed=False, completed_at=None, completed_by=None, settings=[],
                         html_notes=extra.get("html_notes"))
        if default_section:
            self.create_section(project["gid"], "Untitled section")
        return project

    def create_section(self, project: str, name: str, actor: str | None = None) -> Record:
        section = self.add("section", name=name, project=project)
        self.emit("added", section, actor, parent=project)
        return section

    def create_task(self, actor: str, *, workspace: str, name: str, projects: list[str] | None = None,
                    parent: str | None = None, notes: str = "", assignee: str | None = None,
                    due_on: str | None = None, **extra: Any) -> Record:
        task = self.add("task", name=name, notes=notes, workspace=workspace, created_by=actor,
                         parent=parent, assignee=assignee, due_on=due_on, start_on=extra.get("start_on"),
                         completed=False, completed_at=None, completed_by=None, tags=[],
                         followers=[actor] + ([assignee] if assignee and assignee != actor else []),
                         memberships=[{"project": p, "section": self.first_section(p)}
                                      for p in projects or []],
                         custom_values={}, dependencies=[],
                         resource_subtype=extra.get("resource_subtype", "default_task"),
                         due_at=extra.get("due_at"), start_at=extra.get("start_at"),
                         html_notes=extra.get("html_notes"))
        for membership in task["memberships"]:
            self.emit("added", task, actor, parent=membership["project"])
        if parent is not None:
            self.emit("added", task, actor, parent=parent)
        if not projects and parent is None:
            self.emit("added", task, actor)
        self.system_story(task, actor, "added_to_project" if projects else "added_to_task",
                          "created this task")
        return task

    def first_section(self, project: str) -> str | None:
        section = self.records.first("section", "project", project)
        return None if section is None else str(section["gid"])

    def move_to_section(self, task: Record, section: Record) -> None:
        with self.records.relinking(task):
            for membership in task["memberships"]:
                if membership["project"] == section["project"]:
                    membership["section"] = section["gid"]
                    break
            else:
                task["memberships"].append({"project": section["project"], "section": section["gid"]})
        self.touch(task)

    def add_story(self, task: Record, actor: str, text: str, html_text: str | None = None) -> Record:
        story = self.add("story", task=task["gid"], created_by=actor, text=text, type="comment",
                          resource_subtype="comment_added", html_text=html_text)
        self.emit("added", story, actor, parent=task["gid"])
        return story

    def system_story(self, task: Record, actor: str, subtype: str, text: str) -> Record:
        story = self.add("story", task=task["gid"], created_by=actor, text=text, type="system",
                          resource_subtype=subtype)
        self.emit("added", story, actor, parent=task["gid"])
        return story

    def subtasks(self, task_gid: str) -> list[Record]:
        return self.records.filed("task", "parent", task_gid)

    def count_subtasks(self, task_gid: str) -> int:
        return self.records.count("task", "parent", task_gid)

    def count_dependents(self, task_gid: str) -> int:
        return self.records.count("task", "dependencies", task_gid)

    def delete_task(self, task: Record, actor: str | None = None) -> None:
        """To the trash, with its subtasks (deleting a parent deletes its subtasks in Asana)."""
        for child in self.subtasks(task["gid"]):
            self.delete_task(child, actor)
        self.emit("deleted", task, actor)
        for dependent in self.dependents(task["gid"]):
            with self.records.relinking(dependent):
                dependent["dependencies"] = [d for d in dependent["dependencies"] if d != task["gid"]]
        self.drop_children(task["gid"])
        self.trash[task["gid"]] = self.records.pop(task["gid"])

    def delete_project(self, project: Record) -> None:
        gid = project["gid"]
        for task in self.records.filed("task", IN_PROJECT, gid):
            with self.records.relinking(task):
                task["memberships"] = [m for m in task["memberships"] if m["project"] != gid]
        for kind in ("section", "custom_field_setting"):
            for record in self.records.filed(kind, "project", gid):
                del self.records[record["gid"]]
        for portfolio in self.of_type("portfolio"):
            portfolio["items"] = [item for item in portfolio["items"] if item != gid]
        self.drop_children(gid)
        del self.records[gid]

    def delete_custom_field(self, field: Record) -> None:
        gid = field["gid"]
        for record in self.records.filed("custom_field_setting", "custom_field", gid):
            project = self.records.get(record["project"])
            if project is not None:
                project["settings"] = [s for s in project["settings"] if s != record["gid"]]
            del self.records[record["gid"]]
        for task in self.of_type("task"):  # values are not filed: a rare call, a scan of the tasks
            task["custom_values"].pop(gid, None)
        del self.records[gid]

    def delete_tag(self, tag: Record) -> None:
        for task in self.records.filed("task", "tags", tag["gid"]):
            with self.records.relinking(task):
                task["tags"] = [t for t in task["tags"] if t != tag["gid"]]
        del self.records[tag["gid"]]

    def discard_task(self, task: Record) -> None:
        """Undo a create that failed validation half-way (Asana creates are atomic)."""
        for story in self.records.filed("story", "task", task["gid"]):
            del self.records[story["gid"]]
        gone = {task["gid"]}
        self.events = [e for e in self.events if e["resource"] not in gone and e["parent"] not in gone
                       and not (e["type"] == "story" and task["gid"] in e["scopes"])]
        self.records.pop(task["gid"], None)

    def delete_plain(self, record: Record) -> None:
        self.drop_children(record["gid"])
        del self.records[record["gid"]]
