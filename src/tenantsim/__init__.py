"""tenantsim: makes SaaS tenants look lived-in."""

__version__ = "2.0.0"
