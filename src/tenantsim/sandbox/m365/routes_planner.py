"""Planner: plans of a group, buckets, tasks and task details, each with its ``@odata.etag``.

Changes and deletes need ``If-Match`` with the object's current etag: without it Planner answers 400,
with a stale one 412, so two writers never overwrite each other unseen. A PATCH answers 204, or 200 with
the object when the client sends ``Prefer: return=representation``.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from tenantsim.sandbox.m365 import errors as err
from tenantsim.sandbox.m365 import render
from tenantsim.sandbox.m365.call import Call, no_content, ok
from tenantsim.sandbox.m365.model import Group, Plan, planner_etag
from tenantsim.sandbox.m365.tenant import ref_id


def _actor(call: Call) -> dict[str, Any]:
    return render.identity_set(call.tenant, call.principal.user_id, call.principal.app_id)


def _check_access(call: Call, group: Group) -> None:
    """A user sees and changes plans only of groups they belong to; an application with Tasks.*.All, all."""
    uid = call.principal.user_id
    if uid is not None and uid not in group.members and uid not in group.owners:
        raise err.forbidden("You do not have the required permissions to access this item.")


def _plan(call: Call, pid: str) -> Plan:
    plan = call.tenant.plan(pid)
    _check_access(call, call.tenant.groups[plan.group_id])
    return plan


def _if_match(call: Call, current: str) -> None:
    given = call.request.headers.get("if-match")
    if not given:
        raise err.if_match_required()
    if given.strip() != "*" and given.strip() != current:
        raise err.precondition_failed()


def _changed(call: Call, data: dict[str, Any], context: str) -> Response:
    if "return=representation" in (call.request.headers.get("prefer") or ""):
        return ok({"@odata.context": call.context(context), **data})
    return no_content()


def _collection(call: Call, context: str, values: list[dict[str, Any]]) -> Response:
    return ok({"@odata.context": call.context(context), "@odata.count": len(values), "value": values})


# -- plans -----------------------------------------------------------------------------------------
async def create_plan(call: Call) -> Response:
    body = await call.body()
    container = body.get("container")
    if "id" in call.params:  # POST /groups/{id}/planner/plans
        group_id = call.params["id"]
    elif isinstance(container, dict) and (container.get("url") or container.get("containerId")):
        group_id = ref_id(str(container.get("url") or container.get("containerId")))
    elif body.get("owner"):
        group_id = str(body["owner"])
    else:
        raise err.invalid_request("The container of the plan must be specified.")
    group = call.tenant.groups.get(group_id)
    if group is None or group.deleted_at is not None or not group.unified:
        raise err.invalid_request("The plan container must be an existing Microsoft 365 group.")
    _check_access(call, group)
    plan = call.tenant.create_plan(group, str(body.get("title") or ""), _actor(call), call.at)
    return ok(
        {
            "@odata.context": call.context("planner/plans/$entity"),
            **render.plan(call.tenant, plan, call.base),
        },
        status=201,
    )


async def get_plan(call: Call) -> Response:
    plan = _plan(call, call.params["id"])
    return ok(
        {"@odata.context": call.context("planner/plans/$entity"), **render.plan(call.tenant, plan, call.base)}
    )


async def update_plan(call: Call) -> Response:
    plan = _plan(call, call.params["id"])
    _if_match(call, planner_etag("Plan", plan.version))
    body = await call.body()
    for name in body:
        if name != "title" and not name.startswith("@"):
            raise err.invalid_request(f"The property '{name}' cannot be changed on a plan.")
    if "title" in body:
        if not str(body["title"] or "").strip():
            raise err.invalid_request("The plan title must not be empty.")
        plan.title = str(body["title"])
    plan.version += 1
    return _changed(call, render.plan(call.tenant, plan, call.base), "planner/plans/$entity")


async def delete_plan(call: Call) -> Response:
    plan = _plan(call, call.params["id"])
    _if_match(call, planner_etag("Plan", plan.version))
    call.tenant.delete_plan(plan)
    return no_content()


async def plan_details(call: Call) -> Response:
    plan = _plan(call, call.params["id"])
    return ok(
        {
            "@odata.context": call.context("planner/plans('" + plan.id + "')/details/$entity"),
            "@odata.etag": planner_etag("PlanDetails", 1),
            "id": plan.id,
            "sharedWith": {},
            "categoryDescriptions": {f"category{i}": None for i in range(1, 26)},
        }
    )


async def group_plans(call: Call) -> Response:
    group = call.tenant.group(call.params["id"])
    _check_access(call, group)
    values = [
        render.plan(call.tenant, p, call.base) for p in call.tenant.plans.values() if p.group_id == group.id
    ]
    return _collection(call, "planner/plans", values)


# -- buckets ---------------------------------------------------------------------------------------
async def create_bucket(call: Call) -> Response:
    body = await call.body()
    plan = _plan(call, call.params.get("id") or str(body.get("planId") or ""))
    bucket = call.tenant.create_bucket(plan, str(body.get("name") or ""), body.get("orderHint"))
    return ok(
        {"@odata.context": call.context("planner/buckets/$entity"), **render.bucket(bucket)}, status=201
    )


async def plan_buckets(call: Call) -> Response:
    plan = _plan(call, call.params["id"])
    values = [render.bucket(b) for b in call.tenant.buckets.values() if b.plan_id == plan.id]
    return _collection(call, "planner/buckets", values)


async def get_bucket(call: Call) -> Response:
    bucket = call.tenant.bucket(call.params["id"])
    _plan(call, bucket.plan_id)
    return ok({"@odata.context": call.context("planner/buckets/$entity"), **render.bucket(bucket)})


async def update_bucket(call: Call) -> Response:
    bucket = call.tenant.bucket(call.params["id"])
    _plan(call, bucket.plan_id)
    _if_match(call, planner_etag("Bucket", bucket.version))
    body = await call.body()
    if "name" in body:
        if not str(body["name"] or "").strip():
            raise err.invalid_request("The bucket name must not be empty.")
        bucket.name = str(body["name"])
    if "orderHint" in body:
        bucket.order_hint = call.tenant.order_hint(body["orderHint"])
    bucket.version += 1
    return _changed(call, render.bucket(bucket), "planner/buckets/$entity")


async def delete_bucket(call: Call) -> Response:
    bucket = call.tenant.bucket(call.params["id"])
    _plan(call, bucket.plan_id)
    _if_match(call, planner_etag("Bucket", bucket.version))
    del call.tenant.buckets[bucket.id]
    for tid in [t.id for t in call.tenant.tasks.values() if t.bucket_id == bucket.id]:
        del call.tenant.tasks[tid]
    return no_content()


# -- tasks -----------------------------------------------------------------------------------------
async def create_task(call: Call) -> Response:
    body = await call.body()
    plan = _plan(call, call.params.get("id") or str(body.get("planId") or ""))
    task = call.tenant.create_task(plan, body, _actor(call), call.at)
    return ok({"@odata.context": call.context("planner/tasks/$entity"), **render.task(task)}, status=201)


async def plan_tasks(call: Call) -> Response:
    plan = _plan(call, call.params["id"])
    values = [render.task(t) for t in call.tenant.tasks.values() if t.plan_id == plan.id]
    return _collection(call, "planner/tasks", values)


async def get_task(call: Call) -> Response:
    task = call.tenant.task(call.params["id"])
    _plan(call, task.plan_id)
    return ok({"@odata.context": call.context("planner/tasks/$entity"), **render.task(task)})


async def update_task(call: Call) -> Response:
    task = call.tenant.task(call.params["id"])
    _plan(call, task.plan_id)
    _if_match(call, planner_etag("Task", task.version))
    call.tenant.change_task(task, await call.body(), _actor(call), call.at)
    return _changed(call, render.task(task), "planner/tasks/$entity")


async def delete_task(call: Call) -> Response:
    task = call.tenant.task(call.params["id"])
    _plan(call, task.plan_id)
    _if_match(call, planner_etag("Task", task.version))
    del call.tenant.tasks[task.id]
    return no_content()


async def get_details(call: Call) -> Response:
    task = call.tenant.task(call.params["id"])
    _plan(call, task.plan_id)
    return ok(
        {
            "@odata.context": call.context(f"planner/tasks('{task.id}')/details/$entity"),
            **render.task_details(task),
        }
    )


async def update_details(call: Call) -> Response:
    task = call.tenant.task(call.params["id"])
    _plan(call, task.plan_id)
    _if_match(call, planner_etag("TaskDetails", task.details_version))
    call.tenant.change_details(task, await call.body())
    return _changed(call, render.task_details(task), f"planner/tasks('{task.id}')/details/$entity")


_P = "/v1.0/planner"
ROUTES = [
    ("POST", _P + "/plans", create_plan, "planner", "write"),
    ("GET", _P + "/plans/{id}", get_plan, "planner", "read"),
    ("PATCH", _P + "/plans/{id}", update_plan, "planner", "write"),
    ("DELETE", _P + "/plans/{id}", delete_plan, "planner", "write"),
    ("GET", _P + "/plans/{id}/details", plan_details, "planner", "read"),
    ("GET", _P + "/plans/{id}/buckets", plan_buckets, "planner", "read"),
    ("GET", _P + "/plans/{id}/tasks", plan_tasks, "planner", "read"),
    ("GET", "/v1.0/groups/{id}/planner/plans", group_plans, "planner", "read"),
    ("POST", "/v1.0/groups/{id}/planner/plans", create_plan, "planner", "write"),
    ("POST", _P + "/plans/{id}/buckets", create_bucket, "planner", "write"),
    ("POST", _P + "/plans/{id}/tasks", create_task, "planner", "write"),
    ("POST", _P + "/buckets", create_bucket, "planner", "write"),
    ("GET", _P + "/buckets/{id}", get_bucket, "planner", "read"),
    ("PATCH", _P + "/buckets/{id}", update_bucket, "planner", "write"),
    ("DELETE", _P + "/buckets/{id}", delete_bucket, "planner", "write"),
    ("POST", _P + "/tasks", create_task, "planner", "write"),
    ("GET", _P + "/tasks/{id}", get_task, "planner", "read"),
    ("PATCH", _P + "/tasks/{id}", update_task, "planner", "write"),
    ("DELETE", _P + "/tasks/{id}", delete_task, "planner", "write"),
    ("GET", _P + "/tasks/{id}/details", get_details, "planner", "read"),
    ("PATCH", _P + "/tasks/{id}/details", update_details, "planner", "write"),
]
