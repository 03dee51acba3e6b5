"""One Salesforce org: its users and records, and every write as Salesforce does it (field checks, derived
fields, lookups that must point at live records, deletes that cascade or refuse).

Records are flat dicts keyed by the API's field names, kept by 18-character id; a deleted record stays
with ``IsDeleted`` set (the recycle bin), so ``queryAll`` sees it and a second delete says it is gone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tenantsim.sandbox.salesforce import errors as err
from tenantsim.sandbox.salesforce import ids
from tenantsim.sandbox.salesforce.schema import (
    BY_PREFIX,
    CONVERTED,
    STAGES,
    SObject,
    find_object,
)
from tenantsim.sandbox.salesforce.values import coerce, day, parse_datetime, stamp

Record = dict[str, Any]
_LEAD_CONVERSION = ("ConvertedAccountId", "ConvertedContactId", "ConvertedOpportunityId")


@dataclass
class Org:
    seed: int
    domain: str
    rng: random.Random = field(init=False)
    org_id: str = field(init=False)
    records: dict[str, Record] = field(default_factory=dict)
    sequence: int = 0  # the record number behind the next id
    case_number: int = 1000

    def __post_init__(self) -> None:
        self.rng = random.Random(f"salesforce-org-{self.seed}")
        self.org_id = ids.make("00D", self.rng.randint(62**5, 62**6))
        self.sequence = self.rng.randint(62**6, 62**7)

    # -- lookups -------------------------------------------------------------------------------------
    def sobject_of(self, record_id: str) -> SObject | None:
        return BY_PREFIX.get(record_id[:3])

    def find(self, record_id: str, *, deleted: bool = False) -> Record | None:
        record = self.records.get(record_id)
        if record is None or (record.get("IsDeleted") and not deleted):
            return None
        return record

    def fetch(self, sobject: SObject, raw: str) -> Record:
        """A record named in a path: Salesforce's 404s for a non-id, an id of another object, a gone one."""
        record_id = ids.normalise(raw)
        if record_id is None:
            raise err.external_id(raw)
        if record_id[:3] != sobject.prefix:
            raise err.malformed_id(sobject.label, raw)
        record = self.records.get(record_id)
        if record is None:
            raise err.not_found()
        if record.get("IsDeleted"):
            raise err.deleted()
        return record

    def live(self, sobject: str) -> list[Record]:
        return [
            r for r in self.records.values() if r["attributes"]["type"] == sobject and not r.get("IsDeleted")
        ]

    def new_id(self, prefix: str) -> str:
        self.sequence += 1
        return ids.make(prefix, self.sequence)

    # -- writes --------------------------------------------------------------------------------------
    def create(self, name: str, body: Any, actor: str, at: float) -> Record:
        sobject = self._writable(name)
        values = self._checked(sobject, body, create=True)
        missing = [f.name for f in sobject.fields.values() if f.required and values.get(f.name) is None]
        if missing:
            raise err.required(missing)
        record: Record = {"attributes": {"type": sobject.name}}
        for spec in sobject.fields.values():
            record[spec.name] = False if spec.kind == "b" else None
        record.update({k: v for k, v in values.items() if v is not None})
        record["Id"] = self.new_id(sobject.prefix)
        when = stamp(at)
        record.update(
            CreatedDate=when,
            LastModifiedDate=when,
            SystemModstamp=when,
            CreatedById=actor,
            LastModifiedById=actor,
            IsDeleted=False,
        )
        if "OwnerId" in sobject.fields and record.get("OwnerId") is None:
            record["OwnerId"] = actor
        self._derive(sobject, record, values, at, created=True)
        self.records[record["Id"]] = record
        return record

    def update(self, name: str, raw_id: str, body: Any, actor: str, at: float) -> Record:
        sobject = self._writable(name)
        record = self.fetch(sobject, raw_id)
        if sobject.name == "Lead" and record.get("IsConverted"):
            raise err.converted_lead()
        conversion = sobject.name == "Lead" and isinstance(body, dict) and body.get("Status") == CONVERTED
        body = dict(body) if conversion else body
        extra = {k: body.pop(k) for k in list(body) if k in _LEAD_CONVERSION} if conversion else {}
        values = self._checked(sobject, body, create=False)
        cleared = [
            f.name
            for f in sobject.fields.values()
            if f.required and f.name in values and values[f.name] is None
        ]
        if cleared:
            raise err.required(cleared)
        if conversion:
            self._convert(record, values, extra, actor, at)
        before = dict(record)
        record.update(values)
        record.update(LastModifiedDate=stamp(at), SystemModstamp=stamp(at), LastModifiedById=actor)
        self._derive(sobject, record, values, at, created=False, before=before)
        return record

    def delete(self, name: str, raw_id: str, at: float) -> None:
        sobject = self._writable(name)
        record = self.fetch(sobject, raw_id)
        gone = self._cascade(record)
        for record_id in gone:
            self.records[record_id].update(IsDeleted=True, SystemModstamp=stamp(at))
        for other in self.records.values():  # lookups to what went are cleared, as Salesforce does
            if other.get("IsDeleted"):
                continue
            spec = find_object(other["attributes"]["type"])
            for key, value in list(other.items()):
                if (
                    isinstance(value, str)
                    and value in gone
                    and spec is not None
                    and key not in _LEAD_CONVERSION
                    and spec.fields.get(key) is not None
                    and spec.fields[key].references
                ):
                    other[key] = None

    def _writable(self, name: str) -> SObject:
        sobject = find_object(name)
        if sobject is None:
            raise err.not_found()
        if not sobject.writable:
            raise err.read_only_object(sobject.name)
        return sobject

    def _cascade(self, record: Record) -> set[str]:
        """What goes with ``record``: an account takes its contacts, opportunities and activities; a case
        its comments. An account or contact with cases cannot be deleted (Salesforce says which)."""
        kind, rid = record["attributes"]["type"], record["Id"]
        if kind in ("Account", "Contact"):
            key = "AccountId" if kind == "Account" else "ContactId"
            cases = [c for c in self.live("Case") if c.get(key) == rid]
            if cases:
                raise err.delete_failed(
                    str(record.get("Name") or rid), "cases", [str(c["CaseNumber"]) for c in cases]
                )
        gone = {rid}
        if kind == "Account":
            gone |= {
                r["Id"] for t in ("Contact", "Opportunity") for r in self.live(t) if r.get("AccountId") == rid
            }
        if kind == "Case":
            gone |= {r["Id"] for r in self.live("CaseComment") if r.get("ParentId") == rid}
        for activity in ("Task", "Event"):
            gone |= {
                r["Id"]
                for r in self.live(activity)
                if r.get("WhatId") in gone or r.get("WhoId") in gone or r.get("AccountId") in gone
            }
        return gone

    def _checked(self, sobject: SObject, body: Any, *, create: bool) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise err.json_parse("Cannot deserialize instance of " + sobject.name)
        values: dict[str, Any] = {}
        for key, value in body.items():
            if key == "attributes":
                continue
            spec = sobject.find(key)
            if spec is None:
                raise err.invalid_field(sobject.name, key)
            if not (spec.createable if create else spec.updateable):
                raise err.not_writable(spec.name, create)
            stored = coerce(spec, value)
            if spec.references and stored is not None:
                stored = self._reference(spec.name, spec.label, spec.references, stored)
            if spec.restricted and stored is not None and stored not in spec.picklist:
                raise err.picklist(spec.name, stored)
            values[spec.name] = stored
        return values

    def _reference(self, name: str, label: str, targets: tuple[str, ...], value: str) -> str:
        record_id = ids.normalise(value)
        if record_id is None:
            raise err.malformed_field_id(name, label, value)
        target = BY_PREFIX.get(record_id[:3])
        if target is None or target.name not in targets:
            raise err.wrong_id_type(name, label, value)
        found = self.records.get(record_id)
        if found is None or found.get("IsDeleted"):
            if found is not None and found.get("IsDeleted"):
                raise err.ApiError(400, "ENTITY_IS_DELETED", "entity is deleted", [name])
            raise err.cross_reference(name)
        if target.name == "User" and not found.get("IsActive"):
            raise err.inactive_owner()
        return record_id

    # -- derived fields ---------------------------------------------------------------------------------
    def _derive(
        self,
        sobject: SObject,
        record: Record,
        given: dict[str, Any],
        at: float,
        *,
        created: bool,
        before: Record | None = None,
    ) -> None:
        kind = sobject.name
        if kind in ("Contact", "Lead"):
            record["Name"] = " ".join(
                p for p in (record.get("Salutation"), record.get("FirstName"), record.get("LastName")) if p
            )
        if kind == "Account":
            record["BillingAddress"] = _address(record, "Billing")
            record["ShippingAddress"] = _address(record, "Shipping")
        elif kind == "Contact":
            record["MailingAddress"] = _address(record, "Mailing")
            record["OtherAddress"] = _address(record, "Other")
        elif kind == "Lead":
            record["Address"] = _address(record, "")
            if created:
                record["Status"] = record.get("Status") or "Open - Not Contacted"
        elif kind == "Opportunity":
            self._opportunity(record, given, at, created, before)
        elif kind == "Case":
            self._case(record, at, created)
        elif kind in ("Task", "Event"):
            self._activity(kind, record, given, created)

    @staticmethod
    def _opportunity(
        record: Record, given: dict[str, Any], at: float, created: bool, before: Record | None
    ) -> None:
        probability, category, closed, won = STAGES[record["StageName"]]
        stage_changed = created or (before is not None and before.get("StageName") != record["StageName"])
        if stage_changed and "Probability" not in given:
            record["Probability"] = probability
        if stage_changed and "ForecastCategoryName" not in given:
            record["ForecastCategoryName"] = {
                "Pipeline": "Pipeline",
                "Closed": "Closed",
                "Omitted": "Omitted",
            }[category]
        names = {
            "Omitted": "Omitted",
            "Pipeline": "Pipeline",
            "Best Case": "BestCase",
            "Commit": "Forecast",
            "Closed": "Closed",
        }
        record["ForecastCategory"] = names.get(record.get("ForecastCategoryName") or category, category)
        record["IsClosed"], record["IsWon"] = closed, won
        amount, chance = record.get("Amount"), record.get("Probability")
        record["ExpectedRevenue"] = (
            None if amount is None or chance is None else round(amount * chance / 100, 2)
        )
        close = date.fromisoformat(record["CloseDate"])
        quarter = (close.month - 1) // 3 + 1
        record.update(FiscalYear=close.year, FiscalQuarter=quarter, Fiscal=f"{close.year} {quarter}")
        if stage_changed:
            record["LastStageChangeDate"] = None if created else stamp(at)
        if created:
            record.update(
                PushCount=0, HasOpportunityLineItem=False, HasOpenActivity=False, HasOverdueTask=False
            )

    def _case(self, record: Record, at: float, created: bool) -> None:
        if created:
            self.case_number += 1
            record["CaseNumber"] = f"{self.case_number:08d}"
            record["Status"] = record.get("Status") or "New"
            record["Priority"] = record.get("Priority") or "Medium"
        contact = self.find(record["ContactId"]) if record.get("ContactId") else None
        if contact is not None:
            if record.get("AccountId") is None:
                record["AccountId"] = contact.get(
                    "AccountId"
                )  # the contact's account, as Salesforce fills it
            record.update(
                ContactEmail=contact.get("Email"),
                ContactPhone=contact.get("Phone"),
                ContactMobile=contact.get("MobilePhone"),
                ContactFax=contact.get("Fax"),
            )
        closed = record["Status"] == "Closed"
        if closed and not record.get("IsClosed"):
            record["ClosedDate"] = stamp(at)
        if not closed:
            record["ClosedDate"] = None
        record["IsClosed"] = closed
        if record["Status"] == "Escalated":
            record["IsEscalated"] = True

    def _activity(self, kind: str, record: Record, given: dict[str, Any], created: bool) -> None:
        who, what = record.get("WhoId"), record.get("WhatId")
        account = None
        if what:
            target = self.find(what)
            if target is not None:
                account = what if what.startswith("001") else target.get("AccountId")
        if account is None and who and who.startswith("003"):
            contact = self.find(who)
            account = contact.get("AccountId") if contact else None
        record["AccountId"] = account
        if kind == "Task":
            if created:
                record["Status"] = record.get("Status") or "Not Started"
                record["Priority"] = record.get("Priority") or "Normal"
                record["TaskSubtype"] = record.get("TaskSubtype") or "Task"
            record["IsHighPriority"] = record["Priority"] == "High"
            done = record["Status"] == "Completed"
            if done and not record.get("CompletedDateTime"):
                record["CompletedDateTime"] = record["LastModifiedDate"]
            if not done:
                record["CompletedDateTime"] = None
            record["IsClosed"] = done
            return
        _event_times(record, given, created)

    # -- lead conversion (the documented simplification) -------------------------------------------------
    def _convert(
        self, lead: Record, values: dict[str, Any], extra: dict[str, Any], actor: str, at: float
    ) -> None:
        """Salesforce converts leads with the SOAP/Apex ``convertLead`` call; the sandbox does it when a
        PATCH sets Status to 'Closed - Converted': an account (or ConvertedAccountId), a contact (or
        ConvertedContactId) and an opportunity (or ConvertedOpportunityId) named "<Company>-"."""
        merged = {**lead, **values}
        owner = merged.get("OwnerId") or actor
        checked = {
            k: self._reference(k, k, (k[len("Converted") : -2],), str(v)) for k, v in extra.items() if v
        }
        account_id = (
            checked.get("ConvertedAccountId")
            or self.create(
                "Account",
                {
                    "Name": merged.get("Company"),
                    "OwnerId": owner,
                    "Industry": merged.get("Industry"),
                    "Phone": merged.get("Phone"),
                    "Website": merged.get("Website"),
                    "BillingCity": merged.get("City"),
                    "BillingCountry": merged.get("Country"),
                    "AccountSource": merged.get("LeadSource"),
                },
                actor,
                at,
            )["Id"]
        )
        contact_id = (
            checked.get("ConvertedContactId")
            or self.create(
                "Contact",
                {
                    "FirstName": merged.get("FirstName"),
                    "LastName": merged.get("LastName"),
                    "Email": merged.get("Email"),
                    "Phone": merged.get("Phone"),
                    "Title": merged.get("Title"),
                    "AccountId": account_id,
                    "OwnerId": owner,
                    "LeadSource": merged.get("LeadSource"),
                },
                actor,
                at,
            )["Id"]
        )
        quarter_end = _quarter_end(datetime.fromtimestamp(at, UTC).date())
        opportunity_id = (
            checked.get("ConvertedOpportunityId")
            or self.create(
                "Opportunity",
                {
                    "Name": f"{merged.get('Company')}-",
                    "StageName": "Prospecting",
                    "CloseDate": quarter_end.isoformat(),
                    "AccountId": account_id,
                    "OwnerId": owner,
                    "LeadSource": merged.get("LeadSource"),
                },
                actor,
                at,
            )["Id"]
        )
        values.update(
            IsConverted=True,
            ConvertedDate=day(at),
            ConvertedAccountId=account_id,
            ConvertedContactId=contact_id,
            ConvertedOpportunityId=opportunity_id,
        )


