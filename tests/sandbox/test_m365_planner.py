"""Planner on the Microsoft 365 emulator through the official msgraph-sdk: plans in a group, buckets,
tasks, assignments, details with a checklist, and etags: a change without If-Match is refused (400), one
with a stale etag answers 412."""

from __future__ import annotations

from typing import Any

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.planner_assignments import PlannerAssignments
from msgraph.generated.models.planner_bucket import PlannerBucket
from msgraph.generated.models.planner_checklist_items import PlannerChecklistItems
from msgraph.generated.models.planner_plan import PlannerPlan
from msgraph.generated.models.planner_plan_container import PlannerPlanContainer
from msgraph.generated.models.planner_task import PlannerTask
from msgraph.generated.models.planner_task_details import PlannerTaskDetails

from tests.sandbox.m365_support import Session, run

GRAPH = "https://graph.microsoft.com/v1.0"


def if_match(etag: str | None) -> RequestConfiguration[Any]:
    config: RequestConfiguration[Any] = RequestConfiguration()
    if etag is not None:
        config.headers.add("If-Match", etag)
    return config


def etag_of(item: Any) -> str:
    return str(item.additional_data["@odata.etag"])


def all_company(m365_session: Session) -> str:
    return next(g.id for g in m365_session.sandbox.tenant.active_groups() if g.display_name == "All Company")


def test_plans_buckets_and_tasks(m365_app: GraphServiceClient, m365_session: Session) -> None:
    group = all_company(m365_session)
    person = m365_session.described["users"][1]["id"]

    async def scenario() -> None:
        plan = await m365_app.planner.plans.post(
            PlannerPlan(title="Q3 launch", container=PlannerPlanContainer(url=f"{GRAPH}/groups/{group}"))
        )
        assert plan is not None and plan.id and plan.owner == group and etag_of(plan).startswith('W/"')
        assert plan.container is not None and plan.container.container_id == group
        bucket = await m365_app.planner.buckets.post(
            PlannerBucket(name="Backlog", plan_id=plan.id, order_hint=" !")
        )
        assert bucket is not None and bucket.id and bucket.plan_id == plan.id and bucket.order_hint != " !"
        task = await m365_app.planner.tasks.post(
            PlannerTask(
                plan_id=plan.id,
                bucket_id=bucket.id,
                title="Write the press release",
                due_date_time=None,
                assignments=PlannerAssignments(
                    additional_data={
                        person: {"@odata.type": "#microsoft.graph.plannerAssignment", "orderHint": " !"}
                    }
                ),
            )
        )
        assert task is not None and task.id and task.percent_complete == 0
        assert task.assignments is not None and person in (task.assignments.additional_data or {})
        listed = await m365_app.planner.plans.by_planner_plan_id(plan.id).tasks.get()
        assert listed is not None and [t.id for t in listed.value or []] == [task.id]
        buckets = await m365_app.planner.plans.by_planner_plan_id(plan.id).buckets.get()
        assert buckets is not None and [b.name for b in buckets.value or []] == ["Backlog"]
        plans = await m365_app.groups.by_group_id(group).planner.plans.get()
        assert plans is not None and {p.title for p in plans.value or []} == {"Office move", "Q3 launch"}

    run(scenario())


def test_changes_need_the_current_etag(m365_app: GraphServiceClient, m365_session: Session) -> None:
    task_id = next(iter(m365_session.sandbox.tenant.tasks))
    tasks = m365_app.planner.tasks.by_planner_task_id(task_id)

    async def scenario() -> None:
        task = await tasks.get()
        assert task is not None
        first = etag_of(task)
        with pytest.raises(ODataError) as missing:
            await tasks.patch(PlannerTask(percent_complete=50), request_configuration=if_match(None))
        assert missing.value.response_status_code == 400
        await tasks.patch(
            PlannerTask(percent_complete=100, title="Book movers (done)"),
            request_configuration=if_match(first),
        )
        changed = await tasks.get()
        assert (
            changed is not None
            and changed.percent_complete == 100
            and changed.completed_date_time is not None
        )
        assert changed.title == "Book movers (done)" and etag_of(changed) != first
        with pytest.raises(ODataError) as stale:
            await tasks.patch(PlannerTask(percent_complete=0), request_configuration=if_match(first))
        assert stale.value.response_status_code == 412
        with pytest.raises(ODataError) as stale_delete:
            await tasks.delete(request_configuration=if_match(first))
        assert stale_delete.value.response_status_code == 412
        await tasks.delete(request_configuration=if_match(etag_of(changed)))
        with pytest.raises(ODataError) as gone:
            await tasks.get()
        assert gone.value.response_status_code == 404

    run(scenario())


def test_prefer_return_representation_answers_the_task(m365_session: Session) -> None:
    task = next(iter(m365_session.sandbox.tenant.tasks.values()))
    with m365_session.http(m365_session.app_token()) as http:
        current = http.get(f"/v1.0/planner/tasks/{task.id}").json()
        changed = http.patch(
            f"/v1.0/planner/tasks/{task.id}",
            json={"priority": 1},
            headers={"If-Match": current["@odata.etag"], "Prefer": "return=representation"},
        )
        assert changed.status_code == 200 and changed.json()["priority"] == 1
        assert changed.json()["@odata.etag"] != current["@odata.etag"]
        plain = http.patch(
            f"/v1.0/planner/tasks/{task.id}",
            json={"priority": 3},
            headers={"If-Match": changed.json()["@odata.etag"]},
        )
        assert plain.status_code == 204 and plain.content == b""


def test_task_details_with_a_checklist(m365_app: GraphServiceClient, m365_session: Session) -> None:
    task_id = next(iter(m365_session.sandbox.tenant.tasks))
    details = m365_app.planner.tasks.by_planner_task_id(task_id).details

    async def scenario() -> None:
        found = await details.get()
        assert found is not None and found.description == ""
        await details.patch(
            PlannerTaskDetails(
                description="Three quotes, then book",
                checklist=PlannerChecklistItems(
                    additional_data={
                        "a1b2": {
                            "@odata.type": "#microsoft.graph.plannerChecklistItem",
                            "title": "Get quotes",
                            "isChecked": False,
                        }
                    }
                ),
            ),
            request_configuration=if_match(etag_of(found)),
        )
        changed = await details.get()
        assert changed is not None and changed.description == "Three quotes, then book"
        assert changed.checklist is not None and "a1b2" in (changed.checklist.additional_data or {})
        with pytest.raises(ODataError) as stale:
            await details.patch(
                PlannerTaskDetails(description="x"), request_configuration=if_match(etag_of(found))
            )
        assert stale.value.response_status_code == 412
        task = await m365_app.planner.tasks.by_planner_task_id(task_id).get()
        assert task is not None and task.has_description and task.checklist_item_count == 1
        assert task.active_checklist_item_count == 1

    run(scenario())


def test_a_user_outside_the_group_cannot_see_its_plans(m365_session: Session) -> None:
    tenant = m365_session.sandbox.tenant
    plan = next(iter(tenant.plans.values()))
    person = m365_session.described["users"][1]
    tenant.groups[plan.group_id].members.remove(person["id"])
    user = m365_session.graph(m365_session.user_credential(1))
    with pytest.raises(ODataError) as denied:
        run(user.planner.plans.by_planner_plan_id(plan.id).get())
    assert denied.value.response_status_code == 403
    member = m365_session.graph(m365_session.user_credential(2))
    found = run(member.planner.plans.by_planner_plan_id(plan.id).get())
    assert found is not None and found.title == "Office move"
    assert found.created_by is not None
