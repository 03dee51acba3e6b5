"""Everything between a start request and a stored job: validation, then token checks."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI

from tenantsim.api.validation import validate_start
from tenantsim.connectors.base import Connector
from tenantsim.connectors.registry import platform_for
from tenantsim.connectors.spec import ConfigContext
from tenantsim.content.packs import list_industries
from tenantsim.errors import AuthError, InputError, InputProblems, PlatformError
from tenantsim.jobs.platforms import is_multi, platform_configs
from tenantsim.settings import Settings


def config_context(settings: Settings) -> ConfigContext:
    return ConfigContext(sandbox_mode=settings.sandbox, okta_allowed_hosts=tuple(settings.okta_allowed_hosts))


def _validated(app: FastAPI, body: dict[str, Any]) -> dict[str, Any]:
    settings: Settings = app.state.settings
    if "template" in body and getattr(app.state, "templates", None) is not None:
        try:
            body = app.state.templates.apply(body)
        except InputError as exc:
            raise InputProblems([(exc.message, exc.message)], exc.status_code, fields=["template"]) from None
    return validate_start(body, ctx=config_context(settings),
                          server_has_anthropic_key=settings.anthropic_api_key is not None,
                          industries=list_industries())


def start_problems(app: FastAPI, body: dict[str, Any], refused: set[str]) -> list[str]:
    """The start checks' problems with ``body``, for a request whose model refused the ``refused``
    fields (left out of ``body``, and of what is said here). Never raises."""
    try:
        _validated(app, body)
    except InputProblems as exc:
        return [detail for field, detail in zip(exc.fields, exc.details, strict=True) if field not in refused]
    except InputError as exc:
        return [exc.message]
    return []


async def prepare_job(app: FastAPI, body: dict[str, Any]) -> dict[str, Any]:
    settings: Settings = app.state.settings
    config = _validated(app, body)
    # Each platform's own fields: the job's config itself, or each entry of a multi-platform job's list.
    targets = config["platforms"] if is_multi(config) else [config]
    for target in targets:
        tokens = [t["token"] for t in target.get("user_tokens") or [] if t.get("token")]
        route_to_sandbox(app, target["connection_type"], target, tokens)
    await asyncio.gather(*(check_tokens(app.state.connectors[c["connection_type"]], c)
                           for c in platform_configs(config)))
    if config["content_provider"] == "anthropic":
        await check_content_key(settings, config)
    return config


def sandbox_route(app: FastAPI, connection_type: str, tokens: list[str]) -> dict[str, Any]:
    """In sandbox mode, the fields (a base URL) that send the embedded sandbox's own tokens to it."""
    state = app.state
    spec = platform_for(connection_type)
    described = (getattr(state, "sandbox_descriptions", None) or {}).get(spec.sandbox_key)
    if not state.settings.sandbox or not described or spec.sandbox_route is None:
        return {}
    return spec.sandbox_route(described, tokens)


def route_to_sandbox(app: FastAPI, connection_type: str, data: dict[str, Any], tokens: list[str]) -> None:
    """Fill in what ``sandbox_route`` gives for the fields ``data`` does not set itself."""
    for key, value in sandbox_route(app, connection_type, tokens).items():
        if not data.get(key):
            data[key] = value


def started_message(connection_type: str, job_id: str) -> str:
    """The seed's answer to a start: "<Platform> continuous generation started - Job ID: <id>"."""
    return f"{platform_for(connection_type).label} continuous generation started - Job ID: {job_id}"


async def check_tokens(connector: Connector, config: dict[str, Any]) -> None:
    """At least one user token must work (seed section 4); the job uses the ones that do."""
    async def one(token: dict[str, Any]) -> BaseException | None:
        credentials = {**config, **token, "api_key": token.get("token")}
        try:
            await connector.validate_token(credentials)
        except PlatformError as exc:
            return exc
        return None

    if not config.get("user_tokens"):  # credentials that are fields of the job (a service account key)
        await connector.validate_token(dict(config))
        return
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
