"""The default user type's profile schema (``/api/v1/meta/schemas/user/default``).

``#base`` holds Okta's own properties (fixed here); ``#custom`` the org's. A POST is a partial update:
a custom property given is added or replaced, one given as ``null`` is removed (and its values leave
every profile). Users may only carry properties the schema defines: anything else is refused with
``E0000001`` and the cause ``Property name 'x' is not defined in profile``, as Okta does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tenantsim.sandbox.okta import errors as err
from tenantsim.sandbox.okta.model import iso, now

_SELF_READ_ONLY = [{"principal": "SELF", "action": "READ_ONLY"}]
_SELF_READ_WRITE = [{"principal": "SELF", "action": "READ_WRITE"}]
# name -> (title, type, extra): Okta's base profile properties.
_BASE: dict[str, tuple[str, str, dict[str, Any]]] = {
    "login": ("Username", "string", {"required": True, "minLength": 5, "maxLength": 100,
                                     "pattern": ".+"}),
    "firstName": ("First name", "string", {"required": True, "minLength": 1, "maxLength": 50}),
    "lastName": ("Last name", "string", {"required": True, "minLength": 1, "maxLength": 50}),
    "middleName": ("Middle name", "string", {}),
    "honorificPrefix": ("Honorific prefix", "string", {}),
    "honorificSuffix": ("Honorific suffix", "string", {}),
    "email": ("Primary email", "string", {"required": True, "format": "email"}),
    "title": ("Title", "string", {}),
    "displayName": ("Display name", "string", {}),
    "nickName": ("Nickname", "string", {}),
    "profileUrl": ("Profile Url", "string", {"format": "uri"}),
    "secondEmail": ("Secondary email", "string", {"format": "email"}),
    "mobilePhone": ("Mobile phone", "string", {"maxLength": 100}),
    "primaryPhone": ("Primary phone", "string", {"maxLength": 100}),
    "streetAddress": ("Street address", "string", {}),
    "city": ("City", "string", {}),
    "state": ("State", "string", {}),
    "zipCode": ("Zip code", "string", {}),
    "countryCode": ("Country code", "string", {"format": "country-code"}),
    "postalAddress": ("Postal Address", "string", {}),
    "preferredLanguage": ("Preferred language", "string", {"format": "language-code"}),
    "locale": ("Locale", "string", {"format": "locale"}),
    "timezone": ("Time zone", "string", {}),
    "userType": ("User type", "string", {}),
    "employeeNumber": ("Employee number", "string", {}),
    "costCenter": ("Cost center", "string", {}),
    "organization": ("Organization", "string", {}),
    "division": ("Division", "string", {}),
    "department": ("Department", "string", {}),
    "managerId": ("ManagerId", "string", {}),
    "manager": ("Manager", "string", {}),
}
BASE_NAMES = frozenset(_BASE)
TYPES = {"string": (str,), "boolean": (bool,), "integer": (int,), "number": (int, float), "array": (list,)}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
_ALLOWED_KEYS = {"title", "description", "type", "required", "mutability", "scope", "minLength", "maxLength",
                 "enum", "oneOf", "permissions", "master", "unique", "externalName", "externalNamespace",
                 "items", "pattern", "format", "union", "default"}


@dataclass
class UserSchema:
    custom: dict[str, dict[str, Any]] = field(default_factory=dict)  # property name -> definition
    created: float = 0.0
    last_updated: float = 0.0

    def dump(self) -> dict[str, Any]:
        return vars(self)

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> UserSchema:
        return cls(**data) if data else cls()


def _base_property(name: str) -> dict[str, Any]:
    title, kind, extra = _BASE[name]
    prop: dict[str, Any] = {"title": title, "type": kind, "mutability": "READ_WRITE", "scope": "NONE",
                            "permissions": _SELF_READ_ONLY if name in ("managerId", "manager") else
                            _SELF_READ_WRITE, "master": {"type": "PROFILE_MASTER"}}
    prop.update(extra)
    if name == "login":
        prop["unique"] = True
    return prop


def render(base: str, schema: UserSchema) -> dict[str, Any]:
    url = f"{base}/api/v1/meta/schemas/user/default"
    required = [name for name, (_, _, extra) in _BASE.items() if extra.get("required")]
    return {
        "id": url, "$schema": "http://json-schema.org/draft-04/schema#", "name": "user", "title": "User",
        "description": "Okta user profile template with default permission settings",
        "lastUpdated": iso(schema.last_updated), "created": iso(schema.created),
        "definitions": {
            "custom": {"id": "#custom", "type": "object",
                       "properties": {name: dict(prop) for name, prop in schema.custom.items()},
                       "required": [name for name, prop in schema.custom.items() if prop.get("required")]},
            "base": {"id": "#base", "type": "object",
                     "properties": {name: _base_property(name) for name in _BASE}, "required": required},
        },
        "type": "object",
        "properties": {"profile": {"allOf": [{"$ref": "#/definitions/custom"},
                                             {"$ref": "#/definitions/base"}]}},
        "_links": {"self": {"href": url, "method": "GET", "rel": "self"},
                   "type": {"href": f"{base}/api/v1/meta/types/user/oty1defaultusertype0", "method": "GET"}},
    }


def _of_type(value: Any, kind: str) -> bool:
    matches = isinstance(value, TYPES.get(kind, (object,)))
    return matches and (kind == "boolean" or not isinstance(value, bool))


def _checked(name: str, given: Any) -> dict[str, Any]:
    if not _NAME.match(name):
        raise err.validation("properties", f"Invalid property name '{name}': use letters, digits and "
                             "underscores, starting with a letter")
    if not isinstance(given, dict):
        raise err.validation(name, f"{name}: The property definition must be an object")
    kind = given.get("type")
    if kind not in TYPES:
        raise err.validation(name, f"{name}: Property type must be one of {', '.join(TYPES)}")
    if not str(given.get("title") or "").strip():
        raise err.validation(name, f"{name}: The field 'title' cannot be left blank")
    enum = given.get("enum")
    if enum is not None and (not isinstance(enum, list) or not all(_of_type(v, kind) for v in enum)):
        raise err.validation(name, f"{name}: Enum values must be of the property's type")
    prop = {k: v for k, v in given.items() if k in _ALLOWED_KEYS}
    prop.setdefault("mutability", "READ_WRITE")
    prop.setdefault("scope", "NONE")
    prop.setdefault("permissions", _SELF_READ_WRITE)
    prop.setdefault("master", {"type": "PROFILE_MASTER"})
    return prop


def update(schema: UserSchema, body: dict[str, Any]) -> list[str]:
    """Apply a partial update; returns the names of the custom properties removed."""
    definitions = body.get("definitions")
    if not isinstance(definitions, dict):
        raise err.validation("definitions", "definitions: The field cannot be left blank")
    custom = definitions.get("custom") or {}
    properties = custom.get("properties") if isinstance(custom, dict) else None
    if not isinstance(properties, dict):
        raise err.validation("definitions", "definitions.custom.properties: must be an object")
    for name in properties:
        if name in BASE_NAMES:
            raise err.validation("properties", f"Property name '{name}' is already defined in the base "
                                 "schema")
    checked = {name: _checked(name, given) for name, given in properties.items() if given is not None}
    removed = [name for name, given in properties.items() if given is None and name in schema.custom]
    for name in removed:
        del schema.custom[name]
    schema.custom.update(checked)
    schema.last_updated = now()
    return removed


def check_profile(schema: UserSchema, profile: dict[str, Any], what: str) -> None:
    """Every property defined, every value of its property's type (null clears a value)."""
    causes = []
    for name, value in profile.items():
        if name in BASE_NAMES:
            continue
        prop = schema.custom.get(name)
        if prop is None:
            causes.append(f"Property name '{name}' is not defined in profile")
            continue
        if value is None:
            continue
        kind = str(prop.get("type"))
        if not _of_type(value, kind):
            causes.append(f"{name}: Property '{name}' has an invalid value: it must be of type {kind}")
        elif prop.get("enum") and value not in prop["enum"]:
            causes.append(f"{name}: Does not match one of the allowed values")
        elif kind == "string" and prop.get("maxLength") and len(value) > int(prop["maxLength"]):
            causes.append(f"{name}: The field is too long")
    if causes:
        raise err.validation(what, *causes)
