"""SalesforceConnector: the credential check (a token for the connected app, then who it runs as), the
job's adapter and its realism measures. Fields reach here already checked by ``config.py``; the org URL
is checked again, since a stored job's configuration is read back from the store."""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.base import ConnectorRuntime, JobContext, ValidatedUser
from tenantsim.connectors.http import HttpStats
from tenantsim.connectors.salesforce.adapter import SalesforceAdapter
from tenantsim.connectors.salesforce.client import Credentials, SalesforceClient
from tenantsim.connectors.salesforce.config import check_instance_url
from tenantsim.connectors.salesforce.realism import measure
from tenantsim.errors import InputError
from tenantsim.scenario.company import Company
from tenantsim.store.ledger_types import LedgerEntry


class SalesforceConnector:
    connection_type = "salesforce"

    def __init__(self, runtime: ConnectorRuntime) -> None:
        self.runtime = runtime

    def client(self, config: dict[str, Any], *, stats: HttpStats | None = None) -> SalesforceClient:
        for name in ("instance_url", "client_id"):
            if not config.get(name):
                raise InputError(f"Missing required field: {name}")
        if not config.get("client_secret") and not config.get("private_key"):
            raise InputError("Missing required field: client_secret")
        url = check_instance_url(config["instance_url"], sandbox_mode=self.runtime.sandbox_mode)
        credentials = Credentials(
            str(config["client_id"]),
            config.get("client_secret") or None,
            config.get("username") or None,
            config.get("private_key") or None,
        )
        capacity = float(config.get("max_api_capacity") or 100) / 100.0
        return SalesforceClient(
            url,
            credentials,
            budgets=self.runtime.budgets,
            capacity=capacity,
            transport=self.runtime.transport,
            stats=stats,
            observer=self.runtime.observer,
            timeout=self.runtime.timeout,
        )

    async def validate_token(self, credentials: dict[str, Any]) -> ValidatedUser:
        """The app gets a token, and the org says who it runs as (the OAuth identity of the session)."""
        client = self.client(credentials)
        try:
            me = await whoami(client)
        finally:
            await client.aclose()
        return me

    async def open_adapter(self, ctx: JobContext) -> SalesforceAdapter:
        client = self.client(ctx.config, stats=ctx.http_stats)
        try:
            await client.access_token()  # the app, its secret or key, and the org all work
        except BaseException:
            await client.aclose()
            raise
        return SalesforceAdapter(ctx, client)

    async def realism(
        self, config: dict[str, Any], entries: list[LedgerEntry], company: Company
    ) -> list[dict[str, Any]]:
        client = self.client(config)
        try:
            return await measure(client, entries, company)
        finally:
            await client.aclose()


async def whoami(client: SalesforceClient) -> ValidatedUser:
    """The user the app acts as: named by the token's identity URL (the client credentials flow's execution
    user, or the JWT bearer flow's ``username``)."""
    await client.access_token()
    if not client.user_id:
        return ValidatedUser(name=client.credentials.username or "connected app", email=None, id="")
    row = await client.get("User", client.user_id, ("Id", "Name", "Username", "Email"))
    return ValidatedUser(
        name=str(row.get("Name") or row.get("Username")), email=row.get("Email"), id=str(row.get("Id"))
    )
