"""A stateful Microsoft 365 emulator: Microsoft Graph v1.0 (users, groups, Teams, Planner) and Entra ID's
client-credentials token endpoint."""

from tenantsim.sandbox.m365.app import DEFAULT_DOMAIN, M365Sandbox, create_app

__all__ = ["DEFAULT_DOMAIN", "M365Sandbox", "create_app"]
