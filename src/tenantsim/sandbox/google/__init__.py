"""A stateful Google Workspace emulator: Directory and Calendar APIs and the service-account token grant."""

from tenantsim.sandbox.google.app import DEFAULT_DOMAIN, GoogleSandbox, create_app

__all__ = ["DEFAULT_DOMAIN", "GoogleSandbox", "create_app"]
