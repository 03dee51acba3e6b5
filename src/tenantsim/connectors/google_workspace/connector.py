"""GoogleConnector: the credential check (the service account acting as the admin), the job's adapter and
its realism measures. Keys and base URLs reach here already checked by ``config.py``."""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.base import ConnectorRuntime, JobContext, ValidatedUser
from tenantsim.connectors.google_workspace.adapter import GoogleAdapter
from tenantsim.connectors.google_workspace.client import GoogleClient
from tenantsim.connectors.google_workspace.config import parse_key
from tenantsim.connectors.google_workspace.realism import measure
from tenantsim.connectors.http import HttpStats
from tenantsim.errors import InputError
from tenantsim.scenario.company import Company
from tenantsim.store.ledger_types import LedgerEntry


class GoogleConnector:
    connection_type = "google_workspace"

    def __init__(self, runtime: ConnectorRuntime) -> None:
        self.runtime = runtime

    def client(self, config: dict[str, Any], *, stats: HttpStats | None = None) -> GoogleClient:
        admin = config.get("admin_email")
        if not admin:
            raise InputError("Missing required field: admin_email")
        if not config.get("service_account_key"):
            raise InputError("Missing required field: service_account_key")
        key = parse_key(config["service_account_key"], sandbox_mode=self.runtime.sandbox_mode)
        domain = str(config.get("domain") or str(admin).rsplit("@", 1)[-1]).lower()
        capacity = float(config.get("max_api_capacity") or 100) / 100.0
        return GoogleClient(key, admin_email=str(admin), domain=domain,
                            customer=str(config.get("customer") or "my_customer"),
                            api_base_url=config.get("api_base_url"), budgets=self.runtime.budgets,
                            capacity=capacity, transport=self.runtime.transport, stats=stats,
                            observer=self.runtime.observer, timeout=self.runtime.timeout)

    async def validate_token(self, credentials: dict[str, Any]) -> ValidatedUser:
        """The service account can act as the admin: a token for them, then their own user record."""
        client = self.client(credentials)
        try:
            me = await client.get_user(client.admin_email)
        finally:
            await client.aclose()
        name = (me.get("name") or {}).get("fullName") or me.get("primaryEmail") or client.admin_email
        return ValidatedUser(name=str(name), email=me.get("primaryEmail"), id=str(me.get("id")))

    async def open_adapter(self, ctx: JobContext) -> GoogleAdapter:
        client = self.client(ctx.config, stats=ctx.http_stats)
        try:
            await client.get_user(client.admin_email)  # the key, the delegation and the admin all work
        except BaseException:
            await client.aclose()
            raise
        return GoogleAdapter(ctx, client)

    async def realism(self, config: dict[str, Any], entries: list[LedgerEntry],
                      company: Company) -> list[dict[str, Any]]:
        client = self.client(config)
        try:
            return await measure(client, entries, company)
        finally:
            await client.aclose()
