"""Google's error envelopes: the JSON API one for Directory and Calendar, the OAuth one for /token.

API errors are ``{"error": {"code", "message", "errors": [{"message", "domain", "reason"}], "status"}}``,
spelled as the live APIs answer them; token errors are ``{"error", "error_description"}``.
"""

from __future__ import annotations

from typing import Any

from tenantsim.sandbox.kit.oauth_errors import OAuthError

_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
           409: "ALREADY_EXISTS", 410: "NOT_FOUND", 412: "FAILED_PRECONDITION", 429: "RESOURCE_EXHAUSTED",
           500: "INTERNAL", 503: "UNAVAILABLE"}


class GoogleApiError(Exception):
    """Raised by the tenant model and handlers; the app turns it into Google's error response."""

    def __init__(self, code: int, message: str, reason: str, domain: str = "global",
                 extra: dict[str, str] | None = None, top_message: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason
        self.domain = domain
        self.extra = extra or {}
        self.top_message = top_message or message

    def body(self) -> dict[str, Any]:
        detail = {"message": self.message, "domain": self.domain, "reason": self.reason, **self.extra}
        return {"error": {"code": self.code, "message": self.top_message, "errors": [detail],
                          "status": _STATUS.get(self.code, "UNKNOWN")}}


# -- Directory and Calendar ---------------------------------------------------------------------------
def not_found(key: str) -> GoogleApiError:
    """Directory: the key named in the path (userKey, groupKey, memberKey) matches nothing."""
    return GoogleApiError(404, f"Resource Not Found: {key}", "notFound")


def calendar_not_found() -> GoogleApiError:
    return GoogleApiError(404, "Not Found", "notFound")


def org_unit_not_found() -> GoogleApiError:
    return GoogleApiError(404, "Org unit not found", "notFound")


def deleted() -> GoogleApiError:
    return GoogleApiError(410, "Resource has been deleted", "deleted")


def duplicate(message: str = "Entity already exists.") -> GoogleApiError:
    return GoogleApiError(409, message, "duplicate")


def invalid(message: str) -> GoogleApiError:
    return GoogleApiError(400, message, "invalid")


def required(message: str) -> GoogleApiError:
    return GoogleApiError(400, message, "required")


def bad_request(message: str = "Bad Request") -> GoogleApiError:
    return GoogleApiError(400, message, "badRequest")


def condition_not_met(message: str) -> GoogleApiError:
    return GoogleApiError(400, message, "conditionNotMet")


def parse_error() -> GoogleApiError:
    return GoogleApiError(400, "Parse Error", "parseError")


def forbidden() -> GoogleApiError:
    return GoogleApiError(403, "Not Authorized to access this resource/api", "forbidden")


def calendar_forbidden() -> GoogleApiError:
    return GoogleApiError(403, "Forbidden", "forbidden")


def insufficient_scopes() -> GoogleApiError:
    return GoogleApiError(403, "Insufficient Permission", "insufficientPermissions",
                          top_message="Request had insufficient authentication scopes.")


_AUTH_HELP = ("Expected OAuth 2 access token, login cookie or other valid authentication credential. "
              "See https://developers.google.com/identity/sign-in/web/devconsole-project.")


def invalid_credentials() -> GoogleApiError:
    return GoogleApiError(401, "Invalid Credentials", "authError",
                          extra={"location": "Authorization", "locationType": "header"},
                          top_message=f"Request had invalid authentication credentials. {_AUTH_HELP}")


def login_required() -> GoogleApiError:
    return GoogleApiError(401, "Login Required.", "required",
                          extra={"location": "Authorization", "locationType": "header"},
                          top_message=f"Request is missing required authentication credential. {_AUTH_HELP}")


def user_rate_limited() -> GoogleApiError:
    return GoogleApiError(403, "Rate Limit Exceeded", "userRateLimitExceeded", domain="usageLimits")


def rate_limited() -> GoogleApiError:
    return GoogleApiError(429, "Rate Limit Exceeded", "rateLimitExceeded", domain="usageLimits")


def backend_error() -> GoogleApiError:
    return GoogleApiError(503, "The service is currently unavailable.", "backendError")


def method_not_found(path: str) -> GoogleApiError:
    return GoogleApiError(404, f"Method not found: {path}", "notFound")


# -- the token endpoint --------------------------------------------------------------------------------
def bad_signature() -> OAuthError:
    return OAuthError(400, "invalid_grant", "Invalid JWT Signature.")


def bad_times() -> OAuthError:
    return OAuthError(400, "invalid_grant",
                      "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
                      "timeframe. Check your iat and exp values in the JWT claim.")


def bad_subject() -> OAuthError:
    return OAuthError(400, "invalid_grant", "Invalid email or User ID")


def bad_audience() -> OAuthError:
    return OAuthError(400, "invalid_grant", "Invalid JWT: Failed audience check.")


def unauthorized_client() -> OAuthError:
    return OAuthError(401, "unauthorized_client",
                      "Client is unauthorized to retrieve access tokens using this method, or client not "
                      "authorized for any of the scopes requested.")


def invalid_scope() -> OAuthError:
    return OAuthError(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.")


def unsupported_grant(grant: str) -> OAuthError:
    return OAuthError(400, "unsupported_grant_type", f"Invalid grant_type: {grant[:80]}")


def invalid_request(description: str) -> OAuthError:
    return OAuthError(400, "invalid_request", description)
