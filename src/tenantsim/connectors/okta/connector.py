"""OktaConnector: token checks, the read helpers behind /api/okta/*, and the job's adapter.

Org URLs reach here already checked by the API (an Okta domain, or loopback in sandbox mode).
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from tenantsim.connectors.base import ConnectorRuntime, JobContext, ValidatedUser
from tenantsim.connectors.okta import realism
from tenantsim.connectors.okta.adapter import OktaAdapter
from tenantsim.connectors.okta.client import OktaClient
from tenantsim.connectors.okta.people import user_summary
from tenantsim.connectors.okta.pool import OktaClientPool, display_name
from tenantsim.errors import InputError
from tenantsim.scenario.company import Company
from tenantsim.store.ledger_types import LedgerEntry


def org_name(org_url: str) -> str:
    """dev-123456 for https://dev-123456.okta.com; "sandbox" for a loopback emulator."""
    host = urlsplit(org_url).hostname or ""
    try:
        ipaddress.ip_address(host)
        return "sandbox"
    except ValueError:
        return "sandbox" if host == "localhost" else host.split(".")[0]


class OktaConnector:
    connection_type = "okta"

    def __init__(self, runtime: ConnectorRuntime) -> None:
        self.runtime = runtime

    def _client(self, token: str, org_url: str) -> OktaClient:
        return OktaClient(token, org_url=org_url, name="api", budgets=self.runtime.budgets,
                          transport=self.runtime.transport, observer=self.runtime.observer,
                          timeout=self.runtime.timeout)

    async def validate_token(self, credentials: dict[str, Any]) -> ValidatedUser:
        """An SSWS ``token``, or a service app's ``client_id`` and ``private_key``: who it acts as."""
        token, org_url = credentials.get("token"), credentials.get("org_url")
        if not org_url:
            raise InputError("Missing required field: org_url")
        if not token and credentials.get("client_id") and credentials.get("private_key"):
            client = OktaClient.from_entry(credentials, org_url=str(org_url), budgets=self.runtime.budgets,
                                           transport=self.runtime.transport, timeout=self.runtime.timeout,
                                           observer=self.runtime.observer)
            try:
                ident, name, email = await client.whoami()
            finally:
                await client.aclose()
            return ValidatedUser(name=name, email=email, id=ident)
        if not token:
            raise InputError("Missing required field: token")
        client = self._client(str(token), str(org_url))
        try:
            me = await client.me()
        finally:
            await client.aclose()
        email = (me.get("profile") or {}).get("email")
        return ValidatedUser(name=display_name(me), email=email, id=str(me["id"]))

    async def org_info(self, token: str, org_url: str) -> dict[str, Any]:
        user = await self.validate_token({"token": token, "org_url": org_url})
        return {"org_url": org_url.rstrip("/"), "org_name": org_name(org_url), "accessible": True,
                "authenticated_user": {"name": user.name, "email": user.email}}

    async def _collect(self, token: str, org_url: str, kind: str, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` items, following Okta's pages only as far as needed."""
        client = self._client(token, org_url)
        items: list[dict[str, Any]] = []
        try:
            pages = {"apps": client.apps(page_size=min(limit, 200)),
                     "users": client.users(page_size=min(limit, 200)),
                     "groups": client.groups(page_size=min(limit, 200))}[kind]
            async for item in pages:
                items.append(item)
                if len(items) >= limit:
                    break
        finally:
            await client.aclose()
        return items

    async def list_apps(self, token: str, org_url: str, limit: int) -> list[dict[str, Any]]:
        return [{"id": a.get("id"), "name": a.get("name"), "label": a.get("label"), "status": a.get("status"),
                 "created": a.get("created"), "lastUpdated": a.get("lastUpdated")}
                for a in await self._collect(token, org_url, "apps", limit)]

    async def list_users(self, token: str, org_url: str, limit: int) -> list[dict[str, Any]]:
        return [user_summary(u) for u in await self._collect(token, org_url, "users", limit)]

    async def list_groups(self, token: str, org_url: str, limit: int) -> list[dict[str, Any]]:
        return [{"id": g.get("id"), "name": (g.get("profile") or {}).get("name"),
                 "description": (g.get("profile") or {}).get("description"), "type": g.get("type"),
                 "created": g.get("created"), "lastUpdated": g.get("lastUpdated")}
                for g in await self._collect(token, org_url, "groups", limit)]

    async def realism(self, config: dict[str, Any], entries: list[LedgerEntry],
                      company: Company) -> list[dict[str, Any]]:
        """The job's realism measures, read from its org with the first of its tokens Okta accepts."""
        pool = OktaClientPool(config["user_tokens"], org_url=str(config["org_url"]),
                              budgets=self.runtime.budgets, transport=self.runtime.transport,
                              observer=self.runtime.observer, timeout=self.runtime.timeout)
        try:
            members = await pool.validate()
            return await realism.measure(members[0].client, entries, company)
        finally:
            await pool.aclose()

    async def open_adapter(self, ctx: JobContext) -> OktaAdapter:
        capacity = float(ctx.config.get("max_api_capacity") or 100) / 100.0
        pool = OktaClientPool(ctx.config["user_tokens"], org_url=str(ctx.config["org_url"]),
                              budgets=self.runtime.budgets, capacity=capacity,
                              transport=self.runtime.transport, stats=ctx.http_stats,
                              observer=self.runtime.observer, timeout=self.runtime.timeout)
        try:
            await pool.validate()
            adapter = OktaAdapter(ctx, pool)
        except BaseException:
            await pool.aclose()
            raise
        if pool.rejected:
            ctx.activity("notice", f"{len(pool.rejected)} of {len(ctx.config['user_tokens'])} tokens were "
                         f"rejected by Okta and are not used: {', '.join(pool.rejected)}.", [])
        return adapter
