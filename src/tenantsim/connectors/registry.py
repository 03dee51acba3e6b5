"""connection_type -> the platform's spec and its Connector. A new platform is its folder (with a
``config.py`` that defines ``PLATFORM``, a ``PlatformSpec``) plus its name in ``SUPPORTED``."""

from __future__ import annotations

import importlib
from typing import Any

from tenantsim.connectors.base import Connector, ConnectorRuntime
from tenantsim.connectors.spec import PlatformSpec
from tenantsim.errors import InputError

# The seed's order, then newer platforms (GET /api/health).
SUPPORTED = ("asana", "okta", "google_workspace", "microsoft365", "salesforce")
DEFAULT_CONNECTION_TYPE = "asana"  # the seed: a request (or a stored job) without one is an Asana one


def _load(connection_type: str) -> PlatformSpec:
    spec = importlib.import_module(f"tenantsim.connectors.{connection_type}.config").PLATFORM
    if not isinstance(spec, PlatformSpec) or spec.connection_type != connection_type:
        raise TypeError(f"connectors/{connection_type}/config.py must define PLATFORM for {connection_type}")
    return spec


PLATFORMS: dict[str, PlatformSpec] = {name: _load(name) for name in SUPPORTED}


def platform_for(connection_type: str | None) -> PlatformSpec:
    """The spec of ``connection_type`` (the default when empty); a 400 for a type we do not support."""
    name = connection_type or DEFAULT_CONNECTION_TYPE
    spec = PLATFORMS.get(name) if isinstance(name, str) else None
    if spec is None:
        raise InputError(f"Unsupported connection type: {name}")
    return spec


def platform_for_token(body: dict[str, Any]) -> PlatformSpec:
    """The platform of a ``POST /api/validate_token`` body: its ``connection_type``; without one, the
    platform whose token entries carry fields (Okta's ``org_url``) when the body has ``token`` and
    those fields and no ``api_key``; the seed's default (Asana) for everything else."""
    if body.get("connection_type"):
        return platform_for(body["connection_type"])
    if not body.get("api_key") and body.get("token"):
        for spec in PLATFORMS.values():
            if spec.token_fields and all(body.get(name) for name in spec.token_fields):
                return spec
    return platform_for(None)


def in_display_order() -> list[PlatformSpec]:
    """Identity platforms first (they create the company's people), then work platforms."""
    return sorted(PLATFORMS.values(), key=lambda spec: spec.role != "identity")


def build_connectors(runtime: ConnectorRuntime) -> dict[str, Connector]:
    return {name: spec.connector(runtime) for name, spec in PLATFORMS.items()}
