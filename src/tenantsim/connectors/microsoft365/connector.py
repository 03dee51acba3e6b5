"""M365Connector: the credential check (the app's token, and a person's delegated token when given), the
job's adapter and its realism measures. Credentials and base URLs reach here already checked by
``config.py``."""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.base import ConnectorRuntime, JobContext, ValidatedUser
from tenantsim.connectors.http import HttpStats
from tenantsim.connectors.microsoft365.adapter import M365Adapter
from tenantsim.connectors.microsoft365.client import AppCredentials, GraphClient
from tenantsim.connectors.microsoft365.config import check_api_base_url
from tenantsim.connectors.microsoft365.realism import measure
from tenantsim.connectors.microsoft365.state import Actor
from tenantsim.errors import AuthError, InputError
from tenantsim.scenario.company import Company
from tenantsim.store.ledger_types import LedgerEntry


class M365Connector:
    connection_type = "microsoft365"

    def __init__(self, runtime: ConnectorRuntime) -> None:
        self.runtime = runtime

    def client(self, config: dict[str, Any], *, stats: HttpStats | None = None) -> GraphClient:
        for name in ("tenant_id", "client_id", "domain"):
            if not config.get(name):
                raise InputError(f"Missing required field: {name}")
        if not config.get("client_secret") and not config.get("certificate_private_key"):
            raise InputError("Missing required field: client_secret, or certificate_private_key and "
                             "certificate_thumbprint")
        base = config.get("api_base_url")
        if base:
            base = check_api_base_url(base, sandbox_mode=self.runtime.sandbox_mode)
        credentials = AppCredentials(str(config["tenant_id"]), str(config["client_id"]),
                                     config.get("client_secret") or None,
                                     config.get("certificate_private_key") or None,
                                     config.get("certificate_thumbprint") or None)
        capacity = float(config.get("max_api_capacity") or 100) / 100.0
        return GraphClient(credentials, domain=str(config["domain"]).lower(), api_base_url=base,
                           budgets=self.runtime.budgets, capacity=capacity, transport=self.runtime.transport,
                           stats=stats, observer=self.runtime.observer, timeout=self.runtime.timeout)

    async def validate_token(self, credentials: dict[str, Any]) -> ValidatedUser:
        """The app can sign in and read the tenant; with a delegated ``token``, that person is who it says."""
        client = self.client(credentials)
        try:
            await client.check_app()
            token = credentials.get("token")
            if token:
                me = await client.me(str(token), str(credentials.get("name") or "person"))
                upn = me.get("userPrincipalName")
                return ValidatedUser(name=str(me.get("displayName") or upn or ""),
                                     email=me.get("mail") or upn, id=str(me.get("id")))
        finally:
            await client.aclose()
        return ValidatedUser(name=client.name, email=None, id=client.credentials.tenant_id)

    async def actors(self, client: GraphClient, ctx: JobContext) -> list[Actor]:
        """The people whose delegated tokens work (one per person); a refused token is named and dropped."""
        actors: list[Actor] = []
        for index, entry in enumerate(ctx.config.get("user_tokens") or []):
            label = str(entry.get("name") or f"person{index + 1}")
            try:
                me = await client.me(str(entry.get("token") or ""), label)
            except AuthError as exc:
                ctx.activity("notice", f"The delegated token “{label}” was refused by Microsoft 365 "
                             f"({exc.message}); that person does not work in this job.", [])
                continue
            if any(a.user_id == str(me.get("id")) for a in actors):
                continue
            actors.append(Actor(label, str(entry["token"]), str(me.get("id")),
                                str(me.get("userPrincipalName") or ""),
                                str(me.get("displayName") or me.get("userPrincipalName") or label)))
        return actors

    async def open_adapter(self, ctx: JobContext) -> M365Adapter:
        client = self.client(ctx.config, stats=ctx.http_stats)
        try:
            await client.check_app()  # the app's credentials and permissions work
            actors = await self.actors(client, ctx)
        except BaseException:
            await client.aclose()
            raise
        return M365Adapter(ctx, client, actors)

    async def realism(self, config: dict[str, Any], entries: list[LedgerEntry],
                      company: Company) -> list[dict[str, Any]]:
        client = self.client(config)
        try:
            return await measure(client, entries, company)
        finally:
            await client.aclose()
