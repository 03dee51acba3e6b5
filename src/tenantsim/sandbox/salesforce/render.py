"""Records and metadata as the REST API returns them: ``attributes`` first, every field of the object
(null when empty) or just the ones asked for, describeGlobal and the per-object describe."""

from __future__ import annotations

from typing import Any

from tenantsim.sandbox.salesforce import errors as err
from tenantsim.sandbox.salesforce.schema import OBJECTS, SObject

VERSION = "59.0"
API = f"/services/data/v{VERSION}"


def record_url(sobject: str, record_id: str) -> str:
    return f"{API}/sobjects/{sobject}/{record_id}"


def attributes(sobject: str, record_id: str) -> dict[str, str]:
    return {"type": sobject, "url": record_url(sobject, record_id)}


def record(sobject: SObject, data: dict[str, Any], fields: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"attributes": attributes(sobject.name, data["Id"])}
    names = [f.name for f in sobject.fields.values()] if fields is None else fields
    for name in names:
        out[name] = data.get(name)
    return out


def field_list(sobject: SObject, raw: str | None) -> list[str] | None:
    """``?fields=Name,Industry``: canonical names, or INVALID_FIELD naming the first unknown one."""
    if raw is None:
        return None
    names: list[str] = []
    for part in raw.split(","):
        name = part.strip()
        if not name:
            continue
        spec = sobject.find(name)
        if spec is None:
            raise err.ApiError(
                400,
                "INVALID_FIELD",
                f"No such column '{name[:80]}' on entity '{sobject.name}'. "
                "If you are attempting to use a custom field, be sure to append the '__c' after "
                "the custom field name. Please reference your WSDL or the describe call for the "
                "appropriate names.",
            )
        names.append(spec.name)
    return names


def _urls(sobject: SObject) -> dict[str, str]:
    base = f"{API}/sobjects/{sobject.name}"
    return {
        "rowTemplate": base + "/{ID}",
        "defaultValues": base + "/defaultValues?recordTypeId&fields",
        "describe": base + "/describe",
        "sobject": base,
    }


def summary(sobject: SObject) -> dict[str, Any]:
    writable = sobject.writable
    return {
        "activateable": False,
        "associateEntityType": None,
        "associateParentEntity": None,
        "createable": writable,
        "custom": False,
        "customSetting": False,
        "deepCloneable": False,
        "deletable": writable,
        "deprecatedAndHidden": False,
        "feedEnabled": sobject.name != "CaseComment",
        "hasSubtypes": False,
        "isInterface": False,
        "isSubtype": False,
        "keyPrefix": sobject.prefix,
        "label": sobject.label,
        "labelPlural": sobject.plural,
        "layoutable": True,
        "mergeable": sobject.name in ("Account", "Contact", "Lead", "Case"),
        "mruEnabled": True,
        "name": sobject.name,
        "queryable": True,
        "replicateable": True,
        "retrieveable": True,
        "searchable": sobject.name != "CaseComment",
        "triggerable": True,
        "undeletable": writable,
        "updateable": True,
        "urls": _urls(sobject),
    }


def describe_global() -> dict[str, Any]:
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [summary(o) for o in sorted(OBJECTS.values(), key=lambda o: o.name)],
    }


def basic_info(sobject: SObject, recent: list[dict[str, Any]]) -> dict[str, Any]:
    """GET sobjects/{type}: the object's summary and its recently viewed records."""
    return {"objectDescribe": summary(sobject), "recentItems": recent}


def describe(sobject: SObject) -> dict[str, Any]:
    fields = []
    for spec in sobject.fields.values():
        fields.append(
            {
                "name": spec.name,
                "label": spec.label,
                "type": spec.soap_type,
                "soapType": "tns:ID" if spec.references or spec.name == "Id" else f"xsd:{_xsd(spec.kind)}",
                "length": spec.length if spec.kind == "s" else 0,
                "custom": spec.name.endswith("__c"),
                "createable": spec.createable,
                "updateable": spec.updateable,
                "nillable": not spec.required and spec.kind != "b" and spec.name != "Id",
                "defaultedOnCreate": spec.name
                in ("Id", "OwnerId", "CreatedDate", "CreatedById", "Status", "Priority")
                or spec.kind == "b",
                "referenceTo": list(spec.references),
                "relationshipName": spec.relationship,
                "picklistValues": [
                    {"active": True, "defaultValue": False, "label": v, "value": v, "validFor": None}
                    for v in spec.picklist
                ],
                "restrictedPicklist": spec.restricted,
                "filterable": spec.kind != "o",
                "sortable": spec.kind != "o",
                "idLookup": spec.name == "Id",
                "externalId": False,
                "unique": False,
                "calculated": False,
            }
        )
    return {
        **summary(sobject),
        "fields": fields,
        "childRelationships": [],
        "recordTypeInfos": [],
        "supportedScopes": [{"label": "All " + sobject.plural.lower(), "name": "everything"}],
    }


def _xsd(kind: str) -> str:
    return {
        "s": "string",
        "b": "boolean",
        "n": "double",
        "i": "int",
        "d": "date",
        "t": "dateTime",
        "o": "anyType",
    }[kind]
