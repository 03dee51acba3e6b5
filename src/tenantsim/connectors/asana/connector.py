"""AsanaConnector: token checks, workspace listing and the job's adapter. The real base URL is fixed;
a job may point at a loopback Asana (base_url) only when the server runs in sandbox mode."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from tenantsim.connectors.asana import realism
from tenantsim.connectors.asana.adapter import AsanaAdapter
from tenantsim.connectors.asana.client import ASANA_BASE_URL, AsanaClient
from tenantsim.connectors.asana.pool import AsanaClientPool
from tenantsim.connectors.base import ConnectorRuntime, JobContext, ValidatedUser
from tenantsim.errors import InputError
from tenantsim.scenario.company import Company
from tenantsim.store.ledger_types import LedgerEntry


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class AsanaConnector:
    connection_type = "asana"

    def __init__(self, runtime: ConnectorRuntime) -> None:
        self.runtime = runtime

    def base_url(self, override: str | None) -> str:
        """https://app.asana.com/api/1.0, or a loopback sandbox in sandbox mode (InputError otherwise)."""
        if not override:
            return ASANA_BASE_URL
        parts = urlsplit(str(override))
        if (
            not self.runtime.sandbox_mode
            or parts.scheme not in ("http", "https")
            or not _is_loopback(parts.hostname)
        ):
            raise InputError("base_url is only accepted in sandbox mode, for a loopback Asana", 400)
        return str(override).rstrip("/")

    def _client(self, token: str, base_url: str | None, name: str = "api_key") -> AsanaClient:
        return AsanaClient(
            token,
            name=name,
            budgets=self.runtime.budgets,
            base_url=self.base_url(base_url),
            transport=self.runtime.transport,
            observer=self.runtime.observer,
            timeout=self.runtime.timeout,
        )

    async def validate_token(self, credentials: dict[str, Any]) -> ValidatedUser:
        token = credentials.get("api_key") or credentials.get("token")
        if not token:
            raise InputError("Missing required field: api_key")
        client = self._client(str(token), credentials.get("base_url"))
        try:
            me = await client.me()
        finally:
            await client.aclose()
        return ValidatedUser(name=str(me.get("name") or ""), email=me.get("email"), id=str(me["gid"]))

    async def list_workspaces(self, api_key: str, base_url: str | None = None) -> list[dict[str, Any]]:
        client = self._client(api_key, base_url)
        try:
            found = await client.workspaces()
        finally:
            await client.aclose()
        return [
            {
                "gid": str(w["gid"]),
                "name": w.get("name", ""),
                "is_organization": bool(w.get("is_organization")),
            }
            for w in found
        ]

    async def realism(self, config: dict[str, Any], entries: list[LedgerEntry],
                      company: Company) -> list[dict[str, Any]]:
        """The job's realism measures, read from its workspace with the job's tokens (each object with
        its creator's, as cleanup does). Every Asana measure is about the work, so ``company`` is unused."""
        pool = AsanaClientPool(config["user_tokens"], budgets=self.runtime.budgets,
                               base_url=self.base_url(config.get("base_url")),
                               transport=self.runtime.transport, observer=self.runtime.observer,
                               timeout=self.runtime.timeout)
        try:
            await pool.validate()
            return await realism.measure(pool, str(config["workspace_gid"]), entries)
        finally:
            await pool.aclose()

    async def open_adapter(self, ctx: JobContext) -> AsanaAdapter:
        """Validate the job's tokens (AuthError when none works). Intents a crash left without an id
        are settled by ``AsanaAdapter.prepare`` before anything reads the ledger."""
        capacity = float(ctx.config.get("max_api_capacity") or 100) / 100.0
        pool = AsanaClientPool(
            ctx.config["user_tokens"],
            budgets=self.runtime.budgets,
            base_url=self.base_url(ctx.config.get("base_url")),
            capacity=capacity,
            transport=self.runtime.transport,
            stats=ctx.http_stats,
            observer=self.runtime.observer,
            timeout=self.runtime.timeout,
        )
        try:
            await pool.validate()
        except BaseException:
            await pool.aclose()
            raise
        if pool.rejected:
            ctx.activity(
                "notice",
                f"{len(pool.rejected)} of {len(ctx.config['user_tokens'])} tokens were "
                f"rejected by Asana and are not used: {', '.join(pool.rejected)}.",
                [],
            )
        return AsanaAdapter(ctx, pool)
