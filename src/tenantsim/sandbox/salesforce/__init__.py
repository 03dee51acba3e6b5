"""A Salesforce org emulator (REST API v59.0): sObjects, SOQL, Composite and Collections, OAuth, limits."""

from tenantsim.sandbox.salesforce.app import SalesforceSandbox, create_app

__all__ = ["SalesforceSandbox", "create_app"]
