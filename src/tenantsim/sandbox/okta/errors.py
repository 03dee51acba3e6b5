"""Okta's error envelope: errorCode, errorSummary, errorLink, errorId, errorCauses."""

from __future__ import annotations

import secrets
import string
from typing import Any

_ID_CHARS = string.ascii_letters + string.digits + "_-"


class OktaApiError(Exception):
    """Raised by the org model and handlers; the app turns it into an Okta error response."""

    def __init__(self, status: int, code: str, summary: str, causes: list[str] | None = None) -> None:
        super().__init__(summary)
        self.status = status
        self.code = code
        self.summary = summary
        self.causes = causes or []

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.summary, self.causes)


def error_body(code: str, summary: str, causes: list[str] | None = None) -> dict[str, Any]:
    error_id = "oae" + "".join(secrets.choice(_ID_CHARS) for _ in range(22))
    return {"errorCode": code, "errorSummary": summary, "errorLink": code, "errorId": error_id,
            "errorCauses": [{"errorSummary": cause} for cause in causes or []]}


# The codes this emulator answers with, as Okta documents them.
def not_found(kind: str, ident: str) -> OktaApiError:
    return OktaApiError(404, "E0000007", f"Not found: Resource not found: {ident} ({kind})")


def validation(field: str, *causes: str) -> OktaApiError:
    return OktaApiError(400, "E0000001", f"Api validation failed: {field}", list(causes))


def bad_body() -> OktaApiError:
    return OktaApiError(400, "E0000003", "The request body was not well-formed.")


def invalid_search() -> OktaApiError:
    return OktaApiError(400, "E0000031", "Invalid search criteria.")


def wrong_status() -> OktaApiError:
    return OktaApiError(403, "E0000038", "This operation is not allowed in the user's current status.")


def already_active() -> OktaApiError:
    return OktaApiError(403, "E0000016", "Activation failed because the user is already active")


def forbidden() -> OktaApiError:
    return OktaApiError(403, "E0000006", "You do not have permission to perform the requested action")


def invalid_token() -> OktaApiError:
    return OktaApiError(401, "E0000011", "Invalid token provided")


def method_not_allowed() -> OktaApiError:
    return OktaApiError(405, "E0000022", "The endpoint does not support the provided HTTP method")


def rate_limited() -> OktaApiError:
    return OktaApiError(429, "E0000047", "API call exceeded rate limit due to too many requests.")


def server_error() -> OktaApiError:
    return OktaApiError(500, "E0000009", "Internal Server Error")


ALREADY_EXISTS = "An object with this field already exists in the current organization"
