"""What the org knows about each object: key prefix, labels, which fields are required, read-only,
picklists or references, and the standard picklist values (the opportunity stage path with its
probabilities and forecast categories, case, lead and task statuses) of a new Developer Edition org."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tenantsim.sandbox.salesforce.fields import FIELDS

# Stage -> (probability, forecast category, closed, won): Salesforce's default sales path.
STAGES: dict[str, tuple[int, str, bool, bool]] = {
    "Prospecting": (10, "Pipeline", False, False),
    "Qualification": (10, "Pipeline", False, False),
    "Needs Analysis": (20, "Pipeline", False, False),
    "Value Proposition": (50, "Pipeline", False, False),
    "Id. Decision Makers": (60, "Pipeline", False, False),
    "Perception Analysis": (70, "Pipeline", False, False),
    "Proposal/Price Quote": (75, "Pipeline", False, False),
    "Negotiation/Review": (90, "Pipeline", False, False),
    "Closed Won": (100, "Closed", True, True),
    "Closed Lost": (0, "Omitted", True, False),
}
CASE_STATUSES = ("New", "Working", "Escalated", "Closed")
LEAD_STATUSES = (
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
)
CONVERTED = "Closed - Converted"
TASK_STATUSES = ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")
_SOAP = {
    "s": "string",
    "b": "boolean",
    "n": "double",
    "i": "int",
    "d": "date",
    "t": "dateTime",
    "o": "address",
}
_SYSTEM = {
    "Id",
    "IsDeleted",
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
    "LastActivityDate",
    "LastViewedDate",
    "LastReferencedDate",
    "MasterRecordId",
    "PhotoUrl",
    "Jigsaw",
    "JigsawCompanyId",
    "JigsawContactId",
    "CleanStatus",
    "IsArchived",
}
# Reference fields: name -> the objects it may point at (the first names the relationship's type).
_REFERENCES = {
    "OwnerId": ("User",),
    "CreatedById": ("User",),
    "LastModifiedById": ("User",),
    "ManagerId": ("User",),
    "AccountId": ("Account",),
    "ContactId": ("Contact",),
    "ReportsToId": ("Contact",),
    "WhoId": ("Contact", "Lead"),
    "WhatId": ("Account", "Opportunity", "Case"),
    "ConvertedAccountId": ("Account",),
    "ConvertedContactId": ("Contact",),
    "ConvertedOpportunityId": ("Opportunity",),
}
_PARENT = {"Account": ("Account",), "Case": ("Case",), "CaseComment": ("Case",)}


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # s b n i d t o, as in fields.py
    createable: bool
    updateable: bool
    required: bool = False  # on create, with no default
    picklist: tuple[str, ...] = ()
    restricted: bool = False
    references: tuple[str, ...] = ()
    length: int = 255

    @property
    def soap_type(self) -> str:
        return (
            "id"
            if self.name == "Id"
            else "reference"
            if self.references
            else "picklist"
            if self.picklist
            else "textarea"
            if self.length > 255
            else _SOAP[self.kind]
        )

    @property
    def relationship(self) -> str | None:
        """Account for AccountId, Owner for OwnerId, Parent for ParentId: the SOQL relationship name."""
        return self.name[:-2] if self.references and self.name.endswith("Id") else None

    @property
    def label(self) -> str:
        base = self.name[:-3] if self.name.endswith("__c") else self.name
        if self.references and base.endswith("Id"):
            base = base[:-2] + " ID"
        return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", base)


@dataclass(frozen=True)
class SObject:
    name: str
    prefix: str
    label: str
    plural: str
    fields: dict[str, Field] = field(default_factory=dict)
    writable: bool = True  # User records are the org's licences: listed, never made through the API

    def find(self, name: str) -> Field | None:
        """Field names are case-insensitive in the API, as everywhere in Salesforce."""
        found = self.fields.get(name)
        if found is not None:
            return found
        lowered = name.lower()
        return next((f for f in self.fields.values() if f.name.lower() == lowered), None)

    def relationship(self, name: str) -> Field | None:
        lowered = name.lower()
        return next(
            (f for f in self.fields.values() if f.relationship and f.relationship.lower() == lowered), None
        )


_DERIVED = {
    "Account": {"BillingAddress", "ShippingAddress"},
    "Contact": {
        "Name",
        "OtherAddress",
        "MailingAddress",
        "LastCURequestDate",
        "LastCUUpdateDate",
        "IsEmailBounced",
        "IndividualId",
    },
    "Opportunity": {
        "IsClosed",
        "IsWon",
        "ForecastCategory",
        "ExpectedRevenue",
        "FiscalQuarter",
        "FiscalYear",
        "Fiscal",
        "HasOpportunityLineItem",
        "PushCount",
        "LastStageChangeDate",
        "HasOpenActivity",
        "HasOverdueTask",
        "LastAmountChangedHistoryId",
        "LastCloseDateChangedHistoryId",
    },
    "Case": {
        "CaseNumber",
        "IsClosed",
        "ClosedDate",
        "ContactPhone",
        "ContactMobile",
        "ContactEmail",
        "ContactFax",
    },
    "Lead": {
        "Name",
        "Address",
        "IsConverted",
        "ConvertedDate",
        "ConvertedAccountId",
        "ConvertedContactId",
        "ConvertedOpportunityId",
    },
    "Task": {"IsClosed", "IsHighPriority", "AccountId", "CompletedDateTime", "IsRecurrence"},
    "Event": {
        "AccountId",
        "IsChild",
        "IsGroupEvent",
        "GroupEventType",
        "ActivityDate",
        "EndDate",
        "IsRecurrence",
        "IsRecurrence2",
        "IsRecurrence2Exclusion",
        "IsRecurrence2Exception",
    },
    "CaseComment": set(),
}
_REQUIRED = {
    "Account": ("Name",),
    "Contact": ("LastName",),
    "Opportunity": ("Name", "StageName", "CloseDate"),
    "Lead": ("LastName", "Company"),
    "CaseComment": ("ParentId",),
}
_PICKLISTS: dict[str, dict[str, tuple[tuple[str, ...], bool]]] = {
    "Account": {
        "Type": (
            (
                "Prospect",
                "Customer - Direct",
                "Customer - Channel",
                "Channel Partner / Reseller",
                "Installation Partner",
                "Technology Partner",
                "Other",
            ),
            False,
        ),
        "Industry": (
            (
                "Agriculture",
                "Banking",
                "Biotechnology",
                "Communications",
                "Consulting",
                "Education",
                "Electronics",
                "Energy",
                "Engineering",
                "Finance",
                "Healthcare",
                "Hospitality",
                "Insurance",
                "Manufacturing",
                "Media",
                "Retail",
                "Technology",
                "Telecommunications",
                "Transportation",
                "Other",
            ),
            False,
        ),
        "Rating": (("Hot", "Warm", "Cold"), False),
    },
    "Opportunity": {
        "StageName": (tuple(STAGES), True),
        "Type": (
            (
                "Existing Customer - Upgrade",
                "Existing Customer - Replacement",
                "Existing Customer - Downgrade",
                "New Customer",
            ),
            False,
        ),
        "ForecastCategoryName": (("Omitted", "Pipeline", "Best Case", "Commit", "Closed"), True),
    },
    "Case": {
        "Status": (CASE_STATUSES, True),
        "Origin": (("Phone", "Email", "Web"), False),
        "Priority": (("High", "Medium", "Low"), False),
        "Type": (("Mechanical", "Electrical", "Electronic", "Structural", "Other"), False),
        "Reason": (
            (
                "Installation",
                "Equipment Complexity",
                "Performance",
                "Breakdown",
                "Equipment Design",
                "Feedback",
                "Other",
            ),
            False,
        ),
    },
    "Lead": {"Status": (LEAD_STATUSES, True), "Rating": (("Hot", "Warm", "Cold"), False)},
    "Task": {
        "Status": (TASK_STATUSES, True),
        "Priority": (("High", "Normal", "Low"), True),
        "TaskSubtype": (("Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"), False),
    },
    "Event": {"ShowAs": (("Busy", "OutOfOffice", "Free"), False)},
}
_LONG = {"Description": 32000, "CommentBody": 4000, "NextStep": 255, "Comments": 4000}
_LABELS = {
    "Account": ("001", "Account", "Accounts"),
    "Contact": ("003", "Contact", "Contacts"),
    "Opportunity": ("006", "Opportunity", "Opportunities"),
    "Case": ("500", "Case", "Cases"),
    "CaseComment": ("00a", "Case Comment", "Case Comments"),
    "Lead": ("00Q", "Lead", "Leads"),
    "Task": ("00T", "Task", "Tasks"),
    "Event": ("00U", "Event", "Events"),
    "User": ("005", "User", "Users"),
}


def _build(name: str) -> SObject:
    prefix, label, plural = _LABELS[name]
    derived = _DERIVED.get(name, set())
    required = _REQUIRED.get(name, ())
    picklists = _PICKLISTS.get(name, {})
    fields: dict[str, Field] = {}
    for item in FIELDS[name].split():
        fname, kind = item.split(":")
        read_only = fname in _SYSTEM or fname in derived or kind == "o" or name == "User"
        refs = _REFERENCES.get(fname, ())
        if fname == "ParentId":
            refs = _PARENT.get(name, ())
        values, restricted = picklists.get(fname, ((), False))
        create_only = fname == "ParentId" and name == "CaseComment"
        fields[fname] = Field(
            fname,
            kind,
            createable=not read_only,
            updateable=not read_only and not create_only,
            required=fname in required,
            picklist=values,
            restricted=restricted,
            references=refs,
            length=_LONG.get(fname, 255),
        )
    return SObject(name, prefix, label, plural, fields, writable=name != "User")


OBJECTS: dict[str, SObject] = {name: _build(name) for name in _LABELS}
BY_PREFIX: dict[str, SObject] = {o.prefix: o for o in OBJECTS.values()}


def find_object(name: str) -> SObject | None:
    """Object names are case-insensitive in paths and SOQL."""
    return OBJECTS.get(name) or next((o for o in OBJECTS.values() if o.name.lower() == name.lower()), None)
