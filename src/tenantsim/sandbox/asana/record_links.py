"""What each record is filed under, so that a list of records can be read without scanning them all.

A record is filed under its type (``("task",)``) and under each thing it links to that some list or
lookup asks by: ``("section", "project", <project gid>)`` holds a project's sections,
``("task", "parent", <gid>)`` a task's subtasks, ``("task", "dependencies", <gid>)`` the tasks that
wait on one. Every API list used to be a scan over every record of the tenant with a filter, which made
each call cost more as the workspace filled up; a filing key names the same records directly.

The filing of a record is worked out from its fields alone (``filing_keys``), so it stays right as long
as a field that is filed under is only changed inside ``RecordTable.relinking``. The fields named in
``FILED_BY`` are never changed after a record is made, except a task's ``parent`` and ``assignee``; a
task's ``memberships``, ``tags`` and ``dependencies`` lists change too. All of those are changed in a
``relinking`` block.
"""

from __future__ import annotations

from typing import Any

FilingKey = tuple[str, ...]

# Type -> the single-valued fields its records are filed under (a None value is not filed).
FILED_BY: dict[str, tuple[str, ...]] = {
    "task": ("parent", "assignee"),
    "section": ("project",),
    "story": ("task",),
    "tag": ("workspace",),
    "project": ("workspace", "team"),
    "custom_field": ("workspace",),
    "custom_field_setting": ("project", "custom_field"),
    "portfolio": ("owner",),
    "user_task_list": ("owner",),
    "project_membership": ("parent",),
    "team_membership": ("parent",),
    "portfolio_membership": ("parent",),
    "status_update": ("parent",),
    "attachment": ("parent",),
}
# A task's list-valued links: filed under each project and section it is in, each tag, each dependency.
IN_PROJECT = "memberships.project"
IN_SECTION = "memberships.section"


def filing_keys(record: dict[str, Any]) -> set[FilingKey]:
    kind = record["resource_type"]
    keys: set[FilingKey] = {(kind,)}
    for field in FILED_BY.get(kind, ()):
        value = record.get(field)
        if value is not None:
            keys.add((kind, field, value))
    if kind == "task":
        for membership in record["memberships"]:
            keys.add((kind, IN_PROJECT, membership["project"]))
            if membership["section"]:
                keys.add((kind, IN_SECTION, membership["section"]))
        for tag in record["tags"]:
            keys.add((kind, "tags", tag))
        for dependency in record.get("dependencies", ()):
            keys.add((kind, "dependencies", dependency))
    return keys
