"""The Salesforce emulator's sObject REST through simple-salesforce: CRUD of every object, derived fields,
ids, field validation in Salesforce's words, lead conversion and what deleting an account takes with it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)

from tenantsim.sandbox.salesforce import SalesforceSandbox, create_app, ids
from tests.sandbox.salesforce_support import CheckedSession, connect, first_error, rest, sobject
from tests.support.servers import serve_asgi

Served = tuple[SalesforceSandbox, Salesforce, CheckedSession]


@pytest.fixture
def served() -> Iterator[Served]:
    sandbox = create_app(seed=3)
    with serve_asgi(sandbox) as base:
        client, session = connect(sandbox, base)
        yield sandbox, client, session


def user_id(sandbox: SalesforceSandbox, local: str) -> str:
    return next(u["id"] for u in sandbox.users() if u["username"].startswith(local + "@"))


# -- ids ---------------------------------------------------------------------------------------------------
def test_ids_carry_the_key_prefix_and_salesforces_checksum(served: Served) -> None:
    _, sf, _ = served
    made = {
        name: sobject(sf, name).create(body)["id"]
        for name, body in (
            ("Account", {"Name": "Prefix Co"}),
            ("Lead", {"LastName": "Lee", "Company": "Prefix Co"}),
            ("Task", {"Subject": "Call"}),
        )
    }
    assert [made[n][:3] for n in ("Account", "Lead", "Task")] == ["001", "00Q", "00T"]
    for record_id in made.values():
        assert len(record_id) == 18 and ids.normalise(record_id[:15]) == record_id
    # A known id from Salesforce's documentation: 001R0000005hDFY -> 001R0000005hDFYIA2.
    assert ids.suffix("001R0000005hDFY") == "IA2"
    assert ids.normalise("001R0000005hDFYia2") == "001R0000005hDFYIA2"  # the suffix is case-insensitive
    assert ids.normalise("001R0000005hDFYIA3") is None
    # The 15-character form names the same record.
    assert sobject(sf, "Account").get(made["Account"][:15])["Id"] == made["Account"]


# -- CRUD of each object ----------------------------------------------------------------------------------
def test_account_create_read_update_delete(served: Served) -> None:
    sandbox, sf, session = served
    owner = user_id(sandbox, "liam.chen")
    created = sobject(sf, "Account").create(
        {
            "Name": "Globex",
            "Industry": "Technology",
            "BillingCity": "Springfield",
            "NumberOfEmployees": 250,
            "OwnerId": owner,
        }
    )
    assert created["success"] is True and created["errors"] == [] and created["id"].startswith("001")
    record = sobject(sf, "Account").get(created["id"])
    assert record["attributes"] == {
        "type": "Account",
        "url": f"/services/data/v59.0/sobjects/Account/{created['id']}",
    }
    assert record["Name"] == "Globex" and record["OwnerId"] == owner and record["NumberOfEmployees"] == 250
    assert record["BillingAddress"]["city"] == "Springfield" and record["ShippingAddress"] is None
    assert record["CreatedById"] == sandbox.integration_user and record["IsDeleted"] is False
    assert record["Phone"] is None  # every field is there, null when empty
    assert sobject(sf, "Account").update(created["id"], {"Phone": "+1 555 0100", "Industry": "Media"}) == 204
    assert session.exchanges[-1].status == 204 and session.exchanges[-1].response is None
    narrow = rest(sf, f"sobjects/Account/{created['id']}", params={"fields": "Name,phone"})
    assert list(narrow) == ["attributes", "Name", "Phone"] and narrow["Phone"] == "+1 555 0100"
    assert sobject(sf, "Account").delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound) as gone:
        sobject(sf, "Account").get(created["id"])
    assert first_error(gone.value) == {"errorCode": "ENTITY_IS_DELETED", "message": "entity is deleted"}


def test_contact_name_and_account_lookup(served: Served) -> None:
    _, sf, _ = served
    account = sobject(sf, "Account").create({"Name": "Initech"})["id"]
    contact = sobject(sf, "Contact").create(
        {
            "FirstName": "Peter",
            "LastName": "Gibbons",
            "AccountId": account,
            "Email": "peter@initech.example.com",
            "MailingCity": "Austin",
        }
    )["id"]
    record = sobject(sf, "Contact").get(contact)
    assert record["Name"] == "Peter Gibbons" and record["AccountId"] == account
    assert record["MailingAddress"]["city"] == "Austin"
    sobject(sf, "Contact").update(contact, {"FirstName": "Pete"})
    assert sobject(sf, "Contact").get(contact)["Name"] == "Pete Gibbons"


def test_opportunity_stage_path_drives_probability_and_closed_flags(served: Served) -> None:
    _, sf, _ = served
    account = sobject(sf, "Account").create({"Name": "Umbrella"})["id"]
    opp = sobject(sf, "Opportunity").create(
        {
            "Name": "Umbrella - Platform",
            "StageName": "Value Proposition",
            "CloseDate": "2026-05-20",
            "Amount": 40000,
            "AccountId": account,
            "NextStep": "Send proposal",
        }
    )["id"]
    record = sobject(sf, "Opportunity").get(opp)
    assert (record["Probability"], record["ExpectedRevenue"], record["ForecastCategoryName"]) == (
        50,
        20000.0,
        "Pipeline",
    )
    assert (record["IsClosed"], record["IsWon"], record["FiscalYear"], record["FiscalQuarter"]) == (
        False,
        False,
        2026,
        2,
    )
    assert record["NextStep"] == "Send proposal"
    sobject(sf, "Opportunity").update(opp, {"StageName": "Negotiation/Review"})
    assert sobject(sf, "Opportunity").get(opp)["Probability"] == 90
    sobject(sf, "Opportunity").update(opp, {"StageName": "Closed Won"})
    won = sobject(sf, "Opportunity").get(opp)
    assert (won["IsClosed"], won["IsWon"], won["Probability"], won["ForecastCategory"]) == (
        True,
        True,
        100,
        "Closed",
    )
    assert won["LastStageChangeDate"] is not None
    sobject(sf, "Opportunity").update(opp, {"StageName": "Closed Lost"})
    lost = sobject(sf, "Opportunity").get(opp)
    assert (lost["IsClosed"], lost["IsWon"], lost["Probability"], lost["ForecastCategoryName"]) == (
        True,
        False,
        0,
        "Omitted",
    )
    with pytest.raises(SalesforceMalformedRequest) as bad:
        sobject(sf, "Opportunity").update(opp, {"StageName": "Daydreaming"})
    assert first_error(bad.value) == {
        "errorCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "message": "bad value for restricted picklist field: Daydreaming",
        "fields": ["StageName"],
    }


def test_case_lifecycle_and_comments(served: Served) -> None:
    sandbox, sf, _ = served
    account = sobject(sf, "Account").create({"Name": "Hooli"})["id"]
    contact = sobject(sf, "Contact").create(
        {"LastName": "Bighead", "AccountId": account, "Email": "b@hooli.example.com"}
    )["id"]
    agent = user_id(sandbox, "omar.haddad")
    case = sobject(sf, "Case").create(
        {
            "Subject": "Cannot log in",
            "Origin": "Email",
            "ContactId": contact,
            "Description": "SSO loop",
            "OwnerId": agent,
        }
    )["id"]
    record = sobject(sf, "Case").get(case)
    assert record["Status"] == "New" and record["Priority"] == "Medium" and record["IsClosed"] is False
    assert record["AccountId"] == account  # filled from the contact, as Salesforce does
    assert record["ContactEmail"] == "b@hooli.example.com" and record["CaseNumber"].isdigit()
    for status in ("Working", "Escalated"):
        sobject(sf, "Case").update(case, {"Status": status})
    assert sobject(sf, "Case").get(case)["IsEscalated"] is True
    comment = sobject(sf, "CaseComment").create(
        {"ParentId": case, "CommentBody": "Reset the SSO session.", "IsPublished": True}
    )["id"]
    assert comment.startswith("00a") and sobject(sf, "CaseComment").get(comment)["ParentId"] == case
    sobject(sf, "Case").update(case, {"Status": "Closed"})
    closed = sobject(sf, "Case").get(case)
    assert closed["IsClosed"] is True and closed["ClosedDate"] is not None
    with pytest.raises(SalesforceMalformedRequest) as bad:
        sobject(sf, "Case").update(case, {"Status": "Resolved-ish"})
    assert first_error(bad.value)["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_tasks_and_events_hang_off_who_and_what(served: Served) -> None:
    sandbox, sf, _ = served
    account = sobject(sf, "Account").create({"Name": "Vandelay"})["id"]
    contact = sobject(sf, "Contact").create({"LastName": "Costanza", "AccountId": account})["id"]
    opp = sobject(sf, "Opportunity").create(
        {"Name": "Latex", "StageName": "Prospecting", "CloseDate": "2026-04-01", "AccountId": account}
    )["id"]
    owner = user_id(sandbox, "sofia.rossi")
    task = sobject(sf, "Task").create(
        {
            "Subject": "Follow-up call",
            "WhoId": contact,
            "WhatId": opp,
            "OwnerId": owner,
            "ActivityDate": "2026-03-02",
            "Priority": "High",
        }
    )["id"]
    record = sobject(sf, "Task").get(task)
    assert (record["Status"], record["IsClosed"], record["IsHighPriority"], record["AccountId"]) == (
        "Not Started",
        False,
        True,
        account,
    )
    sobject(sf, "Task").update(task, {"Status": "Completed"})
    done = sobject(sf, "Task").get(task)
    assert done["IsClosed"] is True and done["CompletedDateTime"] is not None
    event = sobject(sf, "Event").create(
        {
            "Subject": "Demo",
            "WhoId": contact,
            "WhatId": account,
            "StartDateTime": "2026-03-10T15:00:00Z",
            "DurationInMinutes": 45,
        }
    )["id"]
    meeting = sobject(sf, "Event").get(event)
    assert (
        meeting["EndDateTime"] == "2026-03-10T15:45:00.000+0000" and meeting["ActivityDate"] == "2026-03-10"
    )
    assert meeting["OwnerId"] == sandbox.integration_user  # the acting user owns what it makes
    with pytest.raises(SalesforceMalformedRequest) as bad:
        sobject(sf, "Event").create({"Subject": "No time"})
    assert first_error(bad.value)["errorCode"] == "REQUIRED_FIELD_MISSING"
    with pytest.raises(SalesforceMalformedRequest) as wrong:
        sobject(sf, "Task").create({"Subject": "Who is an account?", "WhoId": account})
    assert first_error(wrong.value)["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_lead_conversion_is_the_documented_simplification(served: Served) -> None:
    _, sf, _ = served
    lead = sobject(sf, "Lead").create(
        {
            "FirstName": "Ada",
            "LastName": "Byron",
            "Company": "Analytical Engines",
            "Email": "ada@engines.example.com",
            "LeadSource": "Web",
        }
    )["id"]
    assert sobject(sf, "Lead").get(lead)["Status"] == "Open - Not Contacted"
    sobject(sf, "Lead").update(lead, {"Status": "Closed - Converted"})
    converted = sobject(sf, "Lead").get(lead)
    assert converted["IsConverted"] is True and converted["ConvertedDate"] is not None
    account = sobject(sf, "Account").get(converted["ConvertedAccountId"])
    contact = sobject(sf, "Contact").get(converted["ConvertedContactId"])
    opportunity = sobject(sf, "Opportunity").get(converted["ConvertedOpportunityId"])
    assert account["Name"] == "Analytical Engines" and contact["AccountId"] == account["Id"]
    assert contact["Email"] == "ada@engines.example.com" and opportunity["Name"] == "Analytical Engines-"
    with pytest.raises(SalesforceMalformedRequest) as again:
        sobject(sf, "Lead").update(lead, {"Title": "Countess"})
    assert first_error(again.value)["errorCode"] == "CANNOT_UPDATE_CONVERTED_LEAD"
    # Converting into an existing account makes no new one.
    other = sobject(sf, "Lead").create({"LastName": "Babbage", "Company": "Analytical Engines"})["id"]
    sobject(sf, "Lead").update(other, {"Status": "Closed - Converted", "ConvertedAccountId": account["Id"]})
    assert sobject(sf, "Lead").get(other)["ConvertedAccountId"] == account["Id"]


def test_users_are_the_orgs_licences_listed_not_made(served: Served) -> None:
    sandbox, sf, _ = served
    users = sf.query("SELECT Id, Username, Name, IsActive, Manager.Name FROM User ORDER BY Username")[
        "records"
    ]
    assert len(users) == len(sandbox.users()) >= 8
    assert any(not u["IsActive"] for u in users)  # a former employee is still a user, inactive
    rep = next(u for u in users if u["Username"].startswith("liam.chen@"))
    assert rep["Manager"]["Name"] == "Maya Okafor"
    with pytest.raises(SalesforceMalformedRequest) as made:
        sobject(sf, "User").create({"LastName": "New", "Username": "new@sandbox-corp.example.com"})
    assert first_error(made.value)["errorCode"] == "LICENSE_LIMIT_EXCEEDED"
    inactive = next(u["Id"] for u in users if not u["IsActive"])
    with pytest.raises(SalesforceMalformedRequest) as owned:
        sobject(sf, "Account").create({"Name": "Orphan", "OwnerId": inactive})
    assert first_error(owned.value)["errorCode"] == "INACTIVE_OWNER_OR_USER"
    with pytest.raises(SalesforceMalformedRequest) as not_user:
        sobject(sf, "Account").create(
            {"Name": "Orphan", "OwnerId": sobject(sf, "Account").create({"Name": "X"})["id"]}
        )
    assert first_error(not_user.value)["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


# -- validation ---------------------------------------------------------------------------------------------
def test_required_unknown_and_read_only_fields_are_refused_in_salesforces_words(served: Served) -> None:
    _, sf, _ = served
    with pytest.raises(SalesforceMalformedRequest) as missing:
        sobject(sf, "Account").create({"Industry": "Media"})
    assert first_error(missing.value) == {
        "message": "Required fields are missing: [Name]",
        "errorCode": "REQUIRED_FIELD_MISSING",
        "fields": ["Name"],
    }
    with pytest.raises(SalesforceMalformedRequest) as several:
        sobject(sf, "Opportunity").create({"Amount": 10})
    assert first_error(several.value)["fields"] == ["Name", "StageName", "CloseDate"]
    with pytest.raises(SalesforceMalformedRequest) as unknown:
        sobject(sf, "Account").create({"Name": "X", "Colour__c": "red"})
    assert first_error(unknown.value)["errorCode"] == "INVALID_FIELD"
    with pytest.raises(SalesforceMalformedRequest) as read_only:
        sobject(sf, "Opportunity").create(
            {"Name": "X", "StageName": "Prospecting", "CloseDate": "2026-01-01", "IsWon": True}
        )
    assert first_error(read_only.value)["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    with pytest.raises(SalesforceMalformedRequest) as bad_date:
        sobject(sf, "Opportunity").create(
            {"Name": "X", "StageName": "Prospecting", "CloseDate": "next tuesday"}
        )
    assert first_error(bad_date.value)["errorCode"] == "JSON_PARSER_ERROR"
    with pytest.raises(SalesforceMalformedRequest) as dangling:
        sobject(sf, "Contact").create({"LastName": "X", "AccountId": ids.make("001", 5)})
    assert first_error(dangling.value)["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"


def test_bad_ids_get_salesforces_404s_and_400s(served: Served) -> None:
    _, sf, _ = served
    with pytest.raises(SalesforceResourceNotFound) as not_an_id:
        sobject(sf, "Account").get("not-an-id")
    assert first_error(not_an_id.value)["message"].startswith("Provided external ID field does not exist")
    with pytest.raises(SalesforceResourceNotFound) as absent:
        sobject(sf, "Account").get(ids.make("001", 12345))
    assert first_error(absent.value) == {
        "errorCode": "NOT_FOUND",
        "message": "The requested resource does not exist",
    }
    contact = sobject(sf, "Contact").create({"LastName": "Typed"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as other_type:
        sobject(sf, "Account").get(contact)
    assert first_error(other_type.value)["errorCode"] == "MALFORMED_ID"


def test_deleting_an_account_takes_contacts_opportunities_and_activities_but_not_with_cases(
    served: Served,
) -> None:
    _, sf, _ = served
    account = sobject(sf, "Account").create({"Name": "Cascade Co"})["id"]
    contact = sobject(sf, "Contact").create({"LastName": "Falls", "AccountId": account})["id"]
    opp = sobject(sf, "Opportunity").create(
        {"Name": "Cascade", "StageName": "Closed Won", "CloseDate": "2026-01-31", "AccountId": account}
    )["id"]
    task = sobject(sf, "Task").create({"Subject": "Kickoff", "WhatId": opp})["id"]
    case = sobject(sf, "Case").create({"Subject": "Help", "AccountId": account})["id"]
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sobject(sf, "Account").delete(account)
    failure = first_error(refused.value)
    assert (
        failure["errorCode"] == "DELETE_FAILED"
        and "associated with the following cases" in failure["message"]
    )
    assert sobject(sf, "Case").get(case)["CaseNumber"] in failure["message"]
    sobject(sf, "Case").delete(case)
    assert sobject(sf, "Account").delete(account) == 204
    for kind, record_id in (("Contact", contact), ("Opportunity", opp), ("Task", task)):
        with pytest.raises(SalesforceResourceNotFound):
            sobject(sf, kind).get(record_id)
    deleted = sf.query_all(f"SELECT Id, IsDeleted FROM Contact WHERE Id = '{contact}'", include_deleted=True)
    assert deleted["records"][0]["IsDeleted"] is True


def test_describe_global_and_object_describe(served: Served) -> None:
    _, sf, _ = served
    listing = rest(sf, "sobjects")
    names = {o["name"]: o for o in listing["sobjects"]}
    assert {
        "Account",
        "Contact",
        "Opportunity",
        "Case",
        "CaseComment",
        "Lead",
        "Task",
        "Event",
        "User",
    } <= set(names)
    assert names["Opportunity"]["keyPrefix"] == "006" and names["User"]["createable"] is False
    described = sobject(sf, "Opportunity").describe()
    stage = next(f for f in described["fields"] if f["name"] == "StageName")
    assert [v["value"] for v in stage["picklistValues"]][:2] == ["Prospecting", "Qualification"]
    account_id = next(f for f in described["fields"] if f["name"] == "AccountId")
    assert account_id["referenceTo"] == ["Account"] and account_id["relationshipName"] == "Account"
    name = next(f for f in described["fields"] if f["name"] == "Name")
    assert name["nillable"] is False and name["createable"] is True
    info = sobject(sf, "Account").metadata()
    assert info["objectDescribe"]["name"] == "Account" and len(info["recentItems"]) <= 3
