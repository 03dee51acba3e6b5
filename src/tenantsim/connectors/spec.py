"""What a platform tells the rest of tenantsim about itself: a ``PlatformSpec``.

Each platform fills one in, in ``connectors/<platform>/config.py``, and ``connectors/registry.py``
lists them. The API and the dashboard never branch on a connection type: they ask its spec.

* **Job configuration**: which fields a start request must carry (with the seed's messages), the
  per-token fields, and ``validate`` — the platform's own fields, checked by a pydantic model — run
  after the fields every job shares (``api/validation.py``).
* **Token checks**: ``token_request`` turns a ``POST /api/validate_token`` body into the credentials
  the connector checks.
* **Display**: label, mark, colour, the form fields the dashboard shows and how it fills them from
  the embedded sandbox (``GET /api/platforms``).

The small checks every config uses (a number in bounds, one of a list) live here too, so the API's
shared fields and each platform's own fields give the same messages.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from tenantsim.errors import InputError, InputProblems

if TYPE_CHECKING:
    from tenantsim.connectors.base import Connector, ConnectorRuntime


# -- checks shared by every platform's configuration --------------------------------------------

# The company's size, which every platform that makes people takes the same way.
ORG_SIZES = ("startup", "midsize", "enterprise")
MAX_INITIAL_USERS = 100_000


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


def check_number(key: str, value: Any, low: float, high: float, *, integer: bool = False) -> None:
    """None passes (the field is optional); anything else must be a number (an int) in bounds."""
    if value is None:
        return
    wrong_type = not isinstance(value, int | float) or (integer and not isinstance(value, int))
    if isinstance(value, bool) or wrong_type:
        kind = "an integer" if integer else "a number"
        raise InputError(f"Invalid value for {key}: must be {kind} between {low:g} and {high:g}")
    if not low <= value <= high:
        raise InputError(f"Invalid value for {key}: must be between {low:g} and {high:g}")


def check_choice(key: str, value: Any, choices: Sequence[str]) -> None:
    if value is not None and value not in choices:
        raise InputError(f"Invalid {key}: must be one of {', '.join(choices)}")


@dataclass(frozen=True)
class ConfigContext:
    """What a config check may depend on besides the request: the server's mode and allow-lists."""

    sandbox_mode: bool = False
    okta_allowed_hosts: Sequence[str] = ()


_PROBLEM = "tenantsim_input"
F = TypeVar("F", bound=Callable[..., Any])


def reports(check: F) -> F:
    """Wrap a field validator so its ``InputError`` becomes a pydantic error carrying the same message:
    pydantic then goes on with the other fields, and ``validated`` reports every problem at once."""
    @functools.wraps(check)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except InputError as exc:
            raise PydanticCustomError(_PROBLEM, "{message}", {"message": exc.message}) from None
    return wrapper  # type: ignore[return-value]


