"""Salesforce's error shapes: the REST API's ``[{"message", "errorCode", "fields"?}]`` list, the
``{"statusCode", "message", "fields"}`` entries of save results, and OAuth's
``{"error", "error_description"}``.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Raised anywhere below the app; the app (or a composite call) turns it into Salesforce's answer."""

    def __init__(self, status: int, code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields

    def entry(self) -> dict[str, Any]:
        item: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            item["fields"] = list(self.fields)
        return item

    def body(self) -> list[dict[str, Any]]:
        return [self.entry()]

    def save_error(self) -> dict[str, Any]:
        """The same error inside a save result (collections), where Salesforce calls the code statusCode."""
        return {"statusCode": self.code, "message": self.message, "fields": list(self.fields or [])}


def required(names: list[str]) -> ApiError:
    return ApiError(
        400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(names)}]", names
    )


def invalid_field(sobject: str, name: str) -> ApiError:
    return ApiError(400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}", [name])


def not_writable(name: str, create: bool) -> ApiError:
    verb = "create" if create else "update"
    return ApiError(
        400,
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        f"Unable to {verb} fields: {name}. Please check the security settings of this field "
        "and verify that it is read/write for your profile or permission set.",
        [name],
    )


def bad_value(name: str, kind: str, value: Any) -> ApiError:
    return ApiError(
        400,
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from VALUE_STRING value {str(value)[:80]} or "
        f"request may be missing a required field",
        [name],
    )


def picklist(name: str, value: Any) -> ApiError:
    return ApiError(
        400,
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        f"bad value for restricted picklist field: {str(value)[:80]}",
        [name],
    )


def too_long(name: str, label: str, limit: int) -> ApiError:
    return ApiError(400, "STRING_TOO_LONG", f"{label}: data value too large (max length={limit})", [name])


def wrong_id_type(name: str, label: str, value: str) -> ApiError:
    return ApiError(
        400, "FIELD_INTEGRITY_EXCEPTION", f"{label}: id value of incorrect type: {value[:40]}", [name]
    )


def malformed_field_id(name: str, label: str, value: Any) -> ApiError:
    return ApiError(400, "MALFORMED_ID", f"{label}: id value of incorrect type: {str(value)[:40]}", [name])


def cross_reference(name: str) -> ApiError:
    return ApiError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [name])


def inactive_owner() -> ApiError:
    return ApiError(
        400, "INACTIVE_OWNER_OR_USER", "operation performed with inactive user as owner", ["OwnerId"]
    )


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def external_id(value: str) -> ApiError:
    """A path segment that is no id: Salesforce takes it for an external id field name."""
    return ApiError(
        404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {value[:80]}"
    )


def malformed_id(label: str, value: str) -> ApiError:
    return ApiError(400, "MALFORMED_ID", f"{label} ID: id value of incorrect type: {value[:40]}")


def deleted() -> ApiError:
    return ApiError(404, "ENTITY_IS_DELETED", "entity is deleted")


def invalid_type(name: str) -> ApiError:
    return ApiError(
        400,
        "INVALID_TYPE",
        f"sObject type '{name[:80]}' is not supported. If you are attempting "
        "to use a custom object, be sure to append the '__c' after the "
        "entity name. Please reference your WSDL or the describe call for "
        "the appropriate names.",
    )


def json_parse(detail: str = "Unexpected character") -> ApiError:
    return ApiError(400, "JSON_PARSER_ERROR", f"{detail} at [line:1, column:1]")


def method_not_allowed(method: str, allowed: str) -> ApiError:
    return ApiError(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed. Allowed are {allowed}")


def session_invalid() -> ApiError:
    return ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")


def limit_exceeded() -> ApiError:
    return ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")


def server_unavailable() -> ApiError:
    return ApiError(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable, please try again later.")


def delete_failed(name: str, what: str, numbers: list[str]) -> ApiError:
    return ApiError(
        400,
        "DELETE_FAILED",
        f"Your attempt to delete {name} could not be completed because it "
        f"is associated with the following {what}.: {', '.join(numbers)}",
    )


def converted_lead() -> ApiError:
    return ApiError(400, "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", [])


def read_only_object(sobject: str) -> ApiError:
    return ApiError(
        403,
        "INSUFFICIENT_ACCESS_OR_READONLY",
        f"insufficient access rights on object id (the sandbox's {sobject} records are read-only)",
    )


def license_limit() -> ApiError:
    return ApiError(400, "LICENSE_LIMIT_EXCEEDED", "License Limit Exceeded", [])


def query(code: str, message: str) -> ApiError:
    return ApiError(400, code, message)
