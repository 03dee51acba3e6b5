"""Records -> Asana-shaped JSON, per the spec's compact and full schemas, with opt_fields selection.

Compact records (lists) carry the fields of ``<Type>Compact``; full records (single GET, create, update)
those of ``<Type>Response``. ``opt_fields`` replaces either with ``gid`` plus the named fields; a dotted
field (``assignee.email``) renders the referenced object's full record and selects from it.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import quote

from tenantsim.sandbox.asana.store import Record, Store, iso

PERMALINK = "https://app.asana.com/0"

COMPACT_FIELDS: dict[str, tuple[str, ...]] = {
    "user": ("gid", "resource_type", "name"),
    "workspace": ("gid", "resource_type", "name"),
    "team": ("gid", "resource_type", "name"),
    "project": ("gid", "resource_type", "name"),
    "section": ("gid", "resource_type", "name"),
    "task": ("gid", "resource_type", "name", "resource_subtype", "created_by"),
    "story": ("gid", "resource_type", "created_at", "created_by", "resource_subtype", "text"),
    "tag": ("gid", "resource_type", "name"),
    "custom_field": ("gid", "resource_type", "name", "type", "resource_subtype", "enum_options", "enabled",
                     "representation_type", "id_prefix", "is_formula_field"),
    "enum_option": ("gid", "resource_type", "name", "enabled", "color"),
    "portfolio": ("gid", "resource_type", "name"),
    "custom_field_setting": ("gid", "resource_type", "project", "is_important", "parent", "custom_field"),
    "webhook": ("gid", "resource_type", "active", "resource", "target"),
    "attachment": ("gid", "resource_type", "name", "resource_subtype"),
    "user_task_list": ("gid", "resource_type", "name", "owner", "workspace"),
    "project_membership": ("gid", "resource_type", "parent", "member", "access_level"),
    "team_membership": ("gid", "resource_type", "user", "team", "is_guest", "is_limited_access", "is_admin"),
    "portfolio_membership": ("gid", "resource_type", "portfolio", "user", "access_level"),
    "status_update": ("gid", "resource_type", "title", "resource_subtype"),
    "job": ("gid", "resource_type", "resource_subtype", "status", "new_task", "new_project"),
}
STATUS_SUBTYPES = {"project": "project_status_update", "portfolio": "portfolio_status_update"}


def html_of(text: str, stored: str | None) -> str:
    """Rich text as Asana returns it: what was written as HTML, else the plain text escaped."""
    return stored if stored else f"<body>{escape(text, quote=False)}</body>"


class Renderer:
    def __init__(self, store: Store, viewer: str, base: str = "") -> None:
        self.store = store
        self.viewer = viewer  # the user gid making the request (is_editable, assignee_section...)
        self.base = base  # the sandbox's own address (attachment download URLs point back at it)
        self._full: dict[str, Callable[[Record], dict[str, Any]]] = {
            "user": self._user, "workspace": self._workspace, "team": self._team, "project": self._project,
            "section": self._section, "task": self._task, "story": self._story, "tag": self._tag,
            "custom_field": self._custom_field, "enum_option": self._enum_option,
            "portfolio": self._portfolio, "custom_field_setting": self._setting, "webhook": self._webhook,
            "attachment": self._attachment, "user_task_list": self._user_task_list,
            "project_membership": self._project_membership, "team_membership": self._team_membership,
            "portfolio_membership": self._portfolio_membership, "status_update": self._status_update,
            "job": self._job,
        }

    # -- public -----------------------------------------------------------------------------------
    def full(self, record: Record, opt_fields: list[str] | None = None) -> dict[str, Any]:
        body = self._full[record["resource_type"]](record)
        return self._select(body, opt_fields) if opt_fields else body

    def compact(self, record: Record, opt_fields: list[str] | None = None) -> dict[str, Any]:
        if opt_fields:
            return self.full(record, opt_fields)
        body = self._full[record["resource_type"]](record)
        return {k: body[k] for k in COMPACT_FIELDS[record["resource_type"]] if k in body}

    def ref(self, gid: str | None) -> dict[str, Any] | None:
        """The compact reference Asana nests inside other records."""
        if gid is None:
            return None
        record = self.store.records.get(gid) or self.store.trash.get(gid)
        if record is None:
            return None
        if record["resource_type"] == "task":
            return {"gid": gid, "resource_type": "task", "name": record["name"],
                    "resource_subtype": record["resource_subtype"]}
        return {"gid": gid, "resource_type": record["resource_type"], "name": record.get("name", "")}

    def refs(self, gids: list[str]) -> list[dict[str, Any]]:
        return [r for r in (self.ref(g) for g in gids) if r is not None]

    # -- opt_fields -------------------------------------------------------------------------------
    def _select(self, body: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"gid": body["gid"]} if "gid" in body else {}
        nested: dict[str, list[str]] = {}
        for field in fields:
            head, _, rest = field.partition(".")
            if head not in body:
                continue
            if rest:
                nested.setdefault(head, []).append(rest)
            else:
                out[head] = body[head]
        for head, subfields in nested.items():
            out[head] = self._select_nested(body[head], subfields)
        return out

    def _select_nested(self, value: Any, fields: list[str]) -> Any:
        if isinstance(value, list):
            return [self._select_nested(item, fields) for item in value]
        if isinstance(value, dict) and "gid" in value:
            # The nested value may carry more than the record (a task's custom field carries its
            # display_value, enum_value...): the value wins, the full record fills in the rest.
            heads = {f.partition(".")[0] for f in fields}
            if heads <= value.keys():
                return self._select(value, fields)
            record = self.store.records.get(value["gid"])
            return self._select({**self.full(record), **value} if record is not None else value, fields)
        if isinstance(value, dict):  # e.g. a task's memberships entries: {project, section}
            return self._select(value, fields)
        return value

    # -- one renderer per resource type -----------------------------------------------------------
    @staticmethod
    def _base(record: Record) -> dict[str, Any]:
        return {"gid": record["gid"], "resource_type": record["resource_type"]}

    def _user(self, r: Record) -> dict[str, Any]:
        return {**self._base(r), "name": r["name"], "email": r["email"], "photo": None,
                "workspaces": self.refs(r["workspaces"])}

    def _workspace(self, r: Record) -> dict[str, Any]:
        return {**self._base(r), "name": r["name"], "email_domains": r["email_domains"],
                "is_organization": r["is_organization"]}

    def _team(self, r: Record) -> dict[str, Any]:
        return {**self._base(r), "name": r["name"], "description": r["description"],
                "html_description": html_of(r["description"], None),
                "organization": self.ref(r["organization"]), "visibility": "request_to_join",
                "permalink_url": f"{PERMALINK}/{r['gid']}"}

    def _project(self, r: Record) -> dict[str, Any]:
        settings = [self.store.records[s] for s in r["settings"] if s in self.store.records]
        return {**self._base(r), "name": r["name"], "archived": r["archived"], "color": r["color"],
                "icon": None, "created_at": iso(r["created_at"]), "modified_at": iso(r["modified_at"]),
                "current_status": None, "current_status_update": self._latest_status(r["gid"]),
                "custom_field_settings": [self._setting(s) for s in settings],
                "custom_fields": [self._field_value(self.store.records[s["custom_field"]], None)
                                  for s in settings if s["custom_field"] in self.store.records],
                "default_view": r["default_view"], "due_date": r["due_on"], "due_on": r["due_on"],
                "start_on": r["start_on"], "notes": r["notes"],
                "html_notes": html_of(r["notes"], r.get("html_notes")),
                "members": self.refs(r["members"]), "followers": self.refs(r["followers"]),
                "public": r["public"], "privacy_setting": "public_to_workspace" if r["public"] else "private",
                "completed": r["completed"], "completed_at": r["completed_at"],
                "completed_by": self.ref(r["completed_by"]), "owner": self.ref(r["owner"]),
                "team": self.ref(r["team"]), "workspace": self.ref(r["workspace"]),
                "permalink_url": f"{PERMALINK}/{r['gid']}"}

    def _section(self, r: Record) -> dict[str, Any]:
        project = self.ref(r["project"])
        return {**self._base(r), "name": r["name"], "created_at": iso(r["created_at"]), "project": project,
                "projects": [project] if project else []}

    def _task(self, r: Record) -> dict[str, Any]:
        memberships = [{"project": self.ref(m["project"]), "section": self.ref(m["section"])}
                       for m in r["memberships"] if m["project"] in self.store.records]
        fields = self._task_fields(r)
        body = {**self._base(r), "name": r["name"], "resource_subtype": r["resource_subtype"],
                "created_by": {"gid": r["created_by"], "resource_type": "user"},
                "completed": r["completed"],
                "completed_at": iso(r["completed_at"]) if r["completed_at"] else None,
                "completed_by": self.ref(r["completed_by"]), "created_at": iso(r["created_at"]),
                "modified_at": iso(r["modified_at"]),
                "dependencies": [{"gid": g, "resource_type": "task"} for g in r.get("dependencies", [])
                                 if g in self.store.records],
                "dependents": [{"gid": t["gid"], "resource_type": "task"}
                               for t in self.store.dependents(r["gid"])],
                "due_at": r.get("due_at"), "due_on": r["due_on"], "start_at": r.get("start_at"),
                "start_on": r["start_on"], "notes": r["notes"],
                "html_notes": html_of(r["notes"], r.get("html_notes")),
                "hearted": False, "hearts": [], "num_hearts": 0,
                "liked": False, "likes": [], "num_likes": 0, "is_rendered_as_separator": False,
                "memberships": memberships, "num_subtasks": self.store.count_subtasks(r["gid"]),
                "assignee": self.ref(r["assignee"]), "custom_fields": fields,
                "followers": self.refs(r["followers"]), "parent": self.ref(r["parent"]),
                "projects": [m["project"] for m in memberships], "tags": self.refs(r["tags"]),
                "workspace": self.ref(r["workspace"]), "permalink_url": f"{PERMALINK}/0/{r['gid']}"}
        return body

    def _task_fields(self, task: Record) -> list[dict[str, Any]]:
        """Custom field values: every field set on any of the task's projects, with the task's value."""
        seen: list[str] = []
        for membership in task["memberships"]:
            project = self.store.records.get(membership["project"])
            for setting_gid in project["settings"] if project else []:
                setting = self.store.records.get(setting_gid)
                if setting and setting["custom_field"] not in seen:
                    seen.append(setting["custom_field"])
        return [self._field_value(self.store.records[g], task["custom_values"].get(g))
                for g in seen if g in self.store.records]

    def _field_value(self, field: Record, value: Any) -> dict[str, Any]:
        body = self._custom_field(field)
        subtype = field["resource_subtype"]
        display: str | None = None
        if subtype == "enum":
            option = self.store.records.get(value) if value else None
            body["enum_value"] = self._enum_option(option) if option else None
            display = option["name"] if option else None
        elif subtype == "number":
            body["number_value"] = value
            display = None if value is None else f"{value:.{field.get('precision', 0)}f}"
        elif subtype == "text":
            body["text_value"] = value
            display = value
        elif subtype == "multi_enum":
            options = [self.store.records[o] for o in value or [] if o in self.store.records]
            body["multi_enum_values"] = [self._enum_option(o) for o in options]
            display = ", ".join(o["name"] for o in options) or None
        elif subtype == "people":
            people = self.refs(value or [])
            body["people_value"] = people
            display = ", ".join(p["name"] for p in people) or None
        elif subtype == "date":
            body["date_value"] = dict(value) if value else None
            display = (value.get("date_time") or value.get("date")) if value else None
        body["display_value"] = display
        return body

    def _story(self, r: Record) -> dict[str, Any]:
        mine = r["created_by"] == self.viewer
        return {**self._base(r), "created_at": iso(r["created_at"]), "created_by": self.ref(r["created_by"]),
                "resource_subtype": r["resource_subtype"], "text": r["text"], "type": r["type"],
                "html_text": html_of(r["text"], r.get("html_text")), "is_pinned": False, "is_edited": False,
                "is_editable": mine and r["type"] == "comment", "hearted": False, "hearts": [],
                "num_hearts": 0, "liked": False, "likes": [], "num_likes": 0, "previews": [],
                "source": "api", "target": self.ref(r["task"])}

    def _tag(self, r: Record) -> dict[str, Any]:
        return {**self._base(r), "name": r["name"], "color": r["color"], "notes": r["notes"],
                "created_at": iso(r["created_at"]), "followers": self.refs(r["followers"]),
                "workspace": self.ref(r["workspace"]), "permalink_url": f"{PERMALINK}/0/{r['gid']}/list"}

    def _custom_field(self, r: Record) -> dict[str, Any]:
        subtype = r["resource_subtype"]
        body = {**self._base(r), "name": r["name"], "type": subtype, "resource_subtype": subtype,
                "representation_type": subtype, "enabled": True, "description": r["description"],
                "id_prefix": None, "is_formula_field": False, "is_value_read_only": False,
                "is_global_to_workspace": True, "has_notifications_enabled": True,
                "asana_created_field": None, "privacy_setting": "public_with_guests",
                "created_by": self.ref(r["created_by"]),
                "format": "none" if subtype != "number" else "custom"}
        if subtype in ("enum", "multi_enum"):
            body["enum_options"] = [self._enum_option(self.store.records[o]) for o in r["enum_options"]
                                    if o in self.store.records]
        if subtype == "number":
            body["precision"] = r["precision"]
        return body

    def _enum_option(self, r: Record) -> dict[str, Any]:
        return {**self._base(r), "name": r["name"], "enabled": r["enabled"], "color": r["color"]}

    def _setting(self, r: Record) -> dict[str, Any]:
        field = self.store.records.get(r["custom_field"])
        return {**self._base(r), "is_important": r["is_important"], "project": self.ref(r["project"]),
                "parent": self.ref(r["project"]),
                "custom_field": self._custom_field(field) if field else None}

    def _portfolio(self, r: Record) -> dict[str, Any]:
        return {**self._base(r), "name": r["name"], "archived": False, "color": r["color"],
                "created_at": iso(r["created_at"]), "created_by": self.ref(r["created_by"]),
                "custom_field_settings": [], "current_status_update": None, "custom_fields": [],
                "due_on": None, "start_on": None, "members": self.refs(r["members"]),
                "owner": self.ref(r["owner"]), "workspace": self.ref(r["workspace"]),
                "permalink_url": f"{PERMALINK}/portfolio/{r['gid']}", "public": r["public"],
                "privacy_setting": "public_to_domain" if r["public"] else "members_only",
                "project_templates": []}

    def _webhook(self, r: Record) -> dict[str, Any]:
        resource = self.ref(r["resource"]) or {"gid": r["resource"], "resource_type": "unknown", "name": ""}
        return {**self._base(r), "active": r["active"], "resource": resource, "target": r["target"],
                "created_at": iso(r["created_at"]),
                "last_success_at": iso(r["last_success_at"]) if r["last_success_at"] else None,
                "last_failure_at": iso(r["last_failure_at"]) if r["last_failure_at"] else None,
                "last_failure_content": r["last_failure_content"], "delivery_retry_count": 0,
                "filters": r["filters"]}

    def _attachment(self, r: Record) -> dict[str, Any]:
        external = r["resource_subtype"] == "external"
        download = r["url"] if external else (
            f"{self.base}/_sandbox/files/{r['gid']}/{r['key']}/{quote(r['name'])}")
        parent = self.ref(r["parent"])
        body = {**self._base(r), "name": r["name"], "resource_subtype": r["resource_subtype"],
                "created_at": iso(r["created_at"]), "download_url": download,
                "permanent_url": f"{PERMALINK}/attachment/{r['gid']}", "host": r["host"],
                "parent": parent, "view_url": download, "connected_to_app": False}
        if not external:
            body["size"] = r["size"]
        return body

    def _user_task_list(self, r: Record) -> dict[str, Any]:
        return {**self._base(r), "name": r["name"], "owner": self.ref(r["owner"]),
                "workspace": self.ref(r["workspace"])}

    def _project_membership(self, r: Record) -> dict[str, Any]:
        user, project = self.ref(r["member"]), self.ref(r["parent"])
        return {**self._base(r), "parent": project, "member": user, "access_level": r["access_level"],
                "user": user, "project": project,
                "write_access": "comment_only" if r["access_level"] in ("commenter", "viewer")
                else "full_write"}

    def _team_membership(self, r: Record) -> dict[str, Any]:
        return {**self._base(r), "user": self.ref(r["member"]), "team": self.ref(r["parent"]),
                "is_guest": False, "is_limited_access": False, "is_admin": r["access_level"] == "admin"}

    def _portfolio_membership(self, r: Record) -> dict[str, Any]:
        return {**self._base(r), "portfolio": self.ref(r["parent"]), "user": self.ref(r["member"]),
                "access_level": r["access_level"]}

    def membership(self, r: Record, opt_fields: list[str] | None = None) -> dict[str, Any]:
        """A project or portfolio membership as ``/memberships`` shows it (a generic ``membership``)."""
        body = {"gid": r["gid"], "resource_type": "membership", "resource_subtype": r["resource_type"],
                "parent": self.ref(r["parent"]), "member": self.ref(r["member"]),
                "access_level": r["access_level"]}
        return self._select(body, opt_fields) if opt_fields else body

    def _latest_status(self, parent: str) -> dict[str, Any] | None:
        latest = self.store.records.last("status_update", "parent", parent)
        return self.compact(latest) if latest is not None else None

    def _status_update(self, r: Record) -> dict[str, Any]:
        return {**self._base(r), "title": r["title"], "resource_subtype": r["resource_subtype"],
                "text": r["text"], "html_text": html_of(r["text"], r.get("html_text")),
                "status_type": r["status_type"], "author": self.ref(r["author"]),
                "created_at": iso(r["created_at"]), "created_by": self.ref(r["author"]),
                "modified_at": iso(r["modified_at"]), "hearted": False, "hearts": [], "liked": False,
                "likes": [], "num_hearts": 0, "num_likes": 0, "reaction_summary": [],
                "parent": self.ref(r["parent"])}

    def _job(self, r: Record) -> dict[str, Any]:
        body = {**self._base(r), "resource_subtype": r["resource_subtype"], "status": r["status"]}
        for key in ("new_task", "new_project"):
            if key in r:
                body[key] = self.ref(r[key])
        return body

    def event(self, e: dict[str, Any], compact: bool = False) -> dict[str, Any]:
        """An event as /events returns it (``compact``: as a webhook delivers it, gid and type only)."""
        def short(gid: str | None) -> dict[str, Any] | None:
            ref = self.ref(gid)
            if ref is None or not compact:
                return ref
            return {k: v for k, v in ref.items() if k in ("gid", "resource_type", "resource_subtype")}
        body: dict[str, Any] = {"user": short(e["user"]), "created_at": iso(e["created_at"]),
                                "type": e["type"], "action": e["action"], "resource": short(e["resource"]),
                                "parent": short(e["parent"])}
        if "change" in e:
            change = dict(e["change"])
            new_value = change.pop("new_value", None)
            if isinstance(new_value, str) and self.ref(new_value) is not None:
                change["new_value"] = short(new_value)
            body["change"] = change
        return body