def _address(record: Record, prefix: str) -> dict[str, Any] | None:
    parts = {
        "city": "City",
        "country": "Country",
        "geocodeAccuracy": "GeocodeAccuracy",
        "latitude": "Latitude",
        "longitude": "Longitude",
        "postalCode": "PostalCode",
        "state": "State",
        "street": "Street",
    }
    address = {key: record.get(prefix + name) for key, name in parts.items()}
    return address if any(v is not None for v in address.values()) else None


def _event_times(record: Record, given: dict[str, Any], created: bool) -> None:
    start_text = given.get("StartDateTime") or given.get("ActivityDateTime") or record.get("StartDateTime")
    if not start_text:
        raise err.required(["ActivityDateTime"])
    start = parse_datetime(start_text)
    assert start is not None  # stored values are already checked
    if given.get("EndDateTime"):
        end = parse_datetime(given["EndDateTime"])
        assert end is not None
    elif record.get("DurationInMinutes") is not None and ("DurationInMinutes" in given or not created):
        end = start + timedelta(minutes=int(record["DurationInMinutes"]))
    elif record.get("EndDateTime") and not created:
        end = parse_datetime(record["EndDateTime"]) or start
    else:
        raise err.required(["DurationInMinutes"])
    if end < start:
        raise err.ApiError(
            400,
            "FIELD_INTEGRITY_EXCEPTION",
            "End Date Time: End date and time must be after start date and time.",
            ["EndDateTime"],
        )
    record.update(
        StartDateTime=stamp(start.timestamp()),
        ActivityDateTime=stamp(start.timestamp()),
        EndDateTime=stamp(end.timestamp()),
        ActivityDate=start.date().isoformat(),
        EndDate=end.date().isoformat(),
        DurationInMinutes=int((end - start).total_seconds() // 60),
    )
    if created:
        record["ShowAs"] = record.get("ShowAs") or "Busy"


def _quarter_end(today: date) -> date:
    month = ((today.month - 1) // 3 + 1) * 3
    first_next = date(today.year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)