class ConfigProblems(InputProblems):
    """Every problem of a platform's fields: ``items`` are (field, message), the first as the seed says."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        super().__init__([(message, message) for _, message in items])
        self.items = items


def validated(model: type[BaseModel], data: dict[str, Any], ctx: ConfigContext) -> dict[str, Any]:
    """``model`` over ``data`` (its validators see ``ctx`` as ``info.context["ctx"]``), dumped without
    the fields left empty. Validators raise ``InputError`` with the seed's messages (wrapped in
    ``reports``); anything pydantic itself refuses is a 400 too, never a 500. Raises ``ConfigProblems``
    with every problem: the validators' own first (in field order), then pydantic's."""
    try:
        return model.model_validate(data, context={"ctx": ctx}).model_dump(exclude_none=True)
    except ValidationError as exc:
        ours: list[tuple[str, str]] = []
        theirs: list[tuple[str, str]] = []
        for error in exc.errors():
            loc = tuple(str(part) for part in error.get("loc", ()))
            field_name = loc[0] if loc else "body"
            if error.get("type") == _PROBLEM:
                ours.append((field_name, str((error.get("ctx") or {}).get("message") or error.get("msg"))))
            else:
                where = ".".join(loc) or "body"
                theirs.append((field_name, f"Invalid value for {where}: {error.get('msg', 'invalid')}"))
        raise ConfigProblems(ours + theirs) from None


def context_of(info: Any) -> ConfigContext:
    """The ``ConfigContext`` a validator was given (defaults when validated without one)."""
    ctx = (getattr(info, "context", None) or {}).get("ctx")
    return ctx if isinstance(ctx, ConfigContext) else ConfigContext()


# -- what the dashboard shows ---------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    hint: str = ""  # shown under the field while this choice is picked


@dataclass(frozen=True)
class FormField:
    """One field of the new-job form that belongs to a platform.

    ``section``: ``tenant`` (above the tokens), ``tokens`` (below them: what a token unlocks) or
    ``company``. ``type``: ``url``, ``text``, ``number``, ``choice`` (a segmented control), ``select``
    or ``hidden``. ``with_token``: ``required`` or ``optional`` when the field goes along with each
    token check; ``per_token``: copied into every ``user_tokens`` entry. ``lookup``: what to ask the
    server once a token is valid — ``{"kind": "probe", ...}`` shows that the tenant answers,
    ``{"kind": "options", ...}`` fills a select. ``secret`` and ``multiline``: how the form shows a
    credential of the job itself (a service account's key file).
    """

    name: str
    label: str
    type: str = "text"
    section: str = "tenant"
    placeholder: str = ""
    help: str = ""
    noun: str = ""  # how a sentence names it: "Enter the <noun> to check this token."
    unit: str = ""  # the summary says "<value> <unit>"
    default: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    wide: bool = False
    empty: str = ""  # a select's text before it has options
    choices: tuple[Choice, ...] = ()
    with_token: str = ""
    per_token: bool = False
    lookup: Mapping[str, str] | None = None
    secret: bool = False  # a credential: masked, never shown back (like a token)
    multiline: bool = False  # a key file's text: a multi-line box

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.lookup is not None:
            data["lookup"] = dict(self.lookup)
        return {k: v for k, v in data.items() if v not in (None, "", (), [], False)}


@dataclass(frozen=True)
class TokenForm:
    """How the form asks for this platform's user tokens."""

    label: str
    help: str
    name_prefix: str  # token names default to <prefix>1, <prefix>2, ...
    placeholder: str


# -- the spec -------------------------------------------------------------------------------------

ConfigCheck = Callable[[dict[str, Any], dict[str, Any], ConfigContext], dict[str, Any]]
TokenCheck = Callable[[dict[str, Any], ConfigContext], dict[str, Any]]


@dataclass(frozen=True)
class PlatformSpec:
    connection_type: str
    label: str  # "Okta": messages ("Okta continuous generation started ...") and the dashboard
    mark: str  # one letter on a coloured square
    color: str
    css_class: str
    description: str  # one line: what the job makes there
    role: str  # "identity" (creates the company's people) or "work" (acts as the token owners)
    tenant_noun: str  # "Okta org", "Asana workspace"
    builds: str  # "people, groups and app assignments": what the initial build makes
    tenant_field: str  # the config field that names the tenant
    tenant_missing: str  # the summary's text while that field is empty
    tokens: TokenForm
    fields: Callable[[], Sequence[FormField]]  # the form's fields (a function: hints may be computed)
    # The start request: the seed's required fields, in the order their absence is reported.
    required: tuple[str, ...]
    missing_prefix: str  # "Missing required field for Okta" / "Missing required field"
    token_fields: tuple[str, ...]  # required in every user_tokens entry
    destination: tuple[str, ...]  # the config fields that say where the tokens are sent (a clone that
    # changes one needs its own tokens)
    validate: ConfigCheck  # (body, config so far, ctx) -> this platform's validated fields
    token_request: TokenCheck  # POST /api/validate_token body -> the connector's credentials
    connector: Callable[[ConnectorRuntime], Connector]
    size_fields: tuple[str, ...] = ()  # the summary's "Size": the first of these with a value
    size_default: str = ""
    options: Callable[[], dict[str, Any]] = dict  # extra choices for GET /api/options
    # The embedded sandbox: the form's values for its tenant, and the config fields a start request
    # or token check gets when its tokens are the sandbox's own and the field was not given.
    sandbox_fill: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    sandbox_route: Callable[[dict[str, Any], Sequence[str]], dict[str, Any]] | None = None
    # The embedded sandbox's name (mounted at /sandbox/<name>, its description keyed by it) when it is
    # not the connection type (Google Workspace's emulator is "google"). See ``sandbox_key``.
    sandbox_name: str = ""
    # Text fields allowed past the shared length limit of a start request (they bound their own length):
    # a key file's text.
    long_fields: tuple[str, ...] = ()
    # What satisfies a missing required field, added to its message in the ``errors`` list.
    hints: Mapping[str, str] = field(default_factory=dict)
    # This platform's fields of a start request besides its required and form fields. With the fields
    # every job shares, ``accepted_fields`` is all a start request may carry: the rest is refused.
    config_fields: tuple[str, ...] = ()
    # Fields a ``user_tokens`` entry may carry instead of (never with) ``token``: another kind of
    # credential (Okta: an OAuth 2.0 service app's client_id and private_key), checked by ``validate``.
    credential_fields: tuple[str, ...] = ()
    # Fields of the job itself that are credentials (Google Workspace's service account key): like
    # ``user_tokens``, a clone aimed at another platform or tenant must bring its own.
    job_credentials: tuple[str, ...] = ()

    @property
    def sandbox_key(self) -> str:
        """The name this platform's embedded sandbox goes by (its mount and description key)."""
        return self.sandbox_name or self.connection_type

    def accepted_fields(self) -> tuple[str, ...]:
        """This platform's own fields of a start request: required, on the form, or listed."""
        names = [*self.required, *(f.name for f in self.fields()), *self.config_fields]
        return tuple(dict.fromkeys(names))

    def metadata(self) -> dict[str, Any]:
        """The spec as the dashboard reads it (GET /api/platforms)."""
        return {
            "connection_type": self.connection_type, "label": self.label, "mark": self.mark,
            "color": self.color, "css_class": self.css_class, "description": self.description,
            "role": self.role, "tenant_noun": self.tenant_noun, "builds": self.builds,
            "tenant_field": self.tenant_field, "tenant_missing": self.tenant_missing,
            "tokens": asdict(self.tokens), "fields": [f.as_dict() for f in self.fields()],
            "size_fields": list(self.size_fields), "size_default": self.size_default,
        }
