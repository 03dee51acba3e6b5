"""Everything between a start request and a stored job: validation, then token checks."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI

from tenantsim.api.validation import validate_start
from tenantsim.connectors.base import Connector
from tenantsim.content.packs import list_industries
from tenantsim.errors import AuthError, InputError, PlatformError
from tenantsim.settings import Settings


async def prepare_job(app: FastAPI, body: dict[str, Any]) -> dict[str, Any]:
    settings: Settings = app.state.settings
    if "template" in body and getattr(app.state, "templates", None) is not None:
        body = app.state.templates.apply(body)
    config = validate_start(body, sandbox_mode=settings.sandbox,
                            server_has_anthropic_key=settings.anthropic_api_key is not None,
                            industries=list_industries(), okta_allowed_hosts=settings.okta_allowed_hosts)
    if config["connection_type"] == "asana" and not config.get("base_url"):
        routed = sandbox_asana_base(app, [t["token"] for t in config["user_tokens"]])
        if routed:
            config["base_url"] = routed
    connector: Connector = app.state.connectors[config["connection_type"]]
    await check_tokens(connector, config)
    if config["content_provider"] == "anthropic":
        await check_content_key(settings, config)
    return config


def sandbox_asana_base(app: FastAPI, tokens: list[str]) -> str | None:
    """In sandbox mode, tokens of the embedded Asana sandbox go to it without an explicit base_url."""
    state = app.state
    base: str | None = getattr(state, "sandbox_asana_base_url", None)
    if not base or not state.settings.sandbox:
        return None
    described = (getattr(state, "sandbox_descriptions", None) or {}).get("asana") or {}
    known = {user.get("token") for user in described.get("users", [])}
    return base if any(token in known for token in tokens) else None


async def check_tokens(connector: Connector, config: dict[str, Any]) -> None:
    """At least one user token must work (seed section 4); the job uses the ones that do."""
    async def one(token: dict[str, Any]) -> BaseException | None:
        credentials = {**config, **token, "api_key": token["token"]}
        try:
            await connector.validate_token(credentials)
        except PlatformError as exc:
            return exc
        return None

    results = await asyncio.gather(*(one(t) for t in config["user_tokens"]))
    if all(r is not None for r in results):
        first = results[0]
        if isinstance(first, AuthError):
            raise AuthError("No valid user tokens: every token in user_tokens was rejected", 401)
        raise first if isinstance(first, PlatformError) else InputError("No valid user tokens")


async def check_content_key(settings: Settings, config: dict[str, Any]) -> None:
    from tenantsim.content.factory import check_anthropic_key

    key = config.get("anthropic_api_key") or (
        settings.anthropic_api_key.get_secret_value() if settings.anthropic_api_key else None)
    if not key:
        raise InputError("Missing required field: anthropic_api_key")
    await check_anthropic_key(key, model=settings.anthropic_model, base_url=settings.anthropic_base_url)
