"""The Planner part of a tenant: plans of Microsoft 365 groups, buckets, tasks and task details, each with a
version that its etag is made from."""

from __future__ import annotations

import random
from typing import Any

from tenantsim.sandbox.m365 import errors as err
from tenantsim.sandbox.m365.model import Bucket, Group, Plan, Task, User, iso_ms, planner_id


class PlannerMixin:
    """Mixed into ``Tenant``, which holds the state named here."""

    rng: random.Random
    groups: dict[str, Group]
    plans: dict[str, Plan]
    buckets: dict[str, Bucket]
    tasks: dict[str, Task]

    def find_user(self, key: str, *, deleted: bool = False) -> User | None:  # Tenant's own lookup wins
        raise NotImplementedError

    # -- planner ----------------------------------------------------------------------------------
    def _planner_id(self) -> str:
        while True:
            candidate = planner_id(self.rng)
            if candidate not in self.plans and candidate not in self.buckets and candidate not in self.tasks:
                return candidate

    def plan(self, pid: str) -> Plan:
        found = self.plans.get(pid)
        if (
            found is None
            or self.groups.get(found.group_id) is None
            or self.groups[found.group_id].deleted_at is not None
        ):
            raise err.item_not_found()
        return found

    def create_plan(
        self, group: Group, title: str, created_by: dict[str, Any], at: float, *, preexisting: bool = False
    ) -> Plan:
        if not title.strip():
            raise err.invalid_request("The plan title must not be empty.")
        plan = Plan(
            id=self._planner_id(),
            title=title,
            group_id=group.id,
            created=at,
            created_by=created_by,
            preexisting=preexisting,
        )
        self.plans[plan.id] = plan
        return plan

    def delete_plan(self, plan: Plan) -> None:
        self.plans.pop(plan.id, None)
        for bid in [b.id for b in self.buckets.values() if b.plan_id == plan.id]:
            del self.buckets[bid]
        for tid in [t.id for t in self.tasks.values() if t.plan_id == plan.id]:
            del self.tasks[tid]

    def bucket(self, bid: str) -> Bucket:
        found = self.buckets.get(bid)
        if found is None or found.plan_id not in self.plans:
            raise err.item_not_found()
        return found

    def create_bucket(
        self, plan: Plan, name: str, order_hint: str | None, *, preexisting: bool = False
    ) -> Bucket:
        if not name.strip():
            raise err.invalid_request("The bucket name must not be empty.")
        bucket = Bucket(
            id=self._planner_id(),
            name=name,
            plan_id=plan.id,
            order_hint=self.order_hint(order_hint),
            preexisting=preexisting,
        )
        self.buckets[bucket.id] = bucket
        return bucket

    def task(self, tid: str) -> Task:
        found = self.tasks.get(tid)
        if found is None or found.plan_id not in self.plans:
            raise err.item_not_found()
        return found

    def order_hint(self, given: str | None) -> str:
        """Planner turns a client's " !" (place first) into a concrete hint of its own."""
        if given and given.strip() not in ("!", ""):
            return given
        return "8585" + "".join(self.rng.choice("0123456789") for _ in range(14))

    def create_task(
        self,
        plan: Plan,
        body: dict[str, Any],
        created_by: dict[str, Any],
        at: float,
        *,
        preexisting: bool = False,
    ) -> Task:
        title = str(body.get("title") or "").strip()
        if not title:
            raise err.invalid_request("The task title must not be empty.")
        bucket_id = body.get("bucketId")
        if bucket_id is not None and (
            bucket_id not in self.buckets or self.buckets[bucket_id].plan_id != plan.id
        ):
            raise err.invalid_request("The bucket does not belong to the plan.")
        task = Task(
            id=self._planner_id(),
            plan_id=plan.id,
            bucket_id=bucket_id,
            title=title,
            created=at,
            created_by=created_by,
            order_hint=self.order_hint(body.get("orderHint")),
            conversation_thread_id=None,
            preexisting=preexisting,
        )
        self.tasks[task.id] = task
        self.change_task(
            task,
            {k: v for k, v in body.items() if k not in ("planId", "bucketId", "title", "orderHint")},
            created_by,
            at,
            bump=False,
        )
        return task

    _TASK_FIELDS = {
        "title",
        "bucketId",
        "orderHint",
        "assigneePriority",
        "percentComplete",
        "priority",
        "startDateTime",
        "dueDateTime",
        "assignments",
        "appliedCategories",
        "conversationThreadId",
        "details",
        "planId",
    }

    def change_task(
        self, task: Task, body: dict[str, Any], actor: dict[str, Any], at: float, *, bump: bool = True
    ) -> None:
        for name in body:
            if name not in self._TASK_FIELDS and not name.startswith("@odata"):
                raise err.invalid_request(
                    f"The property '{name}' does not exist on type 'microsoft.graph.plannerTask'."
                )
        if "planId" in body and body["planId"] != task.plan_id:
            raise err.invalid_request("A task cannot be moved to another plan.")
        if "percentComplete" in body:
            value = body["percentComplete"]
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
                raise err.invalid_request("percentComplete must be an integer from 0 to 100.")
        if "priority" in body and body["priority"] not in range(11):
            raise err.invalid_request("priority must be an integer from 0 to 10.")
        if (
            "bucketId" in body
            and body["bucketId"] is not None
            and (
                body["bucketId"] not in self.buckets or self.buckets[body["bucketId"]].plan_id != task.plan_id
            )
        ):
            raise err.invalid_request("The bucket does not belong to the plan.")
        assignments = body.get("assignments")
        if assignments is not None and not isinstance(assignments, dict):
            raise err.invalid_request("assignments must be an open type of plannerAssignments.")
        for uid in assignments or {}:
            if self.find_user(uid) is None:
                raise err.invalid_request(f"The user '{uid[:40]}' cannot be assigned: not found.")
        if "title" in body:
            if not str(body["title"] or "").strip():
                raise err.invalid_request("The task title must not be empty.")
            task.title = str(body["title"])
        if "bucketId" in body:
            task.bucket_id = body["bucketId"]
        if "orderHint" in body:
            task.order_hint = self.order_hint(body["orderHint"])
        if "priority" in body:
            task.priority = int(body["priority"])
        if "startDateTime" in body:
            task.start = body["startDateTime"]
        if "dueDateTime" in body:
            task.due = body["dueDateTime"]
        if "appliedCategories" in body and isinstance(body["appliedCategories"], dict):
            task.applied_categories = {
                k: v for k, v in {**task.applied_categories, **body["appliedCategories"]}.items() if v
            }
        if "conversationThreadId" in body:
            task.conversation_thread_id = body["conversationThreadId"]
        for uid, value in (assignments or {}).items():
            if value is None:
                task.assignments.pop(uid, None)
            else:
                task.assignments[uid] = {
                    "@odata.type": "#microsoft.graph.plannerAssignment",
                    "assignedDateTime": iso_ms(at),
                    "orderHint": self.order_hint(value.get("orderHint") if isinstance(value, dict) else None),
                    "assignedBy": actor,
                }
        if "percentComplete" in body:
            task.percent_complete = int(body["percentComplete"])
            if task.percent_complete == 100 and task.completed is None:
                task.completed, task.completed_by = at, actor
            elif task.percent_complete < 100:
                task.completed, task.completed_by = None, None
        if bump:
            task.version += 1

    def change_details(self, task: Task, body: dict[str, Any]) -> None:
        for name in body:
            if name not in ("description", "checklist", "references", "previewType") and not name.startswith(
                "@"
            ):
                raise err.invalid_request(
                    f"The property '{name}' does not exist on type 'microsoft.graph.plannerTaskDetails'."
                )
        checklist = body.get("checklist")
        if checklist is not None and not isinstance(checklist, dict):
            raise err.invalid_request("checklist must be an open type of plannerChecklistItems.")
        if "description" in body:
            task.description = str(body["description"] or "")
        if "previewType" in body:
            task.preview_type = str(body["previewType"])
        for key, item in (checklist or {}).items():
            if item is None:
                task.checklist.pop(key, None)
                continue
            if not isinstance(item, dict):
                raise err.invalid_request("A checklist item must be a plannerChecklistItem.")
            current = task.checklist.get(
                key,
                {
                    "@odata.type": "#microsoft.graph.plannerChecklistItem",
                    "isChecked": False,
                    "title": "",
                    "orderHint": "8585",
                },
            )
            current = {
                **current,
                **{k: v for k, v in item.items() if k in ("title", "isChecked", "orderHint")},
            }
            if not current.get("title"):
                raise err.invalid_request("A checklist item needs a title.")
            task.checklist[key] = current
        if len(task.checklist) > 20:
            raise err.GraphError(
                403,
                "MaximumChecklistItemsOnTask",
                "The request exceeds the maximum limit of 20 checklist items on a task.",
            )
        task.details_version += 1
