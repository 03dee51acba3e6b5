"""Job templates: named presets of a job configuration, kept as data files (templates/*.yaml).

A template fills in everything about the company (platform, industry, size, rhythm) and nothing about
access: tokens, org URLs and keys always come from the person starting the job. A template that holds
a secret is refused when loaded, so one can never be shipped by mistake.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tenantsim.errors import InputError

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
# Keys that carry access rather than shape: never in a template.
SECRET_KEYS = frozenset({"user_tokens", "token", "api_key", "anthropic_api_key", "secret", "password"})
# Keys that name one particular tenant: the person picks those.
TENANT_KEYS = frozenset({"org_url", "workspace_gid", "base_url"})
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class TemplateError(ValueError):
    """A template file is malformed or holds something it must not."""


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    description: str
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def platforms(self) -> list[str]:
        """The connection types of the company's platforms: one, or each entry of ``platforms``."""
        several = self.config.get("platforms")
        if isinstance(several, list) and several:
            return [str(e.get("connection_type")) for e in several if isinstance(e, dict)]
        return [str(self.config.get("connection_type") or "asana")]

    @property
    def connection_type(self) -> str:
        return self.platforms[0]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "description": self.description,
                "connection_type": self.connection_type, "platforms": self.platforms,
                "config": dict(self.config)}


def _forbidden_keys(value: Any, path: str = "") -> list[str]:
    """Every secret-looking key anywhere in the structure (nested lists and dicts too)."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            where = f"{path}.{key}" if path else str(key)
            lowered = str(key).lower()
            if lowered in SECRET_KEYS or lowered in TENANT_KEYS or "token" in lowered or "key" in lowered:
                found.append(where)
            found.extend(_forbidden_keys(inner, where))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found.extend(_forbidden_keys(inner, f"{path}[{index}]"))
    return found


def parse_template(data: Any, source: str) -> Template:
    if not isinstance(data, dict):
        raise TemplateError(f"{source}: a template is a mapping with name, title, description, config")
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise TemplateError(f"{source}: name must be lower-case letters, digits and dashes")
    config = data.get("config")
    if not isinstance(config, dict) or not config:
        raise TemplateError(f"{source}: config must be a non-empty mapping")
    forbidden = _forbidden_keys(config)
    if forbidden:
        raise TemplateError(f"{source}: templates must not hold tokens, keys or a tenant: "
                            f"{', '.join(forbidden)}")
    if "template" in config:
        raise TemplateError(f"{source}: a template cannot name another template")
    return Template(name=name, title=str(data.get("title") or name),
                    description=str(data.get("description") or ""), config=dict(config))


class TemplateStore:
    """The templates of one server. ``apply`` is what POST /api/jobs/start calls for ``template``."""

    def __init__(self, templates: list[Template]) -> None:
        self._by_name: dict[str, Template] = {}
        for template in templates:
            if template.name in self._by_name:
                raise TemplateError(f"Two templates are named {template.name}")
            self._by_name[template.name] = template

    @classmethod
    def load(cls, directory: Path = TEMPLATES_DIR) -> TemplateStore:
        templates = []
        for path in sorted(directory.glob("*.yaml")):
            with path.open(encoding="utf-8") as handle:
                templates.append(parse_template(yaml.safe_load(handle), path.name))
        return cls(templates)

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def all(self) -> list[Template]:
        return [self._by_name[name] for name in self.names()]

    def get(self, name: Any) -> Template:
        found = self._by_name.get(name) if isinstance(name, str) else None
        if found is None:
            raise InputError(f"Unknown template: {name}")
        return found

    def apply(self, body: dict[str, Any]) -> dict[str, Any]:
        """The template's config with the request's own (non-empty) values on top.

        The template's name stays in the result, so the stored job says where it came from.
        """
        template = self.get(body.get("template"))
        overrides = {k: v for k, v in body.items() if v is not None and k != "template"}
        own, given = template.config.get("platforms"), overrides.get("platforms")
        if isinstance(own, list) and isinstance(given, list):  # each platform's target onto its entry
            overrides["platforms"] = [_onto(own, index, entry) for index, entry in enumerate(given)]
        return {**template.config, **overrides, "template": template.name}


def _onto(own: list[Any], index: int, entry: Any) -> Any:
    """A request's entry of ``platforms`` over the template's entry of its type (else of its place)."""
    if not isinstance(entry, dict):
        return entry
    kind = entry.get("connection_type")
    match = next((e for e in own if isinstance(e, dict) and e.get("connection_type") == kind), None)
    if match is None and kind is None and index < len(own) and isinstance(own[index], dict):
        match = own[index]
    return {**(match or {}), **entry}
