"""Users and groups on the Microsoft 365 emulator through the official msgraph-sdk: create, page, filter,
select, order, count, managers, membership, deletion and Graph's refusals, each exchange checked against
the trimmed Graph OpenAPI documents."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.groups.groups_request_builder import GroupsRequestBuilder
from msgraph.generated.models.group import Group
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.password_profile import PasswordProfile
from msgraph.generated.models.reference_create import ReferenceCreate
from msgraph.generated.models.reference_update import ReferenceUpdate
from msgraph.generated.models.user import User
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder
from msgraph.generated.users.users_request_builder import UsersRequestBuilder

from tenantsim.sandbox.m365 import create_app
from tests.sandbox.m365_support import Session, open_session, run

DOMAIN = "sandbox-corp.example.com"
GRAPH = "https://graph.microsoft.com/v1.0"


@pytest.fixture
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    with open_session(create_app(users=6), tmp_path_factory.getbasetemp()) as opened:
        yield opened


@pytest.fixture
def graph(session: Session) -> GraphServiceClient:
    return session.graph(session.secret_credential())


def new_user(local: str, **fields: Any) -> User:
    return User(
        account_enabled=True,
        display_name=local.replace(".", " ").title(),
        mail_nickname=local,
        user_principal_name=f"{local}@{DOMAIN}",
        password_profile=PasswordProfile(
            password="Correct-Horse-42", force_change_password_next_sign_in=True
        ),
        **fields,
    )


def users_config(eventual: bool = False, **query: Any) -> RequestConfiguration[Any]:
    params = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(**query)
    config: RequestConfiguration[Any] = RequestConfiguration(query_parameters=params)
    if eventual:
        config.headers.add("ConsistencyLevel", "eventual")
    return config


def error_of(raised: pytest.ExceptionInfo[ODataError]) -> tuple[int | None, str | None, str | None]:
    error = raised.value.error
    return raised.value.response_status_code, error.code if error else None, error.message if error else None


# -- users ---------------------------------------------------------------------------------------------
def test_create_get_by_id_and_upn_patch_and_delete(graph: GraphServiceClient, session: Session) -> None:
    async def scenario() -> None:
        made = await graph.users.post(
            new_user(
                "quinn.baker",
                job_title="Analyst",
                department="Finance",
                usage_location="GB",
                employee_id="E9001",
            )
        )
        assert made is not None and made.id and made.user_principal_name == f"quinn.baker@{DOMAIN}"
        assert made.job_title == "Analyst"
        by_upn = await graph.users.by_user_id(f"Quinn.Baker@{DOMAIN}").get()
        assert by_upn is not None and by_upn.id == made.id
        assert by_upn.department is None  # not in Graph's default property set: only on $select
        await graph.users.by_user_id(made.id).patch(User(department="Sales", account_enabled=False))
        selected = await graph.users.by_user_id(made.id).get(
            request_configuration=RequestConfiguration(
                query_parameters=UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
                    select=["id", "department", "accountEnabled", "usageLocation", "employeeId"]
                )
            )
        )
        assert selected is not None
        assert (
            selected.department,
            selected.account_enabled,
            selected.usage_location,
            selected.employee_id,
        ) == ("Sales", False, "GB", "E9001")
        assert selected.display_name is None
        await graph.users.by_user_id(made.id).delete()
        with pytest.raises(ODataError) as gone:
            await graph.users.by_user_id(made.id).get()
        assert error_of(gone)[:2] == (404, "Request_ResourceNotFound")

    run(scenario())
    # passwordProfile is write-only: never in any answer.
    assert all("passwordProfile" not in str(e.response) for e in session.recorder.exchanges)
    created = next(e for e in session.recorder.exchanges if e.method == "POST")
    assert created.status == 201 and created.response["@odata.context"].endswith("$metadata#users/$entity")


def test_refusals_of_user_creation(graph: GraphServiceClient) -> None:
    async def scenario() -> None:
        with pytest.raises(ODataError) as duplicate:
            await graph.users.post(new_user("admin"))
        assert error_of(duplicate) == (
            400,
            "Request_BadRequest",
            "Another object with the same value for property userPrincipalName already exists.",
        )
        with pytest.raises(ODataError) as weak:
            await graph.users.post(
                User(
                    account_enabled=True,
                    display_name="Weak",
                    mail_nickname="weak",
                    user_principal_name=f"weak@{DOMAIN}",
                    password_profile=PasswordProfile(password="short"),
                )
            )
        assert "password complexity" in (error_of(weak)[2] or "")
        with pytest.raises(ODataError) as no_password:
            await graph.users.post(
                User(
                    account_enabled=True,
                    display_name="No",
                    mail_nickname="nopw",
                    user_principal_name=f"nopw@{DOMAIN}",
                )
            )
        assert error_of(no_password)[:2] == (400, "Request_BadRequest")
        with pytest.raises(ODataError) as foreign:
            await graph.users.post(
                User(
                    account_enabled=True,
                    display_name="X",
                    mail_nickname="x",
                    user_principal_name="x@elsewhere.example.org",
                    password_profile=PasswordProfile(password="Correct-Horse-42"),
                )
            )
        assert "verified domain" in (error_of(foreign)[2] or "")

    run(scenario())


def test_paging_serves_every_user_exactly_once(graph: GraphServiceClient, session: Session) -> None:
    async def scenario() -> None:
        for index in range(23):
            await graph.users.post(new_user(f"pager.{index:02d}"))
        page = await graph.users.get(
            request_configuration=users_config(top=4, select=["id", "userPrincipalName"])
        )
        seen: list[str] = []
        pages = 0
        while page is not None:
            pages += 1
            seen += [u.id or "" for u in page.value or []]
            if page.odata_next_link == "" or page.odata_next_link is None:
                break
            assert "$skiptoken=" in page.odata_next_link and page.odata_next_link.startswith(session.base)
            if pages == 2:  # a user made while paging is not served twice and shifts nothing
                await graph.users.post(new_user("late.comer"))
            page = await graph.users.with_url(page.odata_next_link).get()
        assert len(seen) == len(set(seen))
        everyone = {u.id for u in session.sandbox.tenant.active_users()}
        assert set(seen) <= everyone and len(everyone - set(seen)) <= 1  # the late comer may sort before
        assert len(seen) >= 30
        with pytest.raises(ODataError) as too_big:
            await graph.users.get(request_configuration=users_config(top=1000))
        assert error_of(too_big)[:2] == (400, "Request_BadRequest")

    run(scenario())


def test_filter_select_orderby_and_count(graph: GraphServiceClient, session: Session) -> None:
    tenant = session.sandbox.tenant
    engineers = sorted(u.display_name for u in tenant.active_users() if u.department == "Engineering")

    async def scenario() -> None:
        found = await graph.users.get(
            request_configuration=users_config(
                filter="department eq 'engineering' and accountEnabled eq true",
                select=["displayName", "department"],
            )
        )
        assert found is not None and sorted(u.display_name or "" for u in found.value or []) == engineers
        assert all(u.id is None for u in found.value or [])  # only what $select names
        started = await graph.users.get(
            request_configuration=users_config(
                filter=f"startswith(userPrincipalName,'admin') or mail eq 'nobody@{DOMAIN}'"
            )
        )
        assert (
            [u.user_principal_name for u in (started.value or [])] == [f"admin@{DOMAIN}"]
            if started
            else False
        )
        ordered = await graph.users.get(request_configuration=users_config(orderby=["displayName desc"]))
        names = [u.display_name or "" for u in (ordered.value or [])] if ordered else []
        assert names == sorted(names, key=str.lower, reverse=True)
        counted = await graph.users.get(
            request_configuration=users_config(
                eventual=True, count=True, filter="department eq 'Sales'", orderby=["surname"]
            )
        )
        assert counted is not None and counted.odata_count == len(counted.value or []) >= 1
        with pytest.raises(ODataError) as no_header:
            await graph.users.get(request_configuration=users_config(count=True))
        assert error_of(no_header)[:2] == (400, "Request_BadRequest")
        with pytest.raises(ODataError) as advanced:
            await graph.users.get(request_configuration=users_config(filter="department ne 'Sales'"))
        assert error_of(advanced)[:2] == (400, "Request_UnsupportedQuery")
        with pytest.raises(ODataError) as unknown:
            await graph.users.get(request_configuration=users_config(filter="shoeSize eq 9"))
        assert error_of(unknown)[:2] == (400, "Request_UnsupportedQuery")
        with pytest.raises(ODataError) as sort_and_filter:
            await graph.users.get(
                request_configuration=users_config(filter="department eq 'Sales'", orderby=["displayName"])
            )
        assert error_of(sort_and_filter) == (
            400,
            "Request_UnsupportedQuery",
            "Sorting not supported for current query.",
        )

    run(scenario())
    with session.http(session.app_token()) as http:
        number = http.get("/v1.0/users/$count", headers={"ConsistencyLevel": "eventual"})
        assert number.status_code == 200 and number.text == str(len(tenant.active_users()))
        assert number.headers["content-type"].startswith("text/plain")
        searched = http.get(
            "/v1.0/users",
            params={"$search": '"displayName:sandbox"'},
            headers={"ConsistencyLevel": "eventual"},
        )
        assert [u["displayName"] for u in searched.json()["value"]] == ["Sandbox Admin"]


def test_manager_references_direct_reports_and_expand(graph: GraphServiceClient, session: Session) -> None:
    async def scenario() -> None:
        boss = await graph.users.post(new_user("boss.person"))
        worker = await graph.users.post(new_user("worker.person"))
        assert boss is not None and worker is not None and boss.id and worker.id
        with pytest.raises(ODataError) as none_yet:
            await graph.users.by_user_id(worker.id).manager.get()
        assert error_of(none_yet)[:2] == (404, "Request_ResourceNotFound")
        await graph.users.by_user_id(worker.id).manager.ref.put(
            ReferenceUpdate(odata_id=f"{GRAPH}/users/{boss.id}")
        )
        manager = await graph.users.by_user_id(worker.id).manager.get()
        assert manager is not None and manager.id == boss.id and isinstance(manager, User)
        reports = await graph.users.by_user_id(boss.id).direct_reports.get()
        assert reports is not None and [r.id for r in reports.value or []] == [worker.id]
        expanded = await graph.users.by_user_id(worker.id).get(
            request_configuration=RequestConfiguration(
                query_parameters=UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
                    expand=["manager"]
                )
            )
        )
        assert expanded is not None and expanded.manager is not None and expanded.manager.id == boss.id
        with pytest.raises(ODataError) as loop:
            await graph.users.by_user_id(boss.id).manager.ref.put(
                ReferenceUpdate(odata_id=f"{GRAPH}/users/{worker.id}")
            )
        assert error_of(loop)[0] == 400
        await graph.users.by_user_id(worker.id).manager.ref.delete()
        reports = await graph.users.by_user_id(boss.id).direct_reports.get()
        assert reports is not None and reports.value == []

    run(scenario())
    # The seeded staff has a reporting line: every person reports to a lead or to the admin.
    tenant = session.sandbox.tenant
    assert all(u.manager_id for u in tenant.active_users() if not u.is_admin and u.preexisting)


def test_deleted_users_can_be_restored(graph: GraphServiceClient, session: Session) -> None:
    async def scenario() -> str:
        made = await graph.users.post(new_user("brief.stay"))
        assert made is not None and made.id
        await graph.users.by_user_id(made.id).delete()
        return made.id

    uid = run(scenario())
    with session.http(session.app_token()) as http:
        deleted = http.get("/v1.0/directory/deletedItems/microsoft.graph.user").json()["value"]
        assert [u["id"] for u in deleted] == [uid]
        assert http.post(f"/v1.0/directory/deletedItems/{uid}/restore").status_code == 200
        assert http.get(f"/v1.0/users/{uid}").status_code == 200


# -- groups --------------------------------------------------------------------------------------------
def test_security_and_microsoft_365_groups_with_members_and_owners(
    graph: GraphServiceClient, session: Session
) -> None:
    admin = session.sandbox.tenant.user(f"admin@{DOMAIN}")
    person = next(u for u in session.sandbox.tenant.active_users() if not u.is_admin)

    async def scenario() -> None:
        security = await graph.groups.post(
            Group(
                display_name="Auditors", mail_enabled=False, mail_nickname="auditors", security_enabled=True
            )
        )
        assert security is not None and security.id and security.group_types == [] and security.mail is None
        unified = await graph.groups.post(
            Group(
                display_name="Project Falcon",
                mail_enabled=True,
                mail_nickname="falcon",
                security_enabled=False,
                group_types=["Unified"],
                description="Falcon launch",
            )
        )
        assert unified is not None and unified.id and unified.mail == f"falcon@{DOMAIN}"
        assert unified.visibility == "Public"
        with pytest.raises(ODataError) as mail_security:
            await graph.groups.post(
                Group(display_name="Bad", mail_enabled=True, mail_nickname="bad", security_enabled=True)
            )
        assert error_of(mail_security)[:2] == (400, "Request_BadRequest")
        members = graph.groups.by_group_id(unified.id).members
        await members.ref.post(ReferenceCreate(odata_id=f"{GRAPH}/directoryObjects/{person.id}"))
        with pytest.raises(ODataError) as again:
            await members.ref.post(ReferenceCreate(odata_id=f"{GRAPH}/directoryObjects/{person.id}"))
        assert error_of(again) == (
            400,
            "Request_BadRequest",
            "One or more added object references already "
            "exist for the following modified properties: 'members'.",
        )
        await graph.groups.by_group_id(unified.id).owners.ref.post(
            ReferenceCreate(odata_id=f"{GRAPH}/users/{admin.id}")
        )
        listed = await members.get()
        assert listed is not None and [m.id for m in listed.value or []] == [person.id]
        assert listed.value is not None and isinstance(listed.value[0], User)
        owners = await graph.groups.by_group_id(unified.id).owners.get()
        assert owners is not None and [o.id for o in owners.value or []] == [admin.id]
        await members.by_directory_object_id(person.id).ref.delete()
        with pytest.raises(ODataError) as not_member:
            await members.by_directory_object_id(person.id).ref.delete()
        assert error_of(not_member)[:2] == (404, "Request_ResourceNotFound")
        await graph.groups.by_group_id(unified.id).patch(Group(description="Falcon has launched"))
        fetched = await graph.groups.by_group_id(unified.id).get()
        assert fetched is not None and fetched.description == "Falcon has launched"
        params = GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters(
            filter="groupTypes/any(c:c eq 'Unified')", select=["id", "displayName", "groupTypes"]
        )
        found = await graph.groups.get(request_configuration=RequestConfiguration(query_parameters=params))
        names = {g.display_name for g in (found.value or [])} if found else set()
        assert {"Project Falcon", "All Company"} <= names and "Auditors" not in names
        await graph.groups.by_group_id(security.id).delete()
        with pytest.raises(ODataError) as gone:
            await graph.groups.by_group_id(security.id).get()
        assert error_of(gone)[:2] == (404, "Request_ResourceNotFound")

    run(scenario())


def test_a_deleted_user_leaves_groups_and_reporting_lines(
    graph: GraphServiceClient, session: Session
) -> None:
    tenant = session.sandbox.tenant
    lead = next(u for u in tenant.active_users() if tenant.direct_reports(u) and not u.is_admin)
    everyone = next(g for g in tenant.active_groups() if g.display_name == "All Company")
    run(graph.users.by_user_id(lead.id).delete())
    assert lead.id not in everyone.members
    assert all(u.manager_id != lead.id for u in tenant.active_users())
