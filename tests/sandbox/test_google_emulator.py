"""The Google Workspace emulator driven by Google's official client over real loopback HTTP.

Every exchange the client makes is checked against the Discovery documents it ships with
(``google_support.CheckedHttp``); errors are checked against Google's error envelope.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from google.oauth2 import service_account
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from tenantsim.sandbox.google import create_app
from tests.sandbox.google_support import DIRECTORY_SCOPES, CheckedHttp, Session, all_pages
from tests.support.servers import serve_asgi


@pytest.fixture
def session() -> Iterator[Session]:
    sandbox = create_app(users=12)
    with serve_asgi(sandbox) as base:
        yield Session(sandbox, base, CheckedHttp(base))


def error_of(exc: HttpError) -> dict[str, Any]:
    return dict(json.loads(exc.content)["error"])


def person(local: str, domain: str = "sandbox-corp.example.com", **extra: Any) -> dict[str, Any]:
    first, last = local.split(".")
    return {"primaryEmail": f"{local}@{domain}", "password": "Correct-Horse-42",
            "name": {"givenName": first.title(), "familyName": last.title()}, **extra}


# -- the client as a job uses it ------------------------------------------------------------------------
def test_the_official_client_with_service_account_credentials_pages_every_user_once(session: Session) -> None:
    job = session.sandbox.describe(session.base)["job"]
    credentials = service_account.Credentials.from_service_account_info(
        job["service_account_key"], scopes=DIRECTORY_SCOPES, subject=job["admin_email"])
    directory = build("admin", "directory_v1", credentials=credentials, static_discovery=True,
                      client_options={"api_endpoint": job["api_base_url"]})
    users = directory.users()
    seen: list[str] = []
    pages = 0
    for page in all_pages(users.list(customer=job["customer"], maxResults=5), users.list_next):
        pages += 1
        seen += [u["primaryEmail"] for u in page.get("users", [])]
    assert pages == 3  # 13 people, 5 a page
    assert len(seen) == len(set(seen)) == 13
    assert set(seen) == {u.primary_email for u in session.sandbox.tenant.users.values()}
    assert seen == sorted(seen)  # by email unless asked otherwise


def test_paging_neither_repeats_nor_skips_when_users_arrive_between_pages(session: Session) -> None:
    users = session.directory().users()
    first = users.list(customer="my_customer", maxResults=4, orderBy="email").execute()
    users.insert(body=person("aaron.first")).execute()  # sorts before the page already served
    users.insert(body=person("zed.last")).execute()
    rest: list[str] = []
    request = users.list_next(users.list(customer="my_customer", maxResults=4, orderBy="email"), first)
    for page in all_pages(request, users.list_next):
        rest += [u["primaryEmail"] for u in page.get("users", [])]
    served = [u["primaryEmail"] for u in first["users"]] + rest
    assert len(served) == len(set(served))
    assert "zed.last@sandbox-corp.example.com" in rest
    assert "aaron.first@sandbox-corp.example.com" not in served


def test_list_needs_a_customer_or_the_domain(session: Session) -> None:
    users = session.directory().users()
    assert users.list(domain="sandbox-corp.example.com", maxResults=1).execute()["users"]
    customer = session.sandbox.tenant.customer_id
    assert users.list(customer=customer, maxResults=1).execute()["users"]
    with pytest.raises(HttpError) as missing:
        users.list().execute()
    assert missing.value.resp.status == 400
    with pytest.raises(HttpError) as other:
        users.list(domain="someone-else.example.org").execute()
    assert error_of(other.value) == {"code": 403, "message": "Not Authorized to access this resource/api",
                                     "errors": [{"message": "Not Authorized to access this resource/api",
                                                 "domain": "global", "reason": "forbidden"}],
                                     "status": "PERMISSION_DENIED"}


# -- users ------------------------------------------------------------------------------------------------
def test_insert_get_patch_update_delete_a_user(session: Session) -> None:
    users = session.directory().users()
    body = person("nina.holt", orgUnitPath="/Sales",
                  organizations=[{"title": "Account Executive", "department": "Sales", "primary": True,
                                  "costCenter": "CC-140"}],
                  relations=[{"type": "manager", "value": session.admin}],
                  phones=[{"type": "work", "value": "+1 212 555 0199"}],
                  locations=[{"type": "desk", "area": "New York"}])
    made = users.insert(body=body).execute()
    assert made["kind"] == "admin#directory#user" and made["id"].isdigit() and len(made["id"]) == 21
    assert made["name"]["fullName"] == "Nina Holt" and made["orgUnitPath"] == "/Sales"
    assert made["relations"] == [{"type": "manager", "value": session.admin}]
    assert "password" not in made and made["creationTime"].endswith("Z")
    assert users.get(userKey=made["id"]).execute()["primaryEmail"] == "nina.holt@sandbox-corp.example.com"
    assert users.get(userKey="NINA.HOLT@sandbox-corp.example.com").execute()["id"] == made["id"]

    with pytest.raises(HttpError) as twice:
        users.insert(body=body).execute()
    assert error_of(twice.value) == {
        "code": 409, "message": "Entity already exists.", "status": "ALREADY_EXISTS",
        "errors": [{"message": "Entity already exists.", "domain": "global", "reason": "duplicate"}]}

    patched = users.patch(userKey=made["id"], body={"name": {"familyName": "Holt-Park"}}).execute()
    assert patched["name"] == {"givenName": "Nina", "familyName": "Holt-Park", "fullName": "Nina Holt-Park"}
    assert patched["etag"] != made["etag"]
    suspended = users.update(userKey=made["id"], body={"suspended": True}).execute()
    assert suspended["suspended"] is True and suspended["suspensionReason"] == "ADMIN"
    back = users.patch(userKey=made["id"], body={"suspended": False}).execute()
    assert back["suspended"] is False and "suspensionReason" not in back

    renamed = users.patch(userKey=made["id"],
                          body={"primaryEmail": "nina.park@sandbox-corp.example.com"}).execute()
    assert renamed["aliases"] == ["nina.holt@sandbox-corp.example.com"]
    assert users.get(userKey="nina.holt@sandbox-corp.example.com").execute()["id"] == made["id"]  # an alias

    assert users.makeAdmin(userKey=made["id"], body={"status": True}).execute() == ""
    assert users.get(userKey=made["id"]).execute()["isAdmin"] is True
    by_alias = users.get(userKey="it@sandbox-corp.example.com").execute()
    assert by_alias["primaryEmail"] == session.admin

    assert users.delete(userKey=made["id"]).execute() == ""
    with pytest.raises(HttpError) as gone:
        users.get(userKey=made["id"]).execute()
    assert error_of(gone.value) == {
        "code": 404, "message": "Resource Not Found: userKey", "status": "NOT_FOUND",
        "errors": [{"message": "Resource Not Found: userKey", "domain": "global", "reason": "notFound"}]}


def test_insert_refuses_what_google_refuses(session: Session) -> None:
    users = session.directory().users()
    cases = [
        ({**person("no.password"), "password": ""}, 400, "invalid", "Invalid Password"),
        ({**person("no.name"), "name": {"familyName": "Name"}}, 400, "invalid",
         "Invalid Given/Family Name: GivenName"),
        (person("in.nowhere", orgUnitPath="/Nowhere"), 400, "invalid", "Invalid Input: INVALID_OU_ID"),
        (person("other.domain", domain="elsewhere.example.org"), 403, "forbidden",
         "Not Authorized to access this resource/api"),
    ]
    for body, status, reason, message in cases:
        with pytest.raises(HttpError) as refused:
            users.insert(body=body).execute()
        error = error_of(refused.value)
        assert (error["code"], error["errors"][0]["reason"], error["message"]) == (status, reason, message)


def test_query_filters(session: Session) -> None:
    users = session.directory().users()
    tenant = session.sandbox.tenant

    def emails(query: str) -> set[str]:
        found: set[str] = set()
        request = users.list(customer="my_customer", query=query, maxResults=500)
        for page in all_pages(request, users.list_next):
            found |= {u["primaryEmail"] for u in page.get("users", [])}
        return found

    everyone = {u.primary_email for u in tenant.users.values()}
    one = next(u for u in tenant.users.values() if not u.is_admin)
    assert emails(f"email:{one.primary_email}") == {one.primary_email}
    prefix = one.primary_email[:3]
    assert emails(f"email:{prefix}*") == {e for e in everyone if e.startswith(prefix)}
    assert emails(f"givenName:{one.given_name}") == {u.primary_email for u in tenant.users.values()
                                                     if u.given_name == one.given_name}
    assert emails(f"name:'{one.full_name}'") >= {one.primary_email}
    engineering = emails("orgUnitPath=/Engineering")
    assert engineering == {u.primary_email for u in tenant.users.values()
                           if u.org_unit_path.startswith("/Engineering")}
    assert any(u.org_unit_path == "/Engineering/Platform" for u in tenant.users.values()
               if u.primary_email in engineering), "the seed puts someone in a child unit"
    assert emails("orgUnitPath=/") == everyone
    assert emails("isAdmin=true") == {session.admin}
    assert emails("isSuspended=true") == set()
    users.patch(userKey=one.id, body={"suspended": True}).execute()
    assert emails("isSuspended=true") == {one.primary_email}
    assert emails(f"isSuspended=false givenName:{one.given_name}") == {
        u.primary_email for u in tenant.users.values() if u.given_name == one.given_name and not u.suspended}
    reports = emails(f"directManager='{session.admin}'")
    managers = {getattr(tenant.find_user(e), "manager_email", lambda: None)() for e in reports}
    assert reports and managers == {session.admin}
    with pytest.raises(HttpError) as bad:
        users.list(customer="my_customer", query="shoeSize=42").execute()
    assert error_of(bad.value)["errors"][0]["reason"] == "invalid"


def test_order_by_and_sort_order(session: Session) -> None:
    users = session.directory().users()
    page = users.list(customer="my_customer", orderBy="familyName", sortOrder="DESCENDING",
                      maxResults=500).execute()
    families = [u["name"]["familyName"].lower() for u in page["users"]]
    assert families == sorted(families, reverse=True)
    capped = users.list(customer="my_customer", maxResults=501, orderBy="givenName").execute()["users"]
    givens = [u["name"]["givenName"].lower() for u in capped]
    assert givens == sorted(givens) and len(capped) == len(session.sandbox.tenant.users)


def test_fields_returns_only_what_was_asked(session: Session) -> None:
    users = session.directory().users()
    page = users.list(customer="my_customer", maxResults=2,
                      fields="users(primaryEmail,name/fullName),nextPageToken").execute()
    assert set(page) == {"users", "nextPageToken"}
    assert all(set(u) == {"primaryEmail", "name"} and set(u["name"]) == {"fullName"} for u in page["users"])
    one = users.get(userKey=session.admin, fields="id,isAdmin,organizations").execute()
    assert set(one) == {"id", "isAdmin"}  # the admin has no organizations: nothing to return


# -- auth -------------------------------------------------------------------------------------------------
def test_directory_calls_need_an_admin_and_the_right_scopes(session: Session) -> None:
    someone = next(u for u in session.sandbox.tenant.users.values() if not u.is_admin)
    with pytest.raises(HttpError) as not_admin:
        session.directory(subject=someone.primary_email).users().list(customer="my_customer").execute()
    assert error_of(not_admin.value)["errors"][0]["reason"] == "forbidden"

    reader = session.directory(scopes=["https://www.googleapis.com/auth/admin.directory.user.readonly"])
    assert reader.users().get(userKey=session.admin).execute()["isAdmin"] is True
    with pytest.raises(HttpError) as write:
        reader.users().insert(body=person("read.only")).execute()
    assert error_of(write.value) == {"code": 403, "status": "PERMISSION_DENIED",
                                     "message": "Request had insufficient authentication scopes.",
                                     "errors": [{"message": "Insufficient Permission", "domain": "global",
                                                 "reason": "insufficientPermissions"}]}
    with pytest.raises(HttpError) as groups:
        reader.groups().list(customer="my_customer").execute()
    assert error_of(groups.value)["errors"][0]["reason"] == "insufficientPermissions"


# -- org units --------------------------------------------------------------------------------------------
def test_org_unit_tree_and_the_delete_refusals(session: Session) -> None:
    directory = session.directory()
    units = directory.orgunits()
    research = units.insert(customerId="my_customer", body={"name": "Research", "parentOrgUnitPath": "/",
                                                            "description": "R&D"}).execute()
    assert research["orgUnitPath"] == "/Research" and research["parentOrgUnitPath"] == "/"
    labs = units.insert(customerId="my_customer", body={"name": "Labs",
                                                        "parentOrgUnitId": research["orgUnitId"]}).execute()
    assert labs["orgUnitPath"] == "/Research/Labs" and labs["parentOrgUnitId"] == research["orgUnitId"]
    top = {u["orgUnitPath"] for u in units.list(customerId="my_customer").execute()["organizationUnits"]}
    assert "/Research" in top and "/Research/Labs" not in top  # children of / by default
    every = {u["orgUnitPath"] for u in units.list(customerId="my_customer", type="all")
             .execute()["organizationUnits"]}
    assert {"/Research", "/Research/Labs", "/Engineering/Platform"} <= every
    below = units.list(customerId="my_customer", orgUnitPath="/Research", type="allIncludingParent").execute()
    assert [u["orgUnitPath"] for u in below["organizationUnits"]] == ["/Research", "/Research/Labs"]
    assert units.get(customerId="my_customer", orgUnitPath="Research/Labs").execute()["orgUnitId"] \
        == labs["orgUnitId"]
    assert units.get(customerId="my_customer", orgUnitPath=labs["orgUnitId"]).execute()["name"] == "Labs"

    scientist = directory.users().insert(body=person("ada.byron", orgUnitPath="/Research/Labs")).execute()
    with pytest.raises(HttpError) as has_children:
        units.delete(customerId="my_customer", orgUnitPath="Research").execute()
    assert has_children.value.resp.status == 400
    with pytest.raises(HttpError) as has_users:
        units.delete(customerId="my_customer", orgUnitPath="Research/Labs").execute()
    assert has_users.value.resp.status == 400
    assert error_of(has_users.value)["errors"][0]["reason"] == "conditionNotMet"

    renamed = units.patch(customerId="my_customer", orgUnitPath="Research",
                          body={"name": "Science"}).execute()
    assert renamed["orgUnitPath"] == "/Science"
    assert directory.users().get(userKey=scientist["id"]).execute()["orgUnitPath"] == "/Science/Labs"
    directory.users().patch(userKey=scientist["id"], body={"orgUnitPath": "/"}).execute()
    assert units.delete(customerId="my_customer", orgUnitPath="Science/Labs").execute() == ""
    assert units.delete(customerId="my_customer", orgUnitPath="Science").execute() == ""
    with pytest.raises(HttpError) as gone:
        units.get(customerId="my_customer", orgUnitPath="Science").execute()
    assert gone.value.resp.status == 404


# -- groups and members -----------------------------------------------------------------------------------
def test_groups_and_members(session: Session) -> None:
    directory = session.directory()
    groups, members = directory.groups(), directory.members()
    made = groups.insert(body={"email": "design@sandbox-corp.example.com", "name": "Design",
                               "description": "Product design"}).execute()
    assert made["kind"] == "admin#directory#group" and made["directMembersCount"] == "0"
    with pytest.raises(HttpError) as twice:
        groups.insert(body={"email": "design@sandbox-corp.example.com"}).execute()
    assert error_of(twice.value)["errors"][0]["reason"] == "duplicate"

    someone = next(u for u in session.sandbox.tenant.users.values() if not u.is_admin)
    added = members.insert(groupKey=made["id"],
                           body={"email": someone.primary_email, "role": "MANAGER"}).execute()
    assert added == {**added, "id": someone.id, "role": "MANAGER", "type": "USER", "status": "ACTIVE"}
    with pytest.raises(HttpError) as again:
        members.insert(groupKey=made["email"], body={"email": someone.primary_email}).execute()
    assert error_of(again.value) == {
        "code": 409, "message": "Member already exists.", "status": "ALREADY_EXISTS",
        "errors": [{"message": "Member already exists.", "domain": "global", "reason": "duplicate"}]}
    members.insert(groupKey=made["id"], body={"email": session.admin, "role": "OWNER"}).execute()
    listed = members.list(groupKey=made["id"]).execute()["members"]
    assert {m["email"] for m in listed} == {someone.primary_email, session.admin}
    assert [m["email"] for m in members.list(groupKey=made["id"], roles="OWNER").execute()["members"]] \
        == [session.admin]
    is_member = members.hasMember(groupKey=made["id"], memberKey=someone.primary_email)
    assert is_member.execute() == {"isMember": True}
    assert groups.get(groupKey="design@sandbox-corp.example.com").execute()["directMembersCount"] == "2"
    theirs = groups.list(userKey=someone.primary_email).execute()["groups"]
    assert made["id"] in {g["id"] for g in theirs}

    assert members.delete(groupKey=made["id"], memberKey=someone.primary_email).execute() == ""
    with pytest.raises(HttpError) as not_member:
        members.get(groupKey=made["id"], memberKey=someone.primary_email).execute()
    assert error_of(not_member.value)["message"] == "Resource Not Found: memberKey"
    assert is_member.execute() == {"isMember": False}

    renamed = groups.patch(groupKey=made["id"], body={"name": "Design Team"}).execute()
    assert renamed["name"] == "Design Team"
    assert groups.delete(groupKey=made["id"]).execute() == ""
    with pytest.raises(HttpError) as gone:
        groups.get(groupKey=made["id"]).execute()
    assert error_of(gone.value)["message"] == "Resource Not Found: groupKey"
    every = groups.list(customer="my_customer").execute()["groups"]
    assert {g["email"].split("@")[0] for g in every} >= {"all-staff", "it-admins", "engineering", "sales"}


def test_a_refused_change_changes_nothing(session: Session) -> None:
    users = session.directory().users()
    someone = next(u for u in session.sandbox.tenant.users.values() if not u.is_admin)
    before = users.get(userKey=someone.id).execute()
    with pytest.raises(HttpError) as taken:
        users.patch(userKey=someone.id, body={"name": {"givenName": "Renamed"}, "orgUnitPath": "/Sales",
                                              "primaryEmail": session.admin}).execute()
    assert error_of(taken.value)["errors"][0]["reason"] == "duplicate"
    with pytest.raises(HttpError) as nowhere:
        users.update(userKey=someone.id, body={"name": {"givenName": "Renamed"},
                                               "orgUnitPath": "/Nowhere"}).execute()
    assert error_of(nowhere.value)["message"] == "Invalid Input: INVALID_OU_ID"
    assert users.get(userKey=someone.id).execute() == before
