"""Sandbox Okta org: an emulator of the Okta Management API (users, groups, apps, factors)."""

from tenantsim.sandbox.okta.app import DEFAULT_TOKEN, OktaSandbox, create_app

__all__ = ["DEFAULT_TOKEN", "OktaSandbox", "create_app"]
