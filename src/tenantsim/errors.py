"""One error taxonomy. Connectors raise; only the job runner decides retry / skip / fail.

Messages never carry secrets: build them from status codes and platform error codes only.
"""

from __future__ import annotations


class TenantsimError(Exception):
    """Base for every error tenantsim raises on purpose."""


class InputError(TenantsimError):
    """Bad input from a user of the API or CLI: answered with a 4xx, changes nothing."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class InputProblems(InputError):
    """Every problem of one request at once. ``message`` is the first problem as the seed words it (the
    envelope's ``error``); ``details`` lists every problem, each saying what would satisfy it where
    there is more to say (the envelope's ``errors``)."""

    def __init__(self, problems: list[tuple[str, str]], status_code: int = 400,
                 fields: list[str] | None = None) -> None:
        if not problems:
            raise ValueError("InputProblems needs at least one problem")
        super().__init__(problems[0][0], status_code)
        self.details = [detail or message for message, detail in problems]
        self.fields = list(fields) if fields is not None else [""] * len(problems)  # what each is about


class NotFoundError(InputError):
    def __init__(self, message: str) -> None:
        super().__init__(message, 404)


class ConflictError(InputError):
    def __init__(self, message: str) -> None:
        super().__init__(message, 409)


class PlatformError(TenantsimError):
    """A platform call went wrong. ``status`` is the HTTP status (0 when no response came)."""

    def __init__(self, message: str, status: int = 0, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class FatalError(PlatformError):
    """Retrying cannot help (bad credentials, forbidden, malformed request): stop this operation."""


class AuthError(FatalError):
    """The token was refused (401) or lacks permission (403)."""


class NotFoundOnPlatform(FatalError):
    """404: the object is not there. Deletes treat this as done."""


class QuotaExhausted(FatalError):
    """The tenant's allowance for the period is spent (Salesforce's daily API allocation): nothing more can
    be done until it renews. The runner stops the job (not a failure); a later start resumes it."""


class Skippable(PlatformError):
    """This one operation cannot be done (a 400/409 for this object); the job goes on."""


class HeldByAnotherJob(Skippable):
    """The name is claimed by another job on the same tenant: that job makes (and removes) the object."""


class Retriable(PlatformError):
    """Try again later: 5xx, timeouts, dropped connections."""


class OutcomeUnknown(Retriable):
    """A create (a POST) went out and no answer came: the platform may have made the object. It is not
    sent again blindly (that could make it twice, one of them unrecorded); the caller looks it up
    through its intent and adopts it, or makes it once more when it is not there."""


class RateLimited(Retriable):
    """429. ``retry_after`` is the exact wait the platform asked for, in seconds."""

    def __init__(self, message: str, retry_after: float, status: int = 429, code: str | None = None) -> None:
        super().__init__(message, status, code)
        self.retry_after = retry_after


class JobSignal(BaseException):
    """Lifecycle signals raised inside a job's task. BaseException so broad handlers don't eat them."""


class JobStopping(JobSignal):
    """The job was asked to stop (or pause, or the server is shutting down): unwind now."""
