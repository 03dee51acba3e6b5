"""Microsoft's error envelopes: Graph's OData error for the API, Entra ID's AADSTS one for the token endpoint.

Graph errors are
``{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}``;
the handlers raise ``GraphError`` with the code and message only and the app fills ``innerError`` with the
request's ids. Token errors are ``{"error", "error_description", "error_codes", "timestamp", "trace_id",
"correlation_id", "error_uri"}`` with the AADSTS number leading the description, as Entra ID words them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any


class GraphError(Exception):
    """Raised by the tenant model and handlers; the app turns it into Graph's error response."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self, request_id: str, client_request_id: str, at: float) -> dict[str, Any]:
        date = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "date": date,
                    "request-id": request_id,
                    "client-request-id": client_request_id,
                },
            }
        }


def not_found(what: str) -> GraphError:
    return GraphError(
        404,
        "Request_ResourceNotFound",
        f"Resource '{what}' does not exist or one of its queried reference-property objects are not present.",
    )


def item_not_found(message: str = "The requested item is not found.") -> GraphError:
    """Teams and Planner say "not found" in their own words."""
    return GraphError(404, "NotFound", message)


def bad_request(message: str) -> GraphError:
    return GraphError(400, "Request_BadRequest", message)


def invalid_request(message: str) -> GraphError:
    """Teams and Planner (not the directory) call a bad body BadRequest."""
    return GraphError(400, "BadRequest", message)


def unsupported_query(message: str = "Unsupported Query.") -> GraphError:
    return GraphError(400, "Request_UnsupportedQuery", message)


def duplicate(prop: str) -> GraphError:
    return bad_request(f"Another object with the same value for property {prop} already exists.")


def unknown_property(name: str, kind: str) -> GraphError:
    return bad_request(f"Could not find a property named '{name}' on type 'microsoft.graph.{kind}'.")


def empty_token() -> GraphError:
    return GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")


def malformed_token() -> GraphError:
    return GraphError(
        401,
        "InvalidAuthenticationToken",
        "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS "
        "or JWE Compact Serialization Format. (JWS): 'EncodedHeader.EncodedPayload.EncodedSignature'.",
    )


def invalid_token() -> GraphError:
    return GraphError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")


def expired_token() -> GraphError:
    return GraphError(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")


def insufficient_privileges() -> GraphError:
    return GraphError(
        403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
    )


def forbidden(message: str) -> GraphError:
    return GraphError(403, "Forbidden", message)


APP_ONLY_POST = (
    "Message POST is allowed in application-only context only for import purposes. Refer to "
    "https://docs.microsoft.com/microsoftteams/platform/graph-api/import-messages/"
    "import-external-messages-to-teams for more details."
)


def app_only_post() -> GraphError:
    """Teams answers an application's channel post (outside a migration) with 401 Unauthorized, not 403."""
    return GraphError(401, "Unauthorized", APP_ONLY_POST)


def if_match_required() -> GraphError:
    return invalid_request("The If-Match header must be specified for this kind of request.")


def precondition_failed() -> GraphError:
    return GraphError(
        412, "PreconditionFailed", "The request is not valid for the current state of the resource."
    )


def throttled(retry_after: int, message: str) -> GraphError:
    return GraphError(429, "TooManyRequests", message, headers={"Retry-After": str(retry_after)})


def service_unavailable() -> GraphError:
    return GraphError(
        503,
        "serviceNotAvailable",
        "The service is temporarily unavailable. Please retry later.",
        headers={"Retry-After": "2"},
    )


def no_route(path: str) -> GraphError:
    segment = path.strip("/").split("/")[1] if path.count("/") > 1 else path.strip("/")
    return GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")


def method_not_allowed() -> GraphError:
    return GraphError(
        405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target."
    )


# -- the token endpoint --------------------------------------------------------------------------------
class TokenError(Exception):
    """A refusal of /{tenant}/oauth2/v2.0/token. The description never echoes a secret or an assertion."""

    def __init__(self, status: int, error: str, number: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.error = error
        self.number = number
        self.text = text

    def body(self, at: float) -> dict[str, Any]:
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S") + "Z"
        description = (
            f"AADSTS{self.number}: {self.text} Trace ID: {trace} Correlation ID: {correlation} "
            f"Timestamp: {stamp}"
        )
        return {
            "error": self.error,
            "error_description": description,
            "error_codes": [self.number],
            "timestamp": stamp,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"https://login.microsoftonline.com/error?code={self.number}",
        }


def bad_secret(client_id: str) -> TokenError:
    return TokenError(
        401,
        "invalid_client",
        7000215,
        "Invalid client secret provided. Ensure the secret being sent in the request is the client "
        f"secret value, not the client secret ID, for a secret added to app '{client_id}'.",
    )


def unknown_app(client_id: str, tenant_id: str) -> TokenError:
    return TokenError(
        400,
        "unauthorized_client",
        700016,
        f"Application with identifier '{client_id[:64]}' was not found in the directory "
        f"'{tenant_id}'. This can happen if the application has not been installed by the "
        "administrator of the tenant or consented to by any user in the tenant. You may have sent "
        "your authentication request to the wrong tenant.",
    )


def unknown_tenant(tenant: str) -> TokenError:
    return TokenError(
        400,
        "invalid_request",
        90002,
        f"Tenant '{tenant[:64]}' not found. Check to make sure you have the correct tenant ID and "
        "are signing into the correct cloud.",
    )


def no_credential() -> TokenError:
    return TokenError(
        401,
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    )


def bad_assertion_signature() -> TokenError:
    return TokenError(401, "invalid_client", 700027, "Client assertion failed signature validation.")


def unknown_certificate() -> TokenError:
    return TokenError(
        401,
        "invalid_client",
        700027,
        "The certificate with identifier used to sign the client assertion is not registered on application.",
    )


def assertion_expired() -> TokenError:
    return TokenError(401, "invalid_client", 700024, "Client assertion is not within its valid time range.")


def bad_audience() -> TokenError:
    return TokenError(
        401,
        "invalid_client",
        700021,
        "Client assertion application identifier doesn't match 'client_id' parameter.",
    )


def bad_scope(scope: str) -> TokenError:
    return TokenError(
        400,
        "invalid_scope",
        1002012,
        f"The provided value for scope {scope[:80]} is not valid. Client credential flows must "
        "have a scope value with /.default suffixed to the resource identifier (application ID URI).",
    )


def unsupported_grant(grant: str) -> TokenError:
    return TokenError(
        400, "unsupported_grant_type", 70003, f"The app requested an unsupported grant type '{grant[:40]}'."
    )


def missing(parameter: str) -> TokenError:
    return TokenError(
        400,
        "invalid_request",
        900144,
        f"The request body must contain the following parameter: '{parameter}'.",
    )
